//! Issue 22: `run --browser-check` — headless Chromium confirms every jar after every step.
//! On the embedded stack every step is cross-checked and no difference is found, under every
//! benign switch too; under each fault the failures stay the server's (a contract rule), and
//! none is an engine difference; without Chromium the run exits 3 with one line.
//!
//! Skipped with a message when no Chromium is installed, unless
//! `OPENAPP_CONFORMANCE_REQUIRE_BROWSER=1` (set by `.ci/run`).

use openapp_conformance::browser::chromium::executable;
use openapp_conformance::switches::{SWITCHES, SwitchKind};
use regex::Regex;

use super::stack::{run_with, text};

fn have_chromium() -> bool {
    if executable().is_some() {
        return true;
    }
    assert!(
        std::env::var_os("OPENAPP_CONFORMANCE_REQUIRE_BROWSER").is_none(),
        "OPENAPP_CONFORMANCE_REQUIRE_BROWSER is set but no chromium is installed"
    );
    eprintln!("skipped: no chromium on PATH (apt-get install chromium)");
    false
}

/// Runs the suite with the browser check and these switches; gives the exit code, stdout,
/// the summary's (cross-checked steps, differences) and the number of steps the JSON report
/// lists. A run the preflight stops (exit 3: K7's fault) has no summary: (0, 0).
fn checked(switches: &str) -> (Option<i32>, String, (usize, usize), usize) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let json_arg = json.to_str().unwrap();
    let mut args = vec!["run", "--browser-check", "--json", json_arg];
    if !switches.is_empty() {
        args.extend(["--fault", switches]);
    }
    let out = run_with(&args, &[]);
    let stdout = text(&out.stdout);
    if out.status.code() == Some(3) {
        return (Some(3), stdout, (0, 0), 0);
    }
    let summary =
        Regex::new(r"browser check: (\d+) steps cross-checked against .+, (\d+) differences")
            .unwrap();
    let counts = summary
        .captures(&stdout)
        .map(|c| (c[1].parse().unwrap(), c[2].parse().unwrap()))
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}\n{}", text(&out.stderr)));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let steps = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["steps"].as_array().unwrap().len())
        .sum();
    (out.status.code(), stdout, counts, steps)
}

#[test]
fn every_step_is_cross_checked_and_chromium_agrees() {
    if !have_chromium() {
        return;
    }
    let (code, stdout, (steps, differences), listed) = checked("");
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(differences, 0, "{stdout}");
    assert_eq!(steps, listed, "every step is cross-checked:\n{stdout}");
    eprintln!("browser check: {steps} steps");
}

#[test]
fn benign_switches_pass_and_faults_stay_the_servers() {
    if !have_chromium() {
        return;
    }
    for s in SWITCHES {
        let (code, stdout, (_, differences), _) = checked(s.name);
        match s.kind {
            SwitchKind::Benign => {
                assert_eq!(code, Some(0), "benign {}:\n{stdout}", s.name);
                assert_eq!(differences, 0, "benign {}:\n{stdout}", s.name);
            }
            SwitchKind::Fault => {
                // The fault still fails the run as the server's (a contract rule), and
                // Chromium agrees with the jar on whatever the faulty server set.
                assert!(
                    matches!(code, Some(1) | Some(3)),
                    "fault {}:\n{stdout}",
                    s.name
                );
                assert_eq!(differences, 0, "fault {}:\n{stdout}", s.name);
                assert!(
                    !stdout.contains("engine difference"),
                    "fault {}: an engine difference:\n{stdout}",
                    s.name
                );
            }
            _ => {}
        }
    }
}

#[test]
fn a_missing_chromium_exits_3_with_one_line() {
    let out = run_with(
        &["run", "--browser-check", "core::r01"],
        &[(
            "OPENAPP_CONFORMANCE_CHROMIUM".to_string(),
            "/nonexistent/chromium".to_string(),
        )],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("chromium not found"), "{stderr}");
    assert!(stderr.contains("apt-get install chromium"), "{stderr}");
}

/// The OpenApp origin over https (a relay with a CA the test generates): Chromium receives the
/// api host's lines over https through the mirror's own certificate, and agrees.
#[test]
fn an_https_origin_is_cross_checked_over_https() {
    if !have_chromium() {
        return;
    }
    let served = super::stack::Served::start(&[]);
    let https = super::tls::https_with_ca(&served);
    let out = run_with(&["run", "--browser-check"], &https.env);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains(", 0 differences"), "{stdout}");
}
