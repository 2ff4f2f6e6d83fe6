//! A load run's report: a human summary ([`render_text`]) and the JSON figures
//! ([`to_json`]) that `load --json FILE` writes. Failure examples are already redacted.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::histogram::Histogram;
use super::memory::MemorySample;
use super::stats::{EndpointStats, Stats};
use super::table;
use crate::interrupt::Signal;

/// Everything a load run measured.
#[derive(Debug)]
pub struct LoadReport {
    /// The aggregated results.
    pub stats: Stats,
    /// Wall time from the first iteration's start to the last one's end.
    pub elapsed: Duration,
    /// Virtual users.
    pub concurrency: usize,
    /// Scenarios that ran, by trial name.
    pub scenarios: Vec<String>,
    /// Selected scenarios the target cannot run, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Memory of this process, sampled once a second (empty where unsupported).
    pub memory: Vec<MemorySample>,
    /// The signal that stopped the run before its bound (SIGINT, SIGTERM), if one did.
    pub interrupted: Option<Signal>,
    /// Iterations in flight that the interrupt cut short (not in `stats`).
    pub cut_short: u64,
}

impl LoadReport {
    /// Requests per second over the run: every request sent, setup traffic included.
    pub fn requests_per_second(&self) -> f64 {
        self.per_second(self.stats.requests())
    }

    /// Requests per second of the measured endpoints alone (setup traffic left out).
    pub fn measured_requests_per_second(&self) -> f64 {
        self.per_second(self.stats.measured_requests())
    }

    fn per_second(&self, n: u64) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 { n as f64 / secs } else { 0.0 }
    }

    /// True when no iteration failed and no request met a transport error or a 5xx.
    pub fn clean(&self) -> bool {
        self.stats.failed() == 0 && self.stats.errors() == 0
    }
}

/// Milliseconds rounded to microseconds, for JSON.
fn ms(v: f64) -> Value {
    json!((v * 1000.0).round() / 1000.0)
}

fn percentiles(h: &Histogram) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("p50_ms".into(), ms(h.quantile_ms(0.50)));
    m.insert("p95_ms".into(), ms(h.quantile_ms(0.95)));
    m.insert("p99_ms".into(), ms(h.quantile_ms(0.99)));
    m.insert("max_ms".into(), ms(h.max_ms()));
    m.insert("mean_ms".into(), ms(h.mean_ms()));
    m
}

/// Endpoints as a JSON object by key: requests, errors and percentiles.
fn endpoints_json(endpoints: &std::collections::BTreeMap<String, EndpointStats>) -> Value {
    let map: Map<String, Value> = endpoints
        .iter()
        .map(|(key, e)| {
            let mut m = Map::new();
            m.insert("requests".into(), json!(e.requests));
            m.insert("transport_errors".into(), json!(e.transport_errors));
            m.insert("server_errors".into(), json!(e.server_errors));
            m.extend(percentiles(&e.latency));
            (key.clone(), Value::Object(m))
        })
        .collect();
    Value::Object(map)
}

/// The figures of a run as one JSON object: `requests` and `requests_per_second` (every request
/// sent), `measured_requests` and `measured_requests_per_second` (the scenarios' own requests),
/// `setup_requests` and `setup_endpoints` (identities created and deleted through the admin
/// API), `failures` (failed scenario runs: `conformance_failures`, a check failed, plus those
/// an error stopped), `errors` (transport errors and 5xx), per measured endpoint and per step
/// `p50_ms`/`p95_ms`/`p99_ms`, failure kinds with a redacted example, and memory samples.
pub fn to_json(r: &LoadReport) -> Value {
    let s = &r.stats;
    let steps: Vec<Value> = s
        .steps
        .iter()
        .map(|((scenario, index, label), h)| {
            let mut m = Map::new();
            m.insert("scenario".into(), json!(scenario));
            m.insert("step".into(), json!(index));
            m.insert("label".into(), json!(label));
            m.insert("count".into(), json!(h.count()));
            m.extend(percentiles(h));
            Value::Object(m)
        })
        .collect();
    let failure_kinds: Vec<Value> = s
        .failures
        .iter()
        .map(|(k, f)| {
            json!({
                "scenario": k.scenario, "step": k.step, "label": k.label, "check": k.what,
                "rules": f.rules, "count": f.count, "conformance": f.conformance,
                "example": f.example,
            })
        })
        .collect();
    let memory: Vec<Value> = r
        .memory
        .iter()
        .map(|m| json!({ "t_s": ms(m.at.as_secs_f64()), "rss_kib": m.rss_kib, "peak_kib": m.peak_kib }))
        .collect();
    json!({
        "requests": s.requests(),
        "requests_per_second": ms(r.requests_per_second()),
        "measured_requests": s.measured_requests(),
        "measured_requests_per_second": ms(r.measured_requests_per_second()),
        "setup_requests": s.setup_requests(),
        "failures": s.failed(),
        "conformance_failures": s.failed_checks,
        "errors": s.errors(),
        "iterations": s.passed + s.failed() + s.ignored,
        "passed": s.passed,
        "elapsed_s": ms(r.elapsed.as_secs_f64()),
        "concurrency": r.concurrency,
        "interrupted": r.interrupted.is_some(),
        "signal": r.interrupted.map(Signal::name),
        "cut_short": r.cut_short,
        "scenarios": r.scenarios,
        "skipped": r.skipped.iter().map(|(n, why)| json!({ "scenario": n, "reason": why })).collect::<Vec<_>>(),
        "endpoints": endpoints_json(&s.endpoints),
        "setup_endpoints": endpoints_json(&s.setup),
        "steps": steps,
        "failure_kinds": failure_kinds,
        "memory": memory,
    })
}

