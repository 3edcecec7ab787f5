//! `settings:` — one table of keys per section (kind with range, doc, how it sets the typed
//! [`Settings`]); the decoder, the hints and the schema read the same tables. Defaults are the
//! `Default` values of the model types.

use std::path::PathBuf;

use crate::config::model::*;
use crate::config::read::{Cx, Field, Kind, Obj, Val, keys_of, read};
use crate::yaml::Node;

/// One settings key.
pub(crate) struct Setting {
    pub(crate) field: Field,
    /// `section.key`, recorded in `Settings::explicit` when the file sets it and a profile
    /// gives it a default (`profiled`): the file's value then wins over the profile's.
    pub(crate) path: &'static str,
    pub(crate) profiled: bool,
    /// The value is code: it decides what program runs (`browser.executable`, `browser.args`).
    /// Recorded in [`Loaded::code`](super::Loaded) for a policy to refuse.
    pub(crate) code: bool,
    /// The value reaches past the run (other hosts' browsers, buckets, local files, page
    /// scripts): recorded in [`Loaded::privileged`](super::Loaded) for a server to refuse from
    /// callers it trusts less than its operator.
    pub(crate) privileged: bool,
    pub(crate) set: fn(&mut Settings, Val),
}

/// A nested settings section (`settings.video`).
pub(crate) struct Section {
    pub(crate) key: &'static str,
    pub(crate) doc: &'static str,
    pub(crate) keys: &'static [Setting],
    /// Keys the section must have, with a hint.
    pub(crate) required: &'static [(&'static str, &'static str)],
    /// Called when the section is present, before its keys are read.
    pub(crate) enter: fn(&mut Settings),
    /// A warning to give when the section is present.
    pub(crate) warning: fn(&Settings) -> Option<&'static str>,
}

macro_rules! key {
    ($section:literal, $key:literal, $kind:expr, $doc:literal, $set:expr) => {
        Setting {
            field: Field::new($key, $kind, $doc),
            path: concat!($section, ".", $key),
            profiled: false,
            code: false,
            privileged: false,
            set: $set,
        }
    };
    (profiled $section:literal, $key:literal, $kind:expr, $doc:literal, $set:expr) => {
        Setting {
            profiled: true,
            ..key!($section, $key, $kind, $doc, $set)
        }
    };
    (code $section:literal, $key:literal, $kind:expr, $doc:literal, $set:expr) => {
        Setting {
            code: true,
            privileged: true,
            ..key!($section, $key, $kind, $doc, $set)
        }
    };
    (privileged $section:literal, $key:literal, $kind:expr, $doc:literal, $set:expr) => {
        Setting {
            privileged: true,
            ..key!($section, $key, $kind, $doc, $set)
        }
    };
}

const fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}
const MB: Kind = int(64, 1 << 20);

