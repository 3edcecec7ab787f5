//! `assert_screenshot` in real Chromium: a missing baseline is written and fails until
//! reviewed; the same page passes although it spins, fades, ticks a masked clock and shows a
//! caret; a 20×20 block fails with expected/actual/diff images; limits let it pass;
//! `--update-snapshots` rewrites only the baselines that changed.

use std::path::Path;

use serde_json::Value;
const YAML: &str = r##"name: visual
settings: { retries: 0, screenshot_on_failure: false, timeouts: { expect: 3s } }
apps:
  - name: page
    url: "${FIXTURES}/visual.html?${MODE}"
    actions:
      - { type: assert_screenshot, name: whole, mask: ["#clock"] }
  - name: element
    url: "${FIXTURES}/visual.html?${MODE}"
    actions:
      - { type: assert_screenshot, name: spinner, selector: "#spinner" }
  - name: tolerant
    url: "${FIXTURES}/visual.html?${MODE}"
    actions:
      - { type: assert_screenshot, name: whole, mask: ["#clock"], max_diff_pixels: 400 }
"##;

fn run(dir: &Path, mode: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["run", "config.yaml", "--output", "out"];
    args.extend_from_slice(extra);
    let out = crate::support::command()
        .args(&args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("FIXTURES", crate::support::fixtures())
        .env("MODE", mode)
        .output()
        .expect("run panoptic");
    let results = std::fs::read_to_string(dir.join("out/results.json")).unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(&results).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn step(results: &Value, test: &str, index: usize) -> Value {
    results["tests"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == test))
        .map(|t| t["attempts"][0]["steps"][index].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn screenshots_compare_with_baselines_that_are_reviewed_and_updated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("config.yaml"), YAML).unwrap();
    let snaps = dir.join("config.yaml-snapshots");
    let whole = snaps.join("page/whole.png");
    let spinner = snaps.join("element/spinner.png");

    // 1. No baselines: written, and the steps fail until someone reviews them.
    let (code, r, err) = run(dir, "same", &[]);
    assert_eq!(code, 1, "{err}");
    let msg = step(&r, "page", 1)["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(msg.contains("written, review it"), "{msg}");
    assert!(whole.is_file() && spinner.is_file(), "{err}");
    let (w, h) = crate::support::png_size(&whole);
    assert!(w >= 800 && h >= 600, "the viewport: {w}×{h}");
    assert!(crate::support::png_size(&spinner).0 < 100, "the element only");

    // 2. The same page again: spinning, fading, a ticking (masked) clock and a caret do not
    //    make it differ.
    for _ in 0..2 {
        let (code, r, err) = run(dir, "same", &[]);
        assert_eq!(code, 0, "{:#}\n{err}", r["tests"]);
    }

    // 3. A 20×20 block: the page fails with the three images; the element is unchanged.
    let (code, r, err) = run(dir, "changed", &[]);
    assert_eq!(code, 1, "{err}");
    let s = step(&r, "page", 1);
    let msg = s["error"]["message"].as_str().unwrap_or("").to_owned();
    assert!(msg.contains("pixels differ"), "{s:#}");
    let pixels = s["output"]["diff_pixels"].as_u64().unwrap();
    assert!(
        (300..=500).contains(&pixels),
        "about the 400 pixels of the block: {s:#}"
    );
    let images: Vec<String> = s["screenshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    for suffix in ["whole-expected.png", "whole-actual.png", "whole-diff.png"] {
        let found = images
            .iter()
            .find(|i| i.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} in {images:?}"));
        assert!(dir.join("out").join(found).is_file(), "{found}");
    }
    assert_eq!(
        step(&r, "element", 1)["status"],
        "passed",
        "{:#}",
        step(&r, "element", 1)
    );
    assert_eq!(
        step(&r, "tolerant", 1)["status"],
        "passed",
        "max_diff_pixels: 400 lets it pass"
    );
    let report = std::fs::read_to_string(dir.join("out/report.html")).unwrap();
    assert!(
        report.contains("whole-diff.png") && report.contains("visual-compare"),
        "the report shows the comparison"
    );

    // 4. --update-snapshots rewrites the baseline that changed, not the one that did not.
    let before_spinner = (
        std::fs::read(&spinner).unwrap(),
        std::fs::metadata(&spinner).unwrap().modified().unwrap(),
    );
    let before_whole = std::fs::read(&whole).unwrap();
    let (code, r, err) = run(dir, "changed", &["--update-snapshots"]);
    assert_eq!(code, 0, "{:#}\n{err}", r["tests"]);
    assert_eq!(step(&r, "page", 1)["output"]["result"], "updated");
    assert_eq!(step(&r, "element", 1)["output"]["result"], "matched");
    assert_ne!(
        std::fs::read(&whole).unwrap(),
        before_whole,
        "the changed baseline is rewritten"
    );
    assert_eq!(
        (
            std::fs::read(&spinner).unwrap(),
            std::fs::metadata(&spinner).unwrap().modified().unwrap()
        ),
        before_spinner,
        "an unchanged baseline is left alone"
    );
    let (code, r, err) = run(dir, "changed", &[]);
    assert_eq!(code, 0, "the new baseline holds: {:#}\n{err}", r["tests"]);
}
