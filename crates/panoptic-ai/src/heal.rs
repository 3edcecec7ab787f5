//! Self-healing: when an action's locator matches nothing, the element it found in the last
//! passing run (its [`Fingerprint`], from the run history) is looked for among the page's
//! elements (`heal.js`: same tag, a role attribute or a native control; visible; through shadow
//! roots and same-origin frames), each scored Healenium-style — weighted similarity of tag,
//! id, classes, telling attributes, text, accessible name, ancestor path and position. An
//! element with another role (or input type) is never a match, nor one whose name says
//! something else: a changed purpose is a regression to report, not to heal. The best one at
//! or above the threshold gets a locator checked unique by the engine.

use panoptic_core::analyze::{AnalyzeError, Finding, Heal, Impact, Severity};
use panoptic_core::locator::Locator;
use panoptic_core::page::{Fingerprint, Page, ResolveOpts};
use panoptic_core::results::Healed;
use serde::Deserialize;
use serde_json::Value;

use crate::vision::similarity;

const FIND: &str = concat!(
    "(html) => {\n",
    include_str!("prelude.js"),
    include_str!("heal.js"),
    "}"
);

/// Form fields: their text is not what they say.
const FIELD_TAGS: [&str; 3] = ["input", "textarea", "select"]; // tidy: not an action (tag names)

/// Where a candidate sits: its frame prefix and CSS path.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Place {
    frame: String,
    path: String,
}

pub(crate) async fn heal(page: &mut dyn Page, was: &Fingerprint, threshold: f64) -> Result<Option<Heal>, AnalyzeError> {
    let html = Locator::parse("html").map_err(AnalyzeError::Unsupported)?;
    let Some(root) = page.resolve(&html, ResolveOpts::default()).await?.into_iter().next() else {
        return Ok(None);
    };
    let want = serde_json::json!({ "tag": was.tag }).to_string();
    // One call finds the candidates and fingerprints them; the elements stay in the world.
    let v = page.call_on(&root, &FIND.replace("__WANT__", &want)).await?;
    let now: Vec<Fingerprint> = serde_json::from_value(v["fingerprints"].clone())
        .map_err(|e| AnalyzeError::Unsupported(format!("healing answered oddly: {e}")))?;
    let places: Vec<Place> = serde_json::from_value(v["paths"].clone()).unwrap_or_default();
    let Some((best, score)) = best(was, &now) else {
        return Ok(None);
    };
    if score < threshold {
        return Ok(None);
    }
    let place = places.get(best).map_or_else(Place::default, |p| Place {
        frame: p.frame.clone(),
        path: p.path.clone(),
    });
    let candidates = locators(&now[best], &place);
    let parts: Vec<Value> = candidates
        .iter()
        .map(|l| Locator::parse(l).map_or(Value::Null, |l| serde_json::to_value(&l.parts).unwrap_or(Value::Null)))
        .collect();
    let script = format!(
        "() => window.__panoptic.unique([window.__panoptic_ai.els[{best}]], [{}], 1)",
        serde_json::to_string(&parts).unwrap_or_default()
    );
    let checked = page.call_on(&root, &script).await?;
    let first = &checked[0];
    let locator = match first["ok"].get(0).and_then(Value::as_u64) {
        Some(i) => candidates[i as usize].clone(),
        None => match (
            first["nth"].get(0).and_then(Value::as_u64),
            first["nth"].get(1).and_then(Value::as_u64),
        ) {
            (Some(i), Some(at)) => format!("{} >> nth={at}", candidates[i as usize]),
            _ => return Ok(None),
        },
    };
    Ok(Some(Heal { locator, score }))
}

/// A healed step, as a finding of `ai_enhanced_testing`'s report (a warning: the step passed,
/// but its locator should change).
pub(crate) fn finding(h: &Healed) -> Finding {
    Finding {
        kind: "healed".into(),
        severity: Severity::Warning,
        message: format!(
            "`{}` (line {}) matched nothing; `{}` was used (match {:.2})",
            h.from, h.line, h.to, h.score
        ),
        locator: Some(h.to.clone()),
        impact: Some(Impact::Moderate),
        recommendation: Some("adopt the new locator: `panoptic heal --write <output>`".into()),
    }
}

/// The best-scoring element that may stand for `was`, and its score.
pub(crate) fn best(was: &Fingerprint, now: &[Fingerprint]) -> Option<(usize, f64)> {
    now.iter()
        .enumerate()
        .filter_map(|(i, fp)| score(was, fp).map(|s| (i, s)))
        .fold(None, |acc: Option<(usize, f64)>, (i, s)| match acc {
            Some((_, b)) if b >= s => acc,
            _ => Some((i, s)),
        })
}

