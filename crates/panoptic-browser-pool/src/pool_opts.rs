//! How a pool is shaped ([`PoolOpts`]), and the shape a run's settings ask for.

use crate::grid::GridOpts;
use crate::launch::LaunchOpts;

/// How the pool is shaped.
#[derive(Clone, Debug)]
pub struct PoolOpts {
    /// How to launch local browsers; `None` uses only `endpoints`.
    pub launch: Option<LaunchOpts>,
    /// Remote browsers (`ws://…/devtools/browser/…` or `http://host:port`).
    pub endpoints: Vec<String>,
    /// Local browsers kept warm.
    pub local_browsers: usize,
    /// Contexts a local browser serves before it is recycled (K).
    pub max_contexts_per_browser: u32,
    /// RSS of a local browser's process tree above which it is recycled, in MiB.
    pub max_browser_rss_mb: u64,
    /// `limits.memory_budget_mb`: near it (or near `max_browser_rss_mb`) memory is sampled at
    /// every monitor tick instead of every few (`monitor::pss_due`).
    pub memory_budget_mb: u64,
    /// Tabs opened ahead of time so a lease costs almost nothing (0 disables).
    pub prewarm: usize,
    /// A Selenium Grid 4: each lease is a session there (replaces `launch` and `endpoints`).
    pub grid: Option<GridOpts>,
}

impl PoolOpts {
    /// The pool a run with these effective settings uses: `endpoints` and `grid` (from the
    /// command line, else the settings') replace the local browser; a local one is found as
    /// `find_chromium` says (an error names the install command).
    pub fn for_settings(
        settings: &panoptic_core::config::Settings,
        headless: bool,
        endpoints: Vec<String>,
        grid: Option<String>,
    ) -> Result<PoolOpts, String> {
        let endpoints = if endpoints.is_empty() {
            settings.browser.endpoints.clone()
        } else {
            endpoints
        };
        let grid = grid.or_else(|| settings.browser.grid.clone());
        let headless = settings.headless && headless;
        let launch = if endpoints.is_empty() && grid.is_none() {
            let executable = crate::find_chromium(settings.browser.executable.as_deref()).map_err(|e| e.to_string())?;
            Some(LaunchOpts {
                executable,
                headless,
                args: settings.browser.args.clone(),
                window: (settings.window_width, settings.window_height),
            })
        } else {
            None
        };
        Ok(PoolOpts {
            launch,
            endpoints,
            // One browser: on this class of machine a second one never raised throughput (DESIGN §5).
            local_browsers: 1,
            max_contexts_per_browser: settings.browser.max_contexts_per_browser,
            max_browser_rss_mb: settings.limits.max_browser_rss_mb,
            memory_budget_mb: settings.limits.memory_budget_mb,
            // Tabs prepared ahead, so a lease rarely waits for Chromium to make one: two while
            // the workers are no more than the cores (two workers often finish together, and
            // a core is free to prepare the second), else one (more would compete with the
            // running tests for the cores). docs/PERFORMANCE.md has the measurements.
            prewarm: match (&grid, settings.workers) {
                (Some(_), _) => 0,
                (None, Some(w)) if w >= 2 && w <= panoptic_core::config::cores() => 2,
                (None, _) => 1,
            },
            // A grid session per attempt, for as long as the attempt may take to get one.
            grid: grid.map(|url| GridOpts {
                url,
                binary: settings.browser.executable.as_ref().map(|p| p.display().to_string()),
                args: crate::grid_flags(headless, &settings.browser.args),
                wait: settings.timeouts.test.0,
            }),
        })
    }
}

#[cfg(test)]
mod tests;
