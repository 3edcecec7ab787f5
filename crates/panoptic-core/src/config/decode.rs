//! Positioned YAML tree → typed [`Config`], collecting every problem instead of stopping at the
//! first. Unknown keys get a did-you-mean; each error names what was expected.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::action::*;
use super::diag::{Diagnostic, Severity, did_you_mean};
use super::model::*;
use crate::duration::{parse_duration, seconds};
use crate::locator::Locator;
use crate::template::{self, TemplateRef};
use crate::yaml::{self, Node, Pos, Value};

/// Answers whether `${VAR}` / `${secret:NAME}` references resolve; supplied by the caller so
/// that `core` reads no environment itself.
pub trait Lookup {
    /// Value of an environment variable.
    fn var(&self, name: &str) -> Option<String>;
    /// Value of a secret.
    fn secret(&self, name: &str) -> Option<String>;
}

/// A config with its diagnostics. `config` is `None` when there was an error.
#[derive(Debug)]
pub struct Loaded {
    /// The config when it has no errors.
    pub config: Option<Config>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and validates one config text.
pub fn load_str(text: &str, file: &Path, lookup: &dyn Lookup) -> Loaded {
    let mut cx = Cx {
        file: file.to_path_buf(),
        diags: Vec::new(),
        lookup,
    };
    let config = match yaml::parse(text) {
        Ok(root) => decode_config(&mut cx, &root),
        Err(e) => {
            cx.error(
                e.pos,
                format!("invalid YAML: {}", e.message),
                Some("check indentation and quoting near this position"),
            );
            None
        }
    };
    cx.diags.sort_by_key(|d| d.pos);
    let has_error = cx.diags.iter().any(|d| d.severity == Severity::Error);
    Loaded {
        config: if has_error { None } else { config },
        diagnostics: cx.diags,
    }
}

struct Cx<'a> {
    file: PathBuf,
    diags: Vec<Diagnostic>,
    lookup: &'a dyn Lookup,
}

impl Cx<'_> {
    fn push(&mut self, severity: Severity, pos: Pos, message: String, hint: Option<&str>) {
        self.diags.push(Diagnostic {
            severity,
            file: self.file.clone(),
            pos,
            message,
            hint: hint.map(str::to_owned),
        });
    }
    fn error(&mut self, pos: Pos, message: String, hint: Option<&str>) {
        self.push(Severity::Error, pos, message, hint);
    }
    fn warn(&mut self, pos: Pos, message: String, hint: Option<&str>) {
        self.push(Severity::Warning, pos, message, hint);
    }
    fn expected(&mut self, node: &Node, what: &str, key: &str) {
        self.error(
            node.pos,
            format!("`{key}`: expected {what}, found {}", node.value.kind()),
            None,
        );
    }
}

/// A mapping being decoded; remembers which keys were read so the rest can be reported.
struct Obj<'n> {
    entries: &'n [(Node, Node)],
    used: Vec<bool>,
    pos: Pos,
}

impl<'n> Obj<'n> {
    fn new(cx: &mut Cx<'_>, node: &'n Node, what: &str) -> Option<Obj<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Obj {
                entries,
                used: vec![false; entries.len()],
                pos: node.pos,
            }),
            Value::Null => Some(Obj {
                entries: &[],
                used: Vec::new(),
                pos: node.pos,
            }),
            other => {
                cx.error(
                    node.pos,
                    format!("{what}: expected a mapping, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    fn take(&mut self, key: &str) -> Option<&'n Node> {
        let i = self
            .entries
            .iter()
            .position(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))?;
        self.used[i] = true;
        Some(&self.entries[i].1).filter(|n| n.value != Value::Null)
    }

    fn has(&self, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, v)| matches!(&k.value, Value::Str(s) if s == key) && v.value != Value::Null)
    }

    /// Reports every key not read, against `known`.
    fn finish(self, cx: &mut Cx<'_>, section: &str, known: &[&str]) {
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let name = match &k.value {
                Value::Str(s) => s.clone(),
                other => format!("{other:?}"),
            };
            let hint = did_you_mean(&name, known)
                .map(|m| format!("did you mean `{m}`?"))
                .unwrap_or_else(|| format!("known keys here: {}", known.join(", ")));
            cx.error(k.pos, format!("unknown key `{name}` in {section}"), Some(&hint));
        }
    }
}

fn string(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => {
            cx.expected(node, "a string", key);
            None
        }
    }
}

fn boolean(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        _ => {
            cx.expected(node, "true or false", key);
            None
        }
    }
}

fn int(cx: &mut Cx<'_>, node: &Node, key: &str, min: i64, max: i64) -> Option<i64> {
    match &node.value {
        Value::Int(i) if (min..=max).contains(i) => Some(*i),
        Value::Int(i) => {
            cx.error(
                node.pos,
                format!("`{key}`: {i} is out of range; expected {min}..={max}"),
                None,
            );
            None
        }
        _ => {
            cx.expected(node, &format!("an integer in {min}..={max}"), key);
            None
        }
    }
}

fn number(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<f64> {
    match &node.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => {
            cx.expected(node, "a number", key);
            None
        }
    }
}

