//! The typed config, schema version 1 (DESIGN §2). Built by `decode` from the positioned YAML
//! tree; `panoptic schema` is generated from the decoder's tables (`schema`), and the defaults
//! it shows are these types' `Default` values, serialised.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::step::Action;
pub use crate::duration::DurationValue;

/// One config file.
#[derive(Clone, Debug)]
pub struct Config {
    /// Name of the suite.
    pub name: String,
    /// Output folder (default `./panoptic-results`), relative to the working directory.
    pub output: Option<PathBuf>,
    /// Run settings.
    pub settings: Settings,
    /// The apps; each one is one test.
    pub apps: Vec<App>,
    /// Actions of every app that has no `actions` of its own.
    pub actions: Vec<Action>,
    /// Mock steps of every app, in place before its url opens (before the app's own).
    pub mocks: Vec<Action>,
    /// The file this config came from (not part of the YAML).
    pub source: PathBuf,
    /// When `panoptic serve --schedule` runs it.
    pub schedule: Option<super::Schedule>,
    /// Its alert rules (for `panoptic serve --schedule`).
    pub alerts: Vec<super::AlertRule>,
}

impl Config {
    /// The steps of an app: its own `actions`, or the global list.
    pub fn actions_of<'a>(&'a self, app: &'a App) -> &'a [Action] {
        app.actions.as_deref().unwrap_or(&self.actions)
    }

    /// Every list of steps in the config: its `actions`, each app's own, its `mocks`, each app's.
    pub fn step_lists(&self) -> impl Iterator<Item = &Vec<Action>> {
        std::iter::once(&self.actions)
            .chain(self.apps.iter().filter_map(|a| a.actions.as_ref()))
            .chain(std::iter::once(&self.mocks))
            .chain(self.apps.iter().map(|a| &a.mocks))
    }

    /// The mock steps an app's test runs before it opens the app's url: the config's, then
    /// the app's own.
    pub fn mocks_of<'a>(&'a self, app: &'a App) -> impl Iterator<Item = &'a Action> {
        self.mocks.iter().chain(&app.mocks)
    }
}

/// An app under test: one test in the run.
#[derive(Clone, Debug)]
pub struct App {
    /// Test name.
    pub name: String,
    /// Only `web`; `desktop` and `mobile` are rejected.
    pub kind: AppKind,
    /// Opened before the first action; relative `navigate` urls resolve against it.
    pub url: Option<String>,
    /// Per-test timeout in seconds (the Go tool's field); `settings.timeouts.test` otherwise.
    pub timeout: Option<DurationValue>,
    /// Steps of this app; replaces the global `actions`.
    pub actions: Option<Vec<Action>>,
    /// Mock steps in place before the app's url opens (after the config's `mocks`).
    pub mocks: Vec<Action>,
    /// Where the app is in its file.
    pub pos: crate::yaml::Pos,
}

/// Kind of app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    /// A web app driven in Chromium.
    #[default]
    Web,
}

/// `settings:`.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// Preset of defaults (`fast`, `balanced`, `thorough`, `low-resource`).
    pub profile: Profile,
    /// Concurrent test attempts (default: from the profile).
    pub workers: Option<u32>,
    /// Extra attempts of a failing test.
    pub retries: u32,
    /// Run Chromium headless (default true).
    pub headless: bool,
    /// Viewport width.
    pub window_width: u32,
    /// Viewport height.
    pub window_height: u32,
    /// `png`, `jpeg` or `webp`.
    pub screenshot_format: ImageFormat,
    /// JPEG/WebP quality 0–100.
    pub quality: u8,
    /// Take a screenshot when a step fails (default: every profile but `fast`).
    pub screenshot_on_failure: bool,
    /// Take a full-page screenshot after every step (default: the `thorough` profile).
    pub screenshot_every_step: bool,
    /// A locator that matches several elements fails the step instead of using the first
    /// (Playwright's strict mode).
    pub strict_locators: bool,
    /// Record a trace of each attempt (DOM, console, network, screenshots per step): the same
    /// modes as `video.mode`.
    pub trace: VideoMode,
    /// `webm` or `mp4` (kept for the Go tool; used by recording).
    pub video_format: VideoFormat,
    /// Video recording.
    pub video: VideoSettings,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Browser selection and flags.
    pub browser: BrowserSettings,
    /// Resource limits.
    pub limits: Limits,
    /// Security allow-lists.
    pub allow: Allow,
    /// AI features (parsed and validated; the AI actions are not in this build).
    pub ai_testing: AiTesting,
    /// Artifact upload to a bucket (`panoptic-cloud`).
    pub cloud: Option<CloudSettings>,
    /// OpenTelemetry export (parsed and validated; export is not in this build).
    pub telemetry: TelemetrySettings,
    /// Kept from the Go tool; metrics are always collected.
    pub enable_metrics: Option<bool>,
    /// Kept from the Go tool: default log level (`--log-level` and `PANOPTIC_LOG` win).
    pub log_level: Option<String>,
    /// Settings the file set explicitly (they win over the profile).
    #[serde(skip)]
    pub explicit: Vec<&'static str>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            profile: Profile::Balanced,
            workers: None,
            retries: 0,
            headless: true,
            window_width: 1280,
            window_height: 720,
            screenshot_format: ImageFormat::Png,
            quality: 80,
            screenshot_on_failure: true,
            screenshot_every_step: false,
            strict_locators: false,
            trace: VideoMode::Off,
            video_format: VideoFormat::Webm,
            video: VideoSettings::default(),
            timeouts: Timeouts::default(),
            browser: BrowserSettings::default(),
            limits: Limits::default(),
            allow: Allow::default(),
            ai_testing: AiTesting::default(),
            cloud: None,
            telemetry: TelemetrySettings::default(),
            enable_metrics: None,
            log_level: None,
            explicit: Vec::new(),
        }
    }
}

