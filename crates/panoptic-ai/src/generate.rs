//! `ai_test_generation` and `panoptic generate`: tests written by using the page. From the
//! start page (and, with `depth` > 1, the same-origin pages its links lead to) element
//! detection gives the forms, links and headings; each candidate flow is run for real through
//! panoptic's own actions (the same code a test runs) — fields filled with values that fit
//! their type and constraints, the form submitted, the visible outcome read — and only a flow
//! that ran green is written, with assertions on what it saw. Flows that could not be made
//! green are listed with the reason.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use panoptic_core::analyze::{AnalyzeError, Finding, Findings, Severity};
use panoptic_core::config::{ActionKind, Allow, ImageFormat, SelectBy, TextMatch, WaitFor, emit, spec_of};
use panoptic_core::locator::Locator;
use panoptic_core::page::{Page, PageEvent, ResolveOpts};

use crate::elements::{self, Found, Seen};

/// One generated test: open `url`, run `steps`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Flow {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) steps: Vec<ActionKind>,
}

/// What generation made, and what it could not.
#[derive(Debug, Default)]
pub(crate) struct Generated {
    pub(crate) flows: Vec<Flow>,
    pub(crate) skipped: Vec<String>,
}

/// How long a page may take to settle after a navigation or a submit.
const SETTLE: Duration = Duration::from_secs(3);

/// Runs panoptic's actions on the page, as a test would.
struct Explorer<'a> {
    page: &'a mut dyn Page,
    allow: &'a Allow,
    timeout: Duration,
    events: Vec<PageEvent>,
}

impl Explorer<'_> {
    async fn act(&mut self, kind: &ActionKind, timeout: Duration) -> Result<(), String> {
        let spec = spec_of(kind).ok_or("no registry entry for a generated step")?;
        let mut ctx = panoptic_actions::Ctx {
            page: &mut *self.page,
            timeout,
            base_url: None,
            allow: self.allow,
            format: ImageFormat::Png,
            quality: 80,
            strict: false,
            events: &mut self.events,
            fingerprint: false,
            touched: None,
        };
        panoptic_actions::run(spec, kind, &mut ctx)
            .await
            .map(drop)
            .map_err(|e| e.message)
    }

    async fn step(&mut self, kind: &ActionKind) -> Result<(), String> {
        self.act(kind, self.timeout).await
    }

    /// Lets requests finish (a page that never stops fetching is used all the same).
    async fn settle(&mut self) {
        let _ = self
            .act(
                &ActionKind::Wait {
                    what: WaitFor::NetworkIdle,
                },
                SETTLE,
            )
            .await;
    }

    async fn open(&mut self, url: &str) -> Result<(), String> {
        self.act(&ActionKind::Navigate { url: url.to_owned() }, self.timeout * 2)
            .await?;
        self.settle().await;
        Ok(())
    }

    async fn url(&mut self) -> String {
        self.page.url().await.unwrap_or_default()
    }

    /// Runs `steps`; the first failure is the reason.
    async fn steps(&mut self, steps: &[ActionKind]) -> Result<(), String> {
        for s in steps {
            self.step(s).await?;
        }
        Ok(())
    }
}

