//! Self-healing on real Chromium, measured: ten elements (buttons, a link, text, password,
//! checkbox, select, textarea, an ARIA button, an icon button) on a page with look-alikes
//! ("Save as", "Cancel", other links). A first run records what each locator found; a second
//! run opens a mutated page where the locator matches nothing. 100 mutation pairs (ids and
//! classes renamed, wrappers, moved nodes, text tweaks, inserted siblings) must heal to the
//! right element — each element logs its own key when used, a key healing never sees — and
//! 30 real regressions (element removed, role changed, purpose changed) must not heal.
//! Assertions never heal; `panoptic heal --write` patches the config. Runs at 2 workers (the
//! cores CI has), so the heal times it prints are not a measure of an oversubscribed CPU.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::server::StaticServer;
use crate::support::command;

/// One element under test: how it is written, and how a test uses it.
struct Target {
    key: &'static str,
    tag: &'static str,
    id: &'static str,
    class: &'static str,
    attrs: &'static str,
    text: &'static str,
    /// The step, given the locator.
    step: fn(&str) -> String,
    /// A label element before it (fields).
    label: Option<&'static str>,
}

fn click(l: &str) -> String {
    format!("{{ type: click, selector: {} }}", serde_json::Value::String(l.into()))
}

fn fill(l: &str) -> String {
    format!(
        "{{ type: fill, selector: {}, value: typed }}",
        serde_json::Value::String(l.into())
    )
}

fn pick(l: &str) -> String {
    format!(
        "{{ type: select, selector: {}, value: fr }}",
        serde_json::Value::String(l.into())
    )
}

const TARGETS: &[Target] = &[
    Target {
        key: "save",
        tag: "button",
        id: "save",
        class: "primary-action btn",
        attrs: "type=\"button\"",
        text: "Save",
        step: click,
        label: None,
    },
    Target {
        key: "delete",
        tag: "button",
        id: "delete-account",
        class: "danger-action btn",
        attrs: "type=\"button\"",
        text: "Delete account",
        step: click,
        label: None,
    },
    Target {
        key: "pricing",
        tag: "a",
        id: "pricing",
        class: "pricing-link nav-link",
        attrs: "href=\"#pricing\"",
        text: "Pricing",
        step: click,
        label: None,
    },
    Target {
        key: "email",
        tag: "input",
        id: "email",
        class: "email-field field",
        attrs: "type=\"email\" name=\"email\" placeholder=\"Email\"",
        text: "",
        step: fill,
        label: Some("Email address"),
    },
    Target {
        key: "password",
        tag: "input",
        id: "pw",
        class: "pw-field field secret",
        attrs: "type=\"password\" name=\"pw\"",
        text: "",
        step: fill,
        label: Some("Password"),
    },
    Target {
        key: "remember",
        tag: "input",
        id: "remember",
        class: "remember-check check",
        attrs: "type=\"checkbox\" name=\"remember\"",
        text: "",
        step: click,
        label: Some("Remember me"),
    },
    Target {
        key: "country",
        tag: "select",
        id: "country",
        class: "country-field field",
        attrs: "name=\"country\"",
        text: "<option value=\"de\">Germany</option><option value=\"fr\">France</option>",
        step: pick,
        label: Some("Country"),
    },
    Target {
        key: "message",
        tag: "textarea",
        id: "msg",
        class: "message-field field big",
        attrs: "name=\"message\" placeholder=\"Message\"",
        text: "",
        step: fill,
        label: None,
    },
    Target {
        key: "menu",
        tag: "div",
        id: "menu",
        class: "menu-toggle",
        attrs: "role=\"button\" tabindex=\"0\"",
        text: "Open menu",
        step: click,
        label: None,
    },
    Target {
        key: "close",
        tag: "button",
        id: "close",
        class: "close-icon icon",
        attrs: "type=\"button\" aria-label=\"Close\"",
        text: "×",
        step: click,
        label: None,
    },
];

/// How a pair changes the target (and which locator that breaks).
#[derive(Clone, Copy, Debug)]
enum Change {
    IdRenamed,
    ClassesRenamed,
    IdAndClasses,
    Wrapped,
    DeepWrapped,
    Moved,
    TextAppended,
    TextRecased,
    IdRenamedAndWrapped,
    SiblingsAndClasses,
    // Regressions: must not heal.
    Removed,
    RoleChanged,
    PurposeChanged,
}

