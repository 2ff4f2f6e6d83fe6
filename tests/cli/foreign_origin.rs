//! Rule K7 end to end: with the Kratos fault `kratos-flow-urls-foreign-origin` every flow URL
//! names `http://127.0.0.2:<Kratos public port>`, where the test listens and records every
//! connection and byte. The harness must send it nothing at all — not the password, not the
//! CSRF or logout token, not even a connection — and each trial that meets such a URL fails
//! with one line: the URL handed out, the configured origin, the likely cause, and no secret.
//! With the preflight (the default) the run stops before the first trial, exit 3, with that
//! line once; the client-layer check is tested with `--no-preflight`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use openapp_conformance::exit;
use openapp_conformance::plan::load_dir;
use openapp_conformance::redact::Secrets;
use openapp_conformance::run::client::ClientFactory;
use openapp_conformance::run::result::Outcome;
use openapp_conformance::run::scenario::run_scenario;
use openapp_conformance::settings::runtime;
use openapp_conformance::switches::Switches;
use openapp_conformance::targets::{TargetOptions, resolve_target};

use super::stack::{Served, run_with, text};

const FAULT: &str = "kratos-flow-urls-foreign-origin";

/// What reached the foreign origin: one entry per connection, its bytes.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Vec<u8>>>>);

impl Recorder {
    /// Listens on `127.0.0.2:port`; records each connection's bytes (until the client stops
    /// sending for 300 ms), then answers 502 and closes. `None` when `127.0.0.2` cannot be
    /// bound on this machine.
    fn listen(port: u16) -> Option<Self> {
        let listener = TcpListener::bind(("127.0.0.2", port)).ok()?;
        let recorder = Self::default();
        let seen = recorder.0.clone();
        thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let index = {
                    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                    seen.push(Vec::new());
                    seen.len() - 1
                };
                let _ = conn.set_read_timeout(Some(Duration::from_millis(300)));
                let mut buf = [0u8; 4096];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    seen.lock().unwrap_or_else(|p| p.into_inner())[index]
                        .extend_from_slice(&buf[..n]);
                }
                let _ = conn.write_all(
                    b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
                let _ = conn.shutdown(Shutdown::Both);
            }
        });
        Some(recorder)
    }

    /// Connections accepted so far.
    fn connections(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// HTTP requests received so far (request lines), and every byte as text.
    fn requests(&self) -> (usize, String) {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let all: String = seen
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        let count = all
            .lines()
            .filter(|l| {
                ["GET ", "POST ", "DELETE ", "PUT ", "PATCH "]
                    .iter()
                    .any(|m| l.starts_with(m))
            })
            .count();
        (count, all)
    }
}

/// The port of a URL such as `http://auth.openapp.test:43123/`.
fn port_of(url: &str) -> u16 {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.port_or_known_default())
        .unwrap_or_else(|| panic!("no port in {url}"))
}

/// Asserts the refusal line's content: the URL handed out, the configured origin, the cause.
fn assert_k7_line(line: &str, port: u16) {
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(
        line.contains(&format!("the URL http://127.0.0.2:{port}/self-service/")),
        "names the URL handed out: {line}"
    );
    assert!(
        line.contains(&format!("as configured, http://auth.openapp.test:{port};")),
        "names the configured origin: {line}"
    );
    assert!(
        line.contains("serve.public.base_url (SERVE_PUBLIC_BASE_URL)")
            && line.contains("OPENAPP_RESOLVE"),
        "names the likely cause: {line}"
    );
}

#[test]
fn a_full_run_sends_nothing_to_the_foreign_origin_and_says_why_in_one_line() {
    let served = Served::start(&["--fault", FAULT]);
    let port = port_of(&served.get("kratos_public_url"));
    let Some(recorder) = Recorder::listen(port) else {
        eprintln!("skipped: 127.0.0.2 cannot be bound on this machine");
        return;
    };
    let out = run_with(
        &["run", "--test-threads", "2", "--no-preflight"],
        &served.env(),
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit::CHECK_FAILED as i32),
        "{stdout}"
    );
    thread::sleep(Duration::from_millis(400));
    let (requests, bytes) = recorder.requests();
    assert_eq!(
        (recorder.connections(), requests),
        (0, 0),
        "the foreign origin received:\n{bytes}"
    );
    assert!(
        stdout.lines().any(
            |l| l.starts_with("test core::k7_flow_urls_stay_on_the_public_url ")
                && l.ends_with("FAILED")
        ),
        "{stdout}"
    );
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("not sent (K7)"))
        .collect();
    assert!(!lines.is_empty(), "no refusal line in:\n{stdout}");
    for line in &lines {
        assert_k7_line(line, port);
    }
    // No secret in the output: the API key, and no password the harness generated
    // (`Cc-` and 24 alphanumerics) or posted.
    let api_key = served.get("api_key");
    let secret = api_key.rsplit("_openapp_").next().unwrap_or(&api_key);
    let output = format!("{stdout}{}", text(&out.stderr));
    assert!(!output.contains(secret), "the API key leaked");
    let password = regex::Regex::new("Cc-[A-Za-z0-9]{24}").unwrap();
    assert!(!password.is_match(&output), "a password leaked");
}