/// Explores from `start`: forms, links and headings of each page, `depth` pages deep, at most
/// `max` flows. The page is back at `start` afterwards.
pub(crate) async fn generate(
    page: &mut dyn Page,
    start: &str,
    depth: u32,
    max: usize,
    allow: &Allow,
    timeout: Duration,
) -> Result<Generated, AnalyzeError> {
    let mut x = Explorer {
        page,
        allow,
        timeout,
        events: Vec::new(),
    };
    let mut out = Generated::default();
    let mut queue = VecDeque::from([(start.to_owned(), 1u32)]);
    let mut seen_pages = HashSet::from([without_fragment(start)]);
    let mut linked = HashSet::new();
    while let Some((url, level)) = queue.pop_front() {
        if out.flows.len() >= max {
            break;
        }
        if let Err(e) = x.open(&url).await {
            out.skipped.push(format!("{url}: cannot open it: {e}"));
            continue;
        }
        let found = elements::detect(x.page).await?;
        let label = page_label(&url);
        // What the page shows first.
        if let Some(h) = found
            .iter()
            .find(|f| f.element.kind == "heading" && usable(&f.element.name))
        {
            let step = ActionKind::AssertText {
                selector: h.element.locator.clone(),
                expect: TextMatch::Equals(h.element.name.clone()),
            };
            if x.step(&step).await.is_ok() {
                push(&mut out, max, &label, "shows its heading", &url, vec![step]);
            }
        }
        // A flow per form.
        let mut forms: Vec<u32> = found.iter().filter_map(|f| f.seen.form).collect();
        forms.sort_unstable();
        forms.dedup();
        for form in forms {
            if out.flows.len() >= max {
                break;
            }
            let fields: Vec<&Found> = found.iter().filter(|f| f.seen.form == Some(form)).collect();
            match form_flow(&mut x, &url, &fields).await {
                Ok((what, steps)) => push(&mut out, max, &label, &what, &url, steps),
                Err(why) => out.skipped.push(format!("{url}: form {}: {why}", form + 1)),
            }
            let _ = x.open(&url).await;
        }
        // Text fields outside any form: typed into and sent with Enter.
        for field in found
            .iter()
            .filter(|f| f.seen.form.is_none() && f.element.kind == "textfield" && f.element.enabled)
        {
            if out.flows.len() >= max {
                break;
            }
            match enter_flow(&mut x, &url, field).await {
                Ok((what, steps)) => push(&mut out, max, &label, &what, &url, steps),
                Err(why) => out
                    .skipped
                    .push(format!("{url}: field \"{}\": {why}", field.element.name)),
            }
            let _ = x.open(&url).await;
        }
        // Same-origin links that lead somewhere else.
        for link in found.iter().filter(|f| f.element.kind == "link") {
            if out.flows.len() >= max {
                break;
            }
            let Some(target) = same_origin_target(&url, &link.seen.href) else {
                continue;
            };
            if !linked.insert(target.clone()) {
                continue;
            }
            match link_flow(&mut x, &url, link).await {
                Ok((landed, steps)) => {
                    let what = format!("link \"{}\" leads to {}", link.element.name, path_of(&landed));
                    push(&mut out, max, &label, &what, &url, steps);
                    if level < depth && seen_pages.insert(without_fragment(&landed)) {
                        queue.push_back((landed, level + 1));
                    }
                }
                Err(why) => out
                    .skipped
                    .push(format!("{url}: link \"{}\": {why}", link.element.name)),
            }
            let _ = x.open(&url).await;
        }
    }
    if x.url().await != start {
        let _ = x.open(start).await;
    }
    Ok(out)
}

fn push(out: &mut Generated, max: usize, page: &str, what: &str, url: &str, steps: Vec<ActionKind>) {
    if out.flows.len() >= max {
        return;
    }
    let mut name = format!("{page}: {what}");
    let taken = |n: &str| out.flows.iter().any(|f| f.name == n);
    if taken(&name) {
        let mut i = 2;
        while taken(&format!("{name} ({i})")) {
            i += 1;
        }
        name = format!("{name} ({i})");
    }
    out.flows.push(Flow {
        name,
        url: url.to_owned(),
        steps,
    });
}

