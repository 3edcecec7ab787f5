//! A mutation fuzzer on the stable toolchain (`cargo fuzz` needs nightly, which these machines
//! cannot fetch): seeds are mutated (bit flips, random bytes, dictionary tokens, deletions,
//! duplications, splices) and fed to the parsers that take untrusted text — configs, locators,
//! durations, templates, the URL policy. A panic or a call slower than a second is a finding.
//! Not coverage-guided: it finds what random structure-aware mutation of real inputs finds.

use std::path::Path;
use std::time::{Duration, Instant};

use panoptic_core::config::{Allow, Lookup, absolute_url_allowed, load_str, url_allowed};
use panoptic_core::duration::parse_duration;
use panoptic_core::locator::Locator;
use panoptic_core::template;

/// What a target parses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A whole config file.
    Config,
    /// A locator (`role=button[name='Go'] >> text=x`).
    Locator,
    /// A duration (`250ms`).
    Duration,
    /// `${…}` references and their expansion.
    Template,
    /// The URL policy.
    Url,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 5] = [
        Target::Config,
        Target::Locator,
        Target::Duration,
        Target::Template,
        Target::Url,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::Config => "config",
            Target::Locator => "locator",
            Target::Duration => "duration",
            Target::Template => "template",
            Target::Url => "url",
        }
    }

    fn seeds(self) -> Vec<Vec<u8>> {
        let texts: &[&str] = match self {
            Target::Config => &[
                "name: x\nsettings: { retries: 1, timeouts: { action: 2s }, video: { mode: on } }\napps:\n  - name: A\n    url: http://127.0.0.1:1/\n    actions:\n      - { type: click, selector: 'role=button[name=\"Go\"]' }\n      - { type: assert_text, selector: '#m', contains: hi }\n      - { type: screenshot, parameters: { filename: a.png, mask: ['#x'] } }\n",
                "base: &b { type: fill, selector: a, value: '${USER}' }\napps: [{ name: A, url: 'http://h/' }]\nactions: [*b, { <<: *b, value: x }, { type: wait, wait_time: 1.5 }]\n",
                "apps: [{ name: A }]\nactions:\n  - type: navigate\n    url: /x\n  - { type: eval, script: 'return 1', save_as: v }\n",
            ],
            Target::Locator => &[
                "role=button[name='Sign in']",
                "text=\"Exact\" >> css=div.a > span:nth-child(2)",
                "xpath=//li[2]",
                "label=Email >> placeholder=you@x",
                "testid=save",
            ],
            Target::Duration => &["250ms", "1.5s", "2m", " 3 h ", "0.001"],
            Target::Template => &["${USER} and ${secret:PW}", "$${literal} ${A}${B}", "x${"],
            Target::Url => &[
                "http://user:pw@good.example:8080/a?b#c",
                "java\tscript:alert(1)",
                "http://evil\\@good.example/",
                "/relative/../x?y",
                "file:///etc/passwd",
            ],
        };
        texts.iter().map(|t| t.as_bytes().to_vec()).collect()
    }

    /// Runs the target on one input.
    fn run(self, input: &[u8]) {
        let text = String::from_utf8_lossy(input);
        match self {
            Target::Config => {
                let mut loaded = load_str(&text, Path::new("fuzz.yaml"), &AnyEnv);
                panoptic_security::policy::refuse_browser_code(&mut loaded, Path::new("fuzz.yaml"));
            }
            Target::Locator => {
                let _ = Locator::parse(&text);
            }
            Target::Duration => {
                let _ = parse_duration(&text);
            }
            Target::Template => {
                let _ = template::references(&text);
                let _ = template::expand(&text, |_| Some("v".into()));
            }
            Target::Url => {
                let hosts = Allow {
                    hosts: vec!["good.example".into(), "*.example".into()],
                    ..Allow::default()
                };
                let _ = url_allowed(&text, &Allow::default());
                let _ = absolute_url_allowed(&text, &hosts);
                // The run-time guard, as the browser asks it: navigations and resources.
                use panoptic_core::page::RequestGuard as _;
                let guard = panoptic_security::UrlGuard::new(&hosts);
                let _ = guard.refuse(&text, true);
                let _ = guard.refuse(&text, false);
            }
        }
    }
}

struct AnyEnv;

