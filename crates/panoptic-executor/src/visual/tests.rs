//! Comparisons under thresholds and limits, on images made here.

use std::path::Path;

use panoptic_core::config::ScreenshotCheck;

use super::*;

fn check(threshold: f64, max_diff_pixels: Option<u64>, max_diff_ratio: Option<f64>) -> ScreenshotCheck {
    ScreenshotCheck {
        name: None,
        selector: None,
        full_page: false,
        mask: Vec::new(),
        threshold,
        max_diff_pixels,
        max_diff_ratio,
    }
}

/// A 40×40 white image with a `side`-pixel square of `colour` at (10, 10).
fn image(side: u32, colour: [u8; 3]) -> Rgba {
    let mut img = Rgba::new(40, 40);
    for y in 0..40 {
        for x in 0..40 {
            let inside = (10..10 + side).contains(&x) && (10..10 + side).contains(&y);
            let [r, g, b] = if inside { colour } else { [255, 255, 255] };
            let i = ((y * 40 + x) * 4) as usize;
            img.data[i..i + 4].copy_from_slice(&[r, g, b, 255]);
        }
    }
    img
}

fn differing(c: &Compared) -> Option<u64> {
    match c {
        Compared::Same => None,
        Compared::Differs { pixels, .. } => Some(*pixels),
        Compared::Size { .. } => Some(u64::MAX),
    }
}

#[test]
fn thresholds_and_limits_behave_as_documented() {
    let base = image(0, [0, 0, 0]);
    let block = image(10, [0, 0, 0]); // 100 black pixels on white
    let faint = image(10, [250, 250, 250]); // barely off-white
    let grey = image(10, [200, 200, 200]);
    // (case, expected, actual, check, differing pixels or None for a pass)
    let cases: Vec<(&str, &Rgba, &Rgba, ScreenshotCheck, Option<u64>)> = vec![
        ("identical", &base, &base, check(0.2, None, None), None),
        (
            "a 10×10 block, defaults",
            &base,
            &block,
            check(0.2, None, None),
            Some(100),
        ),
        (
            "a faint block under the default threshold",
            &base,
            &faint,
            check(0.2, None, None),
            None,
        ),
        (
            "the faint block at threshold 0",
            &base,
            &faint,
            check(0.0, None, None),
            Some(100),
        ),
        (
            "grey under a loose threshold",
            &base,
            &grey,
            check(0.5, None, None),
            None,
        ),
        (
            "grey under the default threshold",
            &base,
            &grey,
            check(0.2, None, None),
            Some(100),
        ),
        (
            "max_diff_pixels 100 allows the block",
            &base,
            &block,
            check(0.2, Some(100), None),
            None,
        ),
        (
            "max_diff_pixels 99 does not",
            &base,
            &block,
            check(0.2, Some(99), None),
            Some(100),
        ),
        (
            "max_diff_ratio 0.07 allows 112 of 1600",
            &base,
            &block,
            check(0.2, None, Some(0.07)),
            None,
        ),
        (
            "max_diff_ratio 0.05 allows 80 of 1600",
            &base,
            &block,
            check(0.2, None, Some(0.05)),
            Some(100),
        ),
        (
            "the larger limit wins",
            &base,
            &block,
            check(0.2, Some(10), Some(0.07)),
            None,
        ),
    ];
    for (case, expected, actual, c, want) in cases {
        let got = compare(expected, actual, &c).unwrap();
        assert_eq!(differing(&got), want, "{case}");
    }
    let small = Rgba::new(20, 40);
    assert!(matches!(
        compare(&base, &small, &check(0.2, None, None)).unwrap(),
        Compared::Size {
            expected: (40, 40),
            actual: (20, 40)
        }
    ));
}

#[test]
fn the_diff_image_marks_the_changed_pixels() {
    let Compared::Differs { diff, ratio, .. } =
        compare(&image(0, [0, 0, 0]), &image(10, [0, 0, 0]), &check(0.2, None, None)).unwrap()
    else {
        panic!("the block must differ");
    };
    assert!((ratio - 100.0 / 1600.0).abs() < 1e-9);
    let px = |x: u32, y: u32| {
        let i = ((y * 40 + x) * 4) as usize;
        [diff.data[i], diff.data[i + 1], diff.data[i + 2]]
    };
    assert_eq!(px(15, 15), [255, 0, 0], "a changed pixel is red");
    assert_ne!(px(35, 35), [255, 0, 0], "an unchanged one is not");
}

#[test]
fn png_round_trips_and_baselines_sit_beside_the_config() {
    let img = image(10, [10, 20, 30]);
    let back = decode(&encode(&img).unwrap()).unwrap();
    assert_eq!((back.width, back.height), (40, 40));
    assert_eq!(back.data, img.data);
    assert!(decode(b"not a png").err().is_some_and(|e| e.contains("not a PNG")));
    assert_eq!(
        baseline_path(Path::new("suite/checks.yaml"), "Home page", "hero"),
        Path::new("suite/checks.yaml-snapshots/home-page/hero.png")
    );
    assert_eq!(
        baseline_path(Path::new("checks.yaml"), "A", "x"),
        Path::new("./checks.yaml-snapshots/a/x.png")
    );
}