const MUTATIONS: [Change; 10] = [
    Change::IdRenamed,
    Change::ClassesRenamed,
    Change::IdAndClasses,
    Change::Wrapped,
    Change::DeepWrapped,
    Change::Moved,
    Change::TextAppended,
    Change::TextRecased,
    Change::IdRenamedAndWrapped,
    Change::SiblingsAndClasses,
];

const REGRESSIONS: [Change; 3] = [Change::Removed, Change::RoleChanged, Change::PurposeChanged];

/// The locator the first run uses: one the change breaks.
fn locator(t: &Target, c: Change) -> String {
    let first_class = t.class.split(' ').next().unwrap_or_default();
    match c {
        Change::ClassesRenamed | Change::SiblingsAndClasses => format!("{}.{first_class}", t.tag),
        Change::IdAndClasses => format!("#{}.{first_class}", t.id),
        Change::Wrapped | Change::DeepWrapped | Change::IdRenamedAndWrapped => format!("#main > #{}", t.id),
        Change::Moved => format!("#main #{}", t.id),
        Change::TextAppended | Change::TextRecased if !t.text.is_empty() && t.tag != "select" => {
            format!("{}:has-text(\"{}\")#{}", t.tag, t.text, t.id)
        }
        _ => format!("#{}", t.id),
    }
}

fn element(t: &Target, c: Option<Change>) -> String {
    let mut id = t.id.to_owned();
    let mut class = t.class.to_owned();
    let mut attrs = t.attrs.to_owned();
    let mut text = t.text.to_owned();
    let mut tag = t.tag;
    let mut label = t.label.map(str::to_owned);
    match c {
        Some(Change::IdRenamed | Change::IdRenamedAndWrapped) => id = format!("{id}-v2"),
        Some(Change::ClassesRenamed | Change::SiblingsAndClasses) => class = format!("x-{}", class.replace(' ', " x-")),
        Some(Change::IdAndClasses) => {
            id = format!("{id}-new");
            class = "restyled".into();
        }
        Some(Change::TextAppended | Change::TextRecased) => {
            let recase = matches!(c, Some(Change::TextRecased));
            let tweak = |s: &str| {
                if recase {
                    format!("{}!", s.to_lowercase())
                } else {
                    format!("{s} now")
                }
            };
            if !text.is_empty() && tag != "select" {
                text = tweak(&text);
            }
            if let Some(l) = &label {
                label = Some(tweak(l));
            }
            // The locator also pins the id: the text changed, so does the id.
            id = format!("{id}-t");
        }
        Some(Change::RoleChanged) => {
            id = format!("{id}-r");
            (tag, attrs) = match t.tag {
                "button" => ("a", "href=\"#x\"".to_owned()),
                "a" => ("button", "type=\"button\"".to_owned()),
                "input" if t.key == "remember" => ("input", attrs.replace("checkbox", "radio")),
                "input" if t.key == "email" => ("input", attrs.replace("type=\"email\"", "type=\"number\"")),
                "input" => ("input", attrs.replace("password", "text")),
                "select" => ("input", format!("{attrs} type=\"text\"")),
                "textarea" => ("div", "contenteditable=\"true\"".to_owned()),
                _ => ("div", attrs.replace("role=\"button\"", "role=\"link\"")),
            };
            if t.tag == "select" {
                text.clear();
            }
        }
        Some(Change::PurposeChanged) => {
            id = format!("{id}-p");
            let other = match t.key {
                "save" => "Print",
                "delete" => "Export data",
                "pricing" => "Careers",
                "menu" => "Print page",
                _ => "",
            };
            if !other.is_empty() {
                text = other.into();
            }
            attrs = attrs
                .replace("Email", "Search")
                .replace("\"Close\"", "\"Help\"")
                .replace("Message", "Coupon code")
                .replace("name=\"", "name=\"other-");
            label = label.map(|_| "Favourite colour".to_owned());
            if t.key == "country" {
                text = "<option value=\"fr\">French</option><option value=\"en\">English</option>".into();
            }
        }
        _ => {}
    }
    let closing = if tag == "input" {
        String::new()
    } else {
        format!("{text}</{tag}>")
    };
    let el = format!(
        "<{tag} id=\"{id}\" class=\"{class}\" {attrs} data-k=\"{}\">{closing}",
        t.key
    );
    let el = match label {
        Some(l) => format!("<label for=\"{id}\">{l}</label> {el}"),
        None => el,
    };
    match c {
        Some(Change::Wrapped | Change::IdRenamedAndWrapped) => format!("<div class=\"wrap\">{el}</div>"),
        Some(Change::DeepWrapped) => format!("<div class=\"a\"><div class=\"b\"><span>{el}</span></div></div>"),
        Some(Change::SiblingsAndClasses) => format!("<p>New notice</p><hr><p>Another line</p>{el}"),
        Some(Change::Removed) => String::new(),
        _ => el,
    }
}

