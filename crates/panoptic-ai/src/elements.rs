//! Element detection: the page's elements (`elements.js`, run in panoptic's isolated world,
//! finds them through open shadow roots and same-origin frames, visible and not covered), each
//! with the role and accessible name Chromium's accessibility tree gives it, a kind, and
//! locators in Playwright codegen's order — test id, role + name, placeholder, label, alt, text,
//! title, id, CSS path last — each checked by panoptic's own locator engine to find exactly
//! that element.

use panoptic_core::analyze::{AnalyzeError, DetectedElement};
use panoptic_core::locator::Locator;
use panoptic_core::page::{AxNode, ElementInfo, Page, ResolveOpts};
use serde::Deserialize;
use serde_json::Value;

const FIND: &str = concat!(
    "(html) => {\n",
    include_str!("prelude.js"),
    include_str!("elements.js"),
    "}"
);

/// The kind of a `<select>` (and other list boxes).
pub(crate) const SELECT: &str = "select"; // tidy: not an action (element kind)

/// Locators kept per element.
const CANDIDATES: usize = 3;

/// What the page script reports about one element.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Seen {
    pub(crate) tag: String,
    /// `type` of an `<input>`.
    #[serde(rename = "type")]
    pub(crate) input_type: String,
    /// The `role` attribute's first token.
    pub(crate) role: String,
    /// Clickable only by a script's hint (pointer cursor, `onclick`, `tabindex`).
    pub(crate) hinted: bool,
    pub(crate) editable: bool,
    pub(crate) testid: String,
    pub(crate) id: String,
    pub(crate) placeholder: String,
    pub(crate) labels: String,
    pub(crate) aria: String,
    pub(crate) alt: String,
    pub(crate) title: String,
    pub(crate) text: String,
    pub(crate) near: String,
    /// The form it belongs to (numbered per detection), if any.
    pub(crate) form: Option<u32>,
    /// A submit button (of its form).
    pub(crate) submit: bool,
    pub(crate) required: bool,
    /// `name` attribute.
    pub(crate) name: String,
    pub(crate) min: String,
    pub(crate) max: String,
    pub(crate) minlength: Option<usize>,
    pub(crate) maxlength: Option<usize>,
    /// A `<select>`'s enabled options with a value.
    pub(crate) options: Vec<String>,
    /// A link's resolved `href`.
    pub(crate) href: String,
    /// `frame=… >> ` for each same-origin frame on the way down.
    pub(crate) frame: String,
    pub(crate) path: String,
}

/// One detected element with everything the AI steps use.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub(crate) element: DetectedElement,
    pub(crate) seen: Seen,
    pub(crate) info: ElementInfo,
}

