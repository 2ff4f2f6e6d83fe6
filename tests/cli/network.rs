//! Faults of the network: an unreachable host, a refused port, a server that accepts and never
//! answers, a reset connection (and, in `tls`, a certificate nobody trusts). Each fails the
//! scenarios that meet it with one clear line — what, which URL, after how long — while the
//! run completes with the other scenarios' results; GETs are retried only with `--retries`,
//! POSTs never.
//!
//! Setup: `serve --json` provides a working Kratos; the OpenApp origin points at the fault.
//! `core::k1_browser_flow_init` talks to Kratos only (must pass), `core::r01_…` makes GETs and
//! `core::r14_…` POSTs to the OpenApp API (must fail).

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::stack::{Served, run_with, text};

const KRATOS_ONLY: &str = "core::k1_browser_flow_init";
const GETS: &str = "core::r01_anonymous_is_null";
const POSTS: &str = "core::r14_logout_without_session";

/// A server on 127.0.0.1 that counts connections and does `with` to each one.
fn server(with: fn(TcpStream)) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || with(stream));
        }
    });
    (port, count)
}

/// Accepts and never answers (holds the connection for a minute).
fn silent(stream: TcpStream) {
    std::thread::sleep(Duration::from_secs(60));
    drop(stream);
}

/// Closes with the request unread, which makes the kernel answer with a reset.
fn resetting(stream: TcpStream) {
    std::thread::sleep(Duration::from_millis(50));
    drop(stream);
}

/// A port nothing listens on.
fn refused_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// The outcome of a run against a broken OpenApp origin.
struct Broken {
    json: Value,
    stdout: String,
    elapsed: Duration,
}

impl Broken {
    fn scenario(&self, trial: &str) -> &Value {
        self.json["scenarios"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["trial"] == trial))
            .unwrap_or_else(|| panic!("{trial} not in the report:\n{}", self.stdout))
    }

    /// The error line of the first failing step of a failed scenario.
    fn error(&self, trial: &str) -> String {
        let s = self.scenario(trial);
        assert_eq!(s["outcome"], "failed", "{trial}:\n{}", self.stdout);
        s["steps"]
            .as_array()
            .and_then(|steps| steps.iter().find_map(|st| st["error"].as_str()))
            .unwrap_or_else(|| panic!("{trial} has no step error:\n{}", self.stdout))
            .to_string()
    }
}

/// Runs the three scenarios with the OpenApp origin at `origin`, resolved by `resolve`.
fn run_broken(served: &Served, origin: &str, resolve: Option<String>, extra: &[&str]) -> Broken {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let mut env: Vec<(String, String)> = served
        .env()
        .into_iter()
        .filter(|(k, _)| k != "OPENAPP_BASE_URL" && k != "OPENAPP_RESOLVE")
        .collect();
    let mut resolves = served.resolve();
    resolves.extend(resolve);
    env.extend([
        ("OPENAPP_BASE_URL".into(), origin.to_string()),
        ("OPENAPP_RESOLVE".into(), resolves.join(",")),
        ("OPENAPP_COOKIE_DOMAIN".into(), "openapp.test".into()),
    ]);
    // The trials' own handling of a broken origin (the preflight would stop the run first,
    // exit 3: tests/cli/preflight.rs).
    let mut args = vec![
        "run",
        "--no-preflight",
        "--exact",
        KRATOS_ONLY,
        GETS,
        POSTS,
        "--connect-timeout",
        "1s",
        "--request-timeout",
        "1s",
        "--json",
        report.to_str().unwrap(),
    ];
    args.extend(extra);
    let started = Instant::now();
    let out = run_with(&args, &env);
    let elapsed = started.elapsed();
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    let json = std::fs::read_to_string(&report).expect("the JSON report");
    let json = serde_json::from_str(&json).expect("valid JSON");
    let broken = Broken {
        json,
        stdout,
        elapsed,
    };
    assert_eq!(
        broken.scenario(KRATOS_ONLY)["outcome"],
        "passed",
        "the other scenarios still run:\n{}",
        broken.stdout
    );
    broken
}