fn duration(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<DurationValue> {
    let parsed = match &node.value {
        Value::Int(i) => seconds(*i as f64).ok_or_else(|| format!("`{key}`: {i} seconds is out of range")),
        Value::Float(f) => seconds(*f).ok_or_else(|| format!("`{key}`: {f} seconds is out of range")),
        Value::Str(s) => parse_duration(s).map_err(|e| format!("`{key}`: {e}")),
        other => Err(format!(
            "`{key}`: expected a duration like `5s`, found {}",
            other.kind()
        )),
    };
    match parsed {
        Ok(d) => Some(DurationValue(d)),
        Err(m) => {
            cx.error(
                node.pos,
                m,
                Some("durations are written `250ms`, `5s`, `2m`, or a number of seconds"),
            );
            None
        }
    }
}

fn choice<T: Copy>(cx: &mut Cx<'_>, node: &Node, key: &str, options: &[(&str, T)]) -> Option<T> {
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let s = string(cx, node, key)?;
    if let Some((_, v)) = options.iter().find(|(n, _)| *n == s) {
        return Some(*v);
    }
    let hint = did_you_mean(&s, &names).map(|m| format!("did you mean `{m}`?"));
    cx.error(
        node.pos,
        format!("`{key}`: `{s}` is not one of {}", names.join(", ")),
        hint.as_deref(),
    );
    None
}

fn string_list(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<Vec<String>> {
    match &node.value {
        Value::Seq(items) => items.iter().map(|n| string(cx, n, key)).collect(),
        Value::Str(s) => Some(vec![s.clone()]),
        _ => {
            cx.expected(node, "a list of strings", key);
            None
        }
    }
}

macro_rules! field {
    ($obj:ident, $cx:ident, $key:literal, $target:expr, $conv:expr) => {
        if let Some(n) = $obj.take($key) {
            if let Some(v) = $conv($cx, n, $key) {
                $target = v;
            }
        }
    };
}

const TOP_KEYS: &[&str] = &["name", "output", "settings", "apps", "actions"];

fn decode_config(cx: &mut Cx<'_>, root: &Node) -> Option<Config> {
    if root.value == Value::Null {
        cx.error(
            root.pos,
            "empty config: expected a mapping with `name` and `apps`".into(),
            Some("see docs/config.md for a complete example"),
        );
        return None;
    }
    let mut obj = Obj::new(cx, root, "the config")?;
    let stem = cx
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "panoptic".into());
    let mut name = stem;
    field!(obj, cx, "name", name, string);
    let mut output = None;
    field!(obj, cx, "output", output, |cx: &mut Cx<'_>, n, k| string(cx, n, k)
        .map(|s| Some(PathBuf::from(s))));
    let settings = match obj.take("settings") {
        Some(n) => decode_settings(cx, n),
        None => Settings::default(),
    };
    let actions = match obj.take("actions") {
        Some(n) => decode_actions(cx, n, "actions"),
        None => Vec::new(),
    };
    let mut apps = Vec::new();
    match obj.take("apps") {
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => {
            for item in items {
                if let Some(app) = decode_app(cx, item) {
                    apps.push(app);
                }
            }
            if items.is_empty() {
                cx.error(root.pos, "`apps` is empty: expected at least one app".into(), None);
            }
        }
        Some(n) => cx.expected(n, "a list of apps", "apps"),
        None => cx.error(
            obj.pos,
            "missing `apps`: expected a list of apps to test".into(),
            Some("add `apps: [{ name: Site, url: \"http://127.0.0.1:8080/\" }]`"),
        ),
    }
    let mut seen = std::collections::HashSet::new();
    for app in &apps {
        if !seen.insert(app.name.as_str()) {
            cx.error(
                obj.pos,
                format!("two apps are named `{}`", app.name),
                Some("app names identify tests in reports; make them unique"),
            );
        }
        if app.actions.is_none() && actions.is_empty() {
            cx.warn(
                obj.pos,
                format!("app `{}` has no actions: the test only opens its url", app.name),
                None,
            );
        }
    }
    obj.finish(cx, "the config", TOP_KEYS);
    let config = Config {
        name,
        output,
        settings,
        apps,
        actions,
        source: cx.file.clone(),
    };
    check_semantics(cx, &config);
    Some(config)
}

const APP_KEYS: &[&str] = &["name", "type", "url", "timeout", "actions"];

fn decode_app(cx: &mut Cx<'_>, node: &Node) -> Option<App> {
    let mut obj = Obj::new(cx, node, "an app")?;
    let name = match obj.take("name") {
        Some(n) => string(cx, n, "name")?,
        None => {
            cx.error(
                node.pos,
                "app without `name`".into(),
                Some("every app needs a `name`; it is the test's name in reports"),
            );
            return None;
        }
    };
    if let Some(n) = obj.take("type")
        && let Some(t) = string(cx, n, "type")
    {
        match t.as_str() {
            "web" => {}
            "desktop" | "mobile" => cx.error(
                n.pos,
                format!("app type `{t}` is not supported: panoptic drives web apps in Chromium"),
                Some("use `type: web` with the app's URL"),
            ),
            _ => cx.error(n.pos, format!("unknown app type `{t}`; expected `web`"), None),
        }
    }
    let mut url = None;
    field!(obj, cx, "url", url, |cx: &mut Cx<'_>, n, k| string(cx, n, k).map(Some));
    let mut timeout = None;
    field!(obj, cx, "timeout", timeout, |cx: &mut Cx<'_>, n, k| {
        duration(cx, n, k).map(Some)
    });
    let actions = obj
        .take("actions")
        .map(|n| decode_actions(cx, n, &format!("actions of app `{name}`")));
    obj.finish(cx, &format!("app `{name}`"), APP_KEYS);
    Some(App {
        name,
        kind: AppKind::Web,
        url,
        timeout,
        actions,
        pos: node.pos,
    })
}

const SETTINGS_KEYS: &[&str] = &[
    "profile",
    "workers",
    "retries",
    "headless",
    "window_width",
    "window_height",
    "screenshot_format",
    "quality",
    "screenshot_on_failure",
    "screenshot_every_step",
    "video_format",
    "video",
    "timeouts",
    "browser",
    "limits",
    "allow",
    "ai_testing",
    "cloud",
    "telemetry",
    "enable_metrics",
    "log_level",
];

fn decode_settings(cx: &mut Cx<'_>, node: &Node) -> Settings {
    let mut s = Settings::default();
    let Some(mut obj) = Obj::new(cx, node, "settings") else {
        return s;
    };
    s.explicit = SETTINGS_KEYS.iter().filter(|k| obj.has(k)).copied().collect();
    field!(obj, cx, "profile", s.profile, |cx: &mut Cx<'_>, n, k| {
        choice(
            cx,
            n,
            k,
            &[
                ("fast", Profile::Fast),
                ("balanced", Profile::Balanced),
                ("thorough", Profile::Thorough),
                ("low-resource", Profile::LowResource),
            ],
        )
    });
    field!(obj, cx, "workers", s.workers, |cx: &mut Cx<'_>, n, k| int(
        cx, n, k, 1, 256
    )
    .map(|v| Some(v as u32)));
    field!(obj, cx, "retries", s.retries, |cx: &mut Cx<'_>, n, k| int(
        cx, n, k, 0, 10
    )
    .map(|v| v as u32));
    field!(obj, cx, "headless", s.headless, boolean);
    field!(obj, cx, "window_width", s.window_width, |cx: &mut Cx<'_>, n, k| int(
        cx, n, k, 100, 7680
    )
    .map(|v| v as u32));
    field!(obj, cx, "window_height", s.window_height, |cx: &mut Cx<'_>, n, k| int(
        cx, n, k, 100, 4320
    )
    .map(|v| v as u32));
    field!(
        obj,
        cx,
        "screenshot_format",
        s.screenshot_format,
        |cx: &mut Cx<'_>, n, k| choice(
            cx,
            n,
            k,
            &[
                ("png", ImageFormat::Png),
                ("jpeg", ImageFormat::Jpeg),
                ("jpg", ImageFormat::Jpeg),
                ("webp", ImageFormat::Webp),
            ]
        )
    );
    field!(obj, cx, "quality", s.quality, |cx: &mut Cx<'_>, n, k| int(
        cx, n, k, 0, 100
    )
    .map(|v| v as u8));
    field!(obj, cx, "screenshot_on_failure", s.screenshot_on_failure, boolean);
    field!(obj, cx, "screenshot_every_step", s.screenshot_every_step, boolean);
    field!(obj, cx, "video_format", s.video_format, |cx: &mut Cx<'_>, n, k| choice(
        cx,
        n,
        k,
        &[("webm", VideoFormat::Webm), ("mp4", VideoFormat::Mp4)]
    ));
    if let Some(n) = obj.take("video")
        && let Some(mut v) = Obj::new(cx, n, "settings.video")
    {
        field!(v, cx, "mode", s.video.mode, |cx: &mut Cx<'_>, n, k| choice(
            cx,
            n,
            k,
            &[
                ("off", VideoMode::Off),
                ("on", VideoMode::On),
                ("retain-on-failure", VideoMode::RetainOnFailure),
            ]
        ));
        field!(v, cx, "fps", s.video.fps, |cx: &mut Cx<'_>, n, k| int(cx, n, k, 1, 60)
            .map(|v| v as u32));
        field!(v, cx, "quality", s.video.quality, |cx: &mut Cx<'_>, n, k| int(
            cx, n, k, 1, 100
        )
        .map(|v| v as u8));
        v.finish(cx, "settings.video", &["mode", "fps", "quality"]);
    }
    if let Some(n) = obj.take("timeouts")
        && let Some(mut t) = Obj::new(cx, n, "settings.timeouts")
    {
        field!(t, cx, "action", s.timeouts.action, duration);
        field!(t, cx, "navigation", s.timeouts.navigation, duration);
        field!(t, cx, "expect", s.timeouts.expect, duration);
        field!(t, cx, "test", s.timeouts.test, duration);
        t.finish(cx, "settings.timeouts", &["action", "navigation", "expect", "test"]);
    }
    if let Some(n) = obj.take("browser")
        && let Some(mut b) = Obj::new(cx, n, "settings.browser")
    {
        field!(b, cx, "executable", s.browser.executable, |cx: &mut Cx<'_>, n, k| {
            string(cx, n, k).map(|p| Some(PathBuf::from(p)))
        });
        field!(b, cx, "endpoints", s.browser.endpoints, string_list);
        if b.has("max_contexts_per_browser") {
            s.explicit.push("browser.max_contexts_per_browser");
        }
        field!(b, cx, "args", s.browser.args, string_list);
        field!(
            b,
            cx,
            "max_contexts_per_browser",
            s.browser.max_contexts_per_browser,
            |cx: &mut Cx<'_>, n, k| int(cx, n, k, 1, 1000).map(|v| v as u32)
        );
        b.finish(
            cx,
            "settings.browser",
            &["executable", "endpoints", "args", "max_contexts_per_browser"],
        );
    }
    if let Some(n) = obj.take("limits")
        && let Some(mut l) = Obj::new(cx, n, "settings.limits")
    {
        field!(
            l,
            cx,
            "memory_budget_mb",
            s.limits.memory_budget_mb,
            |cx: &mut Cx<'_>, n, k| int(cx, n, k, 64, 1 << 20).map(|v| v as u64)
        );
        field!(
            l,
            cx,
            "max_browser_rss_mb",
            s.limits.max_browser_rss_mb,
            |cx: &mut Cx<'_>, n, k| int(cx, n, k, 64, 1 << 20).map(|v| v as u64)
        );
        field!(
            l,
            cx,
            "max_artifact_mb",
            s.limits.max_artifact_mb,
            |cx: &mut Cx<'_>, n, k| int(cx, n, k, 1, 1 << 20).map(|v| v as u64)
        );
        l.finish(
            cx,
            "settings.limits",
            &["memory_budget_mb", "max_browser_rss_mb", "max_artifact_mb"],
        );
    }
    if let Some(n) = obj.take("allow")
        && let Some(mut a) = Obj::new(cx, n, "settings.allow")
    {
        field!(a, cx, "schemes", s.allow.schemes, string_list);
        field!(a, cx, "hosts", s.allow.hosts, string_list);
        field!(a, cx, "eval", s.allow.eval, boolean);
        field!(
            a,
            cx,
            "file_upload_roots",
            s.allow.file_upload_roots,
            |cx: &mut Cx<'_>, n, k| string_list(cx, n, k).map(|v| v.into_iter().map(PathBuf::from).collect())
        );
        a.finish(cx, "settings.allow", &["schemes", "hosts", "eval", "file_upload_roots"]);
    }
    if let Some(n) = obj.take("ai_testing")
        && let Some(mut a) = Obj::new(cx, n, "settings.ai_testing")
    {
        field!(
            a,
            cx,
            "enable_error_detection",
            s.ai_testing.enable_error_detection,
            boolean
        );
        field!(a, cx, "self_healing", s.ai_testing.self_healing, boolean);
        if let Some(n) = a.take("confidence_threshold") {
            match number(cx, n, "confidence_threshold") {
                Some(v) if (0.0..=1.0).contains(&v) => s.ai_testing.confidence_threshold = v,
                Some(v) => cx.error(
                    n.pos,
                    format!("`confidence_threshold`: {v} is out of range; expected 0.0..=1.0"),
                    None,
                ),
                None => {}
            }
        }
        field!(
            a,
            cx,
            "max_generated_tests",
            s.ai_testing.max_generated_tests,
            |cx: &mut Cx<'_>, n, k| int(cx, n, k, 0, 10_000).map(|v| v as u32)
        );
        a.finish(
            cx,
            "settings.ai_testing",
            &[
                "enable_error_detection",
                "self_healing",
                "confidence_threshold",
                "max_generated_tests",
            ],
        );
        cx.warn(
            n.pos,
            "`settings.ai_testing` has no effect in this build: the AI actions are not available yet".into(),
            None,
        );
    }
    if let Some(n) = obj.take("cloud")
        && let Some(mut c) = Obj::new(cx, n, "settings.cloud")
    {
        let mut cloud = CloudSettings {
            url: String::new(),
            retention_days: 30,
            sync: CloudSync::OnFinish,
        };
        match c.take("url") {
            Some(u) => {
                if let Some(url) = string(cx, u, "url") {
                    if !["s3://", "gs://", "az://", "file://"]
                        .iter()
                        .any(|p| url.starts_with(p))
                    {
                        cx.error(
                            u.pos,
                            format!("`cloud.url`: `{url}` is not an s3://, gs://, az:// or file:// URL"),
                            None,
                        );
                    }
                    cloud.url = url;
                }
            }
            None => cx.error(
                n.pos,
                "`settings.cloud` needs a `url`".into(),
                Some("e.g. `url: s3://bucket/prefix`"),
            ),
        }
        field!(
            c,
            cx,
            "retention_days",
            cloud.retention_days,
            |cx: &mut Cx<'_>, n, k| int(cx, n, k, 1, 36_500).map(|v| v as u32)
        );
        field!(c, cx, "sync", cloud.sync, |cx: &mut Cx<'_>, n, k| choice(
            cx,
            n,
            k,
            &[("on-finish", CloudSync::OnFinish), ("manual", CloudSync::Manual)]
        ));
        c.finish(cx, "settings.cloud", &["url", "retention_days", "sync"]);
        cx.warn(
            n.pos,
            "`settings.cloud` has no effect in this build: artifact upload is not available yet".into(),
            None,
        );
        s.cloud = Some(cloud);
    }
    if let Some(n) = obj.take("telemetry")
        && let Some(mut t) = Obj::new(cx, n, "settings.telemetry")
    {
        field!(t, cx, "otlp", s.telemetry.otlp, boolean);
        t.finish(cx, "settings.telemetry", &["otlp"]);
        if s.telemetry.otlp {
            cx.warn(
                n.pos,
                "`telemetry.otlp` has no effect in this build: OTLP export is not available yet".into(),
                None,
            );
        }
    }
    field!(obj, cx, "enable_metrics", s.enable_metrics, |cx: &mut Cx<'_>, n, k| {
        boolean(cx, n, k).map(Some)
    });
    field!(obj, cx, "log_level", s.log_level, |cx: &mut Cx<'_>, n, k| choice(
        cx,
        n,
        k,
        &[
            ("trace", "trace"),
            ("debug", "debug"),
            ("info", "info"),
            ("warn", "warn"),
            ("error", "error"),
        ]
    )
    .map(|l| Some(l.to_owned())));
    obj.finish(cx, "settings", SETTINGS_KEYS);
    s
}