/// The page's elements, in document order.
pub(crate) async fn detect(page: &mut dyn Page) -> Result<Vec<Found>, AnalyzeError> {
    let html = Locator::parse("html").map_err(AnalyzeError::Unsupported)?;
    let Some(root) = page.resolve(&html, ResolveOpts::default()).await?.into_iter().next() else {
        return Ok(Vec::new());
    };
    let infos = page.elements_from(&root, FIND).await?;
    let seen: Vec<Seen> = serde_json::from_value(page.call_on(&root, "() => window.__panoptic_ai.data").await?)
        .map_err(|e| AnalyzeError::Unsupported(format!("element detection answered oddly: {e}")))?;
    let ax = page.accessibility(&infos).await?;
    let mut items: Vec<Item> = Vec::new();
    for (at, ((seen, info), ax)) in seen.into_iter().zip(infos).zip(ax).enumerate() {
        let ax = ax.unwrap_or_default();
        let Some(kind) = kind_of(&seen, &ax) else { continue };
        let candidates = candidates(&seen, &ax);
        items.push(Item {
            at,
            seen,
            info,
            ax,
            kind,
            candidates,
        });
    }
    // One round trip checks every candidate of every element.
    let lists: Vec<Vec<Value>> = items
        .iter()
        .map(|it| {
            it.candidates
                .iter()
                .map(|l| match Locator::parse(l) {
                    Ok(l) => serde_json::to_value(&l.parts).unwrap_or(Value::Null),
                    Err(_) => Value::Null,
                })
                .collect()
        })
        .collect();
    let index: Vec<usize> = items.iter().map(|it| it.at).collect();
    let script = format!(
        "() => {{ const f = window.__panoptic_ai; const ids = {}; return window.__panoptic.unique(ids.map((i) => f.els[i]), {}, {CANDIDATES}); }}",
        serde_json::to_string(&index).unwrap_or_default(),
        serde_json::to_string(&lists).unwrap_or_default(),
    );
    let checked: Vec<Checked> = serde_json::from_value(page.call_on(&root, &script).await?).unwrap_or_default();
    let mut out = Vec::new();
    for (i, it) in items.into_iter().enumerate() {
        let Item {
            seen,
            info,
            ax,
            kind,
            candidates,
            ..
        } = it;
        let check = checked.get(i).cloned().unwrap_or_default();
        let mut picked: Vec<String> = check.ok.iter().filter_map(|&n| candidates.get(n).cloned()).collect();
        let path = candidates.last().cloned().unwrap_or_default();
        // Only found among others: the first telling locator and the element's place among
        // its matches (Playwright codegen's `.nth(i)`), before a structural path.
        if let Some((n, at)) = check.nth
            && picked.first().is_none_or(|p| *p == path)
            && let Some(c) = candidates.get(n)
            && *c != path
        {
            picked.insert(0, format!("{c} >> nth={at}"));
        }
        if picked.is_empty() {
            picked.push(path.clone());
        }
        let locator = picked[0].clone();
        let css_fallback = locator == path && structural(&seen.path);
        let r = info.rect;
        out.push(Found {
            element: DetectedElement {
                number: out.len() + 1,
                kind: kind.to_owned(),
                role: ax.role.clone(),
                name: name_of(&seen, &ax),
                locator,
                candidates: picked,
                css_fallback,
                bbox: [r.x, r.y, r.width, r.height],
                enabled: info.enabled,
            },
            seen,
            info,
        });
    }
    Ok(out)
}

/// What the page said about one element's candidates.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct Checked {
    /// Indexes of the candidates that find exactly the element.
    ok: Vec<usize>,
    /// A candidate that finds it among others, and its position there.
    nth: Option<(usize, usize)>,
}

/// The accessible name; where the browser gives none (a `<div>` a script made clickable has
/// no name from its content), what the element shows.
fn name_of(seen: &Seen, ax: &AxNode) -> String {
    if !ax.name.trim().is_empty() {
        return ax.name.trim().to_owned();
    }
    [
        &seen.aria,
        &seen.labels,
        &seen.title,
        &seen.placeholder,
        &seen.alt,
        &seen.text,
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .map(|s| s.chars().take(80).collect())
    .unwrap_or_default()
}

/// A CSS path that walks the tree (not a lone `#id`).
fn structural(path: &str) -> bool {
    !path.starts_with('#') || path.contains([' ', '>', ':'])
}

/// An element on its way: where the page script listed it, what it is, what may find it.
struct Item {
    at: usize,
    seen: Seen,
    info: ElementInfo,
    ax: AxNode,
    kind: &'static str,
    candidates: Vec<String>,
}

/// The element's kind (one of `ELEMENT_KINDS`): from its tag first, then its role as the
/// browser sees it; `None` for something detection does not report.
pub(crate) fn kind_of(seen: &Seen, ax: &AxNode) -> Option<&'static str> {
    let by_tag = match seen.tag.as_str() {
        "input" => Some(match seen.input_type.as_str() {
            "hidden" => return None,
            "checkbox" => "checkbox",
            "radio" => "radio",
            "submit" | "button" | "reset" | "image" => "button", // tidy: not an action (input types)
            "file" => "file",
            "range" => "slider",
            _ => "textfield",
        }),
        "textarea" => Some("textarea"),
        "select" => Some("select"), // tidy: not an action (element kind)
        "button" | "summary" => Some("button"),
        "a" => Some("link"),
        "img" => Some("image"),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Some("heading"),
        _ => None,
    };
    // An explicit role says what the element is for.
    let role = if seen.role.is_empty() {
        ax.role.as_str()
    } else {
        seen.role.as_str()
    };
    let by_role = match role {
        "button" => Some("button"),
        "link" => Some("link"),
        "checkbox" | "menuitemcheckbox" => Some("checkbox"),
        "switch" => Some("switch"),
        "radio" | "menuitemradio" => Some("radio"),
        "textbox" | "searchbox" | "spinbutton" => Some("textfield"),
        "combobox" | "listbox" => Some("select"), // tidy: not an action (element kind)
        "slider" => Some("slider"),
        "tab" => Some("tab"),
        "menuitem" | "treeitem" => Some("menuitem"),
        "option" => Some("option"),
        "heading" => Some("heading"),
        "img" | "image" => Some("image"),
        _ => None,
    };
    if !seen.role.is_empty() && by_role.is_some() {
        return by_role;
    }
    by_tag.or(by_role).or(if seen.editable {
        Some("textarea")
    } else if seen.hinted {
        Some("button")
    } else {
        None
    })
}

