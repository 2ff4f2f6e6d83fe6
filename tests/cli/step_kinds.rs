//! `clear_jar`, `wait` and parallel groups through the real binary on the embedded stack
//! (`tests/fixtures/step_kinds.toml`, copied into a temporary scenario folder): two clients'
//! logins and whoamis run as parallel groups, each client seeing its own identity, and the JSON
//! report shows their offsets overlapping; the wait takes at least its time; after
//! `clear_jar` alice's whoami is null while a replay of her captured cookie still resolves her
//! session. The snapshot the first run writes names the groups but no time, so a second run
//! asserts it unchanged. Under `--browser-check` (skipped without Chromium) Chromium's jars
//! agree after every step, the cleared one included.

use std::path::Path;
use std::process::Output;

use openapp_conformance::exit;
use serde_json::Value;

use super::stack::{bin, json_file, text};

const FIXTURE: &str = "tests/fixtures/step_kinds.toml";

/// `run --scenarios DIR/scenarios --snapshots DIR/snapshots --json FILE --html FILE`,
/// updating the snapshots or not; the output and the JSON report.
fn run(dir: &Path, update: bool) -> (Output, Value) {
    run_with(dir, update, &[])
}

/// [`run`] with extra arguments.
fn run_with(dir: &Path, update: bool, extra: &[&str]) -> (Output, Value) {
    let report = dir.join("report.json");
    let mut cmd = bin();
    cmd.env_remove("CI")
        .args(["run", "--verbose", "--scenarios"])
        .arg(dir.join("scenarios"))
        .arg("--snapshots")
        .arg(dir.join("snapshots"))
        .arg("--json")
        .arg(&report)
        .arg("--html")
        .arg(dir.join("report.html"));
    if update {
        cmd.arg("--update-snapshots");
    }
    cmd.args(extra);
    let out = cmd.output().expect("the binary runs");
    (out, json_file(&report))
}

fn ms(step: &Value, key: &str) -> u64 {
    step[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {step}"))
}

/// The two steps ran at the same time: each started before the other finished (`strict`), or
/// at least in the same millisecond (for steps that may take less than one).
#[track_caller]
fn overlap(a: &Value, b: &Value, strict: bool) {
    let start = ms(a, "started_ms").max(ms(b, "started_ms"));
    let end = ms(a, "finished_ms").min(ms(b, "finished_ms"));
    let overlapping = if strict { start < end } else { start <= end };
    assert!(overlapping, "no overlap:\n{a}\n{b}");
}

/// Every `.snap` file under `dir`, with its text.
fn snapshots(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "snap") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// A temporary folder with `scenarios/step_kinds.toml` (the fixture) and `snapshots/`.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::create_dir_all(dir.path().join("snapshots")).unwrap();
    std::fs::copy(
        super::root().join(FIXTURE),
        scenarios.join("step_kinds.toml"),
    )
    .unwrap();
    dir
}

#[test]
fn clear_jar_wait_and_parallel_groups_on_the_embedded_stack() {
    let dir = folder();

    let (out, report) = run(dir.path(), true);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit::OK as i32),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let steps = report["scenarios"][0]["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 8, "{report}");
    assert!(steps.iter().all(|s| s["passed"] == true), "{report}");
    let [login_a, login_b, who_a, who_b, wait, clear, after, replay] = &steps[..] else {
        unreachable!()
    };
    // The groups: labelled, overlapping, the second after the first.
    for (step, group) in [
        (login_a, "logins"),
        (login_b, "logins"),
        (who_a, "whoamis"),
        (who_b, "whoamis"),
    ] {
        assert_eq!(step["parallel"], group, "{step}");
    }
    assert_eq!(
        (login_a["client"].as_str(), login_b["client"].as_str()),
        (Some("alice"), Some("bob"))
    );
    // A login is several exchanges (milliseconds); a whoami may take less than one.
    overlap(login_a, login_b, true);
    overlap(who_a, who_b, false);
    assert!(ms(who_a, "started_ms") >= ms(login_a, "finished_ms").max(ms(login_b, "finished_ms")));
    // Each whoami checked its own identity (the check passed).
    for who in [who_a, who_b] {
        let checks = who["checks"].as_array().unwrap();
        assert!(
            checks.iter().any(|c| c["what"]
                .as_str()
                .is_some_and(|w| w.contains("/identity/id"))),
            "{who}"
        );
    }
    // The wait waited.
    assert_eq!(wait["parallel"], Value::Null);
    assert!(
        ms(wait, "finished_ms") - ms(wait, "started_ms") >= 1000,
        "{wait}"
    );
    assert!(wait["exchanges"].as_array().unwrap().is_empty());
    // Clearing the jar: no exchange; alice is anonymous after it, her session alive.
    assert!(clear["exchanges"].as_array().unwrap().is_empty(), "{clear}");
    assert_eq!(clear["jar"], serde_json::json!([]));
    assert_eq!(after["exchanges"][0]["status"], 200);
    assert_eq!(replay["exchanges"][0]["status"], 200);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        html.contains("step 1 [parallel logins] [alice] login alice (browser flow) — ok"),
        "{html}"
    );

    let snaps = snapshots(&dir.path().join("snapshots"));
    let [snap] = &snaps[..] else {
        panic!("one snapshot written: {snaps:?}")
    };
    for line in [
        "step 1: [parallel logins] [alice] login alice (browser flow)",
        "step 2: [parallel logins] [bob] login bob (browser flow)",
        "step 4: [parallel whoamis] [bob] GET /auth/whoami",
        "step 5: wait 1s\nstep 6: clear jar (client alice)\nstep 7: [alice] GET /auth/whoami",
    ] {
        assert!(snap.contains(line), "{line}:\n{snap}");
    }
    assert!(!snap.contains("_ms"), "{snap}");

    // The view holds no time: a second run matches the snapshot.
    let (out, _) = run(dir.path(), false);
    assert_eq!(
        out.status.code(),
        Some(exit::OK as i32),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn the_browser_check_agrees_after_clear_jar() {
    if openapp_conformance::browser::chromium::executable().is_none() {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium)");
        return;
    }
    let dir = folder();
    let (out, _) = run_with(dir.path(), true, &["--browser-check"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit::OK as i32),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    // Every step but the wait, which touches no jar.
    assert!(
        stdout.contains("browser check: 7 steps cross-checked against "),
        "{stdout}"
    );
    assert!(stdout.contains(", 0 differences"), "{stdout}");
}