fn decode_actions(cx: &mut Cx<'_>, node: &Node, what: &str) -> Vec<Action> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| decode_action(cx, n, i))
            .collect(),
        _ => {
            cx.expected(node, "a list of actions", what);
            Vec::new()
        }
    }
}

const COMMON_KEYS: &[&str] = &[
    "name",
    "type",
    "timeout",
    "optional",
    "screenshot",
    "retries",
    "description",
];

/// Keys each action type reads besides the common ones.
fn type_keys(t: &str) -> &'static [&'static str] {
    match t {
        "navigate" => &["url", "value"],
        "reload" | "back" | "forward" | "assert_no_errors" | "record_start" | "record_stop" => &[],
        "record" => &["duration", "value"],
        "click" | "dblclick" | "clear" | "hover" | "check" | "uncheck" | "submit" | "assert_visible"
        | "assert_hidden" => &["selector", "target"],
        "fill" => &["selector", "target", "value"],
        "press" => &["selector", "target", "key", "value"],
        "select" => &["selector", "target", "value", "label"],
        "scroll" => &["selector", "target", "x", "y", "parameters"],
        "upload" => &["selector", "target", "files", "value"],
        "dialog" => &["accept", "value", "prompt_text"],
        "wait" => &[
            "wait_time",
            "duration",
            "selector",
            "target",
            "state",
            "url",
            "network_idle",
        ],
        "assert_text" | "assert_value" => &["selector", "target", "equals", "contains", "matches", "value"],
        "assert_attribute" => &[
            "selector",
            "target",
            "attribute",
            "equals",
            "contains",
            "matches",
            "value",
        ],
        "assert_count" => &["selector", "target", "count", "value"],
        "assert_url" | "assert_title" => &["equals", "contains", "matches", "value", "url"],
        "screenshot" => &[
            "parameters",
            "selector",
            "target",
            "filename",
            "full_page",
            "mask",
            "value",
        ],
        "eval" => &["script", "value", "save_as"],
        _ => &[],
    }
}

