//! The performance figures of docs/performance.md, measured in one run:
//!
//! ```text
//! cargo bench --bench suite                      # everything
//! cargo bench --bench suite -- overhead parse    # some sections
//! BENCH_REPEATS=31 cargo bench --bench suite     # more repeats (default 15; load: BENCH_LOAD_REPEATS, 5)
//! BENCH_BASE_BINARY=../base/target/release/openapp-conformance cargo bench --bench suite -- load
//! ```
//!
//! Sections: `suite` (the default suite in process: load, start the stack, run every scenario
//! concurrently), `binary` (the release binary's `run`, end to end), `scale` (4× the
//! scenarios against 1×, in process and with the binary), `overhead` (1,000 requests by the
//! harness against a bare reqwest loop), `parse` (1,000 scenario files), `hurl` (the binary's
//! one lifecycle and whole suite against Hurl 8's lifecycle, whole processes against `serve`;
//! skipped without Hurl) and `load` (`load -c 32` against the binary named by
//! `BENCH_BASE_BINARY`, e.g. commit 8a0dded's; skipped without it; `BENCH_LOAD_SECONDS` per
//! run, default 3), `explore` (operations per second of `explore --ops 2000` at concurrency 1
//! and 8, whole processes). Every figure is a median of repeats; ratios compare medians taken in
//! alternation, so drift in the machine's load hits both sides alike.

mod explore;
mod external;
mod fixtures;
mod hurl;
mod load;
mod overhead;
mod timing;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use openapp_conformance::plan::load_dir;
use openapp_conformance::run::result::Outcome;
use openapp_conformance::run::scenario::run_all;
use openapp_conformance::settings::runtime;
use openapp_conformance::targets::{TargetKind, TargetOptions, resolve_target};

use timing::{busy, cpu_time, ratio, report, time};

fn embedded() -> TargetOptions {
    TargetOptions {
        kind: Some(TargetKind::Embedded),
        ..Default::default()
    }
}

/// Loads `dir`, starts a stack, runs every scenario concurrently; gives the scenarios passed.
fn suite_in_process(dir: &Path) -> usize {
    let loaded = load_dir(dir).expect("scenario dir loads");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let rt = runtime().expect("runtime");
    rt.block_on(async {
        let target = resolve_target(&embedded()).await.expect("stack starts");
        let results = run_all(&loaded.scenarios, &target).await;
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Passed)
            .count()
    })
}

/// The release binary's `run`, end to end; panics unless it exits 0.
fn binary(root: &Path, scenarios: Option<&Path>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_openapp-conformance"));
    cmd.current_dir(root).arg("run");
    if let Some(dir) = scenarios {
        cmd.arg("--scenarios").arg(dir);
    }
    for var in [
        "OPENAPP_BASE_URL",
        "OPENAPP_CONFORMANCE_TARGET",
        "OPENAPP_CONFORMANCE_FAULT",
        "OPENAPP_CONFORMANCE_TAG",
        "OPENAPP_CONFORMANCE_SCENARIOS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the binary runs");
    assert!(status.success(), "the binary's run failed: {status}");
}

/// Runs `a` and `b` alternately `n` times; gives both sample lists.
fn alternate(n: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Vec<Duration>, Vec<Duration>) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for _ in 0..n {
        xs.push(time(&mut a).0);
        ys.push(time(&mut b).0);
    }
    (xs, ys)
}

fn section_suite(root: &Path, n: usize) {
    let dir = root.join("scenarios");
    let total = load_dir(&dir).expect("loads").scenarios.len();
    suite_in_process(&dir);
    let samples: Vec<Duration> = (0..n)
        .map(|_| {
            let (d, passed) = time(|| suite_in_process(&dir));
            assert_eq!(passed, total, "the suite must pass");
            d
        })
        .collect();
    report(
        &format!("suite in process ({total} scenarios)"),
        &samples,
        Some((Duration::from_millis(1500), "< 1.5 s")),
    );
}

fn section_binary(root: &Path, n: usize) {
    binary(root, None);
    let samples: Vec<Duration> = (0..n).map(|_| time(|| binary(root, None)).0).collect();
    report(
        "suite, release binary `run` end to end",
        &samples,
        Some((Duration::from_millis(1500), "< 1.5 s")),
    );
}