/// The keys directly under `settings:`.
pub(crate) const TOP: &[Setting] = &[
    key!(
        "",
        "profile",
        Kind::Choice(&["fast", "balanced", "thorough", "low-resource"]),
        "Preset of defaults",
        |s, v| {
            s.profile = match v.text().as_str() {
                "fast" => Profile::Fast,
                "thorough" => Profile::Thorough,
                "low-resource" => Profile::LowResource,
                _ => Profile::Balanced,
            }
        }
    ),
    key!(
        "",
        "workers",
        int(1, 256),
        "Concurrent test attempts (default: from the profile)",
        |s, v| s.workers = Some(v.int() as u32)
    ),
    key!("", "retries", int(0, 10), "Extra attempts of a failing test", |s, v| {
        s.retries = v.int() as u32
    }),
    key!("", "headless", Kind::Bool, "Run Chromium headless", |s, v| s.headless =
        v.flag()),
    key!(
        "",
        "strict_locators",
        Kind::Bool,
        "Fail an action whose locator matches several elements (Playwright's strict mode)",
        |s, v| s.strict_locators = v.flag()
    ),
    key!(
        "",
        "trace",
        Kind::Choice(&["off", "on", "retain-on-failure"]),
        "Per-step trace (DOM before/after, console, network, screenshot), viewed offline from the report",
        |s, v| {
            s.trace = match v.text().as_str() {
                "on" => VideoMode::On,
                "retain-on-failure" => VideoMode::RetainOnFailure,
                _ => VideoMode::Off,
            }
        }
    ),
    key!("", "window_width", int(100, 7680), "Viewport width", |s, v| s
        .window_width =
        v.int() as u32),
    key!("", "window_height", int(100, 4320), "Viewport height", |s, v| s
        .window_height =
        v.int() as u32),
    key!(
        "",
        "screenshot_format",
        Kind::Choice(&["png", "jpeg", "jpg", "webp"]),
        "Screenshot encoding",
        |s, v| {
            s.screenshot_format = match v.text().as_str() {
                "jpeg" | "jpg" => ImageFormat::Jpeg,
                "webp" => ImageFormat::Webp,
                _ => ImageFormat::Png,
            }
        }
    ),
    key!("", "quality", int(0, 100), "JPEG/WebP quality", |s, v| s.quality =
        v.int() as u8),
    key!(
        "",
        "screenshot_on_failure",
        Kind::Bool,
        "Take a screenshot when a step fails",
        |s, v| s.screenshot_on_failure = v.flag()
    ),
    key!(
        "",
        "screenshot_every_step",
        Kind::Bool,
        "Take a full-page screenshot after every step",
        |s, v| s.screenshot_every_step = v.flag()
    ),
    key!(
        "",
        "video_format",
        Kind::Choice(&["webm", "mp4"]),
        "Video container",
        |s, v| {
            s.video_format = if v.text() == "mp4" {
                VideoFormat::Mp4
            } else {
                VideoFormat::Webm
            }
        }
    ),
    key!(
        "",
        "enable_metrics",
        Kind::Bool,
        "Kept from the Go tool; metrics are always collected",
        |s, v| s.enable_metrics = Some(v.flag())
    ),
    key!(
        "",
        "log_level",
        Kind::Choice(&["trace", "debug", "info", "warn", "error"]),
        "Default log level (`--log-level` and `PANOPTIC_LOG` win)",
        |s, v| s.log_level = Some(v.text())
    ),
];

fn no_warning(_: &Settings) -> Option<&'static str> {
    None
}

fn nothing(_: &mut Settings) {}

/// panoptic runs Chromium without site isolation, so cross-origin frames stay in their tab's
/// renderer; a flag that isolates them again takes them out of `frame=`'s and the guard's reach.
fn site_isolation_warning(s: &Settings) -> Option<&'static str> {
    let isolates = |a: &String| {
        let a = a.to_ascii_lowercase();
        a.starts_with("--site-per-process")
            || a.starts_with("--isolate-origins")
            || (a.starts_with("--enable-features")
                && (a.contains("siteperprocess") || a.contains("site-per-process") || a.contains("isolateorigins")))
    };
    s.browser.args.iter().any(isolates).then_some(
        "`browser.args` turns site isolation on: `frame=` cannot reach cross-origin frames, and the URL policy does not see their requests",
    )
}

