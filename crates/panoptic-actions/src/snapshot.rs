//! A trace's DOM snapshot of the page, taken from panoptic's isolated world (`snapshot.js`).

use panoptic_core::locator::Locator;
use panoptic_core::page::{Page, ResolveOpts};
use panoptic_core::results::StepError;
use serde_json::Value;

use crate::ctx::page_err;

/// The serializer, called on `<html>` with the size limit.
const SNAPSHOT_JS: &str = include_str!("snapshot.js");

/// Marks (or, with `mark` false, unmarks) the form fields whose value holds one of `secrets`
/// — in the document and its open shadow roots — with `data-panoptic-secret`, so a screenshot
/// can cover them; how many were marked.
pub async fn mark_secret_fields(page: &mut dyn Page, secrets: &[String], mark: bool) -> Result<u64, StepError> {
    if secrets.is_empty() {
        return Ok(0);
    }
    let root = Locator::parse("html").map_err(StepError::msg)?;
    let found = page.resolve(&root, ResolveOpts::default()).await.map_err(page_err)?;
    let Some(html) = found.first() else { return Ok(0) };
    let list = serde_json::to_string(secrets).map_err(|e| StepError::msg(e.to_string()))?;
    let js = format!(
        "el => {{ const list = {list}; let n = 0; const walk = root => {{ for (const f of root.querySelectorAll('input, textarea')) {{ if ({mark} && list.some(s => String(f.value).includes(s))) {{ f.setAttribute('data-panoptic-secret', ''); n++; }} else if (!{mark}) f.removeAttribute('data-panoptic-secret'); }} for (const e of root.querySelectorAll('*')) if (e.shadowRoot) walk(e.shadowRoot); }}; walk(el.ownerDocument); return n; }}"
    );
    let n = page.call_on(html, &js).await.map_err(page_err)?;
    Ok(n.as_u64().unwrap_or(0))
}

/// The page as offline HTML (see `snapshot.js`): no scripts, form state as attributes,
/// password values as dots, styles inlined, open shadow roots declarative, same-origin frames
/// nested. A page longer than `max` characters is cut, and the snapshot says so.
pub async fn dom_snapshot(page: &mut dyn Page, max: usize) -> Result<String, StepError> {
    let root = Locator::parse("html").map_err(StepError::msg)?;
    let found = page.resolve(&root, ResolveOpts::default()).await.map_err(page_err)?;
    let Some(html) = found.first() else {
        return Err(StepError::msg("the page has no document to snapshot"));
    };
    let v = page
        .call_on(html, &format!("el => ({SNAPSHOT_JS})(el, {max})"))
        .await
        .map_err(page_err)?;
    let mut text = v.get("html").and_then(Value::as_str).unwrap_or("").to_owned();
    if v.get("truncated").and_then(Value::as_bool) == Some(true) {
        text.push_str(&format!("<p>(snapshot cut at {max} characters)</p>"));
    }
    Ok(text)
}