fn section_scale(root: &Path, n: usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (one, four) = (tmp.path().join("x1"), tmp.path().join("x4"));
    let files = fixtures::replicate(&root.join("scenarios"), &one, 1, None);
    fixtures::replicate(&root.join("scenarios"), &four, 4, None);
    suite_in_process(&four);
    let cpu = [Cell::new(Duration::ZERO), Cell::new(Duration::ZERO)];
    let measured = |i: usize, dir: &Path, want: usize| {
        let before = cpu_time();
        assert_eq!(suite_in_process(dir), want);
        cpu[i].set(cpu[i].get() + cpu_time().saturating_sub(before));
    };
    let (xs, ys) = alternate(
        n,
        || measured(0, &one, files),
        || measured(1, &four, 4 * files),
    );
    let a = report(&format!("in process, {files} scenarios"), &xs, None);
    let b = report(&format!("in process, {} scenarios", 4 * files), &ys, None);
    ratio("in process, 4× scenarios / 1×", b, a, 2.5);
    busy("in process, 1×", cpu[0].get(), xs.iter().sum());
    busy("in process, 4×", cpu[1].get(), ys.iter().sum());
    let (xs, ys) = alternate(n, || binary(root, Some(&one)), || binary(root, Some(&four)));
    let a = report(&format!("binary `run`, {files} scenarios"), &xs, None);
    let b = report(&format!("binary `run`, {} scenarios", 4 * files), &ys, None);
    ratio("binary `run`, 4× scenarios / 1×", b, a, 2.5);
}

fn section_overhead(n: usize) {
    let scenario = overhead::scenario();
    let rt = runtime().expect("runtime");
    let target = rt
        .block_on(resolve_target(&embedded()))
        .expect("stack starts");
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    let mut counts = (0, 0);
    let mut cpu = [Duration::ZERO; 2];
    for run in 0..=n {
        let c0 = cpu_time();
        let (h, hn) = time(|| rt.block_on(overhead::harness(&scenario, &target)));
        let c1 = cpu_time();
        let (b, bn) = time(|| rt.block_on(overhead::bare(&target.endpoints, run)));
        let c2 = cpu_time();
        counts = (hn, bn);
        // The first round warms both up.
        if run > 0 {
            xs.push(h);
            ys.push(b);
            cpu[0] += c1.saturating_sub(c0);
            cpu[1] += c2.saturating_sub(c1);
        }
    }
    assert_eq!(counts.0, counts.1, "both sides send the same requests");
    let h = report(
        &format!("harness scenario, {} requests", counts.0),
        &xs,
        None,
    );
    let b = report(
        &format!("bare reqwest loop, {} requests", counts.1),
        &ys,
        None,
    );
    println!(
        "{:<44} harness {:.1} µs/request, bare {:.1} µs/request",
        "per request",
        h.as_secs_f64() * 1e6 / counts.0 as f64,
        b.as_secs_f64() * 1e6 / counts.1 as f64
    );
    ratio("harness / bare loop", h, b, 1.3);
    println!(
        "{:<44} ratio {:.2}  (CPU of the whole process, server included; informational)",
        "harness / bare loop, CPU time",
        cpu[0].as_secs_f64() / cpu[1].as_secs_f64().max(1e-9)
    );
}

fn section_parse(root: &Path, n: usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let files = fixtures::replicate(&root.join("scenarios"), tmp.path(), 0, Some(1000));
    let samples: Vec<Duration> = (0..n)
        .map(|_| {
            let (d, loaded) = time(|| load_dir(tmp.path()).expect("loads"));
            assert_eq!(loaded.scenarios.len(), files, "{:?}", loaded.errors.first());
            d
        })
        .collect();
    report(
        &format!("load_dir: read, parse, validate {files} files"),
        &samples,
        Some((Duration::from_millis(100), "< 100 ms")),
    );
}

fn main() {
    // cargo bench passes `--bench`; every other argument selects sections.
    let sections: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |s: &str| sections.is_empty() || sections.iter().any(|a| s.contains(a.as_str()));
    let n = std::env::var("BENCH_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15usize)
        .max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    println!(
        "openapp-conformance bench: {n} repeats, {} CPUs",
        std::thread::available_parallelism().map_or(0, |p| p.get())
    );
    if want("suite") {
        section_suite(&root, n);
    }
    if want("binary") {
        section_binary(&root, n);
    }
    if want("scale") {
        section_scale(&root, n);
    }
    if want("overhead") {
        section_overhead(n);
    }
    if want("parse") {
        section_parse(&root, n);
    }
    if want("hurl") {
        hurl::section(&root, n);
    }
    if want("explore") {
        explore::section(&root, n);
    }
    if want("load") {
        let rounds = std::env::var("BENCH_LOAD_REPEATS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5usize)
            .max(1);
        load::section(&root, rounds);
    }
}
