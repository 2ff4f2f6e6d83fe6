//! The binary stands alone: under `strace`, a `run` executes no other program (exactly one
//! execve, the binary itself) and, when every target is plain http, does not touch the system's
//! CA store; an https run does (the control that shows the trace would see it). Snapshots: no
//! run writes into a snapshot folder by accident (a fault run, an external run), an explicit
//! `--update-snapshots` does, and no output carries insta's box or cargo-only advice.
//! The strace tests pass with a `skipped:` line when strace is not installed (`.ci/setup`
//! installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::stack::{Served, bin, text};
use super::tls::https_with_ca;

const LIFECYCLE: &str = "core::lifecycle_browser_session";

/// `strace`, or why the calling test is skipped.
fn strace() -> Option<()> {
    let found = Command::new("strace").arg("-V").output();
    if found.is_ok_and(|o| o.status.success()) {
        Some(())
    } else {
        eprintln!("skipped: strace is not installed (`apt-get install strace`; .ci/setup does)");
        None
    }
}

/// Runs `cmd` under `strace -f`, tracing execve and every file-name syscall; returns the
/// output and the trace lines.
fn traced(cmd: &Command) -> (Output, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("trace");
    let mut c = Command::new("strace");
    c.args(["-f", "-qq", "-e", "trace=%file", "-o"])
        .arg(&log)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (name, value) in cmd.get_envs() {
        match value {
            Some(v) => c.env(name, v),
            None => c.env_remove(name),
        };
    }
    if let Some(cwd) = cmd.get_current_dir() {
        c.current_dir(cwd);
    }
    let out = c.output().expect("strace runs");
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    (out, trace.lines().map(String::from).collect())
}

/// Where rustls-native-certs looks for the system's CA store (and this machine's overrides).
fn ca_store_paths() -> Vec<String> {
    let mut paths: Vec<String> = ["/etc/ssl", "/etc/pki", "/usr/share/ca-certificates"]
        .map(String::from)
        .to_vec();
    for var in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            paths.push(v);
        }
    }
    paths
}

/// The trace lines that name a CA store path.
fn ca_store_lines(trace: &[String]) -> Vec<&String> {
    let paths = ca_store_paths();
    trace
        .iter()
        .filter(|l| paths.iter().any(|p| l.contains(&format!("\"{p}"))))
        .collect()
}

/// Runs `run --exact LIFECYCLE` with `env` under strace; asserts it passed, executed only
/// itself and read no CA store.
fn assert_alone_over_http(what: &str, env: &[(String, String)]) {
    let mut cmd = bin();
    cmd.args(["run", "--exact", LIFECYCLE])
        .envs(env.iter().map(|(k, v)| (k, v)));
    let (out, trace) = traced(&cmd);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {stdout}{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("1 passed; 0 failed"), "{what}: {stdout}");
    let execs: Vec<&String> = trace.iter().filter(|l| l.contains("execve(")).collect();
    assert_eq!(
        execs.len(),
        1,
        "{what}: one execve, the binary's:\n{execs:#?}"
    );
    let program = cmd.get_program().to_string_lossy().into_owned();
    assert!(
        execs[0].contains(&format!("execve(\"{program}\"")),
        "{what}: {}",
        execs[0]
    );
    let store = ca_store_lines(&trace);
    assert!(
        store.is_empty(),
        "{what}: an http run reads the CA store:\n{store:#?}"
    );
}

#[test]
fn a_run_executes_only_itself_and_reads_no_ca_store_over_http() {
    if strace().is_none() {
        return;
    }
    assert_alone_over_http("embedded", &[]);
    let served = Served::start(&[]);
    assert_alone_over_http("external (serve)", &served.env());

    // The control: an https run verifies a certificate, so it reads the store (or probes for
    // it); the trace would show the same in an http run.
    let https = https_with_ca(&served);
    let env = &https.env;
    let mut cmd = bin();
    cmd.args(["run", "--exact", LIFECYCLE])
        .envs(env.iter().map(|(k, v)| (k, v)));
    let (out, trace) = traced(&cmd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        !ca_store_lines(&trace).is_empty(),
        "the https run's trace:\n{trace:#?}"
    );
    assert_eq!(trace.iter().filter(|l| l.contains("execve(")).count(), 1);
}

/// A copy of the repository's snapshot folder in a temporary directory.
fn snapshot_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("snapshots");
    copy_dir(&super::root().join("snapshots"), &to);
    (dir, to)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The `.snap.new` files under `dir`.