fn decode_action(cx: &mut Cx<'_>, node: &Node, index: usize) -> Option<Action> {
    let mut obj = Obj::new(cx, node, "an action")?;
    let type_node = match obj.take("type") {
        Some(n) => n,
        None => {
            cx.error(
                node.pos,
                format!("action #{} has no `type`", index + 1),
                Some("e.g. `type: click`; see docs/config.md for all types"),
            );
            // Its other keys cannot be judged without a type: report the missing type only.
            return None;
        }
    };
    let t = string(cx, type_node, "type")?;
    if UNAVAILABLE_TYPES.contains(&t.as_str()) {
        cx.error(
            type_node.pos,
            format!("action type `{t}` is not available in this build"),
            Some("AI and cloud actions arrive with their own issues; remove the step for now"),
        );
        return None;
    }
    if ENTERPRISE_TYPES.contains(&t.as_str()) || t.starts_with("enterprise_") {
        cx.error(type_node.pos, format!("action type `{t}` was removed: the Go tool's enterprise actions are replaced by `panoptic serve` API keys with roles and its audit log"), Some("manage users with `panoptic keys create|list|revoke`; mutating calls are audited"));
        return None;
    }
    if !ACTION_TYPES.contains(&t.as_str()) {
        let hint = did_you_mean(&t, ACTION_TYPES).map(|m| format!("did you mean `{m}`?"));
        // Its other keys cannot be judged without a known type: report the type only.
        cx.error(
            type_node.pos,
            format!("unknown action type `{t}`"),
            hint.as_deref().or(Some("see docs/config.md for all types")),
        );
        return None;
    }
    let mut name = None;
    field!(obj, cx, "name", name, |cx: &mut Cx<'_>, n, k| string(cx, n, k)
        .map(Some));
    let _ = obj.take("description");
    let mut timeout = None;
    field!(obj, cx, "timeout", timeout, |cx: &mut Cx<'_>, n, k| {
        duration(cx, n, k).map(Some)
    });
    let mut optional = false;
    field!(obj, cx, "optional", optional, boolean);
    let mut screenshot = false;
    field!(obj, cx, "screenshot", screenshot, boolean);
    let mut retries = 0;
    field!(obj, cx, "retries", retries, |cx: &mut Cx<'_>, n, k| int(
        cx, n, k, 0, 10
    )
    .map(|v| v as u32));
    let mut ok = true;
    let kind = decode_kind(cx, &mut obj, &t, node.pos, &mut ok);
    let known: Vec<&str> = COMMON_KEYS.iter().chain(type_keys(&t)).copied().collect();
    obj.finish(cx, &format!("a `{t}` action"), &known);
    let kind = kind.filter(|_| ok)?;
    let name = name.unwrap_or_else(|| default_name(&kind, index));
    Some(Action {
        name,
        kind,
        timeout,
        optional,
        screenshot,
        retries,
        pos: node.pos,
    })
}