fn attr<'a>(fp: &'a Fingerprint, name: &str) -> Option<&'a str> {
    fp.attrs
        .iter()
        .find_map(|a| a.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

fn lower(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Shared items over all items (1 when both are empty).
fn jaccard(a: &[String], b: &[String]) -> f64 {
    let union = a.iter().chain(b.iter().filter(|x| !a.contains(x))).count();
    if union == 0 {
        return 1.0;
    }
    a.iter().filter(|x| b.contains(x)).count() as f64 / union as f64
}

/// Longest common subsequence of two tag paths over the longer length.
fn path_similarity(a: &[String], b: &[String]) -> f64 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diag = 0;
        for (j, y) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if x == y { diag + 1 } else { row[j + 1].max(row[j]) };
            diag = up;
        }
    }
    row[b.len()] as f64 / longest as f64
}

/// How well `now` stands for `was`, 0 to 1; `None` when it cannot (another role or input type,
/// or a name that says something else).
pub(crate) fn score(was: &Fingerprint, now: &Fingerprint) -> Option<f64> {
    if was.role != now.role {
        return None;
    }
    if (was.tag == "input" || now.tag == "input") && attr(was, "type") != attr(now, "type") {
        return None;
    }
    let name = similarity(&lower(&now.name), &lower(&was.name));
    if !was.name.trim().is_empty() && name < 0.5 {
        return None;
    }
    // (weight, similarity) of each feature the old element had.
    let mut parts: Vec<(f64, f64)> = vec![(1.0, f64::from(u8::from(was.tag == now.tag)))];
    if !was.id.is_empty() {
        parts.push((1.5, similarity(&now.id.to_lowercase(), &was.id.to_lowercase())));
    }
    if !was.classes.is_empty() {
        parts.push((1.0, jaccard(&was.classes, &now.classes)));
    }
    if !was.attrs.is_empty() {
        parts.push((1.5, jaccard(&was.attrs, &now.attrs)));
    }
    if !was.text.trim().is_empty() {
        parts.push((2.0, similarity(&lower(&now.text), &lower(&was.text))));
    }
    if !was.name.trim().is_empty() {
        parts.push((2.0, name));
    }
    parts.push((1.5, path_similarity(&was.path, &now.path)));
    let [x0, y0, ..] = was.bbox;
    let [x1, y1, ..] = now.bbox;
    let moved = f64::from((x0 - x1).abs() + (y0 - y1).abs());
    parts.push((0.5, 1.0 - (moved / 600.0).min(1.0)));
    let (w, s) = parts.iter().fold((0.0, 0.0), |(w, s), (pw, ps)| (w + pw, s + pw * ps));
    // What the element says is what it is for: a name that changed at all weighs on the whole
    // score, so a look-alike ("Save as" for "Save") falls below an element that kept its
    // name but lost its id.
    let purpose = if was.name.trim().is_empty() { 1.0 } else { name * name };
    Some(s / w * purpose)
}

/// Locators for the chosen element, in codegen order; the page picks the first unique one.
fn locators(fp: &Fingerprint, place: &Place) -> Vec<String> {
    let ok =
        |s: &str| !s.is_empty() && s.chars().count() <= 80 && !s.contains(['"', '\\', '\n', ']']) && !s.contains(">>");
    let mut out = Vec::new();
    if let Some(t) = attr(fp, "data-testid").filter(|t| ok(t)) {
        out.push(format!("testid={t}"));
    }
    if !fp.role.is_empty() && ok(&fp.name) {
        out.push(format!("role={}[name=\"{}\"]", fp.role, fp.name));
    }
    if let Some(p) = attr(fp, "placeholder").filter(|p| ok(p)) {
        out.push(format!("placeholder={p}"));
    }
    if !FIELD_TAGS.contains(&fp.tag.as_str()) && ok(&fp.text) {
        out.push(format!("text=\"{}\"", fp.text));
    }
    if !fp.id.is_empty() {
        out.push(crate::elements::id_locator(&fp.id));
    }
    let mut out: Vec<String> = out.into_iter().map(|l| format!("{}{l}", place.frame)).collect();
    if !place.path.is_empty() {
        out.push(format!("{}{}", place.frame, place.path));
    }
    out
}

#[cfg(test)]
mod tests;
