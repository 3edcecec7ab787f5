//! The tracing subscriber: human lines on stderr, JSON lines in `<output>/logs/panoptic.log`.
//! chromiumoxide logs every CDP message it cannot decode at ERROR (DESIGN §1.1); those are
//! kept out of the user's output (filtered by target) and counted by the pool instead.

use std::path::Path;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

const QUIET: &str = "chromiumoxide=off,tungstenite=off,tokio_tungstenite=off,async_tungstenite=off";

/// Installs the subscriber; `level` is `--log-level`, else `PANOPTIC_LOG`, else the config's, else `info`.
pub fn init(output: &Path, level: Option<&str>) -> std::io::Result<()> {
    let level = level
        .map(str::to_owned)
        .or_else(|| std::env::var("PANOPTIC_LOG").ok())
        .unwrap_or_else(|| "info".into());
    // Through the output folder's writer: a planted `logs -> elsewhere` link is refused.
    let file = panoptic_security::fs::Root::open(output)?
        .open_file("logs/panoptic.log", panoptic_security::fs::Mode::Append)?;
    let filter = |default: &str| {
        EnvFilter::try_new(format!("{default},{QUIET}")).unwrap_or_else(|_| EnvFilter::new(format!("info,{QUIET}")))
    };
    let human = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_filter(filter(&format!("warn,panoptic={level},panoptic_browser_pool={level}")));
    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(std::sync::Mutex::new(file))
        .with_filter(filter(&level));
    let _ = tracing_subscriber::registry().with(human).with(json).try_init();
    Ok(())
}