fn default_name(kind: &ActionKind, index: usize) -> String {
    match action_strings(kind).into_iter().next() {
        Some(target) if !matches!(kind, ActionKind::Eval { .. }) => {
            format!("{} {target}", kind.type_name())
        }
        _ => format!("{} #{}", kind.type_name(), index + 1),
    }
}

/// Reads `selector` (or the Go tool's `target`) and checks its syntax.
fn locator(cx: &mut Cx<'_>, obj: &mut Obj<'_>, t: &str, required: bool, ok: &mut bool) -> Option<String> {
    let node = obj.take("selector").or_else(|| obj.take("target"));
    let Some(node) = node else {
        if required {
            cx.error(
                obj.pos,
                format!("`{t}` needs a `selector` (or `target`)"),
                Some("e.g. `selector: \"#submit\"` or `selector: \"role=button[name='Save']\"`"),
            );
            *ok = false;
        }
        return None;
    };
    let s = string(cx, node, "selector")?;
    if !s.contains("${")
        && let Err(e) = Locator::parse(&s)
    {
        cx.error(node.pos, format!("invalid locator `{s}`: {e}"), None);
        *ok = false;
    }
    Some(s)
}

fn required_str(cx: &mut Cx<'_>, obj: &mut Obj<'_>, t: &str, keys: &[&str], ok: &mut bool) -> Option<String> {
    for k in keys {
        if let Some(n) = obj.take(k) {
            return string(cx, n, k);
        }
    }
    cx.error(obj.pos, format!("`{t}` needs `{}`", keys.join("` or `")), None);
    *ok = false;
    None
}

fn text_match(cx: &mut Cx<'_>, obj: &mut Obj<'_>, t: &str, ok: &mut bool) -> Option<TextMatch> {
    let present: Vec<&str> = ["equals", "contains", "matches", "value"]
        .into_iter()
        .filter(|k| obj.has(k))
        .collect();
    if present.len() > 1 {
        cx.error(
            obj.pos,
            format!(
                "`{t}` takes one of `equals`, `contains`, `matches`; found {}",
                present.join(", ")
            ),
            None,
        );
        *ok = false;
    }
    let m = if let Some(n) = obj.take("equals").or_else(|| obj.take("value")) {
        TextMatch::Equals(string(cx, n, "equals")?)
    } else if let Some(n) = obj.take("contains") {
        TextMatch::Contains(string(cx, n, "contains")?)
    } else if let Some(n) = obj.take("matches") {
        let re = string(cx, n, "matches")?;
        if let Err(e) = regex::Regex::new(&re) {
            cx.error(
                n.pos,
                format!(
                    "`matches`: invalid regular expression: {}",
                    e.to_string().lines().last().unwrap_or("")
                ),
                None,
            );
            *ok = false;
        }
        TextMatch::Matches(re)
    } else {
        cx.error(
            obj.pos,
            format!("`{t}` needs `equals`, `contains` or `matches`"),
            Some("e.g. `contains: \"Welcome\"`"),
        );
        *ok = false;
        return None;
    };
    Some(m)
}

