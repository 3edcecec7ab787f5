//! The attempt's video: started after the lease, driven by `record` steps, kept or deleted by
//! `video.mode` at the end.

use std::time::Duration;

use panoptic_actions::Outcome;
use panoptic_core::config::{ActionKind, VideoFormat, VideoMode};
use panoptic_core::page::{Page, VideoOpts};
use panoptic_core::results::*;

use crate::shared::*;

pub(crate) fn video_rel(cx: &AttemptCx<'_>) -> String {
    let ext = match cx.settings.video_format {
        VideoFormat::Webm => "webm",
        VideoFormat::Mp4 => "mp4",
    };
    format!("videos/{}/video.{ext}", cx.dir)
}

/// The largest frame that fits in 800×800 keeping the viewport's shape, as Playwright sizes its
/// videos (1280×720 → 800×450): Chromium encodes every frame it sends and ffmpeg every frame it
/// writes, so frame size is most of what a video costs.
pub(crate) fn video_size(width: u32, height: u32) -> (u32, u32) {
    let scale = (800.0 / f64::from(width.max(1)))
        .min(800.0 / f64::from(height.max(1)))
        .min(1.0);
    let fit = |n: u32| ((f64::from(n) * scale).round() as u32).max(2);
    (fit(width), fit(height))
}

/// Starts the attempt's video into a file the store opened (ffmpeg gets the descriptor, never
/// a path); a start that fails leaves no file behind.
pub(crate) async fn start_video(
    cx: &AttemptCx<'_>,
    shared: &Shared<'_>,
    page: &mut dyn Page,
    state: &mut StepState,
) -> Result<(), String> {
    let rel = video_rel(cx);
    let file = match shared.artifacts.create_file(&rel) {
        Some(Ok(f)) => f,
        Some(Err(e)) => return Err(e.to_string()),
        None => return Err("the artifact store has no local file to record into".into()),
    };
    let v = &cx.settings.video;
    let (width, height) = video_size(cx.settings.window_width, cx.settings.window_height);
    let opts = VideoOpts {
        path: rel.clone().into(),
        file,
        format: cx.settings.video_format,
        fps: v.fps,
        quality: v.quality,
        width,
        height,
        max_bytes: cx.settings.limits.max_artifact_mb.saturating_mul(1 << 20),
    };
    let started = page.start_video(&opts).await;
    drop(opts);
    match started {
        Ok(()) => {
            state.video_files.push(rel);
            Ok(())
        }
        Err(e) => {
            let _ = shared.artifacts.delete(&rel);
            Err(e.to_string())
        }
    }
}

/// `record`, `record_start`, `record_stop`: they drive the attempt's one video.
pub(crate) async fn record_step(
    cx: &AttemptCx<'_>,
    shared: &Shared<'_>,
    page: &mut dyn Page,
    type_name: &str,
    kind: &ActionKind,
    state: &mut StepState,
) -> Result<Outcome, StepError> {
    let r = match kind {
        ActionKind::RecordStart if !state.recording => start_video(cx, shared, page, state).await,
        ActionKind::Record { duration } => {
            let started = if state.recording {
                Ok(())
            } else {
                start_video(cx, shared, page, state).await
            };
            match started {
                Ok(()) => {
                    state.recording = true;
                    tokio::time::sleep(duration.0).await;
                    if state.keep_video || cx.settings.video.mode != VideoMode::Off {
                        Ok(())
                    } else {
                        // A `record` on its own makes its own clip.
                        state.recording = false;
                        page.stop_video().await.map(drop).map_err(|e| e.to_string())
                    }
                }
                Err(e) => Err(e),
            }
        }
        ActionKind::RecordStart => Ok(()),
        ActionKind::RecordStop => {
            state.recording = false;
            page.stop_video().await.map(drop).map_err(|e| e.to_string())
        }
        _ => return Err(StepError::msg(format!("`{type_name}` is not a recording step"))),
    };
    match r {
        Ok(()) => {
            if matches!(kind, ActionKind::RecordStart) {
                state.recording = true;
            }
            state.keep_video = true;
            Ok(Outcome::Done)
        }
        Err(e) => Err(StepError::msg(format!("{type_name}: {e}"))),
    }
}

/// Stops the attempt's video and decides whether to keep it (`on`, a failed attempt under
/// `retain-on-failure`, or a `record` step); returns its path.
pub(crate) async fn finish_video(
    cx: &AttemptCx<'_>,
    shared: &Shared<'_>,
    page: &mut dyn Page,
    state: &mut StepState,
    status: Status,
    steps: &mut [StepResult],
    healthy: bool,
) -> Option<String> {
    let rel = video_rel(cx);
    let exists = state.video_files.contains(&rel) && shared.artifacts.exists(&rel);
    let limit = if healthy {
        Duration::from_secs(70)
    } else {
        Duration::from_secs(10)
    };
    let stopped = if state.recording {
        state.recording = false;
        match tokio::time::timeout(limit, page.stop_video()).await {
            Ok(Ok(info)) => info.is_some(),
            Ok(Err(e)) => {
                tracing::warn!(test = %cx.app.name, "video failed: {e}");
                false
            }
            Err(_) => false,
        }
    } else {
        exists
    };
    let keep = stopped
        && (state.keep_video
            || match cx.settings.video.mode {
                VideoMode::On => true,
                VideoMode::RetainOnFailure => status != Status::Passed,
                VideoMode::Off => false,
            });
    if keep {
        return Some(rel);
    }
    // The video and the step thumbnails this attempt made, and nothing else (a file of an
    // earlier run in the same output folder is not this attempt's to delete).
    for key in state.video_files.drain(..) {
        if let Err(e) = shared.artifacts.delete(&key) {
            tracing::warn!("cannot delete {key}: {e}");
        }
    }
    for s in steps {
        s.thumbnail = None;
    }
    None
}
