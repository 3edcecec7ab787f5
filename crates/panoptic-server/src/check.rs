//! The checks of `panoptic serve --schedule DIR`: every config of the folder, each with a
//! `schedule` (and maybe `alerts`), loaded once at start with every problem reported.

use panoptic_core::config::{Config, ScheduleWhen, Severity};
use panoptic_executor::{SystemLookup, load_file};
use std::path::{Path, PathBuf};

/// One check: a config with a schedule.
#[derive(Clone)]
pub(crate) struct Check {
    pub(crate) name: String,
    pub(crate) file: PathBuf,
    pub(crate) when: ScheduleWhen,
    pub(crate) config: Config,
}

/// Loads every `*.yaml`/`*.yml` of `dir`; every problem of every file, or the checks.
pub(crate) fn load(dir: &Path) -> Result<Vec<Check>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("--schedule {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    let mut checks: Vec<Check> = Vec::new();
    for file in files {
        let loaded = load_file(&file, &SystemLookup);
        problems.extend(
            loaded
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(ToString::to_string),
        );
        let Some(config) = loaded.config else { continue };
        let Some(schedule) = &config.schedule else {
            problems.push(format!(
                "{}:1:1: error: a check needs `schedule: {{ every: … }}` or `schedule: {{ cron: … }}`",
                file.display()
            ));
            continue;
        };
        if let Some(other) = checks.iter().find(|c| c.name == config.name) {
            problems.push(format!(
                "{}:1:1: error: the check name `{}` is also {}'s; names identify checks",
                file.display(),
                config.name,
                other.file.display()
            ));
            continue;
        }
        checks.push(Check {
            name: config.name.clone(),
            when: schedule.when.clone(),
            file,
            config,
        });
    }
    if !problems.is_empty() {
        return Err(format!("the scheduled checks have errors:\n{}", problems.join("\n")));
    }
    if checks.is_empty() {
        return Err(format!("--schedule {}: no configs (*.yaml) in it", dir.display()));
    }
    Ok(checks)
}
