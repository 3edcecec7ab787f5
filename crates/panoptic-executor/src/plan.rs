//! Which tests a run executes: `--grep`, `--shard I/N`, `--last-failed`.

use std::collections::{HashMap, HashSet};

use panoptic_core::config::Config;

/// Filters over the tests of the loaded configs.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only tests whose name matches.
    pub grep: Option<regex::Regex>,
    /// `(index, total)`, 1-based: this shard's share of the tests.
    pub shard: Option<(u32, u32)>,
    /// Only these `(config file, test name)` pairs (from the previous run's failures).
    pub only: Option<HashSet<(String, String)>>,
}

/// One test to run: indexes into the configs and their apps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestRef {
    /// Index of the config.
    pub config: usize,
    /// Index of the app in it.
    pub app: usize,
}

/// Parses `I/N` (1 ≤ I ≤ N).
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let err = || format!("--shard {s:?}: expected I/N with 1 <= I <= N, e.g. 1/3");
    let (i, n) = s.split_once('/').ok_or_else(err)?;
    let (i, n): (u32, u32) = (
        i.trim().parse().map_err(|_| err())?,
        n.trim().parse().map_err(|_| err())?,
    );
    if i == 0 || n == 0 || i > n {
        return Err(err());
    }
    Ok((i, n))
}

/// The tests to run, in config order. Shards split the grep-selected tests round-robin, so
/// every shard gets a share of every config.
pub fn plan(configs: &[Config], sel: &Selection) -> Vec<TestRef> {
    plan_with(configs, sel, None)
}

/// Expected duration in milliseconds per `(config file, test name)`, from run history.
pub type Durations = HashMap<(String, String), u64>;

/// [`plan`], with shards balanced by expected duration when `durations` knows any of the
/// tests: longest first, each to the shard with the least work so far (LPT). Tests history
/// has not seen count as the median known duration. Every shard computes the same split.
pub fn plan_with(configs: &[Config], sel: &Selection, durations: Option<&Durations>) -> Vec<TestRef> {
    let mut all = Vec::new();
    for (ci, c) in configs.iter().enumerate() {
        for (ai, app) in c.apps.iter().enumerate() {
            if sel.grep.as_ref().is_some_and(|re| !re.is_match(&app.name)) {
                continue;
            }
            if let Some(only) = &sel.only
                && !only.contains(&(c.source.display().to_string(), app.name.clone()))
            {
                continue;
            }
            all.push(TestRef { config: ci, app: ai });
        }
    }
    let Some((i, n)) = sel.shard else {
        return all;
    };
    let known: Vec<Option<u64>> = all
        .iter()
        .map(|t| {
            let key = (
                configs[t.config].source.display().to_string(),
                configs[t.config].apps[t.app].name.clone(),
            );
            durations.and_then(|d| d.get(&key).copied())
        })
        .collect();
    let mut seen: Vec<u64> = known.iter().flatten().copied().collect();
    if seen.is_empty() {
        return all
            .into_iter()
            .enumerate()
            .filter(|(k, _)| *k as u32 % n == i - 1)
            .map(|(_, t)| t)
            .collect();
    }
    seen.sort_unstable();
    let median = seen[seen.len() / 2];
    let mut order: Vec<(u64, usize)> = known.iter().map(|d| d.unwrap_or(median)).zip(0..).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut load = vec![0u64; n as usize];
    let mut mine = vec![false; all.len()];
    for (d, k) in order {
        let target = (0..load.len()).min_by_key(|&s| (load[s], s)).unwrap_or(0);
        load[target] += d.max(1);
        mine[k] = target as u32 == i - 1;
    }
    all.into_iter().zip(mine).filter(|(_, m)| *m).map(|(t, _)| t).collect()
}