/// A role name as panoptic's `role=` locator knows it (Chromium says `image` for `img`).
fn aria_role(ax_role: &str) -> Option<&str> {
    match ax_role {
        "image" => Some("img"),
        "" | "generic" | "none" | "StaticText" | "LabelText" | "paragraph" | "InlineTextBox" | "RootWebArea" => None,
        r => Some(r),
    }
}

/// Text usable inside a quoted locator value: one line, no quote, no chain separator.
fn usable(s: &str, max: usize) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty() && s.chars().count() <= max && !s.contains(['"', '\\', '\n', ']']) && !s.contains(">>")).then_some(s)
}

/// A CSS string for an attribute selector.
fn css_string(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\a "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `#id` for an id CSS can name plainly, else `[id="…"]`.
pub(crate) fn id_locator(id: &str) -> String {
    let plain = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("#{id}")
    } else {
        format!("[id={}]", css_string(id))
    }
}

/// Every locator that might find the element, in Playwright codegen's order; the page checks
/// which are unique.
pub(crate) fn candidates(seen: &Seen, ax: &AxNode) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = usable(&seen.testid, 200) {
        out.push(format!("testid={t}"));
    }
    if let (Some(role), Some(name)) = (aria_role(&ax.role), usable(&ax.name, 80)) {
        out.push(format!("role={role}[name=\"{name}\"]"));
    }
    if let Some(p) = usable(&seen.placeholder, 80) {
        out.push(format!("placeholder={p}"));
    }
    let label = if seen.labels.is_empty() {
        &seen.aria
    } else {
        &seen.labels
    };
    if let Some(l) = usable(label, 80) {
        out.push(format!("label={l}"));
    }
    if !seen.alt.is_empty() && !seen.alt.contains('\n') {
        out.push(format!("{}[alt={}]", seen.tag, css_string(&seen.alt)));
    }
    let texty = !matches!(seen.tag.as_str(), "input" | "textarea" | "select" | "img"); // tidy: not an action (tag names)
    if texty && let Some(t) = usable(&seen.text, 60) {
        out.push(format!("text=\"{t}\""));
    }
    if !seen.title.is_empty() && !seen.title.contains('\n') {
        out.push(format!("[title={}]", css_string(&seen.title)));
    }
    if !seen.id.is_empty() {
        out.push(id_locator(&seen.id));
    }
    let mut out: Vec<String> = out.into_iter().map(|l| format!("{}{l}", seen.frame)).collect();
    let path = format!("{}{}", seen.frame, seen.path);
    out.retain(|l| *l != path);
    out.push(path);
    out
}

#[cfg(test)]
mod tests;
