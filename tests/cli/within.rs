//! `expect.within` through the real binary (issue 18, eventually consistent gateways): R16's
//! replay step reads `OPENAPP_CONFORMANCE_REVOCATION_WITHIN` (default `0s`). A gateway that
//! caches session lookups for 1 s (fault `session-cache-ttl`) fails R16 at the default and
//! passes when revocation may take 3 s, with the committed snapshot; a gateway that never
//! revokes (`no-server-side-revocation`) fails with 3 s too. The variable is set on the child
//! process only.

use std::process::Output;

use openapp_conformance::exit;
use serde_json::Value;

use super::stack::{bin, json_file, text};

const R16: &str = "strict::r16_server_side_revocation";
const VARIABLE: &str = "OPENAPP_CONFORMANCE_REVOCATION_WITHIN";

/// `run --exact R16 --fault FAULT --json FILE` with `within` in the environment (if any);
/// gives the output and the JSON report.
fn run_r16(fault: &str, within: Option<&str>) -> (Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let mut cmd = bin();
    cmd.args([
        "run",
        "--verbose",
        "--exact",
        R16,
        "--fault",
        fault,
        "--json",
    ])
    .arg(&report);
    if let Some(within) = within {
        cmd.env(VARIABLE, within);
    }
    let out = cmd.output().expect("the binary runs");
    (out, json_file(&report))
}

/// The replay step (the last one) of R16 in the report.
fn replay_step(report: &Value) -> &Value {
    let steps = report["scenarios"][0]["steps"].as_array().expect("steps");
    steps.last().expect("a step")
}

#[test]
fn a_session_cache_fails_r16_at_the_default_and_passes_within_3s() {
    let (out, report) = run_r16("session-cache-ttl", None);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit::CHECK_FAILED as i32),
        "{stdout}"
    );
    assert!(
        stdout.contains("— FAILED (still failing after 1 attempt in "),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("(within 0s: {VARIABLE} unset, default 0s))")),
        "{stdout}"
    );
    assert_eq!(replay_step(&report)["attempts"]["count"], 1);

    let (out, report) = run_r16("session-cache-ttl", Some("3s"));
    let stdout = text(&out.stdout);
    // Exit 0 also means the view equals the committed snapshot: it holds the final attempt.
    assert_eq!(out.status.code(), Some(exit::OK as i32), "{stdout}");
    let step = replay_step(&report);
    let attempts = &step["attempts"];
    let count = attempts["count"].as_u64().unwrap();
    assert!(count >= 2, "{attempts}");
    assert_eq!(step["exchanges"].as_array().unwrap().len() as u64, count);
    assert_eq!(attempts["final_from"].as_u64(), Some(count - 1));
    assert_eq!(attempts["source"], format!("{VARIABLE}=3s"));
    let verdict = attempts["verdict"].as_str().unwrap();
    assert!(
        verdict.starts_with(&format!("held after {count} attempts in ")),
        "{verdict}"
    );
    // Every attempt stays in the report: the cached session first, the revoked one last.
    let statuses: Vec<&Value> = step["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["status"])
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        step["exchanges"][0]["purpose"],
        format!("GET /auth/whoami (attempt 1 of {count})")
    );
    let checks = step["checks"].as_array().unwrap();
    assert!(
        !checks.is_empty() && checks.iter().all(|c| c["passed"] == true),
        "{step}"
    );
}

#[test]
fn a_gateway_that_never_revokes_fails_r16_within_3s() {
    let (out, report) = run_r16("no-server-side-revocation", Some("3s"));
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit::CHECK_FAILED as i32),
        "{stdout}"
    );
    let attempts = &replay_step(&report)["attempts"];
    let count = attempts["count"].as_u64().unwrap();
    // 0, 50, 150, 350, 750, 1550, 2550 and 3000 ms at most: the schedule bounds the count.
    assert!((2..=8).contains(&count), "{attempts}");
    assert!(
        attempts["elapsed_ms"].as_u64().unwrap() >= 3000,
        "{attempts}"
    );
    let verdict = format!("still failing after {count} attempts in");
    assert!(stdout.contains(&verdict), "{stdout}");
    assert!(
        stdout.contains(&format!("(within 3s: {VARIABLE}=3s)")),
        "{stdout}"
    );
    assert!(stdout.contains("(attempt 1 of "), "{stdout}");
}

#[test]
fn an_invalid_value_is_a_configuration_error() {
    let out = bin()
        .args(["run", "--exact", R16])
        .env(VARIABLE, "3 seconds")
        .output()
        .expect("the binary runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(exit::USAGE as i32), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{VARIABLE}=`3 seconds` is invalid, expected a duration such as"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("r16_server_side_revocation.toml"),
        "{stderr}"
    );
}
