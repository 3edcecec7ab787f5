//! Instruction-count benches (gungraun on callgrind): deterministic on a noisy machine, so
//! `cargo xtask bench-check` can fail a change that makes them slower. Setup is not counted.

use std::hint::black_box;
use std::path::Path;

use gungraun::{library_benchmark, library_benchmark_group, main};
use panoptic_benches::{Engine, NoEnv, ai_cloud_config, config_text, construct, run_record, test_result, total_ms};
use panoptic_core::config::{Config, load_str};
use panoptic_core::history::{self, RunRecord};
use panoptic_core::results::TestResult;
use panoptic_core::testing::FakeSource;
use panoptic_executor::RunOpts;
use rkyv::util::AlignedVec;

/// Inputs are not dropped inside the measured function: freeing them is not the bench's work.
fn keep<T>(value: T) {
    std::mem::forget(black_box(value));
}

fn construct_setup(config: Config) -> (FakeSource, Config, RunOpts) {
    // The core count is read once per process; measure the steady state, not that first read.
    panoptic_core::config::cores();
    let source = FakeSource::default();
    (source, config, RunOpts::default())
}

#[library_benchmark]
#[bench::plain(args = (panoptic_benches::plain_config()), setup = construct_setup)]
#[bench::ai_cloud(args = (ai_cloud_config()), setup = construct_setup)]
fn executor_construction(input: (FakeSource, Config, RunOpts)) -> u32 {
    let (source, config, opts) = &input;
    let n = black_box(construct(black_box(source), black_box(config), black_box(opts)));
    keep(input);
    n
}

fn json_setup(steps: u32) -> (TestResult, Vec<u8>) {
    let test = test_result(steps);
    let mut buf = Vec::with_capacity(16 * 1024);
    // The buffer is reused: it already held one result.
    serde_json::to_writer(&mut buf, &test).expect("serialize");
    (test, buf)
}

#[library_benchmark]
#[bench::steps_20(args = (20), setup = json_setup)]
fn result_json(input: (TestResult, Vec<u8>)) -> usize {
    let (test, mut buf) = input;
    buf.clear();
    serde_json::to_writer(&mut buf, black_box(&test)).expect("serialize");
    let n = black_box(buf.len());
    keep((test, buf));
    n
}

#[library_benchmark]
#[bench::tests_100(args = (100), setup = run_record)]
fn rkyv_archive(record: RunRecord) -> usize {
    let bytes = record.encode().expect("encode");
    let n = black_box(bytes.len());
    keep((record, bytes));
    n
}

fn archived(tests: usize) -> AlignedVec {
    run_record(tests).encode().expect("encode")
}

#[library_benchmark]
#[bench::tests_100(args = (100), setup = archived)]
fn rkyv_access(bytes: AlignedVec) -> u64 {
    let run = history::access(black_box(&bytes)).expect("valid");
    let total = black_box(total_ms(run));
    keep(bytes);
    total
}

#[library_benchmark]
#[bench::actions_200(args = (200), setup = config_text)]
fn parse_config(text: String) -> bool {
    let loaded = load_str(black_box(&text), Path::new("bench.yaml"), &NoEnv);
    black_box(loaded.config.is_some())
}

#[library_benchmark]
#[bench::steps_10k(args = (10_000), setup = Engine::new)]
fn noop_steps(engine: Engine) -> usize {
    let passed = black_box(engine.run());
    // Counts of steps that did not run would look like a speed-up: they must all pass (in the
    // release build the bench uses, which the debug-built test suite does not exercise).
    assert_eq!(passed, engine.steps(), "every no-op step passes");
    passed
}

library_benchmark_group!(
    name = gate;
    benchmarks = executor_construction, result_json, rkyv_archive, rkyv_access, parse_config, noop_steps
);

main!(library_benchmark_groups = gate);
