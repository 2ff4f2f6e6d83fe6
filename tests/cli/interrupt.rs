//! Interrupted runs: a real SIGINT or SIGTERM (`kill`) sent to the real binary while a trial or
//! a load iteration is in flight. The OpenApp and Kratos origins are a server in the test that
//! accepts, reads the request and never answers, so a request is reliably in flight when the
//! test has seen it arrive; the test then signals. No sleeps: the tests wait on events (the
//! server's read, a line on stderr, the process's exit), with generous bounds as hang guards.
//!
//! `run`: exit 130 / 143, libtest's summary, the JSON and JUnit reports written and marked
//! interrupted, the trial in flight failed saying so, the one not started ignored as not run,
//! and `interrupted by SIGINT: N trials did not finish` on stderr; a signal during the
//! preflight ends the run before the first trial. `load`: exit 130 with its summary and
//! `--json` figures marked interrupted, and a second signal ends it at once. An interrupted
//! run deletes the identities its cut-short trials created (asserted against the admin API).

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::hygiene::served_identities;
use super::stack::{Served, bin, text};

/// The bound of every wait: only a hang guard, never a measured time.
const HANG_GUARD: Duration = Duration::from_secs(120);

const GETS: &str = "core::r01_anonymous_is_null";
const POSTS: &str = "core::r14_logout_without_session";

/// A server that reads each request and never answers; `seen` gets one message per request.
struct Silent {
    origin: String,
    seen: Receiver<()>,
}

impl Silent {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, seen) = channel();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    if matches!(stream.read(&mut buf), Ok(n) if n > 0) {
                        let _ = tx.send(());
                    }
                    // Hold the connection, unanswered, until the client goes away.
                    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                });
            }
        });
        Silent { origin, seen }
    }

    /// Waits until a request has arrived (it is then in flight in the binary).
    fn wait_for_a_request(&self) {
        self.seen
            .recv_timeout(HANG_GUARD)
            .expect("the binary sent a request to the silent server");
    }

    /// The binary pointed at this server as an external target.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = bin();
        c.args(args)
            .env("OPENAPP_BASE_URL", &self.origin)
            .env("KRATOS_PUBLIC_URL", &self.origin);
        c
    }
}

/// The binary running, its stdout collected and its stderr read line by line.
struct Running {
    child: Child,
    stdout: JoinHandle<String>,
    stderr: Receiver<String>,
    stderr_seen: Vec<String>,
}

/// How a run ended.
struct Ended {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Running {
    fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut out = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = out.read_to_end(&mut s);
            text(&s)
        });
        let err = child.stderr.take().expect("stderr");
        let (tx, stderr) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            stdout,
            stderr,
            stderr_seen: Vec::new(),
        }
    }

    /// Sends a signal (`INT`, `TERM`) with `kill`.
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for a stderr line containing `needle`.
    fn wait_for_stderr(&mut self, needle: &str) {
        let until = Instant::now() + HANG_GUARD;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.stderr_seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => panic!(
                    "no stderr line with `{needle}`:\n{}",
                    self.stderr_seen.join("\n")
                ),
            }
        }
    }

    /// Waits for the process to end (killing it past the hang guard).
    fn end(mut self) -> Ended {
        let until = Instant::now() + HANG_GUARD;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!("the binary did not exit:\n{}", self.stderr_seen.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = self.stdout.join().expect("stdout reader");
        self.stderr_seen.extend(self.stderr.iter());
        Ended {
            code: status.code(),
            stdout,
            stderr: self.stderr_seen.join("\n"),
        }
    }
}

impl Ended {
    fn context(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
    }
}

fn read_json(path: &Path) -> Value {
    let body = std::fs::read_to_string(path).expect("the JSON report is written");
    serde_json::from_str(&body).expect("valid JSON")
}

