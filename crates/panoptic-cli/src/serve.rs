//! `panoptic serve` and `panoptic keys`.

use std::io::Write;

use panoptic_security::keys::{self, Role};
use panoptic_server::ServeOpts;

use crate::cli::{KeysCommand, ServeArgs};
use crate::{exit, say};

pub(crate) fn serve(args: &ServeArgs) -> u8 {
    if let Err(e) = panoptic_security::fs::create_private_dir(&args.data) {
        say(&format!("error: cannot create {}: {e}", args.data.display()));
        return exit::INFRA;
    }
    if let Err(e) = panoptic_telemetry::logging::init(&args.data, args.log_level.as_deref()) {
        say(&format!("error: cannot write logs under {}: {e}", args.data.display()));
        return exit::INFRA;
    }
    let opts = ServeOpts {
        bind: args.bind,
        keys: args.keys.clone().unwrap_or_else(|| args.data.join("keys.json")),
        data: args.data.clone(),
        queue: args.queue,
        concurrency: args.concurrency.max(1),
        body_limit: args.body_limit_kb.saturating_mul(1024).max(1024),
        memory_budget_mb: args.memory_budget_mb,
        endpoints: args.browser_endpoints.clone(),
        schedule: args.schedule.clone(),
    };
    if !opts.keys.exists() {
        say(&format!(
            "warning: no keys in {}: every API call is refused until one is made (panoptic keys create --name NAME --role runner --data {})",
            opts.keys.display(),
            args.data.display()
        ));
    }
    // Export every run's trace when the standard variables name an endpoint; built and shut
    // down outside the runtime (the exporters run on threads of their own).
    let otlp = match panoptic_telemetry::Otlp::from_env() {
        None => None,
        Some(Ok(o)) => Some(std::sync::Arc::new(o)),
        Some(Err(e)) => {
            say(&format!("warning: no OTLP export: {e}"));
            None
        }
    };
    let rt = match panoptic_executor::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}"));
            return exit::INFRA;
        }
    };
    let served = rt.block_on(panoptic_server::serve(opts, otlp.clone(), |addr| {
        let _ = writeln!(std::io::stdout(), "listening on http://{addr}");
        let _ = std::io::stdout().flush();
    }));
    drop(rt);
    if let Some(o) = &otlp {
        o.shutdown();
    }
    panoptic_browser_pool::process::reap_orphans(&[]);
    match served {
        Ok(()) => exit::OK,
        Err(e) => {
            say(&format!("error: {e}"));
            exit::INFRA
        }
    }
}

fn audit(file: &std::path::Path, record: serde_json::Value) {
    let Some(dir) = file.parent() else { return };
    if let serde_json::Value::Object(mut map) = record {
        map.insert("at".into(), serde_json::Value::String(panoptic_server::now()));
        if let Err(e) = panoptic_security::audit::append(&dir.join("audit.jsonl"), map) {
            say(&format!("warning: audit log not extended: {e}"));
        }
    }
}

pub(crate) fn keys(cmd: &KeysCommand) -> u8 {
    let mut out = std::io::stdout();
    match cmd {
        KeysCommand::Create { name, role, file } => {
            let path = file.path();
            let role = Role::parse(role).unwrap_or(Role::Viewer);
            match keys::create(&path, name, role) {
                Ok((entry, key)) => {
                    audit(
                        &path,
                        serde_json::json!({ "event": "key.create", "key": entry.id, "name": entry.name, "role": role.as_str() }),
                    );
                    let _ = writeln!(out, "{key}");
                    say(&format!(
                        "key {} ({}, {}) added to {}; it is shown only now",
                        entry.id,
                        entry.name,
                        role.as_str(),
                        path.display()
                    ));
                    exit::OK
                }
                Err(e) => {
                    say(&format!("error: {e}"));
                    exit::INFRA
                }
            }
        }
        KeysCommand::List { file } => match keys::list(&file.path()) {
            Ok(list) => {
                let _ = writeln!(
                    out,
                    "{:<14} {:<8} {:<22} {:<22} name",
                    "id", "role", "created", "revoked"
                );
                for k in list {
                    let _ = writeln!(
                        out,
                        "{:<14} {:<8} {:<22} {:<22} {}",
                        k.id,
                        k.role.as_str(),
                        k.created_at,
                        k.revoked_at.as_deref().unwrap_or("-"),
                        panoptic_security::text::printable(&k.name)
                    );
                }
                exit::OK
            }
            Err(e) => {
                say(&format!("error: {e}"));
                exit::INFRA
            }
        },
        KeysCommand::Revoke { id, file } => {
            let path = file.path();
            match keys::revoke(&path, id) {
                Ok(changed) => {
                    if changed {
                        audit(&path, serde_json::json!({ "event": "key.revoke", "key": id }));
                        say(&format!("key {id} revoked"));
                    } else {
                        say(&format!("key {id} was already revoked"));
                    }
                    exit::OK
                }
                Err(keys::KeyError::Unknown(_)) => {
                    say(&format!("error: no key {id} in {}", path.display()));
                    exit::USAGE
                }
                Err(e) => {
                    say(&format!("error: {e}"));
                    exit::INFRA
                }
            }
        }
    }
}
