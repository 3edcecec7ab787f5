//! The re-timer on tokio's paused clock, writing into a buffer: frames repeat until the next
//! one is due, the first frame fills the time before it, the last one lasts to the stop.

use std::time::Duration;

use tokio::time::Instant;

use super::Retimer;

/// Frames are one letter each, so the output spells which frame filled which slot.
async fn video(fps: f64, frames: &[(f64, u8)], end_s: f64) -> (String, u64, u64) {
    let start = Instant::now();
    let mut re = Retimer::new(fps, start);
    let mut out: Vec<u8> = Vec::new();
    for (ts, frame) in frames {
        re.push(&mut out, Some(*ts), vec![*frame]).await.unwrap();
    }
    re.finish(&mut out, start + Duration::from_secs_f64(end_s))
        .await
        .unwrap();
    (String::from_utf8(out).unwrap(), re.counts.written, re.counts.received)
}

#[tokio::test(start_paused = true)]
async fn frames_repeat_until_the_next_one_is_due() {
    // CDP timestamps are seconds on Chromium's clock: only their differences matter.
    let (v, written, received) = video(10.0, &[(500.0, b'A'), (500.5, b'B')], 1.0).await;
    assert_eq!(v, "AAAAABBBBB");
    assert_eq!((written, received), (10, 2));
}

#[tokio::test(start_paused = true)]
async fn a_static_page_is_one_frame_for_the_whole_recording() {
    let (v, ..) = video(4.0, &[(7.0, b'S')], 3.0).await;
    assert_eq!(v, "S".repeat(12));
}

#[tokio::test(start_paused = true)]
async fn the_first_frame_fills_the_time_before_it_arrives() {
    let start = Instant::now();
    let mut re = Retimer::new(10.0, start);
    let mut out: Vec<u8> = Vec::new();
    // Chromium painted 300 ms after the recording started.
    tokio::time::sleep(Duration::from_millis(300)).await;
    re.push(&mut out, Some(100.0), b"A".to_vec()).await.unwrap();
    re.push(&mut out, Some(100.2), b"B".to_vec()).await.unwrap();
    re.finish(&mut out, start + Duration::from_millis(800)).await.unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "AAAAABBB");
}

#[tokio::test(start_paused = true)]
async fn no_frame_writes_nothing_and_late_timestamps_never_go_back() {
    let (v, written, _) = video(10.0, &[], 1.0).await;
    assert_eq!((v.as_str(), written), ("", 0));
    // A frame stamped before the previous one is shown from now on, not inserted earlier.
    let (v, ..) = video(10.0, &[(10.0, b'A'), (10.3, b'B'), (10.1, b'C')], 0.5).await;
    assert_eq!(v, "AAACC");
}

#[tokio::test(start_paused = true)]
async fn a_failing_writer_is_an_error() {
    struct Broken;
    impl tokio::io::AsyncWrite for Broken {
        fn poll_write(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            _: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            std::task::Poll::Ready(Err(std::io::Error::other("pipe closed")))
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn poll_shutdown(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }
    let mut re = Retimer::new(10.0, Instant::now());
    re.push(&mut Broken, Some(0.0), b"A".to_vec()).await.unwrap();
    let err = re
        .finish(&mut Broken, Instant::now() + Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pipe closed"));
}