fn pending(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(pending(&path));
        } else if path.to_string_lossy().ends_with(".snap.new") {
            found.push(path);
        }
    }
    found
}

/// Changes one line of `core/r01_anonymous_is_null.snap` (the view no longer matches it).
fn change_r01(snapshots: &Path) -> PathBuf {
    let path = snapshots.join("core/r01_anonymous_is_null.snap");
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(stored.contains("status: 200"), "{stored}");
    std::fs::write(&path, stored.replacen("status: 200", "status: 299", 1)).unwrap();
    path
}

/// Runs the binary as a developer would locally (no `CI`, no `INSTA_UPDATE`) on `snapshots`.
fn run_local(args: &[&str], snapshots: &Path, env: &[(String, String)]) -> Output {
    bin()
        .args(args)
        .arg("--snapshots")
        .arg(snapshots)
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env_remove("INSTA_UPDATE")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("the binary runs")
}

/// Neither insta's summary box nor cargo-only advice reaches the binary's output.
fn assert_no_insta_output(out: &Output) {
    for stream in [text(&out.stdout), text(&out.stderr)] {
        for word in [
            "cargo insta test",
            "Snapshot Summary",
            "cargo metadata",
            "────",
            "━━━━",
        ] {
            assert!(!stream.contains(word), "`{word}` in:\n{stream}");
        }
    }
}

#[test]
fn fault_and_external_runs_write_no_pending_snapshot() {
    let (_dir, snapshots) = snapshot_copy();
    change_r01(&snapshots);
    std::fs::remove_file(snapshots.join("core/r02_three_paths_one_payload.snap")).unwrap();
    let picked = [
        "core::r01_anonymous_is_null",
        "core::r02_three_paths_one_payload",
    ];

    // A fault run (r01 and r02 pass their checks; their snapshots differ or are missing).
    let mut args = vec!["run", "--fault", "sign-out-missing", "--exact"];
    args.extend(picked);
    let out = run_local(&args, &snapshots, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("0 passed; 2 failed"), "{stdout}");
    assert_eq!(pending(&snapshots), Vec::<PathBuf>::new(), "{stdout}");
    assert!(
        stdout.contains("`status: 299` is now `status: 200`"),
        "{stdout}"
    );
    assert!(stdout.contains("a fault switch is on"), "{stdout}");
    for word in [
        "accept",
        "--update-snapshots",
        "cargo insta",
        "INSTA_UPDATE",
    ] {
        assert!(
            !stdout.contains(word),
            "`{word}` in a fault run's output:\n{stdout}"
        );
    }
    assert_no_insta_output(&out);

    // An external run against `serve`.
    let served = Served::start(&[]);
    let mut args = vec!["run", "--exact"];
    args.extend(picked);
    let out = run_local(&args, &snapshots, &served.env());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("0 passed; 2 failed"), "{stdout}");
    assert_eq!(pending(&snapshots), Vec::<PathBuf>::new(), "{stdout}");
    assert!(
        stdout.contains("the difference is the deployment's"),
        "{stdout}"
    );
    assert_no_insta_output(&out);
}

#[test]
fn the_conforming_stack_leaves_a_pending_file_and_update_snapshots_writes() {
    let (_dir, snapshots) = snapshot_copy();
    let changed = change_r01(&snapshots);
    let original =
        std::fs::read_to_string(super::root().join("snapshots/core/r01_anonymous_is_null.snap"))
            .unwrap();
    let exact = ["run", "--exact", "core::r01_anonymous_is_null"];

    // The developer's loop: a pending file in insta's format, the binary's own advice.
    let out = run_local(&exact, &snapshots, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let new = changed.with_extension("snap.new");
    assert_eq!(pending(&snapshots), std::slice::from_ref(&new), "{stdout}");
    assert_eq!(std::fs::read_to_string(&new).unwrap(), original);
    assert!(
        stdout.contains("openapp-conformance run --update-snapshots"),
        "{stdout}"
    );
    assert!(!stdout.contains("cargo"), "{stdout}");
    assert_no_insta_output(&out);

    // `--update-snapshots` writes the snapshot and removes the pending file.
    let mut update = exact.to_vec();
    update.push("--update-snapshots");
    let out = run_local(&update, &snapshots, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(std::fs::read_to_string(&changed).unwrap(), original);
    assert_eq!(pending(&snapshots), Vec::<PathBuf>::new());
    assert_no_insta_output(&out);
}
