//! Launching one local Chromium: private profile, temp and config folders, its own process
//! group, the flags this network-closed machine needs, and the DevTools URL read from stderr.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::{PoolError, process};

/// Flags every launch carries (DESIGN §5; `--no-sandbox` is added only as root).
pub const BASE_FLAGS: &[&str] = &[
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
    "--password-store=basic",
    // Every tab of a shared browser is a foreground test: no timer throttling, no backgrounding.
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-ipc-flooding-protection",
    "--disable-hang-monitor",
    "--disable-popup-blocking",
    "--disable-prompt-on-repost",
    "--disable-field-trial-config",
    "--metrics-recording-only",
    "--no-service-autorun",
    "--use-mock-keychain",
    // Cross-origin frames stay in their tab's renderer, where panoptic's worlds reach them and
    // where the tab's URL guard (`Fetch`) sees their requests; each test still has its own
    // browser context (and so its own renderer).
    "--disable-site-isolation-trials",
    // The WebUI omnibox popups: Chromium 156 starts a "top chrome" WebUI renderer for them with
    // every new browser context, which cost more CPU than the test's own renderer (0.2-0.8
    // CPU-s per test on the demo suite; 10 renderers for 4 tests, 5 without). As Playwright:
    // http stays http (no HTTPS upgrade of a test's URL), a preflighted cross-origin redirect is
    // not aborted while `Fetch` pauses requests (Chromium 155+), and no startup requests to
    // search, AI-mode or network-time services.
    "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,DialMediaRouteProvider,WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,AvoidCorsURLLoaderRestartOnRedirect,AimEnabled,PreconnectToSearch,NetworkTimeServiceQuerying,LensOverlay",
    "--remote-debugging-port=0",
];

/// What to launch.
#[derive(Clone, Debug)]
pub struct LaunchOpts {
    /// The executable.
    pub executable: PathBuf,
    /// Headless (the default) or with a window.
    pub headless: bool,
    /// Extra flags from the config.
    pub args: Vec<String>,
    /// Initial window size.
    pub window: (u32, u32),
}

/// A running local Chromium.
pub(crate) struct LocalProcess {
    pub(crate) child: Child,
    pub(crate) ws_url: String,
    pub(crate) pgid: u32,
    /// The user's `browser.args` name a profile of their own (`--user-data-dir`): the browser
    /// is asked to close, so it can write that profile, before it is killed.
    pub(crate) own_profile: bool,
    /// Holds the profile, TMPDIR and XDG folders; removed by [`LocalProcess::kill`] (or on
    /// drop).
    pub(crate) dir: Option<tempfile::TempDir>,
}

/// The browser's own folder (profile, TMPDIR, XDG), under `$TMPDIR` unless that is so long that
/// Chromium's socket paths (`<TMPDIR>/org.chromium.Chromium.XXXXXX/SingletonSocket`, at most
/// 107 bytes) would not fit — a 64-byte `$TMPDIR` stopped Chromium — then under `/tmp` or
/// `/dev/shm`.
/// The base flags and the user's (`browser.args`). Chromium reads only the last
/// `--disable-features`, so the user's lists join panoptic's own instead of replacing them.
/// The flags a grid node's Chromium gets: the same as a local launch's, less the debugging port
/// (chromedriver picks its own), with `--no-sandbox` when panoptic runs as root, then `user`.
pub fn grid_flags(headless: bool, user: &[String]) -> Vec<String> {
    let (base, user) = flags(headless, user);
    let mut out: Vec<String> = base
        .into_iter()
        .filter(|f| !f.starts_with("--remote-debugging-port"))
        .collect();
    if process::is_root() {
        out.push("--no-sandbox".into());
    }
    out.extend(user.into_iter().cloned());
    out
}

