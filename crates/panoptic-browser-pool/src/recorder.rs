//! Video of a tab: CDP screencast frames (JPEG, acknowledged at once) re-timed from their
//! timestamps to a steady frame rate and piped into an ffmpeg child on stdin. No frame folders
//! on disk; only the latest frame is kept in memory.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::page::{
    EventScreencastFrame, ScreencastFrameAckParams, StartScreencastFormat, StartScreencastParams, StopScreencastParams,
};
use futures::StreamExt;
use panoptic_core::config::VideoFormat;
use panoptic_core::page::{PageError, VideoInfo, VideoOpts};
use tokio::process::Child;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::process;
use crate::retime::{Counts, Retimer};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// A recording in progress.
pub(crate) struct Recorder {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Counts>,
    ffmpeg: Child,
    path: PathBuf,
    /// The output, to tell whether the size limit cut it.
    file: std::fs::File,
    max_bytes: u64,
    started: Instant,
    /// The latest frame, for step thumbnails.
    pub(crate) latest: Arc<Mutex<Option<Vec<u8>>>>,
}

/// The install hint when ffmpeg is missing.
pub(crate) const FFMPEG_MISSING: &str = "ffmpeg not found on PATH; install it with `apt-get install ffmpeg`";

fn ffmpeg_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("ffmpeg"))
        .find(|p| p.is_file())
}

