//! The containers target through the real binary, on the local Docker engine with the
//! project's images (`scripts/build-images.sh`) and the Kratos emulator image standing in for
//! Kratos. A test that needs the engine or the images passes with a `skipped:` message on
//! standard error when they are missing; the unreachable-engine test always runs.
//!
//! Every run gets its own run id, so "nothing left" is checked precisely by label while
//! other tests run stacks in parallel.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use openapp_conformance::exit;

const REFERENCE: &str = "openapp-conformance/reference:dev";
const EMULATOR: &str = "openapp-conformance/kratos-emulator:dev";
const LABEL: &str = "org.openapp-conformance.run";

/// `docker ARGS`: its stdout when it succeeds.
pub(crate) fn docker(args: &[&str]) -> Option<String> {
    let out = Command::new("docker").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `Err(reason)` when this machine cannot run the containers target with the project's images.
fn engine_and_images() -> Result<(), String> {
    docker(&["info", "--format", "{{.ServerVersion}}"])
        .ok_or("no Docker engine answers `docker info`")?;
    for image in [REFERENCE, EMULATOR] {
        docker(&["image", "inspect", "--format", "{{.Id}}", image]).ok_or(format!(
            "image {image} is missing (run scripts/build-images.sh)"
        ))?;
    }
    Ok(())
}

/// Skips the calling test (with a message) when the engine or the images are missing.
macro_rules! require_engine_and_images {
    () => {
        if let Err(reason) = engine_and_images() {
            eprintln!("skipped: {reason}");
            return;
        }
    };
}

/// A run id unique to this test process and `tag`.
fn run_id(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("t{}-{nanos:x}-{tag}", std::process::id())
}

/// The binary on the containers target with the emulator image, environment cleaned.
fn bin(run_id: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_openapp-conformance"));
    c.current_dir(super::root());
    for var in [
        "OPENAPP_BASE_URL",
        "OPENAPP_CONFORMANCE_FAULT",
        "OPENAPP_CONFORMANCE_TAG",
        "OPENAPP_IMAGE",
        "OPENAPP_ENV",
        "OPENAPP_ENV_FILE",
        "OPENAPP_API_KEY",
        "OPENAPP_READY_PATH",
    ] {
        c.env_remove(var);
    }
    c.env("OPENAPP_CONFORMANCE_TARGET", "containers")
        .env("KRATOS_IMAGE", EMULATOR)
        .env("OPENAPP_CONFORMANCE_RUN_ID", run_id);
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// Containers, networks and volumes still labelled with `run_id`.
fn leftovers(run_id: &str) -> Vec<String> {
    let filter = format!("label={LABEL}={run_id}");
    [
        vec!["ps", "-aq", "--filter", &filter],
        vec!["network", "ls", "-q", "--filter", &filter],
        vec!["volume", "ls", "-q", "--filter", &filter],
    ]
    .iter()
    .flat_map(|args| {
        docker(args)
            .unwrap_or_else(|| format!("`docker {}` failed", args.join(" ")))
            .lines()
            .map(String::from)
            .collect::<Vec<_>>()
    })
    .collect()
}

fn passed(stdout: &str) -> usize {
    let re = regex::Regex::new(r"test result: \w+\. (\d+) passed;").unwrap();
    re.captures(stdout)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"))
}

/// Runs `run` with `env` added and asserts it exits 3 (the target could not be set up): its
/// standard error, and how long it took.
fn setup_fails(id: &str, env: &[(&str, &str)]) -> (String, Duration) {
    let start = Instant::now();
    let out = bin(id)
        .arg("run")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(exit::SETUP as i32),
        "{}",
        show(&out)
    );
    (text(&out.stderr), elapsed)
}

#[test]
fn an_unreachable_engine_exits_3_at_once_with_one_line() {
    let (stderr, elapsed) = setup_fails(
        &run_id("noengine"),
        &[("DOCKER_HOST", "unix:///nonexistent.sock")],
    );
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no Docker engine"), "{stderr}");
    assert!(stderr.contains("unix:///nonexistent.sock"), "{stderr}");
    assert!(stderr.contains("--target embedded"), "{stderr}");
}

#[test]
fn the_suite_passes_as_on_the_embedded_stack_and_nothing_is_left() {
    require_engine_and_images!();
    let id = run_id("pass");
    let embedded = bin(&id)
        .args(["run", "--target", "embedded"])
        .output()
        .unwrap();
    assert!(embedded.status.success(), "{}", show(&embedded));
    let out = bin(&id).arg("run").output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // The snapshots under snapshots/ are asserted by `run`: passing means identical.
    assert_eq!(passed(&stdout), passed(&text(&embedded.stdout)), "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");
    assert!(
        stdout.contains("containers target: stack cold start"),
        "{stdout}"
    );
    assert_eq!(leftovers(&id), Vec::<String>::new());
}

#[test]
fn a_fault_in_the_reference_image_fails_its_scenario_and_nothing_is_left() {
    require_engine_and_images!();
    let id = run_id("fault");
    let out = bin(&id)
        .arg("run")
        .env("OPENAPP_ENV", "OPENAPP_CONFORMANCE_FAULT=sign-out-missing")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit::CHECK_FAILED as i32),
        "{}",
        show(&out)
    );
    let failed = regex::Regex::new(r"(?m)^test (\S+)\s+\.\.\. FAILED").unwrap();
    let names: Vec<&str> = failed
        .captures_iter(&stdout)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
        .collect();
    assert!(names.contains(&"core::r15_sign_out_is_logout"), "{names:?}");
    assert!(
        names.iter().all(|n| n.contains("sign_out")),
        "only the sign-out scenarios fail: {names:?}"
    );
    assert!(stdout.contains("R15"), "{stdout}");
    assert_eq!(leftovers(&id), Vec::<String>::new());
}