fn flags(headless: bool, user: &[String]) -> (Vec<String>, Vec<&String>) {
    const DISABLE: &str = "--disable-features=";
    let more: Vec<&str> = user.iter().filter_map(|a| a.strip_prefix(DISABLE)).collect();
    let base = BASE_FLAGS
        .iter()
        .filter(|f| headless || **f != "--headless")
        .map(|f| match f.strip_prefix(DISABLE) {
            Some(ours) if !more.is_empty() => format!("{DISABLE}{ours},{}", more.join(",")),
            _ => (*f).to_owned(),
        })
        .collect();
    (base, user.iter().filter(|a| !a.starts_with(DISABLE)).collect())
}

fn browser_dir() -> std::io::Result<tempfile::TempDir> {
    let builder = || {
        let mut b = tempfile::Builder::new();
        b.prefix(crate::sweep::PREFIX);
        b
    };
    let tmp = std::env::temp_dir();
    if tmp.as_os_str().len() <= 32 {
        return builder().tempdir_in(&tmp);
    }
    crate::sweep::SHORT_TEMP
        .into_iter()
        .find_map(|short| builder().tempdir_in(short).ok())
        .map_or_else(|| builder().tempdir_in(&tmp), Ok)
}

pub(crate) async fn launch(opts: &LaunchOpts) -> Result<LocalProcess, PoolError> {
    crate::sweep::sweep_once();
    let dir = browser_dir().map_err(|e| PoolError::Launch(format!("cannot create a temp folder: {e}")))?;
    process::own_folder(dir.path());
    // Names this process, so a later run can tell the folder is left over if this one is killed.
    std::fs::write(dir.path().join("owner"), crate::sweep::me())
        .map_err(|e| PoolError::Launch(format!("cannot write in {}: {e}", dir.path().display())))?;
    let profile = dir.path().join("profile");
    let tmp = dir.path().join("tmp");
    let xdg = dir.path().join("xdg");
    for d in [&profile, &tmp, &xdg] {
        std::fs::create_dir_all(d).map_err(|e| PoolError::Launch(format!("cannot create {}: {e}", d.display())))?;
    }
    let mut cmd = process::command(&opts.executable);
    let (base, user) = flags(opts.headless, &opts.args);
    cmd.args(base)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={},{}", opts.window.0, opts.window.1));
    if process::is_root() {
        cmd.arg("--no-sandbox");
    }
    // No first tab: none would ever be used, and its renderer would start with the browser
    // (Playwright starts Chromium the same way).
    cmd.args(user)
        .arg("--no-startup-window")
        .env("TMPDIR", &tmp)
        .env("XDG_CONFIG_HOME", &xdg)
        .env("XDG_CACHE_HOME", &xdg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = crate::process::spawn(&mut cmd)
        .map_err(|e| PoolError::Launch(format!("cannot start {}: {e}", opts.executable.display())))?;
    let pgid = child.id().unwrap_or(0);
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| PoolError::Launch("no stderr pipe".into()))?;
    let mut lines = BufReader::new(stderr).lines();
    let mut tail = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(i) = line.find("ws://") {
                return Some(line[i..].trim().to_owned());
            }
            tail.push(line);
            if tail.len() > 20 {
                tail.remove(0);
            }
        }
        None
    })
    .await;
    let ws_url = match found {
        Ok(Some(url)) => url,
        other => {
            process::kill_group(pgid);
            let _ = child.wait().await;
            let why = if other.is_err() {
                "timed out after 30s waiting for"
            } else {
                "exited before printing"
            };
            return Err(PoolError::Launch(format!(
                "{} {why} its DevTools address; last output:\n{}",
                opts.executable.display(),
                tail.join("\n")
            )));
        }
    };
    // Keep draining stderr so Chromium never blocks on a full pipe.
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(line) = loggable(&line) {
                tracing::trace!(target: "panoptic::chromium", "{line}");
            }
        }
    });
    Ok(LocalProcess {
        child,
        ws_url,
        pgid,
        own_profile: own_profile(&opts.args),
        dir: Some(dir),
    })
}

