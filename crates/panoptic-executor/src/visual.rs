//! `assert_screenshot`: the page (or one element), stilled and masked, compared with its
//! baseline `<config>-snapshots/<test>/<name>.png` beside the config by pixelmatch's measure
//! (`blazediff`: YIQ colour distance per pixel, anti-aliased pixels not counted). A capture is
//! taken until two in a row agree (the page has settled) or the step's time ends. A mismatch
//! keeps expected, actual and diff images; a missing baseline is written and fails ("review
//! it") unless `--update-snapshots`, which also rewrites a baseline that differs — and only one
//! that differs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use panoptic_actions::Outcome;
use panoptic_core::config::{Action, ActionKind, ImageFormat, ScreenshotCheck};
use panoptic_core::page::Page;
use panoptic_core::results::StepError;
use serde_json::json;
use tokio::time::Instant;

use crate::artifacts::slug;
use crate::run::Executor;
use crate::shared::{AttemptCx, Shared, StepCx, StepState};
use crate::step::store;

/// An RGBA8 image (4 bytes a pixel, rows top to bottom).
pub(crate) type Rgba = blazediff::Image;

/// Decodes a PNG into RGBA8 (grey, RGB, palette and 16-bit images included).
pub(crate) fn decode(bytes: &[u8]) -> Result<Rgba, String> {
    let mut dec = png::Decoder::new(bytes);
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = dec.read_info().map_err(|e| format!("not a PNG image: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("not a PNG image: {e}"))?;
    buf.truncate(info.buffer_size());
    let data = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        png::ColorType::GrayscaleAlpha => buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => return Err("palette PNG was not expanded".into()),
    };
    Ok(Rgba {
        width: info.width,
        height: info.height,
        data,
    })
}

/// Encodes RGBA8 as PNG.
pub(crate) fn encode(img: &Rgba) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, img.width, img.height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(&img.data).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// How two images compare.
pub(crate) enum Compared {
    /// Within the limits.
    Same,
    /// Sizes differ: nothing to compare pixel by pixel.
    Size { expected: (u32, u32), actual: (u32, u32) },
    /// Too many pixels differ; the diff image marks them.
    Differs {
        pixels: u64,
        ratio: f64,
        allowed: u64,
        diff: Rgba,
    },
}

/// Compares `actual` with `expected` under the step's threshold and limits.
pub(crate) fn compare(expected: &Rgba, actual: &Rgba, check: &ScreenshotCheck) -> Result<Compared, String> {
    if (expected.width, expected.height) != (actual.width, actual.height) {
        return Ok(Compared::Size {
            expected: (expected.width, expected.height),
            actual: (actual.width, actual.height),
        });
    }
    let mut out = Rgba::new(expected.width, expected.height);
    let opts = blazediff::DiffOptions {
        threshold: check.threshold,
        ..blazediff::DiffOptions::default()
    };
    let r = blazediff::diff(expected, actual, Some(&mut out), &opts).map_err(|e| format!("image comparison: {e}"))?;
    let total = u64::from(expected.width) * u64::from(expected.height);
    let pixels = u64::from(r.diff_count);
    let allowed = allowed_pixels(check, total);
    if pixels <= allowed {
        return Ok(Compared::Same);
    }
    Ok(Compared::Differs {
        pixels,
        ratio: pixels as f64 / total.max(1) as f64,
        allowed,
        diff: out,
    })
}

/// Most differing pixels the step allows: `max_diff_pixels`, or `max_diff_ratio` of all, the
/// larger when both are given; none by default.
pub(crate) fn allowed_pixels(check: &ScreenshotCheck, total: u64) -> u64 {
    let by_ratio = check.max_diff_ratio.map(|r| (r * total as f64).floor() as u64);
    match (check.max_diff_pixels, by_ratio) {
        (Some(p), Some(r)) => p.max(r),
        (Some(p), None) => p,
        (None, Some(r)) => r,
        (None, None) => 0,
    }
}

/// Where the step's baseline lives: `<config file name>-snapshots/<test>/<name>.png`.
pub(crate) fn baseline_path(config: &Path, test: &str, name: &str) -> PathBuf {
    let dir = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file = config
        .file_name()
        .map_or_else(|| "config".into(), |f| f.to_string_lossy().into_owned());
    dir.join(format!("{file}-snapshots"))
        .join(slug(test))
        .join(format!("{name}.png"))
}

/// What one capture-and-compare round found.
enum Round {
    Passed,
    Missing(Vec<u8>),
    Failed(Vec<u8>, Compared),
}

impl Executor<'_> {
    /// Takes the step's screenshot until it settles and compares it with the baseline.
    #[expect(
        clippy::too_many_arguments,
        reason = "the step's whole context, as the other runners get it"
    )]
    pub(crate) async fn assert_screenshot(
        &self,
        cx: &AttemptCx<'_>,
        shared: &Shared<'_>,
        page: &mut dyn Page,
        action: &Action,
        kind: &ActionKind,
        at: &StepCx<'_>,
        state: &mut StepState,
        timeout: Duration,
    ) -> (Result<Outcome, StepError>, Option<serde_json::Value>, Vec<String>) {
        let ActionKind::AssertScreenshot { check } = kind else {
            return (Err(StepError::msg("not an `assert_screenshot` step")), None, Vec::new());
        };
        let name = check
            .name
            .clone()
            .unwrap_or_else(|| format!("{:02}-{}", at.index, slug(&action.name)));
        let baseline = baseline_path(&cx.config.source, &cx.app.name, &name);
        let expected = match tokio::fs::read(&baseline).await {
            Ok(b) => match decode(&b) {
                Ok(img) => Some(img),
                Err(e) => {
                    let msg = format!("baseline {}: {e}", baseline.display());
                    return (Err(StepError::msg(msg)), None, Vec::new());
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return (
                    Err(StepError::msg(format!("baseline {}: {e}", baseline.display()))),
                    None,
                    Vec::new(),
                );
            }
        };
        let deadline = Instant::now() + timeout;
        let mut previous: Option<Vec<u8>> = None;
        let round = loop {
            let mut ctx = crate::step::action_ctx(&mut *page, cx.settings, at, timeout, &mut state.events, false);
            ctx.format = ImageFormat::Png;
            let shot = async {
                panoptic_actions::freeze(ctx.page).await?;
                panoptic_actions::capture(&mut ctx, check.full_page, check.selector.as_deref(), &check.mask).await
            };
            let bytes = match shot.await {
                Ok(b) => b,
                Err(e) => return (Err(e), None, Vec::new()),
            };
            let settled = previous.as_ref() == Some(&bytes);
            let late = Instant::now() >= deadline;
            if !settled && !late {
                previous = Some(bytes);
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            let Some(expected) = &expected else {
                break Round::Missing(bytes);
            };
            let exp = Rgba {
                data: expected.data.clone(),
                ..*expected
            };
            let chk = check.as_ref().clone();
            let b = bytes.clone();
            let compared = tokio::task::spawn_blocking(move || compare(&exp, &decode(&b)?, &chk))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r);
            match compared {
                Ok(Compared::Same) => break Round::Passed,
                Ok(c) if late => break Round::Failed(bytes, c),
                Ok(_) => {
                    previous = Some(bytes);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return (Err(StepError::msg(e)), None, Vec::new()),
            }
        };
        let shown = baseline.display().to_string();
        let update = shared.opts.update_snapshots;
        match round {
            Round::Passed => (
                Ok(Outcome::Value(json!({ "baseline": shown, "result": "matched" }))),
                None,
                Vec::new(),
            ),
            Round::Missing(bytes) => {
                if let Err(e) = write_baseline(&baseline, bytes).await {
                    return (Err(StepError::msg(e)), None, Vec::new());
                }
                if update {
                    (
                        Ok(Outcome::Value(json!({ "baseline": shown, "result": "written" }))),
                        None,
                        Vec::new(),
                    )
                } else {
                    let e = StepError::msg(format!(
                        "no baseline for `{name}`: {shown} written, review it (or run with --update-snapshots)"
                    ));
                    (
                        Err(e),
                        Some(json!({ "baseline": shown, "result": "missing" })),
                        Vec::new(),
                    )
                }
            }
            Round::Failed(bytes, compared) => {
                if update {
                    if let Err(e) = write_baseline(&baseline, bytes).await {
                        return (Err(StepError::msg(e)), None, Vec::new());
                    }
                    return (
                        Ok(Outcome::Value(json!({ "baseline": shown, "result": "updated" }))),
                        None,
                        Vec::new(),
                    );
                }
                let base = format!("screenshots/{}/{name}", cx.dir);
                let mut files = Vec::new();
                let expected = expected.as_ref().map(encode).transpose().ok().flatten();
                let diff = match &compared {
                    Compared::Differs { diff, .. } => encode(diff).ok(),
                    _ => None,
                };
                for (suffix, data) in [("expected", expected), ("actual", Some(bytes)), ("diff", diff)] {
                    if let Some(data) = data
                        && let Ok(rel) = store(shared, cx, &format!("{base}-{suffix}.png"), data).await
                    {
                        files.push(rel);
                    }
                }
                let (message, detail) = match compared {
                    Compared::Size { expected, actual } => (
                        format!(
                            "`{name}` is {}×{} px, its baseline {}×{} px",
                            actual.0, actual.1, expected.0, expected.1
                        ),
                        json!({ "expected_size": [expected.0, expected.1], "actual_size": [actual.0, actual.1] }),
                    ),
                    Compared::Differs {
                        pixels, ratio, allowed, ..
                    } => (
                        format!(
                            "`{name}`: {pixels} pixels differ ({:.2} % of the image), {allowed} allowed (threshold {})",
                            ratio * 100.0,
                            check.threshold
                        ),
                        json!({ "diff_pixels": pixels, "diff_ratio": ratio, "allowed_pixels": allowed }),
                    ),
                    Compared::Same => (String::new(), json!({})),
                };
                let mut out = json!({ "baseline": shown, "result": "differs", "images": files });
                if let (Some(o), Some(d)) = (out.as_object_mut(), detail.as_object()) {
                    o.extend(d.clone());
                }
                let e = StepError {
                    message,
                    expected: Some(format!("matches {shown}")),
                    actual: Some("differs".into()),
                    ..StepError::default()
                };
                (Err(e), Some(out), files)
            }
        }
    }
}

/// Writes a baseline, making its folders.
async fn write_baseline(path: &Path, bytes: Vec<u8>) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    }
    tokio::fs::write(path, bytes)
        .await
        .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
}

#[cfg(test)]
mod tests;
