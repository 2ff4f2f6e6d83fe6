//! A load run's report: a human summary ([`render_text`]) and the JSON figures
//! ([`to_json`]) that `load --json FILE` writes. Failure examples are already redacted.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::histogram::Histogram;
use super::memory::MemorySample;
use super::stats::Stats;
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
    /// Requests per second over the run.
    pub fn requests_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.stats.requests() as f64 / secs
        } else {
            0.0
        }
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

/// The figures of a run as one JSON object: `requests`, `requests_per_second`, `failures`
/// (failed scenario runs), `errors` (transport errors and 5xx), per endpoint and per step
/// `p50_ms`/`p95_ms`/`p99_ms`, failure kinds with a redacted example, and memory samples.
pub fn to_json(r: &LoadReport) -> Value {
    let s = &r.stats;
    let endpoints: Map<String, Value> = s
        .endpoints
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
        "endpoints": endpoints,
        "steps": steps,
        "failure_kinds": failure_kinds,
        "memory": memory,
    })
}

/// The human summary: totals, an endpoint table, a step table and every failure kind.
pub fn render_text(r: &LoadReport) -> String {
    let s = &r.stats;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "load: {} requests in {:.1}s ({:.0} requests/s), {} virtual users, {} scenario runs: {} passed, {} failed a check, {} stopped by an error; {} transport errors or 5xx{}",
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
    );
    for (name, why) in &r.skipped {
        let _ = writeln!(out, "skipped {name}: {why}");
    }
    let _ = writeln!(
        out,
        "\n{:<58} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for (key, e) in &s.endpoints {
        let h = &e.latency;
        let _ = writeln!(
            out,
            "{key:<58} {:>8} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            e.requests,
            e.transport_errors + e.server_errors,
            h.quantile_ms(0.50),
            h.quantile_ms(0.95),
            h.quantile_ms(0.99),
            h.max_ms()
        );
    }
    let _ = writeln!(
        out,
        "\n{:<70} {:>7} {:>8} {:>8} {:>8}",
        "step", "runs", "p50 ms", "p95 ms", "p99 ms"
    );
    for ((scenario, index, label), h) in &s.steps {
        let name = format!("{scenario} #{index} {label}");
        let _ = writeln!(
            out,
            "{name:<70} {:>7} {:>8.2} {:>8.2} {:>8.2}",
            h.count(),
            h.quantile_ms(0.50),
            h.quantile_ms(0.95),
            h.quantile_ms(0.99)
        );
    }
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