fn decode_kind(cx: &mut Cx<'_>, obj: &mut Obj<'_>, t: &str, pos: Pos, ok: &mut bool) -> Option<ActionKind> {
    let sel = |cx: &mut Cx<'_>, obj: &mut Obj<'_>, ok: &mut bool| locator(cx, obj, t, true, ok);
    Some(match t {
        "navigate" => ActionKind::Navigate {
            url: required_str(cx, obj, t, &["url", "value"], ok)?,
        },
        "reload" => ActionKind::Reload,
        "back" => ActionKind::Back,
        "forward" => ActionKind::Forward,
        "click" => ActionKind::Click {
            selector: sel(cx, obj, ok)?,
        },
        "dblclick" => ActionKind::Dblclick {
            selector: sel(cx, obj, ok)?,
        },
        "fill" => {
            let selector = sel(cx, obj, ok);
            let value = match obj.take("value") {
                Some(n) => string(cx, n, "value")?,
                None => {
                    cx.error(
                        pos,
                        "`fill` needs a `value`".into(),
                        Some("use `value: \"\"` to empty the field, or the `clear` action"),
                    );
                    *ok = false;
                    return None;
                }
            };
            ActionKind::Fill {
                selector: selector?,
                value,
            }
        }
        "clear" => ActionKind::Clear {
            selector: sel(cx, obj, ok)?,
        },
        "press" => {
            let selector = locator(cx, obj, t, false, ok);
            let key = required_str(cx, obj, t, &["key", "value"], ok)?;
            ActionKind::Press { selector, key }
        }
        "hover" => ActionKind::Hover {
            selector: sel(cx, obj, ok)?,
        },
        "select" => {
            let selector = sel(cx, obj, ok);
            let by = if let Some(n) = obj.take("label") {
                SelectBy::Label(string(cx, n, "label")?)
            } else if let Some(n) = obj.take("value") {
                SelectBy::Value(string(cx, n, "value")?)
            } else {
                cx.error(pos, "`select` needs `value` or `label`".into(), None);
                *ok = false;
                return None;
            };
            ActionKind::Select {
                selector: selector?,
                by,
            }
        }
        "check" => ActionKind::Check {
            selector: sel(cx, obj, ok)?,
        },
        "uncheck" => ActionKind::Uncheck {
            selector: sel(cx, obj, ok)?,
        },
        "submit" => ActionKind::Submit {
            selector: sel(cx, obj, ok)?,
        },
        "scroll" => {
            let selector = locator(cx, obj, t, false, ok);
            let (mut x, mut y) = (0, 0);
            let params = obj.take("parameters");
            let mut p = params.and_then(|n| Obj::new(cx, n, "parameters"));
            for (key, target) in [("x", &mut x), ("y", &mut y)] {
                let node = obj.take(key).or_else(|| p.as_mut().and_then(|p| p.take(key)));
                if let Some(n) = node
                    && let Some(v) = int(cx, n, key, -1_000_000, 1_000_000)
                {
                    *target = v;
                }
            }
            if let Some(p) = p {
                p.finish(cx, "scroll parameters", &["x", "y"]);
            }
            if selector.is_none() && x == 0 && y == 0 {
                cx.error(pos, "`scroll` needs a `selector` or `x`/`y` pixels".into(), None);
                *ok = false;
            }
            ActionKind::Scroll { selector, x, y }
        }
        "upload" => {
            let selector = sel(cx, obj, ok);
            let files = match obj.take("files").or_else(|| obj.take("value")) {
                Some(n) => string_list(cx, n, "files")?,
                None => {
                    cx.error(pos, "`upload` needs `files`".into(), None);
                    *ok = false;
                    return None;
                }
            };
            ActionKind::Upload {
                selector: selector?,
                files,
            }
        }
        "dialog" => {
            let mut accept = true;
            if let Some(n) = obj.take("accept") {
                accept = boolean(cx, n, "accept")?;
            } else if let Some(n) = obj.take("value") {
                accept = choice(cx, n, "value", &[("accept", true), ("dismiss", false)])?;
            }
            let mut prompt_text = None;
            field!(obj, cx, "prompt_text", prompt_text, |cx: &mut Cx<'_>, n, k| string(
                cx, n, k
            )
            .map(Some));
            ActionKind::Dialog { accept, prompt_text }
        }
        "wait" => decode_wait(cx, obj, pos, ok)?,
        "assert_visible" => ActionKind::AssertVisible {
            selector: sel(cx, obj, ok)?,
        },
        "assert_hidden" => ActionKind::AssertHidden {
            selector: sel(cx, obj, ok)?,
        },
        "assert_text" => {
            let selector = sel(cx, obj, ok);
            let expect = text_match(cx, obj, t, ok)?;
            ActionKind::AssertText {
                selector: selector?,
                expect,
            }
        }
        "assert_value" => {
            let selector = sel(cx, obj, ok);
            let expect = text_match(cx, obj, t, ok)?;
            ActionKind::AssertValue {
                selector: selector?,
                expect,
            }
        }
        "assert_attribute" => {
            let selector = sel(cx, obj, ok);
            let attribute = required_str(cx, obj, t, &["attribute"], ok);
            let expect = text_match(cx, obj, t, ok)?;
            ActionKind::AssertAttribute {
                selector: selector?,
                attribute: attribute?,
                expect,
            }
        }
        "assert_count" => {
            let selector = sel(cx, obj, ok);
            let count = match obj.take("count").or_else(|| obj.take("value")) {
                Some(n) => int(cx, n, "count", 0, 1_000_000)? as u64,
                None => {
                    cx.error(pos, "`assert_count` needs `count`".into(), None);
                    *ok = false;
                    return None;
                }
            };
            ActionKind::AssertCount {
                selector: selector?,
                count,
            }
        }
        "assert_url" => {
            if let Some(n) = obj.take("url") {
                ActionKind::AssertUrl {
                    expect: TextMatch::Contains(string(cx, n, "url")?),
                }
            } else {
                ActionKind::AssertUrl {
                    expect: text_match(cx, obj, t, ok)?,
                }
            }
        }
        "assert_title" => ActionKind::AssertTitle {
            expect: text_match(cx, obj, t, ok)?,
        },
        "assert_no_errors" => ActionKind::AssertNoErrors,
        "record" => match obj.take("duration").or_else(|| obj.take("value")) {
            Some(n) => ActionKind::Record {
                duration: duration(cx, n, "duration")?,
            },
            None => {
                cx.error(
                    pos,
                    "`record` needs a `duration` (seconds)".into(),
                    Some("e.g. `duration: 3`, or use `record_start` / `record_stop`"),
                );
                *ok = false;
                return None;
            }
        },
        "record_start" => ActionKind::RecordStart,
        "record_stop" => ActionKind::RecordStop,
        "screenshot" => decode_screenshot(cx, obj, ok),
        "eval" => {
            let script = required_str(cx, obj, t, &["script", "value"], ok)?;
            let mut save_as = None;
            field!(obj, cx, "save_as", save_as, |cx: &mut Cx<'_>, n, k| string(cx, n, k)
                .map(Some));
            ActionKind::Eval { script, save_as }
        }
        _ => return None,
    })
}

