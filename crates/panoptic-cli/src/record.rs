//! `panoptic record <URL>`: a video of one page, without a config.

use std::io::Write;
use std::time::Duration;

use panoptic_browser_pool::{BrowserPool, LaunchOpts, PoolOpts, find_chromium};
use panoptic_core::config::{Allow, VideoFormat, absolute_url_allowed};
use panoptic_core::duration::parse_duration;
use panoptic_core::page::VideoOpts;
use panoptic_core::session::{LeaseOpts, SessionSource};

use crate::cli::RecordArgs;
use crate::interrupt::Interrupt;
use crate::{exit, say};

fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once('x')?;
    Some((
        w.parse().ok().filter(|w| (100..=7680).contains(w))?,
        h.parse().ok().filter(|h| (100..=4320).contains(h))?,
    ))
}

pub(crate) fn record(args: &RecordArgs) -> u8 {
    let usage = |m: String| {
        say(&format!("error: {m}"));
        exit::USAGE
    };
    let duration = match parse_duration(&args.duration) {
        Ok(d) if !d.is_zero() => d,
        Ok(_) => return usage("--duration must be longer than 0s".into()),
        Err(e) => return usage(format!("--duration: {e}")),
    };
    // The page opened is the URL the policy judged, as the browser reads it.
    let url = match absolute_url_allowed(&args.url, &Allow::default()) {
        Ok(u) => u,
        Err(e) => return usage(e),
    };
    let format = match args.output.extension().and_then(|e| e.to_str()) {
        Some("webm") => VideoFormat::Webm,
        Some("mp4") => VideoFormat::Mp4,
        _ => {
            return usage(format!(
                "{}: the output must end in .webm or .mp4",
                args.output.display()
            ));
        }
    };
    let Some((width, height)) = parse_size(&args.size) else {
        return usage(format!("--size {:?}: expected WIDTHxHEIGHT, e.g. 1280x720", args.size));
    };
    if !(1..=60).contains(&args.fps) {
        return usage("--fps must be between 1 and 60".into());
    }
    let executable = match find_chromium(None) {
        Ok(p) => p,
        Err(e) => {
            say(&format!("error: {e}"));
            return exit::INFRA;
        }
    };
    let path = std::path::absolute(&args.output).unwrap_or_else(|_| args.output.clone());
    let pool = PoolOpts {
        launch: Some(LaunchOpts {
            executable,
            headless: true,
            args: Vec::new(),
            window: (width, height),
        }),
        endpoints: Vec::new(),
        local_browsers: 1,
        max_contexts_per_browser: 1,
        max_browser_rss_mb: u64::MAX,
        memory_budget_mb: u64::MAX,
        prewarm: 0,
        grid: None,
    };
    let rt = match panoptic_executor::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}"));
            return exit::INFRA;
        }
    };
    // The file is opened here (0600, never through a link) and ffmpeg writes into it.
    let file = match path
        .parent()
        .map_or(Ok(()), panoptic_security::fs::create_private_dir)
        .and_then(|()| panoptic_security::fs::open_private(&path, panoptic_security::fs::Mode::Truncate))
    {
        Ok(f) => f,
        Err(e) => return usage(format!("{}: {e}", path.display())),
    };
    let opts = VideoOpts {
        path: path.clone(),
        file,
        format,
        fps: args.fps,
        quality: 70,
        width,
        height,
        max_bytes: u64::MAX,
    };
    let outcome = rt.block_on(async {
        // Ctrl-C / SIGTERM are caught from the start, so the browser and its folders are always
        // cleaned up; during the recording they end it early and the video is kept.
        let mut interrupt = Interrupt::new();
        let pool = BrowserPool::new(pool);
        let result = async {
            let lease = LeaseOpts { width, height };
            let session = tokio::select! {
                s = pool.lease(&lease) => s.map_err(|e| (exit::INFRA, e.to_string()))?,
                () = interrupt.wait() => return Err((exit::INTERRUPTED, "interrupted".into())),
            };
            let mut page = session.page;
            // What the page opens on its own passes the same policy as the URL given.
            let guard = std::sync::Arc::new(panoptic_security::UrlGuard::new(&Allow::default()));
            page.guard_requests(guard)
                .await
                .map_err(|e| (exit::INFRA, e.to_string()))?;
            let nav = tokio::select! {
                n = tokio::time::timeout(Duration::from_secs(30), page.goto(&url)) => n,
                () = interrupt.wait() => return Err((exit::INTERRUPTED, "interrupted".into())),
            };
            match nav {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err((exit::FAILED, e.to_string())),
                Err(_) => return Err((exit::FAILED, format!("{} did not load within 30s", url))),
            }
            page.start_video(&opts)
                .await
                .map_err(|e| (exit::INFRA, e.to_string()))?;
            let interrupted = tokio::select! {
                () = tokio::time::sleep(duration) => false,
                () = interrupt.wait() => true,
            };
            // From here on a signal (the first, or the second after a Ctrl-C) ends it at once.
            tokio::spawn(async move {
                interrupt.wait().await;
                crate::interrupt::force_exit()
            });
            let info = page.stop_video().await.map_err(|e| (exit::INFRA, e.to_string()))?;
            page.close().await;
            Ok((info, interrupted))
        }
        .await;
        pool.shutdown().await;
        result
    });
    panoptic_browser_pool::process::reap_orphans(&[]);
    match outcome {
        Ok((Some(info), interrupted)) => {
            let _ = writeln!(
                std::io::stdout(),
                "video: {} ({} frames, {:.1}s; the page painted {} frames){}",
                info.path.display(),
                info.frames,
                info.duration_ms as f64 / 1000.0,
                info.frames_received,
                if interrupted {
                    "; interrupted, the video ends there"
                } else {
                    ""
                }
            );
            if interrupted { exit::INTERRUPTED } else { exit::OK }
        }
        Ok((None, _)) => {
            say("error: nothing was recorded");
            exit::INFRA
        }
        Err((code, e)) => {
            // Nothing recorded: the empty file opened for it goes.
            if std::fs::metadata(&path).is_ok_and(|m| m.len() == 0) {
                let _ = std::fs::remove_file(&path);
            }
            say(&format!("error: {e}"));
            code
        }
    }
}
