//! Wall-clock benches for people (`cargo bench -p panoptic-benches`): config parsing and result
//! serialization.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use panoptic_benches::{config_text, test_result};
use panoptic_core::config::{Lookup, load_str};

struct NoEnv;
impl Lookup for NoEnv {
    fn var(&self, _: &str) -> Option<String> {
        None
    }
    fn secret(&self, _: &str) -> Option<String> {
        None
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
    let mut buf = Vec::with_capacity(8192);
    c.bench_function("result_json_20_steps_reused_buffer", |b| {
        b.iter(|| {
            buf.clear();
            serde_json::to_writer(&mut buf, black_box(&test)).expect("serialize");
            buf.len()
        })
    });
}

criterion_group!(benches, parse, serialize);
criterion_main!(benches);
