//! Command-line arguments (DESIGN §4, the parts this build runs).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Declarative UI test automation: YAML flows driven in real headless Chromium.
#[derive(Debug, Parser)]
#[command(name = "panoptic", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the apps of one or more configs and write the reports.
    Run(RunArgs),
    /// Check configs and print every problem at once; runs nothing.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the config format.
    Schema,
    /// Work with reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Record a video of a page.
    Record(RecordArgs),
    /// Report a page's problems (errors, failed requests, accessibility), offline.
    Analyze(AnalyzeArgs),
    /// List a page's elements with locators that find each one, offline.
    Inspect(InspectArgs),
    /// Write tests for a page by using it: its forms, links and headings, offline.
    Generate(GenerateArgs),
    /// Show (or apply with --write) the locators self-healing replaced in a run.
    Heal(HealArgs),
    /// What the run history says: pass rates, flaky tests, slowest tests.
    History(HistoryArgs),
    /// Check the audit log of runs.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Runs in a bucket (s3://, gs://, az://, file://): upload, list, clean up.
    #[command(subcommand)]
    Cloud(CloudCommand),
    /// Run configs as a service: an HTTP API with keys, health, metrics and a live dashboard.
    Serve(ServeArgs),
    /// API keys of `panoptic serve` (kept hashed; a key is shown once, when it is made).
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub(crate) bind: std::net::SocketAddr,
    /// Folder for runs, the audit log and logs.
    #[arg(long, default_value = ".panoptic/serve")]
    pub(crate) data: PathBuf,
    /// The API keys file [default: DATA/keys.json].
    #[arg(long)]
    pub(crate) keys: Option<PathBuf>,
    /// Runs that may wait; more submissions are answered 429.
    #[arg(long, default_value_t = 50)]
    pub(crate) queue: usize,
    /// Runs executing at once.
    #[arg(long, default_value_t = 2)]
    pub(crate) concurrency: usize,
    /// Largest config accepted, in KiB; more is answered 413.
    #[arg(long, default_value_t = 1024)]
    pub(crate) body_limit_kb: usize,
    /// Browser memory above which /readyz answers 503, in MiB.
    #[arg(long, default_value_t = 4096)]
    pub(crate) memory_budget_mb: u64,
    /// A remote browser to run on instead of a local Chromium (repeatable).
    #[arg(long = "browser-endpoint", value_name = "WS")]
    pub(crate) browser_endpoints: Vec<String>,
    /// A folder of configs to run as checks on their `schedule`, alerting by their `alerts`.
    #[arg(long, value_name = "DIR")]
    pub(crate) schedule: Option<PathBuf>,
    /// Log level (trace, debug, info, warn, error).
    #[arg(long)]
    pub(crate) log_level: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Make a key and print it (once; only its hash is kept).
    Create {
        /// What the key is for (shown in lists, the audit log and the dashboard).
        #[arg(long)]
        name: String,
        /// viewer (read), runner (also submit and cancel) or admin (also privileged settings).
        #[arg(long, value_parser = ["viewer", "runner", "admin"])]
        role: String,
        #[command(flatten)]
        file: KeysFile,
    },
    /// List the keys (id, name, role, created, revoked).
    List {
        #[command(flatten)]
        file: KeysFile,
    },
    /// Revoke a key by its id; it stops working at once.
    Revoke {
        /// The key's id (the part after `pk_`).
        id: String,
        #[command(flatten)]
        file: KeysFile,
    },
}

#[derive(Debug, Args)]
pub(crate) struct KeysFile {
    /// The server's data folder (the keys file is DATA/keys.json).
    #[arg(long, default_value = ".panoptic/serve")]
    pub(crate) data: PathBuf,
    /// The keys file itself, when it is elsewhere.
    #[arg(long)]
    pub(crate) keys: Option<PathBuf>,
}

