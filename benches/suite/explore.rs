//! The `explore` section: operations per second of `explore` on the embedded stack, at
//! `--concurrency 1` and `--concurrency 8` (8 clients, so groups can fill), whole release
//! binary processes taken in alternation; the figure is the run's own count of operations over
//! its own elapsed time (the stack's start-up excluded), from its `--json` report.

use std::path::Path;
use std::process::{Command, Stdio};

/// One `explore` run of `ops` operations; gives operations per second.
fn run(root: &Path, concurrency: u8, ops: u64) -> f64 {
    let tmp = tempfile::tempdir().expect("tempdir");
    let json = tmp.path().join("explore.json");
    let status = Command::new(env!("CARGO_BIN_EXE_openapp-conformance"))
        .current_dir(root)
        .args(["explore", "--seed", "1", "--quiet", "--clients", "8"])
        .args(["--ops", &ops.to_string()])
        .args(["--concurrency", &concurrency.to_string()])
        .arg("--out")
        .arg(tmp.path().join("out"))
        .arg("--json")
        .arg(&json)
        .env_remove("OPENAPP_BASE_URL")
        .env_remove("OPENAPP_CONFORMANCE_TARGET")
        .env_remove("OPENAPP_CONFORMANCE_FAULT")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the binary runs");
    assert!(
        status.success(),
        "explore found a violation on the conforming stack: {status}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json report")).expect("json");
    let done = report["operations"].as_u64().expect("operations");
    let ms = report["elapsed_ms"].as_u64().expect("elapsed_ms").max(1);
    done as f64 * 1000.0 / ms as f64
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Reports both rates and their ratio, medians of `n` alternated runs of 2,000 operations.
pub(crate) fn section(root: &Path, n: usize) {
    let (mut one, mut eight) = (Vec::new(), Vec::new());
    run(root, 1, 250);
    for _ in 0..n.min(7) {
        one.push(run(root, 1, 2000));
        eight.push(run(root, 8, 2000));
    }
    let (a, b) = (median(one), median(eight));
    println!("{:<44} {a:>10.0} operations/s", "explore --concurrency 1");
    println!(
        "{:<44} {b:>10.0} operations/s",
        "explore --concurrency 8 (8 clients)"
    );
    println!("{:<44} ratio {:.2}", "explore, concurrency 8 / 1", b / a);
}