/// The nested sections of `settings:`.
pub(crate) const SECTIONS: &[Section] = &[
    Section {
        key: "video",
        doc: "Video recording of each attempt",
        keys: &[
            key!(
                "video",
                "mode",
                Kind::Choice(&["off", "on", "retain-on-failure"]),
                "When to record",
                |s, v| {
                    s.video.mode = match v.text().as_str() {
                        "on" => VideoMode::On,
                        "retain-on-failure" => VideoMode::RetainOnFailure,
                        _ => VideoMode::Off,
                    }
                }
            ),
            key!("video", "fps", int(1, 60), "Frames per second", |s, v| s.video.fps =
                v.int() as u32),
            key!("video", "quality", int(1, 100), "JPEG quality of the frames", |s, v| {
                s.video.quality = v.int() as u8
            }),
        ],
        required: &[],
        enter: nothing,
        warning: no_warning,
    },
    Section {
        key: "timeouts",
        doc: "Timeouts",
        keys: &[
            key!(
                "timeouts",
                "action",
                Kind::Duration,
                "Auto-wait limit of one action",
                |s, v| s.timeouts.action = v.duration()
            ),
            key!(
                "timeouts",
                "navigation",
                Kind::Duration,
                "Limit of one navigation",
                |s, v| s.timeouts.navigation = v.duration()
            ),
            key!(
                "timeouts",
                "expect",
                Kind::Duration,
                "How long assertions retry",
                |s, v| s.timeouts.expect = v.duration()
            ),
            key!(
                "timeouts",
                "test",
                Kind::Duration,
                "Limit of one test attempt",
                |s, v| s.timeouts.test = v.duration()
            ),
        ],
        required: &[],
        enter: nothing,
        warning: no_warning,
    },
    Section {
        key: "browser",
        doc: "Browser selection and flags",
        keys: &[
            key!(
                code "browser",
                "executable",
                Kind::Text,
                "Path of the Chromium executable (code: the program panoptic runs)",
                |s, v| s.browser.executable = Some(PathBuf::from(v.text()))
            ),
            key!(
                privileged "browser",
                "endpoints",
                Kind::TextList,
                "Remote browsers (`ws://…/devtools/browser/…`)",
                |s, v| s.browser.endpoints = v.list()
            ),
            key!(
                code "browser",
                "args",
                Kind::TextList,
                "Extra Chromium flags (code: flags can run programs)",
                |s, v| s.browser.args = v.list()
            ),
            key!(
                privileged "browser",
                "grid",
                Kind::Prefixed(&["http://", "https://"]),
                "A Selenium Grid 4 (`http://host:4444`): each attempt runs in a session of its own there",
                |s, v| s.browser.grid = Some(v.text())
            ),
            key!(
                profiled "browser",
                "max_contexts_per_browser",
                int(1, 1000),
                "Contexts one browser serves before it is recycled",
                |s, v| s.browser.max_contexts_per_browser = v.int() as u32
            ),
        ],
        required: &[],
        enter: nothing,
        warning: site_isolation_warning,
    },
    Section {
        key: "limits",
        doc: "Resource limits",
        keys: &[
            key!(
                "limits",
                "memory_budget_mb",
                MB,
                "Total browser memory above which no new test starts",
                |s, v| s.limits.memory_budget_mb = v.int() as u64
            ),
            key!(
                "limits",
                "max_browser_rss_mb",
                MB,
                "Memory above which a browser is recycled",
                |s, v| s.limits.max_browser_rss_mb = v.int() as u64
            ),
            key!(
                "limits",
                "max_artifact_mb",
                int(1, 1 << 20),
                "Largest single artifact",
                |s, v| s.limits.max_artifact_mb = v.int() as u64
            ),
        ],
        required: &[],
        enter: nothing,
        warning: no_warning,
    },
    Section {
        key: "allow",
        doc: "Security allow-lists",
        keys: &[
            key!(
                privileged "allow",
                "schemes",
                Kind::TextList,
                "URL schemes steps may open",
                |s, v| s.allow.schemes = v.list()
            ),
            key!(
                "allow",
                "hosts",
                Kind::TextList,
                "Hosts steps may open; empty means any",
                |s, v| s.allow.hosts = v.list()
            ),
            key!(privileged "allow", "eval", Kind::Bool, "Allow the `eval` action", |s, v| s
                .allow
                .eval =
                v.flag()),
            key!(
                privileged "allow",
                "file_upload_roots",
                Kind::TextList,
                "Folders `upload` may read from",
                |s, v| { s.allow.file_upload_roots = v.list().into_iter().map(PathBuf::from).collect() }
            ),
        ],
        required: &[],
        enter: nothing,
        warning: no_warning,
    },
    Section {
        key: "ai_testing",
        doc: "AI features",
        keys: &[
            key!(
                "ai_testing",
                "enable_error_detection",
                Kind::Bool,
                "`ai_enhanced_testing` also reports the page's problems (`smart_error_detection` steps always do)",
                |s, v| s.ai_testing.enable_error_detection = v.flag()
            ),
            key!(
                "ai_testing",
                "self_healing",
                Kind::Bool,
                "Heal action locators that match nothing, from what they found in the last passing run",
                |s, v| s.ai_testing.self_healing = v.flag()
            ),
            key!(
                "ai_testing",
                "confidence_threshold",
                Kind::Number { min: 0.0, max: 1.0 },
                "Lowest match `vision_click` and self-healing accept",
                |s, v| s.ai_testing.confidence_threshold = v.number()
            ),
            key!(
                "ai_testing",
                "max_generated_tests",
                int(0, 10_000),
                "Most tests `ai_test_generation` writes",
                |s, v| s.ai_testing.max_generated_tests = v.int() as u32
            ),
        ],
        required: &[],
        enter: nothing,
        warning: no_warning,
    },
    Section {
        key: "cloud",
        doc: "Artifact upload",
        keys: &[
            key!(
                privileged "cloud",
                "url",
                Kind::Prefixed(&["s3://", "gs://", "az://", "file://"]),
                "Bucket URL",
                |s, v| cloud(s).url = v.text()
            ),
            key!(
                privileged "cloud",
                "retention_days",
                int(1, 36_500),
                "After a sync, delete the bucket's runs older than this many days",
                |s, v| cloud(s).retention_days = Some(v.int() as u32)
            ),
            key!(
                privileged "cloud",
                "max_total_mb",
                int(1, 1 << 40),
                "After a sync, delete the oldest runs until the bucket's runs total at most this",
                |s, v| cloud(s).max_total_mb = Some(v.int() as u64)
            ),
            key!(
                privileged "cloud",
                "sync",
                Kind::Choice(&["on-finish", "streaming", "off", "manual"]),
                "When artifacts are uploaded: after every run, as they are written, or only by `panoptic cloud sync`",
                |s, v| {
                    cloud(s).sync = match v.text().as_str() {
                        "on-finish" => CloudSync::OnFinish,
                        "streaming" => CloudSync::Streaming,
                        _ => CloudSync::Off,
                    }
                }
            ),
        ],
        required: &[("url", "e.g. `url: s3://bucket/prefix`")],
        enter: |s| s.cloud = Some(CloudSettings::default()),
        warning: no_warning,
    },
    Section {
        key: "telemetry",
        doc: "OpenTelemetry export",
        keys: &[key!(
            "telemetry",
            "otlp",
            Kind::Bool,
            "Export the run's trace and metrics over OTLP to the endpoint the standard `OTEL_EXPORTER_OTLP_*` variables name",
            |s, v| s.telemetry.otlp = v.flag()
        )],
        required: &[],
        enter: nothing,
        warning: no_warning,
    },
];

