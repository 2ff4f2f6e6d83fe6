//! nextest's protocol, played against the real `cargo test` target: list (`--list --format
//! terse`, then with `--ignored`), then one process per trial (`--exact NAME --nocapture`,
//! plus `--ignored` for a listed-ignored trial under `--run-ignored`), with the variables
//! nextest sets. Against an external target without admin credentials, the counts must equal
//! `run`'s: passed, failed, and ignored = what nextest shows SKIPPED. A process must never pass
//! without running its trial. `stack --watch-pid`, which nextest's setup script starts, ends
//! by itself when the watched process is gone. The processes of one nextest run merge their
//! reports into one file each. `.ci/run` checks the same with cargo-nextest
//! itself (`scripts/ci-nextest.sh`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;

use super::stack::{Served, run_with, text};

/// The `cargo test` target's binary (`target/<profile>/deps/conformance-<hash>`), built by the
/// same `cargo test` or `cargo nextest run` as this test; the newest when several are there.
fn conformance_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    std::fs::read_dir(deps)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("conformance-")
                .is_some_and(|hash| hash.chars().all(|c| c.is_ascii_alphanumeric()))
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, path)| path)
}

/// The external-target environment of `served` without the admin API: the scenarios that
/// need it cannot run.
fn without_admin(served: &Served) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = served
        .env()
        .into_iter()
        .filter(|(k, _)| k != "KRATOS_ADMIN_URL")
        .collect();
    env.push(("OPENAPP_COOKIE_DOMAIN".into(), "openapp.test".into()));
    env
}

/// The `cargo test` target with `env` and none of the caller's own settings.
fn conformance(binary: &PathBuf, env: &[(String, String)]) -> Command {
    let mut c = Command::new(binary);
    c.current_dir(super::root());
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if ["OPENAPP_", "KRATOS_", "NEXTEST", "RUST_TEST_"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            c.env_remove(name.as_ref());
        }
    }
    c.envs(env.iter().map(|(k, v)| (k, v)));
    c
}

/// The `cargo test` target as nextest starts it, in `phase` (`list` or `run`).
fn as_nextest(binary: &PathBuf, env: &[(String, String)], phase: &str, args: &[&str]) -> Output {
    let mut c = conformance(binary, env);
    c.env("NEXTEST", "1")
        .env("NEXTEST_EXECUTION_MODE", "process-per-test")
        .env("NEXTEST_TEST_PHASE", phase)
        .args(args);
    if let Some(name) = args.iter().skip_while(|a| **a != "--exact").nth(1) {
        c.env("NEXTEST_TEST_NAME", name);
    }
    c.output().expect("the conformance binary runs")
}

/// Environment variables, name and value.
type Env = Vec<(String, String)>;

/// The conformance binary and a served stack with its environment without the admin API;
/// `None` (said on stderr) when the binary is not built.
fn setup() -> Option<(PathBuf, Served, Env)> {
    let Some(binary) = conformance_binary() else {
        eprintln!("skipped: the conformance test binary is not built (run `cargo test`)");
        return None;
    };
    let served = Served::start(&[]);
    let env = without_admin(&served);
    Some((binary, served, env))
}

/// Names of a terse listing (`name: test` lines).
fn listed(out: &Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "listing failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(String::from)
        .collect()
}