fn decode_wait(cx: &mut Cx<'_>, obj: &mut Obj<'_>, pos: Pos, ok: &mut bool) -> Option<ActionKind> {
    let forms: Vec<&str> = ["wait_time", "duration", "selector", "target", "url", "network_idle"]
        .into_iter()
        .filter(|k| obj.has(k))
        .collect();
    let hint = Some("use one of `wait_time: 2`, `selector: …` (+ `state`), `url: …`, `network_idle: true`");
    if forms.len() > 1 && (forms != ["selector", "target"]) {
        cx.error(
            pos,
            format!("`wait` takes one thing to wait for; found {}", forms.join(", ")),
            hint,
        );
        *ok = false;
    }
    let what = if let Some(n) = obj.take("wait_time").or_else(|| obj.take("duration")) {
        WaitFor::Time(duration(cx, n, "wait_time")?)
    } else if obj.has("selector") || obj.has("target") {
        let selector = locator(cx, obj, "wait", true, ok)?;
        let mut state = WaitState::Visible;
        field!(obj, cx, "state", state, |cx: &mut Cx<'_>, n, k| choice(
            cx,
            n,
            k,
            &[
                ("visible", WaitState::Visible),
                ("hidden", WaitState::Hidden),
                ("attached", WaitState::Attached),
                ("detached", WaitState::Detached),
            ]
        ));
        WaitFor::Element { selector, state }
    } else if let Some(n) = obj.take("url") {
        WaitFor::Url(string(cx, n, "url")?)
    } else if let Some(n) = obj.take("network_idle") {
        if !boolean(cx, n, "network_idle")? {
            cx.error(n.pos, "`network_idle: false` waits for nothing".into(), hint);
            *ok = false;
        }
        WaitFor::NetworkIdle
    } else {
        cx.error(pos, "`wait` needs something to wait for".into(), hint);
        *ok = false;
        return None;
    };
    Some(ActionKind::Wait { what })
}

const SCREENSHOT_PARAMS: &[&str] = &["filename", "full_page", "mask", "selector"];

fn decode_screenshot(cx: &mut Cx<'_>, obj: &mut Obj<'_>, ok: &mut bool) -> ActionKind {
    let mut selector = locator(cx, obj, "screenshot", false, ok);
    let mut filename = None;
    let mut full_page = false;
    let mut mask = Vec::new();
    let params = obj.take("parameters");
    let mut p = params.and_then(|n| Obj::new(cx, n, "parameters"));
    let mut pick = |key: &str| obj.take(key).or_else(|| p.as_mut().and_then(|p| p.take(key)));
    let file_node = pick("filename").or_else(|| pick("value"));
    let full_node = pick("full_page");
    let mask_node = pick("mask");
    let sel_node = if selector.is_none() { pick("selector") } else { None };
    if let Some(n) = file_node
        && let Some(f) = string(cx, n, "filename")
    {
        if let Err(e) = check_file_name(&f) {
            cx.error(
                n.pos,
                format!("`filename`: {e}"),
                Some("screenshot file names are relative to <output>/screenshots/"),
            );
            *ok = false;
        }
        filename = Some(f);
    }
    if let Some(n) = full_node {
        full_page = boolean(cx, n, "full_page").unwrap_or(false);
    }
    if let Some(n) = mask_node {
        mask = string_list(cx, n, "mask").unwrap_or_default();
        for m in &mask {
            if let Err(e) = Locator::parse(m) {
                cx.error(n.pos, format!("invalid mask locator `{m}`: {e}"), None);
                *ok = false;
            }
        }
    }
    if let Some(n) = sel_node {
        selector = string(cx, n, "selector");
    }
    if let Some(p) = p {
        p.finish(cx, "screenshot parameters", SCREENSHOT_PARAMS);
    }
    ActionKind::Screenshot {
        filename,
        full_page,
        selector,
        mask,
    }
}

