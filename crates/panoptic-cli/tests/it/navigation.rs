//! Navigation that never hangs: a busy browser may deliver lifecycle events late; panoptic
//! polls the new document instead of waiting on them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::panoptic_with;

/// Busy loops on every core while it lives.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn on_every_core() -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (0..cores)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                    }
                })
            })
            .collect();
        Load { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The navigation-heavy part of a suite with a busy loop on every core: over 100 navigations
/// (new documents, same-document hash changes, back and reload among them), not one fails.
#[test]
fn navigations_under_cpu_load_never_fail() {
    let mut yaml =
        String::from("name: stress\nsettings: { retries: 0, workers: 2, screenshot_on_failure: false }\napps:\n");
    for app in 0..4 {
        yaml.push_str(&format!(
            "  - name: \"nav {app}\"\n    url: \"${{FIXTURES}}/kitchen.html?app={app}\"\n    actions:\n"
        ));
        for i in 0..13 {
            yaml.push_str(&format!(
                "      - {{ type: navigate, url: \"${{FIXTURES}}/second.html?n={i}\" }}\n      - {{ type: navigate, url: \"${{FIXTURES}}/kitchen.html?n={i}#part{i}\" }}\n"
            ));
        }
        yaml.push_str("      - { type: navigate, url: \"#end\" }\n      - { type: back }\n      - { type: reload }\n      - { type: assert_url, contains: \"kitchen.html\" }\n");
    }
    let run = {
        let _load = Load::on_every_core();
        panoptic_with(&["run"], &yaml, &[], &[])
    };
    assert_eq!(run.code, 0, "{}", run.stderr);
    let results = run.results();
    let mut navigations = 0;
    for t in results["tests"].as_array().unwrap() {
        assert_eq!(t["status"], "passed", "{t}");
        for s in t["attempts"][0]["steps"].as_array().unwrap() {
            if ["navigate", "back", "reload"].contains(&s["action"].as_str().unwrap()) {
                assert_eq!(s["status"], "passed", "{s}");
                navigations += 1;
            }
        }
    }
    assert!(navigations >= 100, "{navigations} navigations");
}

/// A page that replaces its timers, listeners and `Promise` while an image keeps it loading:
/// navigation, reload and history still end once it has loaded (the wait for `load` in the
/// page is bounded outside it; a broken one only means the next poll decides).
#[test]
fn navigation_ends_on_a_page_that_breaks_timers_listeners_and_promises() {
    let yaml = "name: hostile\nsettings: { retries: 0, screenshot_on_failure: false, timeouts: { navigation: 10s } }\napps:\n  - name: hostile\n    url: \"${FIXTURES}/kitchen.html\"\n    actions:\n      - { type: navigate, url: \"${FIXTURES}/hostile-load.html\" }\n      - { type: assert_title, equals: Hostile load }\n      - { type: reload }\n      - { type: navigate, url: \"${FIXTURES}/kitchen.html\" }\n      - { type: back }\n      - { type: assert_text, selector: \"#title\", equals: Hostile load }\n      - { type: navigate, url: \"${FIXTURES}/hostile-load.html?promise=broken\" }\n      - { type: reload }\n      - { type: assert_title, equals: Hostile load }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[]);
    assert_eq!(run.code, 0, "{}\n{:#}", run.stderr, run.results()["tests"]);
}