/// Checks the one-line error of both API scenarios: `what`, the URL, the time, the cause.
fn assert_clear_line(b: &Broken, url_prefix: &str, what: &str, cause: &str) {
    let re = regex::Regex::new(&format!(
        r"^{what}: request to {}/api/v1/auth/(whoami|logout) after [0-9.]+(ns|µs|ms|s)\b.*{cause}",
        regex::escape(url_prefix)
    ))
    .unwrap();
    for trial in [GETS, POSTS] {
        let line = b.error(trial);
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(re.is_match(&line), "{trial}: `{line}` does not match {re}");
        assert!(b.stdout.contains(&line), "stdout shows it:\n{}", b.stdout);
    }
    assert!(b.elapsed < Duration::from_secs(20), "took {:?}", b.elapsed);
}

#[test]
fn unreachable_hosts_fail_with_one_line() {
    let served = Served::start(&[]);
    // A name no resolver knows.
    let b = run_broken(&served, "http://api.openapp.invalid", None, &[]);
    assert_clear_line(
        &b,
        "http://api.openapp.invalid",
        "could not connect",
        "(?i)(dns|resolve|lookup|name)",
    );
    // An address nothing routes to (TEST-NET-1): a connect timeout, or refused/unreachable
    // at once where the network says so.
    let b = run_broken(
        &served,
        "http://api.openapp.test:9",
        Some("api.openapp.test:9:192.0.2.1".into()),
        &[],
    );
    assert_clear_line(
        &b,
        "http://api.openapp.test:9",
        "(could not connect|timed out)",
        "",
    );
}

#[test]
fn a_refused_port_fails_with_one_line() {
    let served = Served::start(&[]);
    let port = refused_port();
    let origin = format!("http://api.openapp.test:{port}");
    let b = run_broken(
        &served,
        &origin,
        Some(format!("api.openapp.test:{port}:127.0.0.1")),
        &[],
    );
    assert_clear_line(&b, &origin, "could not connect", "(?i)refused");
}

#[test]
fn a_server_that_never_answers_times_out_after_the_request_timeout() {
    let served = Served::start(&[]);
    let (port, _) = server(silent);
    let origin = format!("http://api.openapp.test:{port}");
    let b = run_broken(
        &served,
        &origin,
        Some(format!("api.openapp.test:{port}:127.0.0.1")),
        &[],
    );
    assert_clear_line(&b, &origin, "timed out", "");
    let ms = b.scenario(GETS)["elapsed_ms"].as_u64().unwrap_or(0);
    assert!((900..5000).contains(&ms), "the GET scenario took {ms} ms");
}

#[test]
fn a_reset_connection_fails_with_one_line_and_only_gets_are_retried() {
    let served = Served::start(&[]);
    let (port, count) = server(resetting);
    let origin = format!("http://api.openapp.test:{port}");
    let resolve = Some(format!("api.openapp.test:{port}:127.0.0.1"));
    let b = run_broken(&served, &origin, resolve.clone(), &["--test-threads", "1"]);
    assert_clear_line(
        &b,
        &origin,
        "(failed|failed to send the request|could not connect)",
        "(?i)(reset|closed|connection)",
    );
    // One GET (r01 stops at its first step) and one POST: two connections, no retry.
    assert_eq!(count.swap(0, Ordering::SeqCst), 2);

    let b = run_broken(
        &served,
        &origin,
        resolve,
        &["--test-threads", "1", "--retries", "2"],
    );
    // The GET is tried three times, the POST still once.
    assert_eq!(count.load(Ordering::SeqCst), 4);
    assert!(b.error(GETS).ends_with("(3 attempts)"), "{}", b.error(GETS));
    assert!(!b.error(POSTS).contains("attempts"), "{}", b.error(POSTS));
}

#[test]
fn a_tls_failure_fails_with_one_line() {
    // https to a port that speaks plain HTTP: the handshake fails. (An untrusted certificate
    // is covered in `tls`.)
    let served = Served::start(&[]);
    let port = url::Url::parse(&served.get("openapp_origin"))
        .ok()
        .and_then(|u| u.port())
        .expect("the origin has a port");
    let origin = format!("https://api.openapp.test:{port}");
    let b = run_broken(&served, &origin, None, &[]);
    assert_clear_line(
        &b,
        &origin,
        "could not connect",
        "(?i)(tls|ssl|handshake|corrupt|message)",
    );
}