/// A user-given artifact file name must stay inside its folder: relative, no `..`, no NUL.
pub fn check_file_name(name: &str) -> Result<(), String> {
    let p = Path::new(name);
    if name.is_empty() {
        return Err("empty file name".into());
    }
    if name.contains('\0') || name.contains('\\') {
        return Err(format!("`{name}` contains a forbidden character"));
    }
    if p.is_absolute() {
        return Err(format!("`{name}` is absolute; artifact names must be relative"));
    }
    if p.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err(format!(
            "`{name}` leaves its folder (`..` or `.` parts are not allowed)"
        ));
    }
    Ok(())
}

/// Checks everything that needs the whole config: template references, `eval` permission.
fn check_semantics(cx: &mut Cx<'_>, config: &Config) {
    let lists = std::iter::once(&config.actions).chain(config.apps.iter().filter_map(|a| a.actions.as_ref()));
    for actions in lists {
        let mut saved: Vec<&str> = Vec::new();
        for action in actions {
            for s in action_strings(&action.kind) {
                check_refs(cx, action.pos, &s, &saved);
            }
            match &action.kind {
                ActionKind::Eval { save_as, .. } => {
                    if !config.settings.allow.eval {
                        cx.error(
                            action.pos,
                            format!("step `{}`: `eval` is disabled", action.name),
                            Some("set `settings.allow.eval: true` to run JavaScript from the config"),
                        );
                    }
                    if let Some(n) = save_as {
                        saved.push(n);
                    }
                }
                ActionKind::Upload { .. } if config.settings.allow.file_upload_roots.is_empty() => {
                    cx.error(
                        action.pos,
                        format!(
                            "step `{}`: `upload` needs `settings.allow.file_upload_roots`",
                            action.name
                        ),
                        Some("list the folders uploads may read from"),
                    );
                }
                _ => {}
            }
        }
    }
    for action in config
        .actions
        .iter()
        .chain(config.apps.iter().flat_map(|a| a.actions.iter().flatten()))
    {
        if let ActionKind::Navigate { url } = &action.kind {
            check_url(cx, action.pos, url, &config.settings.allow);
        }
    }
    for app in &config.apps {
        if let Some(url) = &app.url {
            check_refs(cx, app.pos, url, &[]);
            check_url(cx, app.pos, url, &config.settings.allow);
        }
    }
}

fn check_url(cx: &mut Cx<'_>, pos: Pos, url: &str, allow: &Allow) {
    if url.contains("${") {
        return;
    }
    if let Err(e) = url_allowed(url, allow) {
        cx.error(
            pos,
            e,
            Some("only http and https are opened unless `settings.allow.schemes` (and `hosts`) list them"),
        );
    }
}

/// `(scheme, rest)` of an absolute URL (RFC 3986 scheme syntax); `None` for a relative one.
pub fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.trim().split_once(':')?;
    let valid = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.');
    valid.then_some((scheme, rest))
}

/// The URL policy (DESIGN §9): the scheme of an absolute URL must be allowed, and its host too
/// when `allow.hosts` is not empty. Relative URLs (no scheme) are resolved against the app url.
pub fn url_allowed(url: &str, allow: &Allow) -> Result<(), String> {
    let Some((scheme, rest)) = split_scheme(url) else {
        return Ok(());
    };
    let scheme = scheme.to_ascii_lowercase();
    if !allow.schemes.iter().any(|s| s.eq_ignore_ascii_case(&scheme)) {
        return Err(format!(
            "URL scheme `{scheme}:` is not allowed (allowed: {})",
            allow.schemes.join(", ")
        ));
    }
    if !allow.hosts.is_empty() {
        let authority = rest
            .strip_prefix("//")
            .unwrap_or("")
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("");
        let host_port = authority.rsplit('@').next().unwrap_or("");
        let host = if host_port.starts_with('[') {
            host_port.split(']').next().unwrap_or("").trim_start_matches('[')
        } else {
            host_port.split(':').next().unwrap_or("")
        };
        if !allow.hosts.iter().any(|h| {
            h.eq_ignore_ascii_case(host) || h.strip_prefix("*.").is_some_and(|d| host.ends_with(&format!(".{d}")))
        }) {
            return Err(format!("host `{host}` is not in `settings.allow.hosts`"));
        }
    }
    Ok(())
}

fn check_refs(cx: &mut Cx<'_>, pos: Pos, s: &str, saved: &[&str]) {
    let refs = match template::references(s) {
        Ok(r) => r,
        Err(e) => {
            cx.error(
                pos,
                e,
                Some("write `${NAME}` for an environment variable, `${secret:NAME}` for a secret, `$${` for a literal"),
            );
            return;
        }
    };
    for r in refs {
        let (missing, msg) = match &r {
            TemplateRef::Var(n) => (
                !saved.contains(&n.as_str()) && cx.lookup.var(n).is_none(),
                format!("`${{{n}}}` is not set"),
            ),
            TemplateRef::Secret(n) => (cx.lookup.secret(n).is_none(), format!("secret `{n}` is not set")),
        };
        if missing {
            cx.error(
                pos,
                msg,
                Some("export it before running, or (for a secret) put a file of that name in $PANOPTIC_SECRETS_DIR"),
            );
        }
    }
}

/// Every user string of an action that may hold `${…}` references.
pub fn action_strings(kind: &ActionKind) -> Vec<String> {
    let mut v = Vec::new();
    let _ = kind.try_map_strings(&mut |s| {
        v.push(s.to_owned());
        Ok(s.to_owned())
    });
    v
}

/// The timeout of a step given the settings: its own, else by kind.
pub fn step_timeout(action: &Action, t: &Timeouts) -> Duration {
    if let Some(d) = action.timeout {
        return d.0;
    }
    match &action.kind {
        ActionKind::Navigate { .. } | ActionKind::Reload | ActionKind::Back | ActionKind::Forward => t.navigation.0,
        k if k.is_assertion() => t.expect.0,
        _ => t.action.0,
    }
}