/// Fills the form's fields, submits it and asserts what it shows then.
async fn form_flow(x: &mut Explorer<'_>, url: &str, fields: &[&Found]) -> Result<(String, Vec<ActionKind>), String> {
    let submit = fields.iter().find(|f| f.seen.submit).ok_or("it has no submit button")?;
    let mut steps = Vec::new();
    let mut radios = HashSet::new();
    for f in fields {
        let selector = f.element.locator.clone();
        let s = &f.seen;
        let step = match f.element.kind.as_str() {
            "textfield" | "textarea" if !s.editable => {
                value_for(s, &f.element.kind, &f.element.name).map(|value| ActionKind::Fill { selector, value })
            }
            k if k == elements::SELECT => s.options.first().map(|v| ActionKind::Select {
                selector,
                by: SelectBy::Value(v.clone()),
            }),
            "checkbox" if s.required => Some(ActionKind::Check { selector }),
            "radio" if radios.insert(s.name.clone()) => Some(ActionKind::Check { selector }),
            "file" if s.required => return Err(format!("field \"{}\" needs a file", f.element.name)),
            _ => None,
        };
        steps.extend(step);
    }
    if steps.is_empty() {
        return Err("it has no field panoptic can fill".into());
    }
    x.steps(&steps).await?;
    // The browser's own validation decides whether a submit would go through.
    let invalid = invalid_fields(x, &submit.element.locator).await?;
    if !invalid.is_empty() {
        return Err(format!(
            "the values panoptic chose do not satisfy {} (a pattern or a rule it cannot read)",
            invalid.join(", ")
        ));
    }
    let click = ActionKind::Click {
        selector: submit.element.locator.clone(),
    };
    x.step(&click).await?;
    steps.push(click);
    x.settle().await;
    steps.extend(outcome(x, url, None).await?);
    let what = format!("fill and submit \"{}\"", submit.element.name);
    Ok((what, steps))
}

/// What the page shows after an action: the URL it moved to and its first heading, or a
/// status message on the same page, or (`typed`) the text just typed, shown as an element of
/// its own (a to-do added to a list).
async fn outcome(x: &mut Explorer<'_>, before: &str, typed: Option<&str>) -> Result<Vec<ActionKind>, String> {
    let now = x.url().await;
    let mut asserts = Vec::new();
    if without_fragment(&now) != without_fragment(before) {
        // The path only: a query holds what was typed (a GET form's values), not where it went.
        let path = path_of(&now);
        asserts.push(ActionKind::AssertUrl {
            expect: TextMatch::Contains(path.split('?').next().unwrap_or(&path).to_owned()),
        });
        let found = elements::detect(x.page).await.map_err(|e| e.to_string())?;
        if let Some(h) = found
            .iter()
            .find(|f| f.element.kind == "heading" && usable(&f.element.name))
        {
            asserts.push(ActionKind::AssertText {
                selector: h.element.locator.clone(),
                expect: TextMatch::Equals(h.element.name.clone()),
            });
        }
    } else if let Some((selector, text)) = status_message(x).await {
        asserts.push(ActionKind::AssertText {
            selector,
            expect: TextMatch::Contains(text),
        });
    } else if let Some(selector) = match typed {
        Some(t) => shown(x, t).await,
        None => None,
    } {
        asserts.push(ActionKind::AssertVisible { selector });
    } else {
        return Err("nothing visible changed after the submit".into());
    }
    x.steps(&asserts).await?;
    Ok(asserts)
}

/// A locator of a visible element whose whole text is `typed`, if there is one now.
async fn shown(x: &mut Explorer<'_>, typed: &str) -> Option<String> {
    let selector = format!("text=\"{typed}\"");
    let loc = Locator::parse(&selector).ok()?;
    let found = x.page.resolve(&loc, ResolveOpts::default()).await.ok()?;
    found.iter().any(|e| e.visible).then_some(selector)
}

/// A text field outside any form, typed into and sent with Enter (a to-do list's input);
/// the outcome asserted as for a form.
async fn enter_flow(x: &mut Explorer<'_>, url: &str, field: &Found) -> Result<(String, Vec<ActionKind>), String> {
    let value = match value_for(&field.seen, &field.element.kind, &field.element.name) {
        Some(v) if v != "Test" => v,
        _ => "Item from panoptic".to_owned(),
    };
    if shown(x, &value).await.is_some() {
        return Err(format!("the page already shows \"{value}\""));
    }
    let steps = vec![
        ActionKind::Fill {
            selector: field.element.locator.clone(),
            value: value.clone(),
        },
        ActionKind::Press {
            selector: Some(field.element.locator.clone()),
            key: "Enter".into(),
        },
    ];
    x.steps(&steps).await?;
    x.settle().await;
    let mut steps = steps;
    steps.extend(outcome(x, url, Some(&value)).await?);
    Ok((format!("type into \"{}\" and press Enter", field.element.name), steps))
}