/// This machine's CPU count (the cgroup quota included), read once per process: profile
/// defaults and the pool's prepared tabs follow it.
pub fn cores() -> u32 {
    static CORES: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32))
}

impl Settings {
    /// The settings with `profile`'s defaults (DESIGN §5) filled in wherever the file did not
    /// set a value; `cores` is the machine's CPU count. The contexts a browser serves before it
    /// is recycled are DESIGN's table × 50: recycling every 4 contexts made the compare suite
    /// take 18.1 s instead of 11.7 s (see docs/ARCHITECTURE.md). Balanced and fast run 4 ×
    /// cores workers, not DESIGN's cores: a test mostly waits on Chromium round trips and the
    /// page's timers, and with fewer workers the compare suite left the CPU idle (16 tests:
    /// 3.29 s at 4 workers, 3.03 at 6, 2.97 at 8; 32 tests: 5.95 / 6.04 / 5.59 s;
    /// docs/PERFORMANCE.md).
    pub fn with_profile(&self, profile: Option<Profile>, cores: u32) -> Settings {
        let p = profile.unwrap_or(self.profile);
        let mut s = self.clone();
        s.profile = p;
        let set = |key: &str| self.explicit.contains(&key);
        let cores = cores.max(1);
        let (workers, format, quality, on_failure, every_step, retries, contexts) = match p {
            Profile::Fast => (4 * cores, ImageFormat::Jpeg, 70, false, false, 0, 400),
            Profile::Balanced => (4 * cores, ImageFormat::Png, 80, true, false, 1, 200),
            Profile::Thorough => ((cores / 2).max(1), ImageFormat::Png, 80, true, true, 2, 100),
            Profile::LowResource => (1, ImageFormat::Jpeg, 60, true, false, 1, 50),
        };
        if !set("workers") {
            s.workers = Some(workers);
        }
        if !set("screenshot_format") {
            s.screenshot_format = format;
        }
        if !set("quality") {
            s.quality = quality;
        }
        if !set("screenshot_on_failure") {
            s.screenshot_on_failure = on_failure;
        }
        if !set("screenshot_every_step") {
            s.screenshot_every_step = every_step;
        }
        if !set("retries") {
            s.retries = retries;
        }
        if !set("browser.max_contexts_per_browser") {
            s.browser.max_contexts_per_browser = contexts;
        }
        if !set("video") {
            s.video.mode = match p {
                // DESIGN had `retain-on-failure` for balanced; recording every attempt to keep the
                // failures' videos cost the e2e suite 3x its wall time on 2 cores (see
                // docs/ARCHITECTURE.md), so balanced leaves video to the user.
                Profile::Fast | Profile::LowResource | Profile::Balanced => VideoMode::Off,
                Profile::Thorough => VideoMode::On,
            };
        }
        s
    }
}

/// Settings presets (DESIGN §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Fewest artifacts, most workers.
    Fast,
    /// The default.
    Balanced,
    /// Most evidence.
    Thorough,
    /// One worker, small screenshots.
    LowResource,
}

/// Screenshot encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP.
    Webp,
}

impl ImageFormat {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
        }
    }
}

/// Video container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoFormat {
    /// VP8/VP9 in WebM.
    Webm,
    /// H.264 in MP4.
    Mp4,
}

/// `settings.video`.
#[derive(Clone, Debug, Serialize)]
pub struct VideoSettings {
    /// `off`, `on` or `retain-on-failure`.
    pub mode: VideoMode,
    /// Frames per second.
    pub fps: u32,
    /// JPEG quality of the frames.
    pub quality: u8,
}