#[test]
fn the_preflight_stops_the_run_with_one_k7_line_and_exit_3() {
    let served = Served::start(&["--fault", FAULT]);
    let port = port_of(&served.get("kratos_public_url"));
    let Some(recorder) = Recorder::listen(port) else {
        eprintln!("skipped: 127.0.0.2 cannot be bound on this machine");
        return;
    };
    let out = run_with(&["run"], &served.env());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(exit::SETUP as i32), "{stderr}");
    assert!(!stdout.contains("test "), "no trial ran:\n{stdout}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("K7")).collect();
    assert_eq!(lines.len(), 1, "one K7 line:\n{stderr}");
    let line = lines[0];
    assert!(
        line.contains(&format!(
            "ui.action http://127.0.0.2:{port}/self-service/login?flow="
        )) && line.contains(&format!("as configured, http://auth.openapp.test:{port};"))
            && line.contains("serve.public.base_url (SERVE_PUBLIC_BASE_URL)"),
        "names the URL, the configured origin and the likely cause: {line}"
    );
    thread::sleep(Duration::from_millis(400));
    assert_eq!(
        recorder.connections(),
        0,
        "the foreign origin was contacted"
    );
}

#[test]
fn no_trial_sends_a_byte_off_its_origin_and_each_refusal_names_no_secret() {
    let loaded = load_dir(&super::root().join("scenarios")).expect("scenarios/ loads");
    let rt = runtime().expect("runtime");
    rt.block_on(async {
        let opts = TargetOptions {
            switches: Switches::parse(FAULT).expect("known switch"),
            ..Default::default()
        };
        let target = resolve_target(&opts).await.expect("embedded stack starts");
        let port = target.endpoints.kratos_public.port().expect("explicit port");
        let Some(recorder) = Recorder::listen(port) else {
            eprintln!("skipped: 127.0.0.2 cannot be bound on this machine");
            return;
        };
        let factory = ClientFactory::for_target(&target);
        let secrets: Vec<Secrets> = loaded.scenarios.iter().map(|_| Secrets::new()).collect();
        let runs = loaded
            .scenarios
            .iter()
            .zip(&secrets)
            .map(|(s, sec)| run_scenario(s, &target, &factory, sec));
        let results = futures_util::future::join_all(runs).await;
        tokio::time::sleep(Duration::from_millis(400)).await;

        let (requests, bytes) = recorder.requests();
        let core_refused = results
            .iter()
            .filter(|r| r.id.starts_with("core/"))
            .flat_map(|r| &r.steps)
            .flat_map(|s| &s.exchanges)
            .filter(|e| matches!(&e.response, Err(e) if e.starts_with("not sent (K7)")))
            .count();
        println!(
            "foreign origin: {} connections, {requests} requests; core suite: {core_refused} requests refused",
            recorder.connections()
        );
        assert_eq!(
            (recorder.connections(), requests),
            (0, 0),
            "the foreign origin received:\n{bytes}"
        );
        assert!(core_refused > 0, "nothing was refused");

        let k7 = results
            .iter()
            .find(|r| r.id == "core/k7_flow_urls_stay_on_the_public_url")
            .expect("the K7 scenario ran");
        assert_eq!(k7.outcome, Outcome::Failed);
        assert!(k7.rules.iter().any(|r| r == "K7"));

        let mut refusals = 0;
        for (result, secrets) in results.iter().zip(&secrets) {
            for step in &result.steps {
                let Some(error) = step.error.as_deref() else {
                    continue;
                };
                if !error.contains("not sent (K7)") {
                    continue;
                }
                refusals += 1;
                assert_k7_line(error, port);
                assert_eq!(
                    secrets.redact(error),
                    error,
                    "{}: a registered secret in the refusal line",
                    result.id
                );
                let transcript =
                    openapp_conformance::report::human::render_failure(result, secrets);
                assert!(transcript.contains("not sent (K7)"), "{transcript}");
            }
        }
        assert!(refusals > 0, "no step failed with the K7 line");
    });
}