impl KeysFile {
    pub(crate) fn path(&self) -> PathBuf {
        self.keys.clone().unwrap_or_else(|| self.data.join("keys.json"))
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum CloudCommand {
    /// Upload a run's output folder: only new or changed files, its manifest last.
    Sync {
        /// The run's output folder.
        output: PathBuf,
        /// The bucket, e.g. s3://bucket/prefix (credentials from AWS_*, GOOGLE_*, AZURE_*).
        url: String,
    },
    /// The runs in a bucket, oldest first, and whether each is complete.
    List {
        /// The bucket.
        url: String,
    },
    /// Delete whole runs, oldest first: older than --retention-days, then past --max-total-mb.
    Cleanup {
        /// The bucket.
        url: String,
        /// Delete runs that started more than this many days ago.
        #[arg(long, value_name = "DAYS")]
        retention_days: Option<u32>,
        /// Then delete the oldest until the rest total at most this many MiB.
        #[arg(long, value_name = "MB")]
        max_total_mb: Option<u64>,
        /// Only list what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check an audit log's hash chain; names the first line that was edited, removed, added
    /// or moved. Exit 0 intact, 1 tampered, 2 unreadable.
    Verify {
        /// The log (`<output>/audit.jsonl` or `.panoptic/audit.jsonl`).
        file: PathBuf,
        /// The head recorded earlier (`ENTRIES:HASH`, as printed): also catches entries cut
        /// off the end.
        #[arg(long, value_name = "ENTRIES:HASH")]
        head: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// stats (every test), flaky (passed and failed across runs) or slowest (by median).
    #[arg(value_parser = ["stats", "flaky", "slowest"])]
    pub(crate) view: String,
    /// The run-history folder.
    #[arg(long, default_value = DEFAULT_HISTORY)]
    pub(crate) dir: PathBuf,
    /// At most this many rows.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub(crate) limit: usize,
    /// Read the history a bucket holds (s3://…, synced by `settings.cloud`) instead.
    #[arg(long, value_name = "URL")]
    pub(crate) from: Option<String>,
}

/// Where runs keep their history unless told otherwise.
pub(crate) const DEFAULT_HISTORY: &str = ".panoptic/history";

#[derive(Debug, Args)]
pub(crate) struct RecordArgs {
    /// The page to record (http or https).
    pub(crate) url: String,
    /// How long to record, e.g. `10s`.
    #[arg(long, short, default_value = "10s")]
    pub(crate) duration: String,
    /// Output file; `.webm` (VP8) or `.mp4` (H.264).
    #[arg(long, short, default_value = "recording.webm")]
    pub(crate) output: PathBuf,
    /// Frames per second.
    #[arg(long, default_value_t = 10)]
    pub(crate) fps: u32,
    /// Viewport width and height.
    #[arg(long, default_value = "1280x720")]
    pub(crate) size: String,
}

#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// The page to analyze (http or https).
    pub(crate) url: String,
    /// Exit 1 when a finding has this impact or worse.
    #[arg(long, default_value = "serious", value_parser = ["minor", "moderate", "serious", "critical"])]
    pub(crate) fail_on: String,
    /// Output folder: the report, results.json with every finding, logs.
    #[arg(long, short, default_value = "panoptic-analyze")]
    pub(crate) output: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The page to inspect (http or https).
    pub(crate) url: String,
    /// Print the elements as JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Output folder: the report, the marked screenshot, results.json, logs.
    #[arg(long, short, default_value = "panoptic-inspect")]
    pub(crate) output: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// The page to start from (http or https).
    pub(crate) url: String,
    /// Pages deep to follow same-origin links (1: only this page).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub(crate) depth: u32,
    /// Most tests to write.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub(crate) max: u32,
    /// The config file to write (default: print it).
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
    /// Folder for the exploring run's report, results.json and logs.
    #[arg(long, default_value = "panoptic-generate")]
    pub(crate) report_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct HealArgs {
    /// A run's output folder (its results.json names each healed step's config and line).
    pub(crate) output: PathBuf,
    /// Change the config files (otherwise the patch is only printed).
    #[arg(long)]
    pub(crate) write: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// Join the outputs of several runs (e.g. shards) into one report, JSON and JUnit.
    Merge {
        /// Output folders of the runs.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged report goes.
        #[arg(long, short)]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Config files, folders of `*.yaml`/`*.yml`, or globs.
    #[arg(required = true, value_name = "CONFIG|DIR|GLOB")]
    pub(crate) configs: Vec<String>,
    /// Output folder (default: the first config's `output`, else ./panoptic-results).
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
    /// Extra attempts of a failing test (overrides `settings.retries`).
    #[arg(long)]
    pub(crate) retries: Option<u32>,
    /// Concurrent test attempts (default: from the profile).
    #[arg(long, short = 'j')]
    pub(crate) workers: Option<u32>,
    /// Settings preset: fast, balanced, thorough, low-resource.
    #[arg(long)]
    pub(crate) profile: Option<String>,
    /// Run only shard I of N (e.g. 1/3).
    #[arg(long, value_name = "I/N")]
    pub(crate) shard: Option<String>,
    /// Run only tests whose name matches this regular expression.
    #[arg(long, short = 'g', value_name = "RE")]
    pub(crate) grep: Option<String>,
    /// Run only the tests that did not pass in the previous run's results.json.
    #[arg(long)]
    pub(crate) last_failed: bool,
    /// Exit 1 when a test is flaky.
    #[arg(long)]
    pub(crate) fail_on_flaky: bool,
    /// `assert_screenshot` writes the baselines that are missing or differ (and passes).
    #[arg(long, short = 'u')]
    pub(crate) update_snapshots: bool,
    /// Remote Chromium (ws://…/devtools/browser/… or http://host:port); replaces local browsers.
    #[arg(long = "browser-endpoint", value_name = "WS")]
    pub(crate) browser_endpoints: Vec<String>,
    /// A Selenium Grid 4 (http://host:4444): each attempt runs in a session there (replaces
    /// `browser.grid`; local browsers are not started).
    #[arg(long, value_name = "URL")]
    pub(crate) grid: Option<String>,
    /// Show the browser window.
    #[arg(long)]
    pub(crate) headed: bool,
    /// Log level on stderr and in logs/panoptic.log (or PANOPTIC_LOG).
    #[arg(long, value_name = "LEVEL")]
    pub(crate) log_level: Option<String>,
    /// Run-history folder: every finished run is added; `--shard` balances by its durations.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_HISTORY)]
    pub(crate) history_dir: PathBuf,
    /// Add the run history a bucket holds (s3://…) to the history folder first, so `--shard`
    /// balances by it on a machine without local history.
    #[arg(long, value_name = "URL")]
    pub(crate) history_from: Option<String>,
    /// Neither read nor write run history (nor the audit log beside it; the output folder's
    /// own `audit.jsonl` is still written).
    #[arg(long)]
    pub(crate) no_history: bool,
    /// Refuse configs that set `browser.executable` or `browser.args`: they decide what program
    /// runs (also PANOPTIC_NO_BROWSER_CODE=1).
    #[arg(long)]
    pub(crate) no_browser_code: bool,
    /// Where the report's path is printed goes to stderr: stdout is the command's own answer
    /// (`analyze`, `inspect`).
    #[arg(skip)]
    pub(crate) report_path_to_stderr: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Config files, folders or globs.
    #[arg(required = true, value_name = "CONFIG|DIR|GLOB")]
    pub(crate) configs: Vec<String>,
    /// Refuse configs that set `browser.executable` or `browser.args`: they decide what program
    /// runs (also PANOPTIC_NO_BROWSER_CODE=1).
    #[arg(long)]
    pub(crate) no_browser_code: bool,
}
