//! The `load` section: `load -c 32` of this build against the binary of an older commit
//! (`BENCH_BASE_BINARY`, e.g. 8a0dded's release build), both against one `serve` of this
//! build in another process, in alternation. Per run: requests per second and requests per
//! CPU-second of the load process itself, both from the report's `requests` and
//! `requests_per_second` (every request sent), and its failures.

use serde_json::Value;
use std::path::{Path, PathBuf};

use crate::external::{BIN, Served, clean, timed_with_cpu};

/// Virtual users.
const CONCURRENCY: &str = "32";

/// One load run's figures.
struct Figures {
    rps: f64,
    per_cpu_second: Option<f64>,
    failures: u64,
}

/// `load -c 32 -d SECS -q --json FILE` of `bin` on `scenarios`; the figures of its report.
fn load_once(bin: &Path, scenarios: &Path, served: &Served, secs: u64, out: &Path) -> Figures {
    let mut cmd = clean(bin, scenarios.parent().unwrap_or(scenarios));
    cmd.envs(served.env())
        .args(["load", "-c", CONCURRENCY, "-q", "-d"])
        .arg(format!("{secs}s"))
        .arg("--scenarios")
        .arg(scenarios)
        .arg("--json")
        .arg(out);
    let (_, cpu, status) = timed_with_cpu(&mut cmd);
    let report: Value = std::fs::read_to_string(out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("{} load wrote no JSON report ({status})", bin.display()));
    let requests = report["requests"]
        .as_u64()
        .expect("`requests` in the report");
    let rps = report["requests_per_second"]
        .as_f64()
        .expect("`requests_per_second` in the report");
    let failures = report["failures"].as_u64().unwrap_or(u64::MAX);
    Figures {
        rps,
        per_cpu_second: cpu.map(|c| requests as f64 / c.as_secs_f64().max(1e-3)),
        failures,
    }
}

/// Median, p25–p75 and min–max of some figures, as text; gives the median too.
fn figure_spread(mut xs: Vec<f64>) -> (f64, String) {
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize];
    let med = if xs.len() % 2 == 1 {
        xs[xs.len() / 2]
    } else {
        (xs[xs.len() / 2 - 1] + xs[xs.len() / 2]) / 2.0
    };
    let text = format!(
        "median {med:>8.0}  (p25–p75 {:.0}–{:.0}, min–max {:.0}–{:.0}, n={})",
        at(0.25),
        at(0.75),
        xs[0],
        xs[xs.len() - 1],
        xs.len()
    );
    (med, text)
}

fn ratio_line(name: &str, new: f64, old: f64) {
    let r = new / old.max(1e-9);
    let verdict = if r >= 1.4 { "met" } else { "MISSED" };
    println!("{name:<44} ratio {r:.2}  (target ≥ 1.4: {verdict})");
}

pub(crate) fn section(root: &Path, n: usize) {
    let Some(base) = std::env::var_os("BENCH_BASE_BINARY").map(PathBuf::from) else {
        println!(
            "load: skipped, set BENCH_BASE_BINARY to the release binary of the commit to compare with"
        );
        return;
    };
    // Both binaries load the same scenario files: the older checkout's, which both read.
    let scenarios = base
        .ancestors()
        .map(|d| d.join("scenarios"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| root.join("scenarios"));
    let secs = std::env::var("BENCH_LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3u64);
    let served = Served::start(root);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("load.json");
    let bins = [Path::new(BIN), base.as_path()];
    let mut runs: [Vec<Figures>; 2] = [Vec::new(), Vec::new()];
    for round in 0..=n {
        for (side, bin) in bins.iter().enumerate() {
            let f = load_once(
                bin,
                &scenarios,
                &served,
                if round == 0 { 1 } else { secs },
                &out,
            );
            // The first round (1 s each) warms both up.
            if round > 0 {
                runs[side].push(f);
            }
        }
    }
    println!(
        "load -c {CONCURRENCY} -d {secs}s, scenarios of {}",
        scenarios.display()
    );
    let mut rps = [0.0; 2];
    let mut per_cpu = [None; 2];
    for (side, name) in ["this build", "BENCH_BASE_BINARY"].iter().enumerate() {
        let (med, text) = figure_spread(runs[side].iter().map(|f| f.rps).collect());
        rps[side] = med;
        println!("{:<44} {text}", format!("{name}: requests/s"));
        let cpu: Option<Vec<f64>> = runs[side].iter().map(|f| f.per_cpu_second).collect();
        if let Some(cpu) = cpu {
            let (med, text) = figure_spread(cpu);
            per_cpu[side] = Some(med);
            println!("{:<44} {text}", format!("{name}: requests/CPU-second"));
        }
        let failures: u64 = runs[side].iter().map(|f| f.failures).sum();
        println!(
            "{:<44} {failures}{}",
            format!("{name}: failures"),
            if failures == 0 {
                ""
            } else {
                "  (target 0: MISSED)"
            }
        );
    }
    ratio_line("load, requests/s, this / base", rps[0], rps[1]);
    match per_cpu {
        [Some(new), Some(old)] => ratio_line("load, requests/CPU-second, this / base", new, old),
        _ => println!("load, requests/CPU-second: not measured (no /proc)"),
    }
}