impl Default for VideoSettings {
    fn default() -> Self {
        VideoSettings {
            mode: VideoMode::Off,
            fps: 10,
            quality: 70,
        }
    }
}

/// When to record a video of each attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VideoMode {
    /// Never.
    Off,
    /// Always.
    On,
    /// Keep only videos of failed attempts.
    RetainOnFailure,
}

/// `settings.timeouts`.
#[derive(Clone, Debug, Serialize)]
pub struct Timeouts {
    /// Auto-wait limit of one action.
    pub action: DurationValue,
    /// Limit of one navigation.
    pub navigation: DurationValue,
    /// How long assertions retry.
    pub expect: DurationValue,
    /// Limit of one test attempt.
    pub test: DurationValue,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            action: DurationValue(Duration::from_secs(5)),
            navigation: DurationValue(Duration::from_secs(30)),
            expect: DurationValue(Duration::from_secs(5)),
            test: DurationValue(Duration::from_secs(120)),
        }
    }
}

/// `settings.browser`.
#[derive(Clone, Debug, Serialize)]
pub struct BrowserSettings {
    /// Path of the Chromium executable; discovery otherwise (DESIGN §5).
    pub executable: Option<PathBuf>,
    /// Remote browsers (`ws://…/devtools/browser/…`).
    pub endpoints: Vec<String>,
    /// Extra Chromium flags.
    pub args: Vec<String>,
    /// Contexts one browser serves before it is recycled.
    pub max_contexts_per_browser: u32,
    /// A Selenium Grid 4 (`http://host:4444`): each attempt runs in a session there.
    pub grid: Option<String>,
}

impl Default for BrowserSettings {
    fn default() -> Self {
        BrowserSettings {
            executable: None,
            endpoints: Vec::new(),
            args: Vec::new(),
            max_contexts_per_browser: 8,
            grid: None,
        }
    }
}

/// `settings.limits`.
#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    /// Total browser memory above which no new test starts.
    pub memory_budget_mb: u64,
    /// RSS above which a browser is recycled.
    pub max_browser_rss_mb: u64,
    /// Largest single artifact.
    pub max_artifact_mb: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_budget_mb: 4096,
            max_browser_rss_mb: 1024,
            max_artifact_mb: 512,
        }
    }
}

/// `settings.allow`: security allow-lists.
#[derive(Clone, Debug, Serialize)]
pub struct Allow {
    /// URL schemes steps may open (default http, https).
    pub schemes: Vec<String>,
    /// Hosts steps may open; empty means any.
    pub hosts: Vec<String>,
    /// Allow the `eval` action.
    pub eval: bool,
    /// Folders `upload` may read from.
    pub file_upload_roots: Vec<PathBuf>,
}

impl Default for Allow {
    fn default() -> Self {
        Allow {
            schemes: vec!["http".into(), "https".into()], // tidy: not an action (URL scheme)
            hosts: Vec::new(),
            eval: false,
            file_upload_roots: Vec::new(),
        }
    }
}

/// `settings.ai_testing`.
#[derive(Clone, Debug, Serialize)]
pub struct AiTesting {
    /// Detect console errors, failed requests and accessibility problems.
    pub enable_error_detection: bool,
    /// Heal broken action locators from fingerprints of passing runs.
    pub self_healing: bool,
    /// Lowest confidence a healed locator may have.
    pub confidence_threshold: f64,
    /// Most tests `ai_test_generation` writes.
    pub max_generated_tests: u32,
}

impl Default for AiTesting {
    fn default() -> Self {
        AiTesting {
            enable_error_detection: true,
            self_healing: true,
            confidence_threshold: 0.7,
            max_generated_tests: 20,
        }
    }
}

/// `settings.cloud`.
#[derive(Clone, Debug, Serialize)]
pub struct CloudSettings {
    /// `s3://`, `gs://`, `az://` or `file://` URL.
    pub url: String,
    /// After a sync, delete the bucket's runs older than this many days.
    pub retention_days: Option<u32>,
    /// After a sync, delete the oldest runs until the bucket's runs total at most this.
    pub max_total_mb: Option<u64>,
    /// `on-finish` or `off`.
    pub sync: CloudSync,
}

impl Default for CloudSettings {
    fn default() -> Self {
        CloudSettings {
            url: String::new(),
            retention_days: None,
            max_total_mb: None,
            sync: CloudSync::OnFinish,
        }
    }
}

/// When artifacts are uploaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CloudSync {
    /// After every run (its history too).
    OnFinish,
    /// Every artifact as it is written, the rest (reports, manifest, history) at the end.
    Streaming,
    /// Only by `panoptic cloud sync` (`manual` is the same).
    Off,
}

/// `settings.telemetry`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TelemetrySettings {
    /// Export OTLP traces and metrics (honours `OTEL_EXPORTER_OTLP_*`).
    pub otlp: bool,
}
