//! `vision_click` (the element that best matches a kind and a text, clicked with a real mouse)
//! and `vision_report` (every element, as JSON and as a screenshot with numbered boxes).

use std::time::{Duration, Instant};

use panoptic_core::analyze::{AnalyzeError, Finding, Findings, Severity};
use panoptic_core::config::ImageFormat;
use panoptic_core::page::{Page, PageError, ScreenshotOpts};

use crate::draw;
use crate::elements::{self, Found};

/// How often detection looks again while the wanted element is not there yet.
const POLL: Duration = Duration::from_millis(100);

/// Clicks the best match, detecting again until one is there, enabled, or `timeout` passes.
pub(crate) async fn click(
    page: &mut dyn Page,
    action: &str,
    kind: Option<&str>,
    text: Option<&str>,
    threshold: f64,
    timeout: Duration,
) -> Result<Findings, AnalyzeError> {
    let deadline = Instant::now() + timeout;
    loop {
        let found = elements::detect(page).await?;
        let ranked = rank(&found, kind, text);
        let best = ranked
            .iter()
            .find(|(f, score)| *score >= threshold && found[*f].info.enabled)
            .copied();
        if let Some((i, score)) = best {
            let f = &found[i];
            match page.click(&f.info, 1).await {
                Ok(()) => return Ok(clicked(action, f, score)),
                // The page moved under the pointer: look again.
                Err(PageError::Detached) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if Instant::now() >= deadline {
            return Err(AnalyzeError::Unsupported(no_match(
                &found, &ranked, kind, text, threshold, timeout,
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

fn clicked(action: &str, f: &Found, score: f64) -> Findings {
    let e = &f.element;
    Findings {
        findings: vec![Finding {
            kind: action.to_owned(),
            severity: Severity::Info,
            message: format!("clicked {} \"{}\" (match {score:.2})", e.kind, e.name),
            locator: Some(e.locator.clone()),
            impact: None,
            recommendation: Some(format!("a plain `click` on `{}` does the same", e.locator)),
        }],
        elements: vec![e.clone()],
        ..Findings::default()
    }
}

fn no_match(
    found: &[Found],
    ranked: &[(usize, f64)],
    kind: Option<&str>,
    text: Option<&str>,
    threshold: f64,
    timeout: Duration,
) -> String {
    let wanted = match (kind, text) {
        (Some(k), Some(t)) => format!("a {k} matching \"{t}\""),
        (Some(k), None) => format!("a {k}"),
        (None, Some(t)) => format!("an element matching \"{t}\""),
        (None, None) => "an element".into(),
    };
    let closest: Vec<String> = ranked
        .iter()
        .take(3)
        .map(|&(i, s)| {
            let e = &found[i].element;
            format!(
                "{} \"{}\" at `{}` (match {s:.2}{})",
                e.kind,
                e.name,
                e.locator,
                if e.enabled { "" } else { ", disabled" }
            )
        })
        .collect();
    let mut msg = format!(
        "no enabled element is {wanted} with a match of at least {threshold:.2} (`settings.ai_testing.confidence_threshold`) within {} ms; {} element(s) on the page",
        timeout.as_millis(),
        found.len()
    );
    if !closest.is_empty() {
        msg.push_str("; closest: ");
        msg.push_str(&closest.join(", "));
    }
    msg
}

/// Elements of the wanted kind, best match first (ties keep document order).
pub(crate) fn rank(found: &[Found], kind: Option<&str>, text: Option<&str>) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = found
        .iter()
        .enumerate()
        .filter(|(_, f)| kind.is_none_or(|k| same_kind(k, &f.element.kind)))
        .map(|(i, f)| (i, text.map_or(1.0, |t| score(f, t))))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// A text field is asked for as `textfield` whether it has one line or several.
fn same_kind(want: &str, kind: &str) -> bool {
    want == kind || (want == "textfield" && kind == "textarea")
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// How well `want` matches what the element says about itself, 0 to 1: its accessible name
/// and label count fully, its placeholder, alt, title and text a little less, text near it
/// less again.
pub(crate) fn score(f: &Found, want: &str) -> f64 {
    let want = norm(want);
    if want.is_empty() {
        return 1.0;
    }
    let s = &f.seen;
    let fields: [(&str, f64); 9] = [
        (&f.element.name, 1.0),
        (&s.labels, 1.0),
        (&s.aria, 1.0),
        (&s.placeholder, 0.95),
        (&s.alt, 0.95),
        (&s.title, 0.9),
        (&s.text, 0.95),
        (&s.testid, 0.8),
        (&s.near, 0.8),
    ];
    fields
        .iter()
        .map(|(have, weight)| similarity(&norm(have), &want) * weight)
        .fold(0.0, f64::max)
}

/// 1 for the same text; close to 1 when one holds the other; else edit and word similarity.
pub(crate) fn similarity(have: &str, want: &str) -> f64 {
    if have.is_empty() {
        return 0.0;
    }
    if have == want {
        return 1.0;
    }
    let (hl, wl) = (have.chars().count() as f64, want.chars().count() as f64);
    if have.contains(want) {
        return 0.8 + 0.15 * wl / hl;
    }
    if want.contains(have) {
        return 0.6 + 0.3 * hl / wl;
    }
    let edit = strsim::normalized_damerau_levenshtein(have, want);
    let hw: Vec<&str> = have.split(' ').collect();
    let ww: Vec<&str> = want.split(' ').collect();
    let shared = ww.iter().filter(|w| hw.contains(w)).count() as f64;
    let words = shared / (hw.len().max(ww.len()) as f64);
    (edit * 0.9).max(words * 0.85)
}

/// Every element, with a screenshot that shows them numbered.
pub(crate) async fn report(page: &mut dyn Page, action: &str) -> Result<Findings, AnalyzeError> {
    let started = Instant::now();
    let found = elements::detect(page).await?;
    let took = started.elapsed();
    let opts = ScreenshotOpts {
        format: ImageFormat::Png,
        quality: 90,
        full_page: false,
        clip: None,
    };
    // Password fields are covered, as in every screenshot panoptic takes.
    let shot = panoptic_actions::masked_screenshot(page, &opts, &[])
        .await
        .map_err(|e| AnalyzeError::Unsupported(format!("screenshot failed: {}", e.message)))?;
    let html = panoptic_core::locator::Locator::parse("html").map_err(AnalyzeError::Unsupported)?;
    let width = match page.resolve(&html, Default::default()).await?.first() {
        Some(root) => page.call_on(root, "() => innerWidth").await?.as_f64().unwrap_or(0.0),
        None => 0.0,
    };
    let boxes: Vec<draw::Mark> = found
        .iter()
        .map(|f| draw::Mark {
            number: f.element.number,
            bbox: f.element.bbox,
            colour: draw::colour_of(&f.element.kind),
        })
        .collect();
    let image = draw::annotate(&shot, width, &boxes)
        .map_err(|e| AnalyzeError::Unsupported(format!("cannot mark the screenshot: {e}")))?;
    let findings = vec![Finding {
        kind: action.to_owned(),
        severity: Severity::Info,
        message: format!("{} element(s) detected in {} ms", found.len(), took.as_millis()),
        locator: None,
        impact: None,
        recommendation: None,
    }];
    Ok(Findings {
        findings,
        elements: found.into_iter().map(|f| f.element).collect(),
        image: Some(image),
        ..Findings::default()
    })
}

#[cfg(test)]
mod tests;