#[test]
fn a_container_that_fails_to_start_shows_its_log_and_nothing_is_left() {
    require_engine_and_images!();
    let id = run_id("badstart");
    // The reference image has no `migrate` command: the one-shot migration fails.
    let (stderr, _) = setup_fails(&id, &[("KRATOS_IMAGE", REFERENCE)]);
    assert!(stderr.contains("kratos-migrate"), "{stderr}");
    assert!(stderr.contains("exited with code"), "{stderr}");
    assert!(stderr.contains("last 50 lines of its log"), "{stderr}");
    assert!(stderr.contains("migrate"), "{stderr}");
    assert_eq!(leftovers(&id), Vec::<String>::new());
}

#[test]
fn a_missing_image_exits_3_naming_it_and_how_to_build_it() {
    require_engine_and_images!();
    let id = run_id("noimage");
    let image = "openapp-conformance/no-such-image:dev";
    let (stderr, _) = setup_fails(&id, &[("OPENAPP_IMAGE", image)]);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("openapp-conformance/no-such-image:dev"),
        "{stderr}"
    );
    assert!(stderr.contains("scripts/build-images.sh"), "{stderr}");
    assert_eq!(leftovers(&id), Vec::<String>::new());
}

fn kill(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {pid}");
}

/// Reads the run's standard output until libtest's `running N tests` line.
fn until_trials_start(child: &mut Child) -> (BufReader<ChildStdout>, String) {
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            panic!("the run ended before its trials started:\n{seen}");
        }
        seen.push_str(&line);
        if line.starts_with("running ") {
            return (stdout, seen);
        }
    }
}

/// Sends `signal` right after the run's trials start: the run exits with `code`, saying it
/// was interrupted, and leaves nothing behind.
fn signal_mid_run_removes_everything(signal: &str, code: i32) {
    let id = run_id(&signal.trim_start_matches('-').to_lowercase());
    let mut child = bin(&id)
        .args(["run", "--test-threads", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (mut stdout, seen) = until_trials_start(&mut child);
    // Freeze the run right after its trials start, so the signal lands mid-run.
    kill("-STOP", pid);
    kill(signal, pid);
    kill("-CONT", pid);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{seen}{rest}\nstderr:\n{stderr}"
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(leftovers(&id), Vec::<String>::new());
}

#[test]
fn sigint_mid_run_removes_everything() {
    require_engine_and_images!();
    signal_mid_run_removes_everything("-INT", 130);
}

#[test]
fn sigterm_mid_run_removes_everything() {
    require_engine_and_images!();
    signal_mid_run_removes_everything("-TERM", 143);
}

#[test]
fn a_server_that_stops_before_it_is_ready_fails_at_once_with_its_log() {
    require_engine_and_images!();
    let id = run_id("stops");
    // The reference server cannot listen on this address: it exits before /status answers.
    let (stderr, elapsed) = setup_fails(&id, &[("OPENAPP_ENV", "OPENAPP_LISTEN=not-an-address")]);
    // Well before the 60 s startup timeout.
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    assert!(
        stderr.contains("openapp (openapp-conformance/reference:dev"),
        "{stderr}"
    );
    assert!(
        stderr.contains("stopped before /api/v1/status answered"),
        "{stderr}"
    );
    assert!(stderr.contains("last 50 lines of its log"), "{stderr}");
    assert!(stderr.contains("not-an-address"), "{stderr}");
    assert_eq!(leftovers(&id), Vec::<String>::new());
}

#[test]
fn a_run_killed_outright_is_swept_by_the_next_run_with_its_id() {
    require_engine_and_images!();
    let id = run_id("sigkill");
    let mut child = bin(&id)
        .args(["run", "--test-threads", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _ = until_trials_start(&mut child);
    kill("-KILL", child.id());
    let _ = child.wait();
    assert!(
        !leftovers(&id).is_empty(),
        "SIGKILL leaves the stack behind"
    );
    let out = bin(&id).arg("run").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(leftovers(&id), Vec::<String>::new());
}