/// The page: the target (maybe changed) among look-alikes; every use logs the element's key.
fn page(t: &Target, c: Option<Change>) -> String {
    let target = element(t, c);
    let (main, side) = if matches!(c, Some(Change::Moved)) {
        (String::new(), target)
    } else {
        (target, String::new())
    };
    format!(
        r##"<!doctype html><html><head><meta charset="utf-8"><title>Heal</title></head><body>
<header><h1>Account</h1><nav><a class="nav-link" href="#docs">Docs</a> <a class="nav-link" href="#blog">Blog</a></nav></header>
<div id="main" class="content">
  <button class="btn" type="button" data-k="save-as">Save as</button>
  <button class="btn" type="button" data-k="cancel">Cancel</button>
  <label for="name">Name</label> <input id="name" class="field" name="name" data-k="name">
  {main}
</div>
<aside id="sidebar">{side}<button class="icon" type="button" aria-label="Settings" data-k="settings">⚙</button></aside>
<p id="log"></p>
<script>
  const log = (e) => {{ const k = e.target.closest('[data-k]'); if (k) document.getElementById('log').textContent = k.dataset.k; }};
  document.addEventListener('click', log, true);
  document.addEventListener('input', log, true);
  document.addEventListener('change', log, true);
</script>
</body></html>"##
    )
}

fn cases() -> Vec<(String, &'static Target, Change)> {
    let mut out = Vec::new();
    for t in TARGETS {
        for c in MUTATIONS.iter().chain(REGRESSIONS.iter()) {
            out.push((format!("{}-{c:?}", t.key), t, *c));
        }
    }
    out
}

fn run(dir: &Path, variant: &str, site: &str, extra: &[&str]) -> Value {
    let out = command()
        .args(["run", "heal.yaml", "-o", &format!("out-{variant}"), "--workers", "2"])
        .args(extra)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SITE", site)
        .env("V", variant)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(dir.join(format!("out-{variant}/results.json")))
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&out.stderr)));
    serde_json::from_str(&text).unwrap()
}

