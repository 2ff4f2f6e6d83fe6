//! Misconfiguration is one clear message: the preflight reaches every configured origin once
//! through the trials' own client stack and stops the run with exit 3 and one message naming
//! the URL, the error and the fix; a base URL without scheme or with the API prefix is a
//! configuration error (exit 2) suggesting the corrected value; `run` names its target and
//! origins in one stderr line, never under `--list`.

use std::net::TcpListener;
use std::time::Duration;

use openapp_conformance::exit;

use super::stack::{Served, run_with, text};

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// The served stack's environment with `var` replaced by `value`.
fn env_with(served: &Served, var: &str, value: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> =
        served.env().into_iter().filter(|(k, _)| k != var).collect();
    env.push((var.into(), value.into()));
    env.push(("OPENAPP_COOKIE_DOMAIN".into(), "openapp.test".into()));
    env
}

/// Runs `run` and gives (exit code, stdout + stderr).
fn run(args: &[&str], env: &[(String, String)]) -> (Option<i32>, String) {
    let out = run_with(args, env);
    (
        out.status.code(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

#[test]
fn a_closed_port_stops_the_run_with_exit_3_and_one_short_message() {
    let served = Served::start(&[]);
    let port = closed_port();
    let origin = format!("http://127.0.0.1:{port}");
    let env = env_with(&served, "OPENAPP_BASE_URL", &origin);
    let (code, output) = run(&["run"], &env);
    assert_eq!(code, Some(exit::SETUP as i32), "{output}");
    assert!(output.lines().count() <= 4, "short output:\n{output}");
    assert!(!output.contains("test "), "no trial ran:\n{output}");
    assert!(
        output.contains(&format!("the OpenApp origin at {origin}/ (OPENAPP_BASE_URL) is unreachable: the connection was refused")),
        "names the URL and the error:\n{output}"
    );
    assert!(
        output.contains("check the port and scheme of OPENAPP_BASE_URL"),
        "names the fix:\n{output}"
    );

    // --no-preflight: the trials meet it and fail one by one (exit 1).
    let (code, output) = run(&["run", "--no-preflight", "core::r01"], &env);
    assert_eq!(code, Some(exit::CHECK_FAILED as i32), "{output}");
}

#[test]
fn each_kind_of_unreachable_origin_gets_its_own_fix() {
    let served = Served::start(&[]);
    // A name no resolver knows.
    let (code, output) = run(
        &["run", "--connect-timeout", "2s"],
        &env_with(&served, "OPENAPP_BASE_URL", "http://api.openapp.invalid"),
    );
    assert_eq!(code, Some(exit::SETUP as i32), "{output}");
    assert!(
        output.contains("http://api.openapp.invalid/ (OPENAPP_BASE_URL) is unreachable")
            && output.contains("OPENAPP_RESOLVE=api.openapp.invalid:80:ADDR"),
        "{output}"
    );
    // https on a plain-HTTP port: the handshake fails; the fix is the scheme.
    let public = served
        .get("kratos_public_url")
        .replacen("http://", "https://", 1);
    let (code, output) = run(&["run"], &env_with(&served, "KRATOS_PUBLIC_URL", &public));
    assert_eq!(code, Some(exit::SETUP as i32), "{output}");
    assert!(
        output.contains("(KRATOS_PUBLIC_URL) is unreachable: the TLS handshake failed")
            && output.contains("check the scheme of KRATOS_PUBLIC_URL"),
        "{output}"
    );
    // A server that accepts and never answers: timed out.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let holder = std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(5));
        drop(held);
    });
    let admin = format!("http://127.0.0.1:{port}");
    let (code, output) = run(
        &["run", "--request-timeout", "1s"],
        &env_with(&served, "KRATOS_ADMIN_URL", &admin),
    );
    assert_eq!(code, Some(exit::SETUP as i32), "{output}");
    assert!(
        output.contains(&format!("Kratos's admin API at {admin}/admin/health/alive (KRATOS_ADMIN_URL) is unreachable: timed out")),
        "{output}"
    );
    drop(holder);
}

#[test]
fn a_base_url_without_scheme_or_with_the_prefix_is_a_configuration_error() {
    let served = Served::start(&[]);
    let (code, output) = run(
        &["run"],
        &env_with(&served, "OPENAPP_BASE_URL", "staging.example.com"),
    );
    assert_eq!(code, Some(exit::USAGE as i32), "{output}");
    assert!(
        output.contains("did you mean https://staging.example.com?"),
        "{output}"
    );
    let (code, output) = run(
        &["run"],
        &env_with(&served, "KRATOS_ADMIN_URL", "127.0.0.1:4434"),
    );
    assert_eq!(code, Some(exit::USAGE as i32), "{output}");
    assert!(
        output.contains("KRATOS_ADMIN_URL")
            && output.contains("did you mean http://127.0.0.1:4434?"),
        "{output}"
    );
    let (code, output) = run(
        &["run"],
        &env_with(&served, "OPENAPP_BASE_URL", "https://x.test/api/v1"),
    );
    assert_eq!(code, Some(exit::USAGE as i32), "{output}");
    assert!(
        output.contains("OPENAPP_BASE_URL=https://x.test with OPENAPP_API_PREFIX=/api/v1"),
        "{output}"
    );
}

#[test]
fn run_names_its_target_and_origins_once_on_stderr_but_not_under_list() {
    let out = run_with(&["run", "core::r01"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("target: "))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let re = regex::Regex::new(
        r"^target: embedded — api http://api\.openapp\.test:\d+/api/v1 · kratos public http://auth\.openapp\.test:\d+ · kratos admin http://127\.0\.0\.1:\d+$",
    )
    .unwrap();
    assert!(re.is_match(lines[0]), "{}", lines[0]);
    assert!(!text(&out.stdout).contains("target: "));

    let out = run_with(&["run", "--list"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !text(&out.stderr).contains("target: "),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains("target: "));
}

/// An external target is announced and its preflight started before the scenario files load
/// (the two overlap); the verdicts keep their precedence all the same.
#[test]
fn an_early_preflight_keeps_the_exit_code_precedence() {
    let served = Served::start(&[]);
    let origin = format!("http://127.0.0.1:{}", closed_port());
    let unreachable = env_with(&served, "OPENAPP_BASE_URL", &origin);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("broken.toml"), "name = \n").expect("write");
    let scenarios = dir.path().to_str().expect("utf-8 path");

    // An invalid file and an unreachable origin: the file's exit 2 wins, both are said.
    let (code, output) = run(&["run", "--scenarios", scenarios], &unreachable);
    assert_eq!(code, Some(exit::USAGE as i32), "{output}");
    assert!(output.contains("broken.toml"), "{output}");
    assert!(output.contains("is unreachable"), "{output}");
    assert_eq!(output.matches("target: external").count(), 1, "{output}");

    // A missing scenario directory is exit 2, whatever the preflight finds.
    let missing = dir.path().join("missing");
    let missing = missing.to_str().expect("utf-8 path");
    let (code, output) = run(&["run", "--scenarios", missing], &unreachable);
    assert_eq!(code, Some(exit::USAGE as i32), "{output}");
    assert!(output.contains("does not exist"), "{output}");

    // A reachable target with a valid selection still runs (the preflight's answer is awaited).
    let env = env_with(&served, "OPENAPP_COOKIE_DOMAIN", "openapp.test");
    let (code, output) = run(&["run", "core::r01"], &env);
    assert_eq!(code, Some(exit::OK as i32), "{output}");
}