fn cloud(s: &mut Settings) -> &mut CloudSettings {
    s.cloud.get_or_insert_with(CloudSettings::default)
}

/// Every key directly under `settings:`, for hints.
pub(crate) fn settings_keys() -> Vec<&'static str> {
    TOP.iter()
        .map(|s| s.field.key)
        .chain(SECTIONS.iter().map(|s| s.key))
        .collect()
}

fn read_keys(cx: &mut Cx<'_>, obj: &mut Obj<'_>, keys: &'static [Setting], s: &mut Settings) {
    for k in keys {
        if let Some(n) = obj.take(k.field.key) {
            // Keys directly under `settings:` are recorded by `decode_settings`; only nested
            // keys are marked `profiled`.
            if k.profiled {
                s.explicit.push(k.path);
            }
            if k.code {
                cx.code.push((n.pos, k.path));
            }
            if k.privileged {
                cx.privileged.push((n.pos, k.path));
            }
            if let Some(v) = read(cx, n, k.field.key, k.field.kind) {
                (k.set)(s, v);
            }
        }
    }
}

pub(super) fn decode_settings(cx: &mut Cx<'_>, node: &Node) -> Settings {
    let mut s = Settings::default();
    let Some(mut obj) = Obj::new(cx, node, "settings") else {
        return s;
    };
    let top = settings_keys();
    s.explicit = top.iter().filter(|k| obj.has(k)).copied().collect();
    read_keys(cx, &mut obj, TOP, &mut s);
    for section in SECTIONS {
        let Some(n) = obj.take(section.key) else {
            continue;
        };
        let what = format!("settings.{}", section.key);
        let Some(mut sub) = Obj::new(cx, n, &what) else {
            continue;
        };
        (section.enter)(&mut s);
        for (key, hint) in section.required {
            if !sub.has(key) {
                cx.error(n.pos, format!("`{what}` needs a `{key}`"), Some(hint));
            }
        }
        read_keys(cx, &mut sub, section.keys, &mut s);
        sub.finish(cx, &what, &keys_of_settings(section.keys));
        if let Some(w) = (section.warning)(&s) {
            cx.warn(n.pos, w.into(), None);
        }
    }
    obj.finish(cx, "settings", &top);
    s
}

fn keys_of_settings(keys: &[Setting]) -> Vec<&'static str> {
    keys_of(&keys.iter().map(|k| k.field).collect::<Vec<_>>())
}