impl LocalProcess {
    /// Kills the whole process tree and removes the browser's folder. A browser on panoptic's
    /// own profile is not waited for: the kernel takes 30-50 ms to take down a browser and its
    /// tabs (measured with `strace` at the end of a run), and a killed process runs none of its
    /// own code again; it is reaped now if it is already gone, else by tokio's orphan reaper
    /// or the pool monitor's, or by init once panoptic has exited. Only a file system call it
    /// was in the middle of may still complete — a file created after the folder was listed —
    /// so a removal that fails waits for the browser (up to 5 s) and tries again. One on the
    /// user's profile is waited for (up to 5 s), so that profile is whole when panoptic returns.
    pub(crate) async fn kill(&mut self) {
        process::kill_group(self.pgid);
        let wait = Duration::from_secs(5);
        if self.own_profile {
            let _ = tokio::time::timeout(wait, self.child.wait()).await;
        } else {
            let _ = self.child.try_wait();
        }
        if let Some(dir) = self.dir.take() {
            let path = dir.path().to_path_buf();
            if dir.close().is_err() {
                let _ = tokio::time::timeout(wait, self.child.wait()).await;
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

/// Whether the user's Chromium arguments name a profile folder of their own (the last
/// `--user-data-dir` wins over panoptic's).
fn own_profile(args: &[String]) -> bool {
    args.iter().any(|a| a.starts_with("--user-data-dir"))
}

/// Which of Chromium's own stderr lines may reach panoptic's trace log: its internals, not what
/// the page said or loaded — console lines and anything with a URL can carry the page's data,
/// secrets typed into it among them (the redactor never sees this stream).
fn loggable(line: &str) -> Option<&str> {
    let page_data = line.contains("CONSOLE") || line.contains("://") || line.contains("source:");
    (!page_data).then(|| &line[..line.floor_char_boundary(line.len().min(500))])
}

#[cfg(test)]
mod tests {
    use super::{flags, loggable, own_profile};

    #[test]
    fn only_a_profile_the_user_named_is_closed_politely() {
        assert!(!own_profile(&[]));
        assert!(!own_profile(&["--lang=de".to_owned(), "--user-agent=x".to_owned()]));
        assert!(own_profile(&["--user-data-dir=/home/me/profile".to_owned()]));
    }

    #[test]
    fn the_users_disabled_features_join_panoptics() {
        let user = ["--lang=de".to_owned(), "--disable-features=Foo,Bar".to_owned()];
        let (base, rest) = flags(false, &user);
        assert!(!base.iter().any(|f| f == "--headless"));
        let disabled: Vec<_> = base.iter().filter(|f| f.starts_with("--disable-features=")).collect();
        assert_eq!(disabled.len(), 1, "{base:?}");
        assert!(
            disabled[0].contains("WebUIOmniboxPopup") && disabled[0].ends_with(",Foo,Bar"),
            "{disabled:?}"
        );
        assert_eq!(rest, [&user[0]]);
        let (base, rest) = flags(true, &[]);
        assert!(base.iter().any(|f| f == "--headless"));
        assert!(
            base.iter()
                .any(|f| f.starts_with("--disable-features=") && f.contains("WebUIOmniboxAimPopup"))
        );
        assert!(rest.is_empty());
    }

    #[test]
    fn page_data_stays_out_of_the_trace_log() {
        assert_eq!(
            loggable("[1:2:ERROR:gpu_init.cc(1)] Passthrough is not supported"),
            Some("[1:2:ERROR:gpu_init.cc(1)] Passthrough is not supported")
        );
        assert_eq!(
            loggable("[1:2:INFO:CONSOLE(3)] \"token s3cret\", source: http://h/x (3)"),
            None
        );
        assert_eq!(loggable("Failed to load https://h/?token=s3cret"), None);
        assert_eq!(loggable(&"é".repeat(400)).map(str::len), Some(500));
    }
}
