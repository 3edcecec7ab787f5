//! Video recording: codecs, durations and frame counts checked with ffprobe, the video modes,
//! parallel recordings of different pages, a missing ffmpeg, and `panoptic record`.

use std::path::Path;

use crate::support::{command, fixtures, panoptic_with, run_yaml};

#[expect(
    clippy::disallowed_methods,
    reason = "the test inspects videos with ffprobe/ffmpeg, as a user would"
)]
fn tool(name: &str) -> std::process::Command {
    std::process::Command::new(name)
}

/// (codec, duration in seconds, frames) of the first video stream.
fn probe(path: &Path) -> (String, f64, u64) {
    let out = tool("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,nb_read_frames:format=duration",
            "-of",
            "default=nw=1",
        ])
        .arg(path)
        .output()
        .expect("ffprobe (cargo xtask setup installs ffmpeg)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or("")
            .to_owned()
    };
    (
        get("codec_name"),
        get("duration").parse().unwrap_or(0.0),
        get("nb_read_frames").parse().unwrap_or(0),
    )
}

/// The average colour of the frame at `at` seconds.
fn colour_at(path: &Path, at: f64) -> [u8; 3] {
    colour_in(path, at, "scale=1:1")
}

/// The average colour of one region (`crop=W:H:X:Y,scale=1:1`) of the frame at `at` seconds
/// (of a video or an image).
fn colour_in(path: &Path, at: f64, filter: &str) -> [u8; 3] {
    let mut cmd = tool("ffmpeg");
    cmd.args(["-v", "error"]);
    // An image has one frame at 0: seeking to it yields none.
    if at > 0.0 {
        cmd.args(["-ss", &at.to_string()]);
    }
    let out = cmd
        .arg("-i")
        .arg(path)
        .args([
            "-frames:v",
            "1",
            "-vf",
            filter,
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        out.stdout.len() >= 3,
        "no frame at {at}s of {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    [out.stdout[0], out.stdout[1], out.stdout[2]]
}

/// Password fields are masked in every video frame (also of a document loaded mid-recording)
/// and so in every step thumbnail, and in every automatic screenshot (after each step, on a
/// failure) — the same solid box — while a plain field with the same text is not.
#[test]
fn videos_and_thumbnails_mask_password_fields() {
    let yaml = "name: mask\nsettings: { retries: 0, screenshot_every_step: true, timeouts: { expect: 200ms }, video: { mode: on, fps: 10 } }\napps:\n  - name: A\n    url: \"${FIXTURES}/masked.html\"\n    actions:\n      - { type: fill, selector: \"#pw\", value: \"hunter2hunter2\" }\n      - { type: fill, selector: \"#plain\", value: \"hunter2hunter2\" }\n      - { type: navigate, url: \"${FIXTURES}/masked.html?again\" }\n      - { type: fill, selector: \"#pw\", value: \"hunter2hunter2\" }\n      - { type: wait, wait_time: 1s }\n      - { type: assert_title, equals: \"not this one\" }\n";
    let run = run_yaml(yaml);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let attempt = &run.test("A")["attempts"][0];
    let video = run.out().join(attempt["video"].as_str().expect("a video"));
    let magenta = |c: [u8; 3]| c[0] > 200 && c[1] < 90 && c[2] > 200;
    // Frames are 800×450 (the 1280×720 viewport scaled by 0.625): the fields at (100, 100) and
    // (100, 300), 300×60, are at (62, 62) and (62, 187), 187×37.
    let password = "crop=150:25:70:68,scale=1:1";
    let plain = "crop=150:25:70:193,scale=1:1";
    // A third field, in a web component's shadow root (attached 150 ms after load), at (100, 500).
    let shadowed = "crop=150:25:70:318,scale=1:1";
    // The last frame: a document loaded after the recording started is masked too.
    let (_, duration, _) = probe(&video);
    let end = colour_in(&video, duration - 0.3, password);
    assert!(magenta(end), "password field at the end: {end:?}");
    let thumb = attempt["steps"][2]["thumbnail"]
        .as_str()
        .expect("a thumbnail after the second fill");
    let thumb = run.out().join(thumb);
    let covered = colour_in(&thumb, 0.0, password);
    assert!(magenta(covered), "password field in the thumbnail: {covered:?}");
    // The component renders 150 ms after load: the thumbnail after the 1 s wait shows it.
    let later = run.out().join(
        attempt["steps"][5]["thumbnail"]
            .as_str()
            .expect("a thumbnail after the wait"),
    );
    let inner = colour_in(&later, 0.0, shadowed);
    assert!(
        magenta(inner),
        "password field in a shadow root, in the thumbnail: {inner:?}"
    );
    let inner = colour_in(&video, duration - 0.3, shadowed);
    assert!(magenta(inner), "password field in a shadow root, at the end: {inner:?}");
    let open = colour_in(&thumb, 0.0, plain);
    assert!(
        !magenta(open) && open[0] > 150,
        "the plain field is not masked: {open:?}"
    );
    // Automatic screenshots — after every step, and on the failure — cover it as well.
    // Screenshots are full size.
    for (step, what) in [(2, "after the second fill"), (6, "of the failure")] {
        let shot = attempt["steps"][step]["screenshots"][0].as_str().expect("a screenshot");
        let c = colour_in(&run.out().join(shot), 0.0, "crop=280:50:110:105,scale=1:1");
        assert!(magenta(c), "password field in the screenshot {what}: {c:?}");
    }
}

/// Screenshots cover password fields inside frames too — a same-origin one and one of another
/// site — each box in its own frame's document, and take every box away afterwards.
#[test]
fn screenshots_mask_password_fields_inside_frames() {
    let yaml = "name: mask\nsettings: { retries: 0, screenshot_on_failure: false }\napps:\n  - name: A\n    url: \"${FIXTURES}/masked-frames.html\"\n    actions:\n      - { type: fill, selector: \"frame=#same >> #pw\", value: \"hunter2hunter2\" }\n      - { type: fill, selector: \"frame=#other >> #pw\", value: \"hunter2hunter2\" }\n      - { type: screenshot, parameters: { filename: f.png } }\n      - { type: assert_count, selector: \"frame=#same >> .__panoptic_mask\", count: 0 }\n      - { type: assert_count, selector: \"frame=#other >> .__panoptic_mask\", count: 0 }\n";
    let run = run_yaml(yaml);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let attempt = &run.test("A")["attempts"][0];
    let shot = run
        .out()
        .join(attempt["steps"][3]["screenshots"][0].as_str().expect("a screenshot"));
    let magenta = |c: [u8; 3]| c[0] > 200 && c[1] < 90 && c[2] > 200;
    // The fields: the frames' content at (50, 50) and (50, 250), the field at (20, 20) in it.
    for (frame, crop) in [
        ("same-origin", "crop=200:30:100:85,scale=1:1"),
        ("other site", "crop=200:30:100:285,scale=1:1"),
    ] {
        let c = colour_in(&shot, 0.0, crop);
        assert!(magenta(c), "password field in the {frame} frame: {c:?}");
    }
    let outside = colour_in(&shot, 0.0, "crop=200:30:500:400,scale=1:1");
    assert!(!magenta(outside), "only the fields: {outside:?}");
}

fn record_config(format: &str) -> String {
    format!(
        "name: rec\nsettings: {{ video_format: {format}, video: {{ mode: off, fps: 10 }} }}\napps:\n  - {{ name: clip, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: record, duration: 3 }}] }}\n"
    )
}

#[test]
fn a_3s_record_is_a_3s_video_in_webm_and_mp4() {
    for (format, codec) in [("webm", "vp8"), ("mp4", "h264")] {
        let run = run_yaml(&record_config(format));
        run.assert_all_passed();
        let video = run.test("clip")["attempts"][0]["video"]
            .as_str()
            .unwrap_or_else(|| panic!("no video: {}", run.stderr))
            .to_owned();
        assert!(video.ends_with(&format!(".{format}")), "{video}");
        let (c, duration, frames) = probe(&run.out().join(&video));
        assert_eq!(c, codec);
        assert!((2.55..=3.45).contains(&duration), "{format}: {duration}s");
        assert!(frames >= 15, "{format}: only {frames} frames");
    }
}

#[test]
fn video_modes_keep_what_they_promise() {
    let two = |mode: &str| {
        format!(
            "name: modes\nsettings: {{ retries: 0, workers: 2, video: {{ mode: {mode} }}, timeouts: {{ expect: 300ms }} }}\napps:\n  - {{ name: good, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: assert_visible, selector: '#title' }}] }}\n  - {{ name: bad, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: assert_visible, selector: '#nope' }}] }}\n"
        )
    };
    let video = |run: &crate::support::Run, t: &str| run.test(t)["attempts"][0]["video"].as_str().map(str::to_owned);
    let retain = run_yaml(&two("retain-on-failure"));
    assert_eq!(video(&retain, "good"), None);
    let bad = video(&retain, "bad").expect("failing attempt keeps its video");
    assert!(retain.out().join(&bad).is_file());
    assert!(
        !retain.out().join("videos/good").exists(),
        "passing attempt's video was not deleted"
    );
    assert!(retain.read("report.html").contains(&format!("src=\"{bad}\"")));
    let thumbs = &retain.test("bad")["attempts"][0]["steps"];
    assert!(
        thumbs[0]["thumbnail"]
            .as_str()
            .is_some_and(|t| retain.out().join(t).is_file()),
        "{thumbs}"
    );
    let on = run_yaml(&two("on"));
    assert!(video(&on, "good").is_some() && video(&on, "bad").is_some());
    let off = run_yaml(&two("off"));
    assert!(video(&off, "good").is_none() && video(&off, "bad").is_none());
    assert!(!off.out().join("videos").exists());
}

#[test]
fn parallel_recordings_show_their_own_pages() {
    let yaml = "name: colours\nsettings: { workers: 2, video: { mode: on } }\napps:\n  - { name: red, url: \"${FIXTURES}/color.html#red\", actions: [{ type: wait, wait_time: 2 }] }\n  - { name: blue, url: \"${FIXTURES}/color.html#blue\", actions: [{ type: wait, wait_time: 2 }] }\n";
    let run = run_yaml(yaml);
    run.assert_all_passed();
    // Both attempts overlapped in time.
    let r = run.results();
    assert_eq!(r["run"]["workers"], 2);
    for (name, channel) in [("red", 0), ("blue", 2)] {
        let video = run.out().join(run.test(name)["attempts"][0]["video"].as_str().unwrap());
        // The video starts before the page opens (white at first, for a second or more under
        // load, e.g. instrumented for coverage): sample the last second, inside the 2 s wait.
        let (_, duration, _) = probe(&video);
        for at in [duration - 1.0, duration - 0.3] {
            let c = colour_at(&video, at);
            assert!(
                c[channel] > 180 && c.iter().enumerate().all(|(i, v)| i == channel || *v < 80),
                "{name} at {at}s: {c:?}"
            );
        }
    }
}

#[test]
fn missing_ffmpeg_fails_the_record_step_with_the_install_command() {
    // A PATH with everything of /usr/bin except ffmpeg.
    let bin = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir("/usr/bin").unwrap().flatten() {
        let name = e.file_name();
        if name != "ffmpeg" {
            let _ = std::os::unix::fs::symlink(e.path(), bin.path().join(&name));
        }
    }
    let yaml = "name: noff\nsettings: { retries: 0 }\napps:\n  - name: A\n    url: \"${FIXTURES}/kitchen.html\"\n    actions:\n      - { name: clip, type: record, duration: 1, optional: true }\n      - { type: assert_visible, selector: '#title' }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[("PATH", bin.path().to_str().unwrap())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let steps = &run.test("A")["attempts"][0]["steps"];
    let msg = steps[1]["error"]["message"].as_str().unwrap();
    assert!(msg.contains("apt-get install ffmpeg"), "{msg}");
    assert_eq!(steps[1]["name"], "clip");
    assert_eq!(steps[2]["status"], "passed");
    assert!(!run.out().join("videos").exists(), "a placeholder video was written");
}

#[test]
fn panoptic_record_records_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.webm");
    let r = command()
        .args([
            "record",
            &format!("{}/color.html#green", fixtures()),
            "--duration",
            "2s",
            "--fps",
            "8",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let (codec, duration, frames) = probe(&out);
    assert_eq!(codec, "vp8");
    assert!((1.7..=2.3).contains(&duration), "{duration}");
    assert!(frames >= 8, "{frames}");
    assert!(colour_at(&out, 1.0)[1] > 100);
    let bad = command()
        .args(["record", "file:///etc/passwd", "-o"])
        .arg(dir.path().join("x.webm"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// Ctrl-C during `panoptic record` ends the recording early, keeps the video so far, exits 130
/// and leaves no browser folder behind (it used to leave the profile in `$TMPDIR`).
#[test]
fn ctrl_c_during_record_keeps_the_video_and_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.webm");
    let mut child = crate::support::Reaped(
        command()
            .args([
                "record",
                &format!("{}/color.html#green", fixtures()),
                "--duration",
                "60s",
                "-o",
            ])
            .arg(&out)
            .env("TMPDIR", tmp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let browser_dirs = || crate::support::browser_dirs(tmp.path());
    let started = std::time::Instant::now();
    while browser_dirs() == 0 && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(browser_dirs(), 1, "the browser did not start under TMPDIR");
    // Let the recording run a moment, then interrupt it.
    std::thread::sleep(std::time::Duration::from_secs(3));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.0.id() as i32, libc::SIGINT) };
    let status = crate::support::wait_exit(&mut child.0, std::time::Duration::from_secs(30))
        .expect("record did not stop after Ctrl-C");
    assert_eq!(status.code(), Some(130));
    assert_eq!(browser_dirs(), 0, "a browser folder was left in TMPDIR");
    let (_, duration, _) = probe(&out);
    assert!(duration > 0.5 && duration < 30.0, "{duration}");
}
