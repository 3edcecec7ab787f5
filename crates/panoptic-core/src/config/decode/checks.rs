//! Checks that need the whole config: `${…}` references, the URL policy (DESIGN §9), and
//! permissions (`eval`, `upload`).

use crate::config::action::ActionKind;
use crate::config::model::{Allow, Config};
use crate::config::read::Cx;
use crate::template::{self, TemplateRef};
use crate::yaml::Pos;

/// Checks everything that needs the whole config: template references, `eval` permission.
pub(super) fn check_semantics(cx: &mut Cx<'_>, config: &Config) {
    for actions in config.step_lists() {
        let mut saved: Vec<&str> = Vec::new();
        for action in actions {
            for s in action.kind.strings() {
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
                        saved.push(&n.0);
                    }
                }
                ActionKind::Http { request } => saved.extend(request.save_as.iter().map(|(n, _)| n.0.as_str())),
                ActionKind::CloudSync | ActionKind::CloudCleanup { .. } | ActionKind::CloudAnalytics { .. }
                    if config.settings.cloud.is_none() =>
                {
                    cx.error(
                        action.pos,
                        format!(
                            "step `{}`: `{}` needs `settings.cloud.url`",
                            action.name,
                            action.type_name()
                        ),
                        Some("e.g. `settings: { cloud: { url: \"s3://bucket/prefix\" } }`"),
                    );
                }
                ActionKind::DistributedTest { app } => match config.apps.iter().find(|a| &a.name == app) {
                    None => cx.error(
                        action.pos,
                        format!("`{}`: no app named `{app}`", action.type_name()),
                        Some(&format!(
                            "apps here: {}",
                            config
                                .apps
                                .iter()
                                .map(|a| a.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    ),
                    Some(target)
                        if config
                            .actions_of(target)
                            .iter()
                            .any(|a| matches!(a.kind, ActionKind::DistributedTest { .. })) =>
                    {
                        cx.error(
                            action.pos,
                            format!(
                                "`{}`: app `{app}` has a `{}` step itself",
                                action.type_name(),
                                action.type_name()
                            ),
                            Some("point it at an app of ordinary steps"),
                        );
                    }
                    Some(_) => {}
                },
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
    for action in config.step_lists().flatten() {
        match &action.kind {
            ActionKind::Navigate { url } => check_url(cx, action.pos, url, &config.settings.allow),
            ActionKind::Http { request } => check_url(cx, action.pos, &request.url, &config.settings.allow),
            _ => {}
        }
    }
    for app in &config.apps {
        if let Some(url) = &app.url {
            check_refs(cx, app.pos, url, &[]);
            check_url(cx, app.pos, url, &config.settings.allow);
            if !url.contains("${") && is_relative(url) {
                cx.error(
                    app.pos,
                    format!("app `{}`: `url` `{url}` is relative; it must be a full URL", app.name),
                    Some("e.g. `url: \"http://127.0.0.1:8080/\"`"),
                );
            }
        }
    }
    // A relative `navigate` (or `http`) resolves against the app url: without one it has nothing to open
    // (the browser waited for it until the navigation timeout).
    let mut reported = Vec::new();
    for app in config.apps.iter().filter(|a| a.url.is_none()) {
        for action in config.actions_of(app) {
            let url = match &action.kind {
                ActionKind::Navigate { url } => url,
                ActionKind::Http { request } => &request.url,
                _ => continue,
            };
            if !url.contains("${") && is_relative(url) && !reported.contains(&action.pos) {
                reported.push(action.pos);
                cx.error(
                    action.pos,
                    format!(
                        "`{}` to `{url}` is relative, and app `{}` has no `url` to resolve it against",
                        action.type_name(),
                        app.name
                    ),
                    Some("give the app a `url`, or write the full URL"),
                );
            }
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

/// The URL policy (DESIGN §9), on the URL as the browser will read it: parsed by the WHATWG
/// URL standard (the `url` crate), which drops tabs and line breaks anywhere, trims control
/// characters and spaces, and takes `\\` for `/` in web URLs — so `fi\tle:`, `java\nscript:`
/// and `http://a\\@b/` are judged as `file:`, `javascript:` and host `a`, as Chromium sees them.
/// The scheme must be allowed, and the host too when `allow.hosts` is not empty. A relative URL
/// passes here: it is resolved against the app url and checked again ([`absolute_url_allowed`]).
pub fn url_allowed(url: &str, allow: &Allow) -> Result<(), String> {
    match url::Url::parse(url) {
        Ok(u) => policy(&u, allow),
        Err(url::ParseError::RelativeUrlWithoutBase) => Ok(()),
        Err(e) => Err(format!("`{url}` is not a URL: {e}")),
    }
}

/// The URL the browser will open, normalised, when it is absolute and allowed; a relative URL
/// (one with nothing to resolve against) is refused.
pub fn absolute_url_allowed(url: &str, allow: &Allow) -> Result<String, String> {
    match url::Url::parse(url) {
        Ok(u) => policy(&u, allow).map(|()| u.to_string()),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(format!(
            "relative URL `{url}` has nothing to resolve against: the app has no `url`"
        )),
        Err(e) => Err(format!("`{url}` is not a URL: {e}")),
    }
}

fn policy(u: &url::Url, allow: &Allow) -> Result<(), String> {
    let scheme = u.scheme();
    if !allow.schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        return Err(format!(
            "URL scheme `{scheme}:` is not allowed (allowed: {})",
            allow.schemes.join(", ")
        ));
    }
    if !allow.hosts.is_empty() {
        let host = u.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
        if !allow.hosts.iter().any(|h| {
            h.eq_ignore_ascii_case(host) || h.strip_prefix("*.").is_some_and(|d| host.ends_with(&format!(".{d}")))
        }) {
            return Err(format!("host `{host}` is not in `settings.allow.hosts`"));
        }
    }
    Ok(())
}

/// A URL with nothing of its own to open: no scheme, so it needs a base.
fn is_relative(url: &str) -> bool {
    matches!(url::Url::parse(url), Err(url::ParseError::RelativeUrlWithoutBase))
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
