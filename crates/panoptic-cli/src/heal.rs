//! `panoptic heal <OUTPUT> [--write]`: the locators self-healing replaced in a run, as a patch
//! of the configs they are written in. Each healed step names its config file and line; the
//! old locator is looked for as a YAML scalar on that line or the few after it (a block-style
//! step spreads its keys over lines) and replaced by the new one, quoted. Without `--write` the
//! patch is printed; with it the files are changed.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use panoptic_core::results::{Healed, RunResult};

use crate::cli::HealArgs;
use crate::{exit, say};

/// Lines after the step's first line that may still hold its locator.
const SPAN: usize = 12;

pub(crate) fn heal(args: &HealArgs) -> u8 {
    let results = args.output.join("results.json");
    let run: RunResult = match std::fs::read_to_string(&results)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => {
            say(&format!("error: {}: {e}", results.display()));
            return exit::USAGE;
        }
    };
    // The last attempt of each test is what ran green; one change per config line.
    let mut by_file: BTreeMap<PathBuf, BTreeMap<u32, Healed>> = BTreeMap::new();
    for t in &run.tests {
        for s in t.attempts.last().map(|a| a.steps.as_slice()).unwrap_or_default() {
            if let Some(h) = &s.healed {
                by_file
                    .entry(PathBuf::from(&h.config))
                    .or_default()
                    .insert(h.line, h.as_ref().clone());
            }
        }
    }
    if by_file.is_empty() {
        let _ = writeln!(std::io::stdout(), "No healed locators in {}.", results.display());
        return exit::OK;
    }
    let mut code = exit::OK;
    for (file, changes) in by_file {
        match patch_file(&file, changes.values(), args.write) {
            Ok(()) => {}
            Err(e) => {
                say(&format!("error: {}: {e}", file.display()));
                code = exit::FAILED;
            }
        }
    }
    if !args.write && code == exit::OK {
        say("run again with --write to change the files");
    }
    code
}

fn patch_file<'h>(file: &Path, changes: impl Iterator<Item = &'h Healed>, write: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let mut missed = Vec::new();
    for h in changes {
        let start = (h.line as usize).saturating_sub(1);
        let found =
            (start..lines.len().min(start + SPAN + 1)).find_map(|i| replace(&lines[i], &h.from, &h.to).map(|l| (i, l)));
        match found {
            Some((i, new)) => {
                let _ = writeln!(
                    std::io::stdout(),
                    "--- {}:{}\n-{}\n+{}",
                    file.display(),
                    i + 1,
                    lines[i],
                    new
                );
                lines[i] = new;
            }
            None => missed.push(format!(
                "`{}` is not on line {} or just after it; change it to `{}` by hand",
                h.from, h.line, h.to
            )),
        }
    }
    if write {
        std::fs::write(file, lines.join("\n")).map_err(|e| e.to_string())?;
        let _ = writeln!(std::io::stdout(), "wrote {}", file.display());
    }
    if missed.is_empty() {
        Ok(())
    } else {
        Err(missed.join("; "))
    }
}

/// `line` with the scalar `from` (double-quoted, single-quoted or plain) replaced by `to`
/// (double-quoted); `None` when `from` is not a whole scalar there.
pub(crate) fn replace(line: &str, from: &str, to: &str) -> Option<String> {
    let quoted_to = serde_json::Value::String(to.to_owned()).to_string();
    let double = serde_json::Value::String(from.to_owned()).to_string();
    let single = format!("'{}'", from.replace('\'', "''"));
    for form in [double.as_str(), single.as_str()] {
        if let Some(at) = line.find(form) {
            return Some(format!("{}{quoted_to}{}", &line[..at], &line[at + form.len()..]));
        }
    }
    // Plain: after `: ` and ending the value (`,`, `}` or the end of the line).
    let key_at = line.find(&format!(": {from}"))?;
    let at = key_at + 2;
    let rest = &line[at + from.len()..];
    let ends = rest.is_empty()
        || rest.starts_with(',')
        || rest.starts_with(" }")
        || rest.starts_with('}')
        || rest.starts_with(" #");
    ends.then(|| format!("{}{quoted_to}{rest}", &line[..at]))
}

#[cfg(test)]
mod tests;
