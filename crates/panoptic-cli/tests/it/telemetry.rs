//! OTLP: a run with `telemetry.otlp: true` sends its trace and metrics to the endpoint of
//! `OTEL_EXPORTER_OTLP_ENDPOINT` — here a receiver in the test that decodes the protobuf with
//! `opentelemetry-proto` — with run → test → attempt → step parent links intact, and
//! results.json names the trace and each test's span.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

use crate::support::{panoptic_with, results_in};

/// Decoded OTLP requests, by path.
#[derive(Default)]
pub(crate) struct Received {
    pub(crate) spans: Vec<Span>,
    pub(crate) metrics: Vec<String>,
    pub(crate) paths: Vec<String>,
}

/// An OTLP/HTTP receiver on loopback: its URL, what it decoded, the server (to unblock).
pub(crate) fn receiver() -> (String, Arc<Mutex<Received>>, Arc<tiny_http::Server>) {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let url = format!("http://{}", server.server_addr());
    let got = Arc::new(Mutex::new(Received::default()));
    let (s, g) = (server.clone(), got.clone());
    std::thread::spawn(move || {
        for mut req in s.incoming_requests() {
            let mut body = Vec::new();
            let _ = std::io::Read::read_to_end(req.as_reader(), &mut body);
            let mut g = g.lock().unwrap();
            g.paths.push(req.url().to_owned());
            match req.url() {
                "/v1/traces" => {
                    let r = ExportTraceServiceRequest::decode(body.as_slice()).expect("OTLP traces protobuf");
                    for rs in r.resource_spans {
                        for ss in rs.scope_spans {
                            g.spans.extend(ss.spans);
                        }
                    }
                }
                "/v1/metrics" => {
                    let r = ExportMetricsServiceRequest::decode(body.as_slice()).expect("OTLP metrics protobuf");
                    for rm in r.resource_metrics {
                        for sm in rm.scope_metrics {
                            g.metrics.extend(sm.metrics.into_iter().map(|m| m.name));
                        }
                    }
                }
                _ => {}
            }
            let _ = req.respond(tiny_http::Response::empty(200));
        }
    });
    (url, got, server)
}

fn attr(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
            Any::StringValue(s) => Some(s.clone()),
            Any::IntValue(i) => Some(i.to_string()),
            _ => None,
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_run_exports_its_trace_and_metrics_over_otlp() {
    let (url, got, server) = receiver();
    let yaml = "name: otel\nsettings: { retries: 1, telemetry: { otlp: true }, timeouts: { expect: 300ms } }\napps:\n  - { name: good, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: fill, selector: '#name', value: x }, { type: assert_value, selector: '#name', equals: x }] }\n  - { name: bad, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#nowhere' }] }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[("OTEL_EXPORTER_OTLP_ENDPOINT", &url)]);
    server.unblock();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let g = got.lock().unwrap();
    assert!(
        g.paths.iter().any(|p| p == "/v1/traces") && g.paths.iter().any(|p| p == "/v1/metrics"),
        "{:?}",
        g.paths
    );
    let by_id: HashMap<Vec<u8>, &Span> = g.spans.iter().map(|s| (s.span_id.clone(), s)).collect();
    let named = |prefix: &str| -> Vec<&Span> { g.spans.iter().filter(|s| s.name.starts_with(prefix)).collect() };
    let runs = named("run ");
    assert_eq!(
        runs.len(),
        1,
        "{:?}",
        g.spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let root = runs[0];
    assert!(root.parent_span_id.is_empty());
    assert!(
        g.spans.iter().all(|s| s.trace_id == root.trace_id),
        "one trace for the run"
    );
    let parent = |s: &Span| by_id.get(&s.parent_span_id).copied();
    let tests = named("test ");
    assert_eq!(tests.len(), 2);
    assert!(tests.iter().all(|t| parent(t).map(|p| &p.name) == Some(&root.name)));
    let attempts = named("attempt ");
    assert_eq!(attempts.len(), 3, "good once, bad twice (retries: 1)");
    assert!(
        attempts
            .iter()
            .all(|a| parent(a).is_some_and(|p| p.name.starts_with("test ")))
    );
    let steps = named("step ");
    assert!(steps.len() >= 5, "{}", steps.len());
    for s in &steps {
        let a = parent(s).expect("a step's parent is sent");
        assert!(a.name.starts_with("attempt "), "{} under {}", s.name, a.name);
        assert!(
            s.start_time_unix_nano >= a.start_time_unix_nano
                && s.end_time_unix_nano <= a.end_time_unix_nano + 1_000_000
        );
        assert!(attr(s, "panoptic.action").is_some(), "{s:?}");
    }
    let bad = tests
        .iter()
        .find(|t| attr(t, "panoptic.test").as_deref() == Some("bad"))
        .unwrap();
    assert_eq!(attr(bad, "panoptic.status").as_deref(), Some("failed"));
    assert_eq!(bad.status.as_ref().map(|s| s.code), Some(2), "an error status");
    let retried = attempts
        .iter()
        .filter(|a| attr(a, "panoptic.retry").as_deref() == Some("1"))
        .count();
    assert_eq!(retried, 1);
    assert!(
        attr(root, "panoptic.browser").is_some_and(|b| b.contains("Chrom")),
        "{root:?}"
    );
    for m in [
        "panoptic.tests",
        "panoptic.steps",
        "panoptic.step.duration",
        "panoptic.leases",
        "panoptic.pool.browsers",
    ] {
        assert!(g.metrics.iter().any(|n| n == m), "no metric {m}: {:?}", g.metrics);
    }
    // results.json links each test to its span.
    let r = results_in(&run.out());
    assert_eq!(r["run"]["trace_id"].as_str(), Some(hex(&root.trace_id).as_str()));
    let bad_result = crate::support::test_named(&r, "bad");
    assert_eq!(
        bad_result["span_id"].as_str(),
        Some(hex(&bad.span_id).as_str()),
        "{bad_result:#}"
    );
    assert_eq!(bad_result["trace_id"], r["run"]["trace_id"]);
}

#[test]
fn otlp_on_without_an_endpoint_says_so_and_exports_nothing() {
    let run = panoptic_with(
        &["run"],
        "name: x\nsettings: { telemetry: { otlp: true } }\napps: [{ name: a, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#name' }] }]\n",
        &[],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("no OTEL_EXPORTER_OTLP_ENDPOINT"), "{}", run.stderr);
    assert!(results_in(&run.out())["run"]["trace_id"].is_null());
}