impl Lookup for AnyEnv {
    fn var(&self, _: &str) -> Option<String> {
        Some("value".into())
    }
    fn secret(&self, _: &str) -> Option<String> {
        Some("secret".into())
    }
}

/// Tokens the mutator inserts: the syntax the parsers care about.
const DICTIONARY: &[&str] = &[
    ":",
    " ",
    "\n",
    "  ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    "\"",
    "&a",
    "*a",
    "<<: ",
    "!!str ",
    "---\n",
    "#",
    "|\n",
    "${",
    "}",
    "$${",
    "secret:",
    ">>",
    "=",
    "role=",
    "text=",
    "xpath=//",
    "[name='",
    "']",
    "://",
    "@",
    "\\",
    "%2F",
    "\t",
    "\u{0}",
    "\u{1b}",
    "é",
    "😀",
    "ms",
    "s",
    "1e309",
    "-1",
    "999999999999999999999",
    "type: ",
    "selector: ",
    "actions: ",
    "apps: ",
    "settings: ",
    "url: ",
];

/// xorshift64*: fast, reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 | 3 => {
                let token = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                let at = rng.below(len + 1);
                input.splice(at..at, token.iter().copied());
            }
            4 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(16)).min(len);
                input.drain(from..to);
            }
            5 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(32)).min(len);
                let piece: Vec<u8> = input[from..to].to_vec();
                let at = rng.below(input.len() + 1);
                input.splice(at..at, piece);
            }
            _ => {
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let to = (from + 1 + rng.below(64)).min(other.len());
                    let at = rng.below(len + 1);
                    input.splice(at..at, other[from..to].iter().copied());
                }
            }
        }
        input.truncate(64 << 10);
    }
}

/// What a fuzzing run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Inputs run.
    pub executions: u64,
    /// Inputs that panicked, with the panic message.
    pub panics: Vec<(Vec<u8>, String)>,
    /// The slowest input and how long it took.
    pub slowest: (Duration, Vec<u8>),
}

/// Runs `target` on `executions` mutated inputs from its seeds (reproducible from `seed`).
pub fn fuzz(target: Target, executions: u64, seed: u64) -> Report {
    fuzz_with(&target.seeds(), executions, seed, |input| target.run(input))
}

/// The engine: `run` on `executions` mutations of `seeds`; panics and the slowest input noted.
fn fuzz_with(seeds: &[Vec<u8>], executions: u64, seed: u64, run: impl Fn(&[u8]) + std::panic::RefUnwindSafe) -> Report {
    let mut rng = Rng(seed | 1);
    let mut report = Report::default();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut input = Vec::new();
    for n in 0..executions {
        // Mostly keep mutating the last input (deeper changes), sometimes restart from a seed.
        if n % 8 == 0 || input.is_empty() {
            input = seeds[rng.below(seeds.len())].clone();
        }
        mutate(&mut rng, seeds, &mut input);
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| run(&input));
        let took = started.elapsed();
        if took > report.slowest.0 {
            report.slowest = (took, input.clone());
        }
        if let Err(e) = outcome {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            report.panics.push((input.clone(), message));
        }
        report.executions += 1;
    }
    std::panic::set_hook(hook);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smoke run of the gate: every target, a few thousand inputs, no panic and no input
    /// slower than a second (`cargo xtask fuzz` runs the long one).
    #[test]
    fn fuzz_smoke_finds_no_panic_and_no_slow_input() {
        for target in Target::ALL {
            let n = if target == Target::Config { 2_000 } else { 20_000 };
            let r = fuzz(target, n, 0x5eed);
            assert_eq!(r.executions, n);
            assert!(r.panics.is_empty(), "{}: {:?}", target.name(), r.panics.first());
            assert!(
                r.slowest.0 < Duration::from_secs(1),
                "{}: {:?}",
                target.name(),
                r.slowest
            );
        }
    }

    #[test]
    fn the_fuzzer_reports_a_panic() {
        // A "parser" that breaks on long input: the mutations grow inputs, so it is found.
        let r = fuzz_with(&[b"abc".to_vec()], 2_000, 7, |input| {
            assert!(input.len() < 12, "too long")
        });
        assert!(!r.panics.is_empty());
        assert!(
            r.panics[0].0.len() >= 12 && r.panics[0].1.contains("too long"),
            "{:?}",
            r.panics[0]
        );
    }
}
