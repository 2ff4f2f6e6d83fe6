//! The `load` subcommand end to end, and the load switch: invisible to the default suite,
//! reported by load mode as a conformance failure citing R3.

use std::process::Output;

use openapp_conformance::exit;

use super::stack::{bin, text};

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

const SWITCH: &str = "whoami-latest-session-under-load";

#[test]
fn load_writes_the_figures_and_exits_0_when_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json_path = dir.path().join("load.json");
    let html_path = dir.path().join("load.html");
    let out = run(&[
        "load",
        "core::r03",
        "-c",
        "4",
        "-n",
        "40",
        "--json",
        json_path.to_str().expect("utf-8 path"),
        "--html",
        html_path.to_str().expect("utf-8 path"),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("40 scenario runs: 40 passed"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json written"))
            .expect("valid json");
    assert_eq!(json["failures"], 0);
    assert!(json["requests"].as_u64().is_some_and(|n| n >= 40 * 3));
    assert!(
        json["requests_per_second"]
            .as_f64()
            .is_some_and(|r| r > 0.0)
    );
    // Every request sent = the measured endpoints' + the setup traffic's (identities).
    let (all, measured, setup) = (
        json["requests"].as_u64().unwrap(),
        json["measured_requests"].as_u64().unwrap(),
        json["setup_requests"].as_u64().unwrap(),
    );
    assert!(
        setup > 0 && all == measured + setup,
        "{all} {measured} {setup}"
    );
    assert!(stdout.contains("setup (not measured)"), "{stdout}");
    let html = std::fs::read_to_string(&html_path).expect("html written");
    assert_eq!(html.matches("<svg ").count(), 2, "{html}");
    let whoami = &json["endpoints"]["GET api.openapp.test/api/v1/auth/whoami"];
    for field in ["p50_ms", "p95_ms", "p99_ms"] {
        assert!(whoami[field].as_f64().is_some(), "{field}: {whoami}");
    }
    // Not a terminal: plain progress lines, never a redrawn bar.
    assert!(!text(&out.stderr).contains('\r'));
}

#[test]
fn load_usage_errors_exit_2() {
    assert_eq!(
        run(&["load", "no-such-scenario", "-n", "1"]).status.code(),
        Some(exit::USAGE as i32)
    );
    assert_eq!(
        run(&["load", "-c", "0"]).status.code(),
        Some(exit::USAGE as i32)
    );
}

#[test]
fn the_default_suite_passes_with_the_load_switch_on() {
    let out = run(&["run", "--fault", SWITCH]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn load_mode_reports_the_session_mix_up_citing_r3() {
    let args = [
        "load",
        "core::r03",
        "core::r02",
        "core::lifecycle",
        "-c",
        "24",
        "-d",
        "4s",
    ];
    let mut with_fault = args.to_vec();
    with_fault.extend(["--fault", SWITCH]);
    let out = run(&with_fault);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit::CHECK_FAILED as i32),
        "{stdout}"
    );
    assert!(stdout.contains("conformance failure [R3]"), "{stdout}");
    let clean = run(&args);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
}