#[test]
#[expect(clippy::print_stderr, reason = "the measured numbers, for the issue's note")]
fn mutations_heal_to_the_right_element_and_regressions_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("pages");
    let mut yaml = String::from(
        "name: heal\nsettings: { retries: 0, screenshot_on_failure: false, timeouts: { action: 400ms } }\napps:\n",
    );
    for (name, t, c) in cases() {
        for (variant, change) in [("before", None), ("after", Some(c))] {
            std::fs::create_dir_all(pages.join(variant)).unwrap();
            std::fs::write(pages.join(variant).join(format!("{name}.html")), page(t, change)).unwrap();
        }
        let _ = write!(
            yaml,
            "  - name: {name}\n    url: \"${{SITE}}/${{V}}/{name}.html\"\n    actions:\n      - {}\n      - {{ type: assert_text, selector: \"#log\", equals: {} }}\n",
            (t.step)(&locator(t, c)),
            t.key
        );
    }
    std::fs::write(dir.path().join("heal.yaml"), &yaml).unwrap();
    let server = StaticServer::start(&pages).unwrap();
    let before = run(dir.path(), "before", &server.url, &[]);
    let tests = before["tests"].as_array().unwrap();
    let bad: Vec<&Value> = tests.iter().filter(|t| t["status"] != "passed").collect();
    assert!(bad.is_empty(), "the first run passes everywhere: {bad:#?}");

    let after = run(dir.path(), "after", &server.url, &[]);
    let (mut healed_right, mut mutations, mut false_heals, mut regressions) = (0, 0, 0, 0);
    let mut times = Vec::new();
    let mut report = String::new();
    for (name, _, c) in cases() {
        let t = after["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap();
        let step = &t["attempts"][0]["steps"][1];
        let healed = step["healed"].is_object();
        if let Some(ms) = step["healed"]["took_ms"].as_u64() {
            times.push(ms);
        }
        let regression = matches!(c, Change::Removed | Change::RoleChanged | Change::PurposeChanged);
        if regression {
            regressions += 1;
            if healed || t["status"] == "passed" {
                false_heals += 1;
                let _ = writeln!(report, "false heal {name}: {}", step["healed"]);
            }
        } else {
            mutations += 1;
            if healed && t["status"] == "passed" {
                healed_right += 1;
            } else {
                let _ = writeln!(
                    report,
                    "not healed {name}: {} {}",
                    step["healed"], t["attempts"][0]["steps"]
                );
            }
        }
    }
    times.sort_unstable();
    let p95 = times.get(times.len() * 95 / 100).copied().unwrap_or_default();
    eprintln!(
        "healing: {healed_right}/{mutations} mutations healed to the right element, {false_heals}/{regressions} regressions healed; heal time p95 {p95} ms"
    );
    assert!(mutations >= 100 && regressions >= 30);
    assert!(
        healed_right * 100 >= mutations * 95,
        "{healed_right}/{mutations}\n{report}"
    );
    assert!(false_heals <= 1, "{false_heals} false heals\n{report}");

    // `panoptic heal` shows the patch; `--write` applies it: the config then passes unhealed.
    let out = command()
        .args(["heal", "out-after"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let patch = String::from_utf8_lossy(&out.stdout);
    assert!(
        patch.contains("-      - { type: click, selector: \"#save\" }"),
        "{patch}"
    );
    let out = command()
        .args(["heal", "out-after", "--write"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let again = run(dir.path(), "after", &server.url, &["--grep", "^save-"]);
    assert_eq!(again["tests"].as_array().map(Vec::len), Some(13));
    for t in again["tests"].as_array().unwrap() {
        let step = &t["attempts"][0]["steps"][1];
        if step["status"] == "passed" {
            assert!(step["healed"].is_null(), "patched locators need no healing: {step}");
        }
    }
}

/// `self_healing: false` turns healing off; an `ai_enhanced_testing` step turns it on for its
/// test again and reports the healed step with the page's problems, in one list.
#[test]
fn healing_can_be_off_and_ai_enhanced_testing_turns_it_on_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("pages");
    for (variant, change) in [("before", None), ("after", Some(Change::IdRenamed))] {
        std::fs::create_dir_all(pages.join(variant)).unwrap();
        std::fs::write(pages.join(variant).join("save.html"), page(&TARGETS[0], change)).unwrap();
    }
    let yaml = "name: heal\nsettings: { retries: 0, screenshot_on_failure: false, timeouts: { action: 400ms }, ai_testing: { self_healing: false } }\napps:\n  - name: plain\n    url: \"${SITE}/${V}/save.html\"\n    actions:\n      - { type: click, selector: \"#save\" }\n  - name: enhanced\n    url: \"${SITE}/${V}/save.html\"\n    actions:\n      - { type: click, selector: \"#save\" }\n      - { type: ai_enhanced_testing, fail_on: critical }\n";
    std::fs::write(dir.path().join("heal.yaml"), yaml).unwrap();
    let server = StaticServer::start(&pages).unwrap();
    let before = run(dir.path(), "before", &server.url, &[]);
    for t in before["tests"].as_array().unwrap() {
        assert_eq!(t["status"], "passed", "{t}");
    }
    let after = run(dir.path(), "after", &server.url, &[]);
    let test = |name: &str| {
        after["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .cloned()
            .unwrap()
    };
    let plain = test("plain");
    assert_eq!(plain["status"], "failed", "healing is off: {plain}");
    let enhanced = test("enhanced");
    assert_eq!(enhanced["status"], "passed", "{enhanced}");
    let steps = &enhanced["attempts"][0]["steps"];
    assert_eq!(steps[1]["healed"]["from"], "#save", "{steps}");
    let report = steps[2]["output"]["findings"].as_array().cloned().unwrap_or_default();
    assert_eq!(report[0]["kind"], "healed", "{report:?}");
    assert!(
        report[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`#save` (line"),
        "{report:?}"
    );
    let junit = std::fs::read_to_string(dir.path().join("out-after/junit.xml")).unwrap();
    assert!(
        junit.contains("<system-err>warning: step 1 (click #save) healed: `#save` matched nothing"),
        "{junit}"
    );
}
