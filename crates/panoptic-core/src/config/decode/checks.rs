//! Checks that need the whole config: `${…}` references, the URL policy (DESIGN §9), and
//! permissions (`eval`, `upload`).

use crate::config::action::ActionKind;
use crate::config::model::{Allow, Config};
use crate::config::read::Cx;
use crate::template::{self, TemplateRef};
use crate::yaml::Pos;

/// Checks everything that needs the whole config: template references, `eval` permission.
pub(super) fn check_semantics(cx: &mut Cx<'_>, config: &Config) {
    let lists = std::iter::once(&config.actions).chain(config.apps.iter().filter_map(|a| a.actions.as_ref()));
    for actions in lists {
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