#[test]
fn nextest_counts_equal_runs_and_no_process_passes_without_its_trial() {
    let Some((binary, _served, env)) = setup() else {
        return;
    };

    let reports = tempfile::tempdir().unwrap();
    let run_json = reports.path().join("run.json");
    let out = run_with(&["run", "--json", run_json.to_str().unwrap()], &env);
    let summary = text(&out.stdout);
    let re = Regex::new(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored").unwrap();
    let caps = re.captures(&summary).unwrap_or_else(|| panic!("{summary}"));
    let run_counts: Vec<usize> = (1..=3).map(|i| caps[i].parse().unwrap()).collect();
    assert!(
        run_counts[2] > 0,
        "some scenarios need the admin API: {summary}"
    );

    let all = listed(&as_nextest(
        &binary,
        &env,
        "list",
        &["--list", "--format", "terse"],
    ));
    let ignored = listed(&as_nextest(
        &binary,
        &env,
        "list",
        &["--list", "--format", "terse", "--ignored"],
    ));
    assert_eq!(all.len(), run_counts.iter().sum::<usize>(), "same trials");
    assert_eq!(
        ignored.len(),
        run_counts[2],
        "ignored at listing = ignored by run"
    );

    // Every process of one nextest run writes its part of the same three reports.
    let merged = reports.path().join("nextest");
    std::fs::create_dir(&merged).unwrap();
    let mut with_reports = env.clone();
    for (name, file) in [("JSON", "r.json"), ("HTML", "r.html"), ("JUNIT", "r.xml")] {
        let path = merged.join(file).to_string_lossy().into_owned();
        with_reports.push((format!("OPENAPP_CONFORMANCE_{name}"), path));
    }
    with_reports.push(("NEXTEST_RUN_ID".into(), "5e1f0c2a-run".into()));

    let (mut passed, mut failed) = (0, 0);
    for name in all.iter().filter(|n| !ignored.contains(n)) {
        let out = as_nextest(
            &binary,
            &with_reports,
            "run",
            &["--exact", name, "--nocapture"],
        );
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("1 passed; 0 failed; 0 ignored")
                || stdout.contains("0 passed; 1 failed; 0 ignored"),
            "{name}: exactly one trial runs and is not ignored:\n{stdout}"
        );
        if out.status.success() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    eprintln!(
        "run: {run_counts:?} (passed, failed, ignored); as nextest: {passed} passed, {failed} failed, {} skipped",
        ignored.len()
    );
    assert_eq!([passed, failed], [run_counts[0], run_counts[1]]);
    merged_reports_hold_what_ran(&merged, &run_json, passed, failed);

    // `--run-ignored`: a listed-ignored trial runs and fails with the reason.
    let out = as_nextest(
        &binary,
        &env,
        "run",
        &["--exact", &ignored[0], "--nocapture", "--ignored"],
    );
    let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(101), "{output}");
    assert!(output.contains("KRATOS_ADMIN_URL"), "{output}");

    // A name the listing did not give (files changed since): failure, never a pass of nothing.
    let out = as_nextest(
        &binary,
        &env,
        "run",
        &["--exact", "core::no_such", "--nocapture"],
    );
    assert_eq!(out.status.code(), Some(101), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nextest asked this process for one trial"));
}

/// The reports the nextest run's processes merged: one file each (no per-trial file), holding
/// every scenario that ran, with `run`'s outcomes; the skipped ones are not there.
fn merged_reports_hold_what_ran(dir: &Path, run_json: &Path, passed: usize, failed: usize) {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    files.sort();
    assert_eq!(files, ["r.html", "r.json", "r.xml"]);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    let json: serde_json::Value = serde_json::from_str(&read(&dir.join("r.json"))).unwrap();
    assert_eq!(
        json["summary"],
        serde_json::json!({"total": passed + failed, "passed": passed, "failed": failed, "ignored": 0})
    );
    let outcomes = |doc: &serde_json::Value| -> Vec<(String, String)> {
        doc["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["outcome"] != "ignored")
            .map(|s| (s["id"].to_string(), s["outcome"].to_string()))
            .collect()
    };
    let run: serde_json::Value = serde_json::from_str(&read(run_json)).unwrap();
    assert_eq!(
        outcomes(&json),
        outcomes(&run),
        "same scenarios, same outcomes"
    );
    let html = read(&dir.join("r.html"));
    assert_eq!(html.matches("<tr class=").count(), passed + failed);
    assert!(html.contains(&format!("{passed} passed")));
    let xml = read(&dir.join("r.xml"));
    assert_eq!(xml.matches("<testcase ").count(), passed + failed);
}

/// `OPENAPP_CONFORMANCE_REQUIRE_ALL` under nextest: the listing marks nothing ignored, so
/// nextest runs every trial, and one this target cannot run fails with the reason, as under
/// `--run-ignored all`.
#[test]
fn require_all_lists_nothing_ignored_and_fails_what_cannot_run() {
    let Some((binary, _served, mut env)) = setup() else {
        return;
    };
    let ignored = listed(&as_nextest(
        &binary,
        &env,
        "list",
        &["--list", "--format", "terse", "--ignored"],
    ));
    assert!(!ignored.is_empty());
    env.push(("OPENAPP_CONFORMANCE_REQUIRE_ALL".into(), "true".into()));
    let listing = ["--list", "--format", "terse", "--ignored"];
    assert!(listed(&as_nextest(&binary, &env, "list", &listing)).is_empty());
    let out = as_nextest(
        &binary,
        &env,
        "run",
        &["--exact", &ignored[0], "--nocapture"],
    );
    let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(101), "{output}");
    assert!(output.contains("--require-all"), "{output}");
}

#[test]
fn cargo_test_keeps_printing_the_reason_and_takes_several_filters() {
    let Some((binary, _served, env)) = setup() else {
        return;
    };
    let out = conformance(&binary, &env)
        .env("RUST_TEST_THREADS", "1")
        .args(["core::r01_", "core::k2_"])
        .output()
        .expect("runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let trials: Vec<&str> = stdout.lines().filter(|l| l.contains(" ... ")).collect();
    assert!(trials.len() >= 2, "both filters select a trial:\n{stdout}");
    assert!(
        trials
            .iter()
            .all(|l| l.contains("core::r01_") || l.contains("core::k2_")),
        "{stdout}"
    );
    assert!(
        stdout.contains("KRATOS_ADMIN_URL"),
        "the reason is printed:\n{stdout}"
    );
}

/// `stack --watch-pid`: the stack a nextest setup script starts prints its line once ready,
/// and ends by itself once the watched process is gone.
#[test]
fn a_held_stack_ends_when_the_watched_process_is_gone() {
    use std::time::Duration;

    let mut watched = Command::new("sleep").arg("30").spawn().expect("sleep runs");
    let pid = watched.id().to_string();
    let mut stack = Served::start_command(&["stack", "--watch-pid", &pid]);
    assert_eq!(stack.info["kind"], "embedded", "{}", stack.info);
    assert_eq!(stack.info["stack"], "embedded", "{}", stack.info);
    assert!(stack.info["kratos_admin_url"].is_string(), "{}", stack.info);
    assert_eq!(
        stack.exited_within(Duration::from_millis(500)),
        None,
        "it holds the stack while the watched process runs"
    );

    watched.kill().expect("kill");
    watched.wait().expect("reaped");
    let status = stack
        .exited_within(Duration::from_secs(10))
        .expect("the stack ends once the watched process is gone");
    assert!(status.success(), "{status}");

    let out = run_with(
        &["stack"],
        &[("OPENAPP_BASE_URL".into(), "http://127.0.0.1:1".into())],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an external target is not started"
    );
    assert!(
        text(&out.stderr).contains("already running"),
        "{}",
        text(&out.stderr)
    );
}