/// An aligned table of endpoints: requests, errors and latency percentiles.
fn endpoint_table(
    title: &str,
    endpoints: &std::collections::BTreeMap<String, EndpointStats>,
) -> String {
    let rows: Vec<Vec<String>> = endpoints
        .iter()
        .map(|(key, e)| {
            let h = &e.latency;
            vec![
                key.clone(),
                e.requests.to_string(),
                (e.transport_errors + e.server_errors).to_string(),
                format!("{:.2}", h.quantile_ms(0.50)),
                format!("{:.2}", h.quantile_ms(0.95)),
                format!("{:.2}", h.quantile_ms(0.99)),
                format!("{:.2}", h.max_ms()),
            ]
        })
        .collect();
    table::render(
        &[
            title, "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms",
        ],
        &rows,
    )
}

/// The run in one sentence: requests, users, scenario runs and how they ended.
pub(super) fn totals(r: &LoadReport) -> String {
    let s = &r.stats;
    format!(
        "{} requests in {:.1}s ({:.0} requests/s), {} virtual users, {} scenario runs: {} passed, {} failed a check, {} stopped by an error; {} transport errors or 5xx{}",
        s.requests(),
        r.elapsed.as_secs_f64(),
        r.requests_per_second(),
        r.concurrency,
        s.passed + s.failed() + s.ignored,
        s.passed,
        s.failed_checks,
        s.failed_errors,
        s.errors(),
        match r.interrupted {
            Some(signal) => format!(
                " (interrupted by {}: {} scenario runs cut short)",
                signal.name(),
                r.cut_short
            ),
            None => String::new(),
        }
    )
}

/// The measured requests apart from the setup traffic.
pub(super) fn measured(r: &LoadReport) -> String {
    let s = &r.stats;
    format!(
        "{} measured ({:.0}/s): the scenarios' endpoints; and {} setup requests (identities created and deleted through the admin API), not measured",
        s.measured_requests(),
        r.measured_requests_per_second(),
        s.setup_requests()
    )
}

/// The human summary: totals, measured and setup endpoint tables, a step table and every
/// failure kind.
pub fn render_text(r: &LoadReport) -> String {
    let s = &r.stats;
    let mut out = String::new();
    let _ = writeln!(out, "load: {}", totals(r));
    let _ = writeln!(out, "  of which {}", measured(r));
    let _ = writeln!(
        out,
        "  failures: {} scenario runs failed = {} conformance failures (a check failed: the server broke a rule under load) + {} stopped by an error (transport, Kratos driver) before their checks",
        s.failed(),
        s.failed_checks,
        s.failed_errors
    );
    for (name, why) in &r.skipped {
        let _ = writeln!(out, "skipped {name}: {why}");
    }
    let _ = write!(out, "\n{}", endpoint_table("endpoint", &s.endpoints));
    if !s.setup.is_empty() {
        let _ = write!(
            out,
            "\n{}",
            endpoint_table("setup (not measured)", &s.setup)
        );
    }
    let steps: Vec<Vec<String>> = s
        .steps
        .iter()
        .map(|((scenario, index, label), h)| {
            vec![
                format!("{scenario} #{index} {label}"),
                h.count().to_string(),
                format!("{:.2}", h.quantile_ms(0.50)),
                format!("{:.2}", h.quantile_ms(0.95)),
                format!("{:.2}", h.quantile_ms(0.99)),
            ]
        })
        .collect();
    let _ = write!(
        out,
        "\n{}",
        table::render(&["step", "runs", "p50 ms", "p95 ms", "p99 ms"], &steps)
    );
    if !s.failures.is_empty() {
        let _ = writeln!(out, "\nfailures under load:");
    }
    for (k, f) in &s.failures {
        let kind = if f.conformance {
            "conformance failure"
        } else {
            "error"
        };
        let rules = if f.rules.is_empty() {
            String::new()
        } else {
            format!(" [{}]", f.rules.join(", "))
        };
        let _ = writeln!(
            out,
            "  {}× {kind}{rules}: {} step {} ({}): {}\n    e.g. {}",
            f.count,
            k.scenario,
            k.step,
            k.label,
            k.what,
            f.example.replace('\n', "\n    ")
        );
    }
    if let (Some(first), Some(last)) = (r.memory.first(), r.memory.last()) {
        let _ = writeln!(
            out,
            "\nmemory: {} KiB resident at start, {} KiB at the end, peak {} KiB",
            first.rss_kib, last.rss_kib, last.peak_kib
        );
    }
    out
}
