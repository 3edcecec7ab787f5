//! Sync, listing and retention against a `file://` bucket (the same code paths as S3; the
//! e2e tests run them against a real S3 server).

use std::path::Path;

use super::*;
use crate::time::unix_seconds;

fn output(dir: &Path, started_at: &str, name: &str, files: &[(&str, &[u8])]) {
    std::fs::create_dir_all(dir).unwrap();
    let results = serde_json::json!({ "run": { "name": name, "started_at": started_at } });
    std::fs::write(dir.join("results.json"), results.to_string()).unwrap();
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn bucket(dir: &Path) -> Bucket {
    Bucket::open(&format!("file://{}", dir.display())).unwrap()
}

#[tokio::test]
async fn a_second_sync_uploads_nothing_and_a_change_only_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    output(
        &out,
        "2026-11-28T03:15:02.123Z",
        "Checkout smoke",
        &[
            ("report.html", b"<html>"),
            ("screenshots/a/1.png", b"png"),
            ("videos/a/v.webm", &[7; 20_000]),
        ],
    );
    let b = bucket(&tmp.path().join("bucket"));
    let first = sync_run(&out, &b).await.unwrap();
    assert_eq!(first.run, "20261128T031502123Z-checkout-smoke");
    assert_eq!(
        first.uploaded,
        ["report.html", "results.json", "screenshots/a/1.png", "videos/a/v.webm"]
    );
    let manifest = b.manifest(&first.run).await.unwrap().expect("written last");
    assert_eq!(manifest.files.len(), 4);
    let video = manifest.files.iter().find(|f| f.path == "videos/a/v.webm").unwrap();
    assert_eq!(video.size, 20_000);
    let stored = std::fs::read(tmp.path().join("bucket/runs").join(&first.run).join("videos/a/v.webm")).unwrap();
    assert_eq!(sync::hex(&sha2::Sha256::digest(&stored)[..]), video.sha256);

    let second = sync_run(&out, &b).await.unwrap();
    assert!(second.uploaded.is_empty(), "{:?}", second.uploaded);
    assert_eq!(second.unchanged, 4);

    std::fs::write(out.join("report.html"), b"<html>changed").unwrap();
    let third = sync_run(&out, &b).await.unwrap();
    assert_eq!(third.uploaded, ["report.html"]);
    let listed = runs(&b).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].complete);
}

use sha2::Digest as _;

#[tokio::test]
async fn a_run_without_its_manifest_is_not_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("bucket");
    let partial = root.join("runs/20261101T000000Z-half");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("report.html"), b"x").unwrap();
    let listed = runs(&bucket(&root)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].complete, "objects without a manifest are a partial run");
}

#[tokio::test]
async fn retention_deletes_exactly_the_old_runs_then_the_oldest_past_the_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let b = bucket(&tmp.path().join("bucket"));
    let now = unix_seconds("2026-11-28T12:00:00Z").unwrap();
    for (i, started) in [
        "2026-10-01T00:00:00Z",
        "2026-10-29T11:00:00Z",
        "2026-10-29T13:00:00Z",
        "2026-11-20T00:00:00Z",
        "2026-11-27T00:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let out = tmp.path().join(format!("out{i}"));
        output(&out, started, &format!("run {i}"), &[("big.bin", &vec![1; 1000])]);
        sync_run(&out, &b).await.unwrap();
    }
    let names = |c: &Cleanup| c.deleted.iter().map(|(r, _)| r.run.clone()).collect::<Vec<_>>();
    // Dry run: lists, deletes nothing.
    let dry = cleanup(&b, now, Some(30), None, true).await.unwrap();
    assert_eq!(
        names(&dry),
        ["20261001T000000Z-run-0", "20261029T110000Z-run-1"],
        "older than 30 days, not the one 29.96 days old"
    );
    assert_eq!(runs(&b).await.unwrap().len(), 5);
    let done = cleanup(&b, now, Some(30), None, false).await.unwrap();
    assert_eq!(names(&done), names(&dry));
    let left: Vec<String> = runs(&b).await.unwrap().into_iter().map(|r| r.run).collect();
    assert_eq!(
        left,
        [
            "20261029T130000Z-run-2",
            "20261120T000000Z-run-3",
            "20261127T000000Z-run-4"
        ]
    );
    // Each run is ~1.1 kB (its file and results.json): a cap of two runs deletes the oldest.
    let per_run = runs(&b).await.unwrap()[0].bytes;
    let capped = cleanup(&b, now, None, Some(2 * per_run), false).await.unwrap();
    assert_eq!(names(&capped), ["20261029T130000Z-run-2"]);
    assert_eq!(capped.kept, 2);
}

#[test]
fn rfc3339_times_read_with_offsets_and_fractions() {
    assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(unix_seconds("2026-11-28T03:15:02.123Z"), Some(1_795_835_702));
    assert_eq!(unix_seconds("2026-11-28T04:15:02+01:00"), Some(1_795_835_702));
    assert_eq!(unix_seconds("2000-02-29T00:00:00Z"), Some(951_782_400));
    assert_eq!(unix_seconds("yesterday"), None);
    assert_eq!(unix_seconds("2026-13-01T00:00:00Z"), None);
}

#[test]
fn bad_urls_and_missing_credentials_say_what_to_do() {
    let e = Bucket::open("ftp://host/x").unwrap_err().to_string();
    assert!(e.contains("use s3://, gs://, az:// or file://"), "{e}");
    let e = Bucket::open("not a url").unwrap_err().to_string();
    assert!(e.contains("not a URL"), "{e}");
}
