//! Wall-clock benches for people (`cargo bench -p panoptic-benches --bench core`): executor
//! construction, config parsing, result JSON, history archives, and the engine's step rate.
//! The gate is `gate.rs` (instruction counts); these give the nanoseconds and steps/s.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use panoptic_benches::{
    Engine, NoEnv, ai_cloud_config, config_text, construct, plain_config, run_record, test_result, total_ms,
};
use panoptic_core::config::load_str;
use panoptic_core::history;
use panoptic_core::testing::FakeSource;
use panoptic_executor::RunOpts;

fn construction(c: &mut Criterion) {
    let source = FakeSource::default();
    let opts = RunOpts::default();
    for (name, config) in [("plain", plain_config()), ("ai_cloud", ai_cloud_config())] {
        c.bench_function(&format!("executor_construction_{name}"), |b| {
            b.iter(|| construct(black_box(&source), black_box(&config), black_box(&opts)))
        });
    }
}

fn parse(c: &mut Criterion) {
    for n in [10, 200] {
        let text = config_text(n);
        c.bench_function(&format!("parse_config_{n}_actions"), |b| {
            b.iter(|| {
                let loaded = load_str(black_box(&text), Path::new("bench.yaml"), &NoEnv);
                assert!(loaded.config.is_some());
                loaded
            })
        });
    }
}

fn serialize(c: &mut Criterion) {
    let test = test_result(20);
    let mut buf = Vec::with_capacity(16 * 1024);
    c.bench_function("result_json_20_steps_reused_buffer", |b| {
        b.iter(|| {
            buf.clear();
            serde_json::to_writer(&mut buf, black_box(&test)).expect("serialize");
            buf.len()
        })
    });
}

fn archive(c: &mut Criterion) {
    let record = run_record(100);
    c.bench_function("rkyv_archive_100_tests", |b| {
        b.iter(|| black_box(&record).encode().expect("encode").len())
    });
    let bytes = record.encode().expect("encode");
    c.bench_function("rkyv_access_100_tests", |b| {
        b.iter(|| total_ms(history::access(black_box(&bytes)).expect("valid")))
    });
}

fn steps(c: &mut Criterion) {
    const STEPS: usize = 1_000_000;
    let mut g = c.benchmark_group("engine");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("noop_steps_1m", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let engine = Engine::new(STEPS);
                let start = Instant::now();
                assert_eq!(engine.run(), STEPS);
                total += start.elapsed();
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, construction, parse, serialize, archive, steps);
criterion_main!(benches);
