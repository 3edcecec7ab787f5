//! The config's top level and its apps.

use std::path::PathBuf;

use super::action::{decode_actions, decode_mocks};
use super::checks::check_semantics;
use super::settings::decode_settings;
use crate::config::model::{App, AppKind, Config, Settings};
use crate::config::read::{Cx, Field, Kind, Obj, duration, keys_of, string};
use crate::yaml::{Node, Value};

/// The keys at the top of a config file (`settings`, `apps` and `actions` have their own tables).
pub(crate) const TOP: &[Field] = &[
    Field::new("name", Kind::Text, "Name of the suite (default: the file name)"),
    Field::new("output", Kind::Text, "Output folder (default ./panoptic-results)"),
    Field::new("settings", Kind::Map(&[]), "Run settings"),
    Field::new("apps", Kind::TextList, "The apps; each one is one test"),
    Field::new(
        "actions",
        Kind::TextList,
        "Steps of every app that has no `actions` of its own",
    ),
    Field::new(
        "mocks",
        Kind::TextList,
        "Mocks of every app, in place before its url opens: `mock` steps without `type`",
    ),
    Field::new(
        "schedule",
        Kind::Map(super::monitor::SCHEDULE),
        "When `panoptic serve --schedule` runs this config as a check (`panoptic run` ignores it)",
    ),
    Field::new(
        "alerts",
        Kind::TextList,
        "Alert rules of the check: each fires once, reminds, and resolves once, by webhook",
    ),
];

/// The keys of an app.
pub(crate) const APP: &[Field] = &[
    Field::new("name", Kind::Text, "Test name"),
    Field::new(
        "type",
        Kind::Choice(&["web"]),
        "Only `web`; `desktop` and `mobile` are rejected",
    ),
    Field::new(
        "url",
        Kind::Text,
        "Opened before the first action; relative `navigate` urls resolve against it",
    ),
    Field::new("timeout", Kind::Duration, "Per-test timeout (seconds, or `90s`)"),
    Field::new(
        "actions",
        Kind::TextList,
        "Steps of this app; replaces the global `actions`",
    ),
    Field::new(
        "mocks",
        Kind::TextList,
        "Mocks in place before the app's url opens (after the config's): `mock` steps without `type`",
    ),
];

pub(super) fn decode_config(cx: &mut Cx<'_>, root: &Node) -> Option<Config> {
    if root.value == Value::Null {
        cx.error(
            root.pos,
            "empty config: expected a mapping with `name` and `apps`".into(),
            Some("see docs/config.md for a complete example"),
        );
        return None;
    }
    let mut obj = Obj::new(cx, root, "the config")?;
    let mut name = cx
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "panoptic".into());
    if let Some(n) = obj.take("name")
        && let Some(v) = string(cx, n, "name")
    {
        name = v;
    }
    let output = obj
        .take("output")
        .and_then(|n| string(cx, n, "output"))
        .map(PathBuf::from);
    let settings = match obj.take("settings") {
        Some(n) => decode_settings(cx, n),
        None => Settings::default(),
    };
    let actions = match obj.take("actions") {
        Some(n) => decode_actions(cx, n, "actions"),
        None => Vec::new(),
    };
    let mocks = obj
        .take("mocks")
        .map(|n| decode_mocks(cx, n, "mocks"))
        .unwrap_or_default();
    let schedule = obj
        .take("schedule")
        .and_then(|n| super::monitor::decode_schedule(cx, n));
    let alerts = obj
        .take("alerts")
        .map(|n| super::monitor::decode_alerts(cx, n))
        .unwrap_or_default();
    let mut apps = Vec::new();
    match obj.take("apps") {
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => {
            apps.extend(items.iter().filter_map(|item| decode_app(cx, item)));
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
                app.pos,
                format!("two apps are named `{}`", app.name),
                Some("app names identify tests in reports; make them unique"),
            );
        }
        if app.actions.is_none() && actions.is_empty() {
            cx.warn(
                app.pos,
                format!("app `{}` has no actions: the test only opens its url", app.name),
                None,
            );
        }
    }
    obj.finish(cx, "the config", &keys_of(TOP));
    let config = Config {
        name,
        output,
        settings,
        apps,
        actions,
        mocks,
        source: cx.file.clone(),
        schedule,
        alerts,
    };
    check_semantics(cx, &config);
    Some(config)
}

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
    let url = obj.take("url").and_then(|n| string(cx, n, "url"));
    let timeout = obj.take("timeout").and_then(|n| duration(cx, n, "timeout"));
    let actions = obj
        .take("actions")
        .map(|n| decode_actions(cx, n, &format!("actions of app `{name}`")));
    let mocks = obj
        .take("mocks")
        .map(|n| decode_mocks(cx, n, &format!("mocks of app `{name}`")))
        .unwrap_or_default();
    obj.finish(cx, &format!("app `{name}`"), &keys_of(APP));
    Some(App {
        name,
        kind: AppKind::Web,
        url,
        timeout,
        actions,
        mocks,
        pos: node.pos,
    })
}