/// A live region's text (`role=alert`, `role=status`, `aria-live`, `<output>`).
async fn status_message(x: &mut Explorer<'_>) -> Option<(String, String)> {
    for selector in ["[role=alert]", "[role=status]", "[aria-live]", "output"] {
        let loc = Locator::parse(selector).ok()?;
        let found = x.page.resolve(&loc, ResolveOpts::default()).await.ok()?;
        if let Some(el) = found.iter().find(|e| e.visible && usable(&e.text)) {
            let text: String = el.text.chars().take(60).collect();
            return Some((selector.to_owned(), text.trim().to_owned()));
        }
    }
    None
}

/// The names (or ids) of the form's fields the browser finds invalid now.
async fn invalid_fields(x: &mut Explorer<'_>, submit: &str) -> Result<Vec<String>, String> {
    let loc = Locator::parse(submit)?;
    let found = x
        .page
        .resolve(&loc, ResolveOpts::default())
        .await
        .map_err(|e| e.to_string())?;
    let Some(el) = found.first() else {
        return Err("the submit button went away".into());
    };
    let v = x
        .page
        .call_on(
            el,
            "(b) => b.form ? Array.from(b.form.elements).filter((e) => e.willValidate && !e.checkValidity()).map((e) => e.name || e.id || e.tagName.toLowerCase()) : []",
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect())
}

/// Clicks the link and asserts where it went.
async fn link_flow(x: &mut Explorer<'_>, url: &str, link: &Found) -> Result<(String, Vec<ActionKind>), String> {
    let click = ActionKind::Click {
        selector: link.element.locator.clone(),
    };
    x.step(&click).await?;
    x.settle().await;
    let landed = x.url().await;
    if without_fragment(&landed) == without_fragment(url) {
        return Err("the click did not leave the page".into());
    }
    let mut steps = vec![click];
    steps.extend(outcome(x, url, None).await?);
    Ok((landed, steps))
}

/// A value the field accepts: by input type, then by what its name says; within its
/// `min`/`max` and length limits.
pub(crate) fn value_for(s: &Seen, kind: &str, name: &str) -> Option<String> {
    if kind == "textarea" {
        return Some(fit(s, "Hello from panoptic."));
    }
    let hint = format!("{} {} {}", s.name, name, s.placeholder).to_lowercase();
    let v = match s.input_type.as_str() {
        "email" => "test@example.com".to_owned(),
        "tel" => "+1 555 0100".to_owned(),
        "url" => "https://example.com/".to_owned(),
        "password" => "Passw0rd!2024".to_owned(),
        "number" => number(s),
        "date" => clamp(s, "2000-01-01"),
        "time" => clamp(s, "12:00"),
        "datetime-local" => clamp(s, "2000-01-01T12:00"),
        "month" => clamp(s, "2000-01"),
        "week" => clamp(s, "2000-W01"),
        "color" => "#336699".to_owned(),
        "search" => "test".to_owned(),
        _ if hint.contains("mail") => "test@example.com".to_owned(),
        _ if hint.contains("phone") || hint.contains("tel") => "+1 555 0100".to_owned(),
        _ if hint.contains("zip") || hint.contains("postal") || hint.contains("postcode") => "12345".to_owned(),
        _ if hint.contains("city") || hint.contains("town") => "Springfield".to_owned(),
        _ if hint.contains("age") || hint.contains("quantity") || hint.contains("qty") || hint.contains("count") => {
            "3".to_owned()
        }
        _ if hint.contains("name") => "Jane Doe".to_owned(),
        _ => "Test".to_owned(),
    };
    Some(fit(s, &v))
}

/// `min`, else 42 (at most `max`).
fn number(s: &Seen) -> String {
    let finite = |v: &str| v.parse::<f64>().ok().filter(|v| v.is_finite());
    match (finite(&s.min), finite(&s.max)) {
        (Some(_), _) => s.min.clone(),
        (None, Some(m)) if m < 42.0 => s.max.clone(),
        _ => "42".to_owned(),
    }
}

