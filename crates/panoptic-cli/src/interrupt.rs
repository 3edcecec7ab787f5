//! Ctrl-C and SIGTERM for the commands that drive a browser: the first asks for a graceful stop
//! (what ran is kept and reported), a second one ends the process at once — browsers and
//! ffmpeg killed, their folders removed, exit 130 — for when the graceful stop is not wanted.

/// Ctrl-C and SIGTERM, listened to from the moment this is made (the default action, which
/// would end the process and leave the browser's folders behind, is off from then on).
pub(crate) struct Interrupt {
    int: Option<tokio::signal::unix::Signal>,
    term: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    pub(crate) fn new() -> Interrupt {
        use tokio::signal::unix::{SignalKind, signal};
        Interrupt {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
        }
    }

    /// Returns when either signal arrives (never when neither could be listened to).
    pub(crate) async fn wait(&mut self) {
        let int = async {
            match self.int.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        let term = async {
            match self.term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = int => {}
            () = term => {}
        }
    }
}

/// The second signal: say so and end the process at once, cleanly.
pub(crate) fn force_exit() -> ! {
    crate::say("interrupted again: stopping now; reports are not written (results.jsonl has the tests that finished)");
    panoptic_browser_pool::process::force_exit(i32::from(crate::exit::INTERRUPTED))
}