/// `run` of two scenarios on one thread: the first's request is held by the silent server
/// when `signal` is sent, the second has not started.
fn run_interrupted(signal: &str, name: &str, code: i32) {
    let silent = Silent::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let (json, junit) = (dir.path().join("r.json"), dir.path().join("r.xml"));
    let running = Running::start(silent.command(&[
        "run",
        "--exact",
        GETS,
        POSTS,
        "--test-threads",
        "1",
        "--no-preflight",
        "--request-timeout",
        "600s",
        "--json",
        json.to_str().expect("utf-8"),
        "--junit",
        junit.to_str().expect("utf-8"),
    ]));
    silent.wait_for_a_request();
    running.signal(signal);
    let ended = running.end();
    let ctx = ended.context();
    assert_eq!(ended.code, Some(code), "{ctx}");
    assert!(
        ended.stdout.contains("0 passed; 1 failed; 1 ignored"),
        "libtest's summary: {ctx}"
    );
    let why = format!("interrupted by {name} after ");
    assert!(ended.stdout.contains(&why), "{ctx}");
    assert!(ended.stdout.contains("(step 1 of 3 in flight)"), "{ctx}");
    assert!(
        ended
            .stderr
            .contains(&format!("interrupted by {name}: 2 trials did not finish")),
        "{ctx}"
    );
    let report = read_json(&json);
    assert_eq!(report["interrupted"], name, "{report}");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    let by_trial = |trial: &str| {
        scenarios
            .iter()
            .find(|s| s["trial"] == trial)
            .unwrap_or_else(|| panic!("{trial} is not in the report: {report}"))
    };
    let cut = by_trial(GETS);
    assert_eq!(cut["outcome"], "failed", "{cut}");
    let step = &cut["steps"][0];
    assert!(
        step["error"].as_str().is_some_and(|e| e.contains(&why)),
        "{cut}"
    );
    let not_run = by_trial(POSTS);
    assert_eq!(not_run["outcome"], "ignored", "{not_run}");
    assert_eq!(
        not_run["ignored_reason"],
        format!("not run: interrupted by {name}")
    );
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report is written");
    let property = format!(r#"<property name="interrupted" value="{name}"/>"#);
    assert!(xml.contains(&property), "{xml}");
}

#[test]
fn sigint_mid_trial_keeps_the_summary_and_the_reports_and_exits_130() {
    run_interrupted("INT", "SIGINT", 130);
}

#[test]
fn sigterm_mid_trial_keeps_the_summary_and_the_reports_and_exits_143() {
    run_interrupted("TERM", "SIGTERM", 143);
}

#[test]
fn sigint_during_the_preflight_ends_the_run_before_the_first_trial() {
    let silent = Silent::start();
    let running =
        Running::start(silent.command(&["run", "--exact", GETS, "--request-timeout", "600s"]));
    silent.wait_for_a_request();
    running.signal("INT");
    let ended = running.end();
    let ctx = ended.context();
    assert_eq!(ended.code, Some(130), "{ctx}");
    assert!(
        ended
            .stderr
            .contains("interrupted by SIGINT before the first trial"),
        "{ctx}"
    );
}

/// `load` with its first request held by the silent server; `timeout` is the request timeout.
fn load_in_flight(silent: &Silent, json: &Path, timeout: &str) -> Running {
    let running = Running::start(silent.command(&[
        "load",
        "--exact",
        GETS,
        "-c",
        "1",
        "-d",
        "600s",
        "--no-preflight",
        "--request-timeout",
        timeout,
        "--json",
        json.to_str().expect("utf-8"),
    ]));
    silent.wait_for_a_request();
    running
}

#[test]
fn sigint_stops_load_with_its_summary_and_figures_and_exits_130() {
    let silent = Silent::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("load.json");
    // The request in flight ends by its own 2 s timeout, within the grace the signal gives it.
    let running = load_in_flight(&silent, &json, "2s");
    running.signal("INT");
    let ended = running.end();
    let ctx = ended.context();
    assert_eq!(ended.code, Some(130), "{ctx}");
    assert!(ended.stdout.contains("load: "), "the summary: {ctx}");
    assert!(ended.stdout.contains("(interrupted by SIGINT"), "{ctx}");
    assert!(
        ended
            .stderr
            .contains("interrupted by SIGINT: 0 scenario runs did not finish"),
        "{ctx}"
    );
    let figures = read_json(&json);
    assert_eq!(figures["interrupted"], true, "{figures}");
    assert_eq!(figures["signal"], "SIGINT", "{figures}");
    assert!(figures["iterations"].as_u64() >= Some(1), "{figures}");
}

#[test]
fn a_second_sigint_ends_load_at_once() {
    let silent = Silent::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("load.json");
    // After the first signal the iteration in flight may go on for its 600 s request timeout.
    let mut running = load_in_flight(&silent, &json, "600s");
    running.signal("INT");
    running.wait_for_stderr("SIGINT: stopping the run");
    running.signal("INT");
    let ended = running.end();
    let ctx = ended.context();
    assert_eq!(ended.code, Some(130), "{ctx}");
    assert!(ended.stderr.contains("SIGINT: exiting at once"), "{ctx}");
    assert!(!ended.stdout.contains("load: "), "no summary: {ctx}");
    assert!(!json.exists(), "no figures");
}

/// An interrupted run deletes the identities its cut-short trials created: Kratos is a real
/// `serve` stack (admin API included), the OpenApp origin the silent server, so the trial has
/// created its identity and logged in when its first OpenApp request is held; after SIGINT
/// the admin API lists no identity of the run.
#[test]
fn sigint_deletes_the_identities_the_cut_short_trials_created() {
    let served = Served::start(&[]);
    let silent = Silent::start();
    let port = silent.origin.rsplit(':').next().expect("port");
    let mut resolve = served.resolve();
    resolve.retain(|r| !r.starts_with("api.openapp.test:"));
    resolve.push(format!("api.openapp.test:{port}:127.0.0.1"));
    let mut command = bin();
    command
        .args([
            "run",
            "--exact",
            "core::lifecycle_browser_session",
            "--no-preflight",
            "--request-timeout",
            "600s",
        ])
        .env(
            "OPENAPP_BASE_URL",
            format!("http://api.openapp.test:{port}"),
        )
        .env("KRATOS_PUBLIC_URL", served.get("kratos_public_url"))
        .env("KRATOS_ADMIN_URL", served.get("kratos_admin_url"))
        .env("OPENAPP_RESOLVE", resolve.join(","));
    let running = Running::start(command);
    silent.wait_for_a_request();
    let made = served_identities(&served);
    assert_eq!(made.len(), 1, "the trial created its identity: {made:?}");
    running.signal("INT");
    let ended = running.end();
    let ctx = ended.context();
    assert_eq!(ended.code, Some(130), "{ctx}");
    assert!(
        ended
            .stderr
            .contains("deleted 1 identity the interrupted trials had created"),
        "{ctx}"
    );
    let left = served_identities(&served);
    assert!(left.is_empty(), "identities left behind: {left:?}\n{ctx}");
}
