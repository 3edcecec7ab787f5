//! Frames re-timed to a steady rate: Chromium's screencast sends a frame only when the page
//! repaints; the video needs `fps` frames a second. Written to any `AsyncWrite` (ffmpeg's stdin
//! in a recording, a buffer in the tests).

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub(crate) received: u64,
    pub(crate) written: u64,
}

/// Re-times frames: a frame with CDP timestamp `ts` is shown from `ts` until the next one. The
/// video spans the whole recording: from `start` (the first frame is shown from then on, however
/// late it arrives — Chromium may take a while to paint under load) to the stop.
pub(crate) struct Retimer {
    fps: f64,
    start: Instant,
    /// CDP timestamp that corresponds to `start`.
    origin_ts: Option<f64>,
    last: Option<Vec<u8>>,
    pub(crate) counts: Counts,
}

impl Retimer {
    /// A re-timer for a video of `fps` frames per second that started at `start`.
    pub(crate) fn new(fps: f64, start: Instant) -> Retimer {
        Retimer {
            fps,
            start,
            origin_ts: None,
            last: None,
            counts: Counts::default(),
        }
    }

    async fn emit_until<W: AsyncWrite + Unpin>(&mut self, out: &mut W, frames: u64) -> std::io::Result<()> {
        if let Some(last) = &self.last {
            while self.counts.written < frames {
                out.write_all(last).await?;
                self.counts.written += 1;
            }
        }
        Ok(())
    }

    /// One frame, with its CDP timestamp (seconds) when Chromium gave one.
    pub(crate) async fn push<W: AsyncWrite + Unpin>(
        &mut self,
        out: &mut W,
        ts: Option<f64>,
        frame: Vec<u8>,
    ) -> std::io::Result<()> {
        self.counts.received += 1;
        let since_start = Instant::now().duration_since(self.start).as_secs_f64();
        let ts = ts.unwrap_or(since_start);
        let origin = *self.origin_ts.get_or_insert(ts - since_start);
        if self.last.is_none() {
            // The time before the first frame shows the first frame.
            self.last = Some(frame.clone());
        }
        let due = ((ts - origin).max(0.0) * self.fps).floor() as u64;
        self.emit_until(out, due).await?;
        self.last = Some(frame);
        Ok(())
    }

    /// Shows the last frame until `end` (wall clock).
    pub(crate) async fn finish<W: AsyncWrite + Unpin>(&mut self, out: &mut W, end: Instant) -> std::io::Result<()> {
        let due = (end.duration_since(self.start).as_secs_f64() * self.fps)
            .ceil()
            .max(1.0) as u64;
        self.emit_until(out, due).await
    }
}

#[cfg(test)]
mod tests;