/// An ISO date or time moved into `[min, max]` (ISO strings of one kind order as text).
fn clamp(s: &Seen, v: &str) -> String {
    if !s.min.is_empty() && v < s.min.as_str() {
        return s.min.clone();
    }
    if !s.max.is_empty() && v > s.max.as_str() {
        return s.max.clone();
    }
    v.to_owned()
}

/// Padded to `minlength`, cut to `maxlength`.
fn fit(s: &Seen, v: &str) -> String {
    let mut out = v.to_owned();
    if let Some(min) = s.minlength {
        while out.chars().count() < min {
            out.push('x');
        }
    }
    if let Some(max) = s.maxlength {
        out = out.chars().take(max).collect();
    }
    out
}

/// Text a generated step can hold: short, one line, no variable reference.
fn usable(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty() && s.chars().count() <= 80 && !s.contains('\n')
}

fn without_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_owned()
}

/// The path (and query) of a URL: what `assert_url` checks.
fn path_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let mut p = u.path().to_owned();
            if let Some(q) = u.query() {
                p.push('?');
                p.push_str(q);
            }
            p
        }
        Err(_) => url.to_owned(),
    }
}

/// `href` resolved, when it leads to another page of the same origin over http(s).
pub(crate) fn same_origin_target(page: &str, href: &str) -> Option<String> {
    let here = url::Url::parse(page).ok()?;
    let there = url::Url::parse(href).ok()?;
    let web = matches!(there.scheme(), "http" | "https"); // tidy: not an action (URL scheme)
    let other_page = without_fragment(there.as_str()) != without_fragment(here.as_str());
    (web && there.origin() == here.origin() && other_page).then(|| without_fragment(there.as_str()))
}

/// A short name for a page in flow names: its path's last part.
fn page_label(url: &str) -> String {
    let p = path_of(url);
    let p = p.split('?').next().unwrap_or("/");
    match p.trim_end_matches('/').rsplit('/').next() {
        Some(last) if !last.is_empty() => last.to_owned(),
        _ => "home".to_owned(),
    }
}

/// The flows as a config: one app per flow, every step as panoptic reads it back.
pub(crate) fn yaml(source: &str, g: &Generated) -> String {
    let mut out =
        format!("# Written by panoptic from {source}: each flow below ran green on the live page when it was made.\n");
    for s in &g.skipped {
        out.push_str(&format!("# not generated: {}\n", s.replace('\n', " ")));
    }
    out.push_str(&format!(
        "name: {}\napps:\n",
        emit::literal(&format!("Generated from {source}"))
    ));
    for f in &g.flows {
        out.push_str(&format!(
            "  - name: {}\n    url: {}\n    actions:\n",
            emit::literal(&f.name),
            emit::quote(&f.url)
        ));
        for s in &f.steps {
            if let Some(line) = emit::step(s) {
                out.push_str(&format!("      - {line}\n"));
            }
        }
    }
    if g.flows.is_empty() {
        out.push_str("  []\n");
    }
    out
}

/// The step's findings: one per flow, one per skipped candidate, and the config as `yaml`.
pub(crate) fn findings(source: &str, g: &Generated) -> Findings {
    let mut findings: Vec<Finding> = g
        .flows
        .iter()
        .map(|f| Finding {
            kind: "generated".into(),
            severity: Severity::Info,
            message: format!("{} ({} steps)", f.name, f.steps.len()),
            locator: None,
            impact: None,
            recommendation: None,
        })
        .collect();
    findings.extend(g.skipped.iter().map(|s| Finding {
        kind: "not_generated".into(),
        severity: Severity::Info,
        message: s.clone(),
        locator: None,
        impact: None,
        recommendation: None,
    }));
    Findings {
        findings,
        yaml: Some(yaml(source, g)),
        ..Findings::default()
    }
}

#[cfg(test)]
mod tests;