fn ffmpeg_args(opts: &VideoOpts) -> Vec<String> {
    let mut a: Vec<String> = [
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "image2pipe",
        "-c:v",
        "mjpeg",
        "-framerate",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push(opts.fps.to_string());
    // H.264 refuses odd sizes: pad to even.
    a.extend(
        [
            "-i",
            "pipe:0",
            "-vf",
            "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-pix_fmt",
            "yuv420p",
        ]
        .map(String::from),
    );
    // The output is the descriptor the artifact writer opened, handed over as stdout: ffmpeg
    // resolves no path of ours (`/dev/stdout` is that descriptor, seekable for the mp4 index).
    match opts.format {
        VideoFormat::Webm => a.extend(
            [
                "-f",
                "webm",
                "-c:v",
                "libvpx",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-b:v",
                "1M",
            ]
            .map(String::from),
        ),
        VideoFormat::Mp4 => a.extend(
            [
                "-f",
                "mp4",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-movflags",
                "+faststart",
            ]
            .map(String::from),
        ),
    }
    // One encoder thread (as Playwright's recorder): a run encodes one video per worker at
    // once, and each encoder's own thread pool only made them fight over the cores (demo
    // suite, video on: 5.2 → 3.0 CPU-s, docs/PERFORMANCE.md).
    a.extend(["-threads".to_owned(), "1".to_owned()]);
    if opts.max_bytes < u64::MAX {
        // ffmpeg stops writing at this size: `limits.max_artifact_mb` holds for videos too.
        a.extend(["-fs".to_owned(), opts.max_bytes.to_string()]);
    }
    a.push("/dev/stdout".into());
    a
}

impl Recorder {
    pub(crate) async fn start(page: &chromiumoxide::Page, opts: &VideoOpts) -> Result<Recorder, PageError> {
        let ffmpeg = ffmpeg_on_path().ok_or_else(|| PageError::Invalid(FFMPEG_MISSING.into()))?;
        let out = opts
            .file
            .try_clone()
            .map_err(|e| PageError::Invalid(format!("cannot hand {} to ffmpeg: {e}", opts.path.display())))?;
        let mut cmd = process::command(&ffmpeg);
        cmd.args(ffmpeg_args(opts))
            .stdin(Stdio::piped())
            .stdout(Stdio::from(out))
            .stderr(Stdio::piped());
        let mut child =
            process::spawn(&mut cmd).map_err(|e| PageError::Invalid(format!("cannot start ffmpeg: {e}")))?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| PageError::Invalid("ffmpeg has no stdin".into()))?;
        let mut frames = page
            .event_listener::<EventScreencastFrame>()
            .await
            .map_err(|e| PageError::Protocol(e.to_string()))?;
        let params = StartScreencastParams {
            format: Some(StartScreencastFormat::Jpeg),
            quality: Some(i64::from(opts.quality)),
            max_width: Some(i64::from(opts.width)),
            max_height: Some(i64::from(opts.height)),
            // Every frame: with N > 1 a page that paints once (a static page) sends none at all.
            every_nth_frame: Some(1),
        };
        let start = tokio::time::Instant::now();
        page.execute(params)
            .await
            .map_err(|e| PageError::Protocol(e.to_string()))?;
        let latest: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
        let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
        let acker = page.clone();
        let keep = latest.clone();
        let fps = f64::from(opts.fps.max(1));
        let task = tokio::spawn(async move {
            let mut re = Retimer::new(fps, start);
            let frame_gap = Duration::from_secs_f64(1.0 / fps);
            let mut next_ack = Instant::now();
            loop {
                tokio::select! {
                    ev = frames.next() => {
                        let Some(ev) = ev else { break };
                        // Chromium sends the next frame only after the ack: acknowledging at the
                        // video's rate (not as fast as possible) saves it JPEG-encoding frames the
                        // video would drop.
                        let wait = next_ack.saturating_duration_since(Instant::now());
                        if !wait.is_zero() {
                            tokio::time::sleep(wait).await;
                        }
                        next_ack = Instant::now() + frame_gap;
                        let _ = acker.execute(ScreencastFrameAckParams::new(ev.session_id)).await;
                        let data: &str = ev.data.as_ref();
                        let Ok(jpeg) = BASE64.decode(data) else { continue };
                        *keep.lock().unwrap_or_else(|e| e.into_inner()) = Some(jpeg.clone());
                        let ts = ev.metadata.timestamp.as_ref().map(|t| *t.inner());
                        // ffmpeg gone (its size limit, `-fs`, ends it early): stop feeding
                        // it; its exit status says whether the file is whole.
                        if re.push(&mut stdin, ts, jpeg).await.is_err() {
                            return re.counts;
                        }
                    }
                    _ = &mut stop_rx => break,
                }
            }
            let _ = re.finish(&mut stdin, tokio::time::Instant::now()).await;
            drop(stdin);
            re.counts
        });
        Ok(Recorder {
            stop: Some(stop_tx),
            task,
            ffmpeg: child,
            path: opts.path.clone(),
            file: opts
                .file
                .try_clone()
                .map_err(|e| PageError::Invalid(format!("{}: {e}", opts.path.display())))?,
            max_bytes: opts.max_bytes,
            started: Instant::now(),
            latest,
        })
    }

    /// Stops the screencast, flushes the last frame to the end and waits for ffmpeg.
    pub(crate) async fn stop(mut self, page: &chromiumoxide::Page) -> Result<VideoInfo, PageError> {
        let _ = tokio::time::timeout(Duration::from_secs(2), page.execute(StopScreencastParams::default())).await;
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let counts = match (&mut self.task).await {
            Ok(c) => c,
            Err(e) => return Err(PageError::Invalid(format!("video task failed: {e}"))),
        };
        let duration = self.started.elapsed();
        let status = tokio::time::timeout(Duration::from_secs(60), self.ffmpeg.wait()).await;
        let mut err = String::new();
        if let Some(mut e) = self.ffmpeg.stderr.take() {
            use tokio::io::AsyncReadExt;
            let _ = tokio::time::timeout(Duration::from_secs(1), e.read_to_string(&mut err)).await;
        }
        match status {
            Ok(Ok(s)) if s.success() => {}
            Ok(Ok(s)) => return Err(PageError::Invalid(format!("ffmpeg failed ({s}): {}", err.trim()))),
            Ok(Err(e)) => return Err(PageError::Invalid(format!("waiting for ffmpeg failed: {e}"))),
            Err(_) => return Err(PageError::Invalid("ffmpeg did not finish within 60s".into())),
        }
        if counts.written == 0 {
            return Err(PageError::Invalid("the page sent no frame to record".into()));
        }
        // ffmpeg's `-fs` stops the file growing, but only after the packet that crossed the
        // limit (one frame of a noisy page is megabytes): a file over it is not a video to keep.
        let len = self.file.metadata().map(|m| m.len()).unwrap_or(0);
        if len > self.max_bytes {
            return Err(PageError::Invalid(format!(
                "{} would be {len} bytes, more than `limits.max_artifact_mb` ({} MiB)",
                self.path.display(),
                self.max_bytes >> 20
            )));
        }
        Ok(VideoInfo {
            path: self.path.clone(),
            frames: counts.written,
            frames_received: counts.received,
            duration_ms: duration.as_millis() as u64,
        })
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // A recording abandoned mid-way (timed-out attempt): stop feeding ffmpeg; the child is
        // killed on drop (`kill_on_drop`).
        self.task.abort();
    }
}
