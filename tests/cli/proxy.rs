//! Proxies as curl reads them: with `http_proxy` / `HTTP_PROXY` set, every request of a run
//! to an http target goes through the proxy (a tiny forward proxy in the test counts what it
//! relays) and the run's origin line says so; `NO_PROXY` and the hosts `OPENAPP_RESOLVE` maps
//! are reached directly. K7 still judges the final URL: every request the proxy relays names
//! one of the configured origins, and the proxy's credentials never show in the output.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use super::stack::{Served, run_with, text};

/// A plain-HTTP forward proxy on loopback: reads a request in absolute form, sends it on to
/// `127.0.0.1:<the URL's port>` (the proxy resolves every name to loopback, as a proxy with
/// its own DNS would), relays the answer and closes. Records each request's target URL.
#[derive(Clone, Default)]
pub(crate) struct ForwardProxy(Arc<Mutex<Vec<String>>>);

impl ForwardProxy {
    fn start() -> (Self, u16) {
        Self::start_with(false)
    }

    /// A proxy that answers every DELETE itself with a 500 (an admin API that fails to
    /// delete), relaying everything else.
    pub(crate) fn refusing_deletes() -> (Self, u16) {
        Self::start_with(true)
    }

    fn start_with(refuse_delete: bool) -> (Self, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let proxy = Self::default();
        let seen = proxy.0.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = seen.clone();
                thread::spawn(move || relay(client, &seen, refuse_delete));
            }
        });
        (proxy, port)
    }

    pub(crate) fn requests(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn relay(client: TcpStream, seen: &Mutex<Vec<String>>, refuse_delete: bool) {
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return;
    };
    let Ok(url) = url::Url::parse(target) else {
        return; // not absolute form: not a forward-proxy request
    };
    seen.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(format!("{method} {url}"));
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
        let lower = h.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("proxy-") || lower.starts_with("connection:") {
            continue;
        }
        head.push_str(&h);
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    if refuse_delete && method == "DELETE" {
        let _ = (&client).write_all(
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        return;
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", port)) else {
        let _ = (&client).write_all(
            b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        return;
    };
    let path = &url[url::Position::BeforePath..];
    let request = format!("{method} {path} HTTP/1.1\r\n{head}connection: close\r\n\r\n");
    if upstream.write_all(request.as_bytes()).is_err() || upstream.write_all(&body).is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = upstream.read_to_end(&mut answer);
    let _ = (&client).write_all(&answer);
    let _ = client.shutdown(std::net::Shutdown::Both);
}

const SCENARIOS: [&str; 3] = [
    "core::r01_anonymous_is_null",
    "core::k1_browser_flow_init",
    "core::r10_logout_clears_both_variants",
];

/// Runs the scenarios against `served` with this environment; gives stderr.
fn run_ok(env: &[(String, String)]) -> String {
    let mut args = vec!["run", "--exact"];
    args.extend(SCENARIOS);
    let out = run_with(&args, env);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(!stdout.contains("proxysecret") && !stderr.contains("proxysecret"));
    stderr
}

#[test]
fn http_targets_go_through_the_proxy_unless_no_proxy_or_resolve_says_direct() {
    let served = Served::start(&[]);
    let (proxy, port) = ForwardProxy::start();
    let proxy_url = format!("http://user:proxysecret@127.0.0.1:{port}");
    // No OPENAPP_RESOLVE: the names are the proxy's to resolve.
    let mut env: Vec<(String, String)> = served
        .env()
        .into_iter()
        .filter(|(k, _)| k != "OPENAPP_RESOLVE")
        .collect();
    env.push(("http_proxy".into(), proxy_url.clone()));
    let stderr = run_ok(&env);
    let relayed = proxy.requests();
    assert!(relayed.len() >= 10, "{relayed:?}");
    let origins = ["openapp_origin", "kratos_public_url", "kratos_admin_url"]
        .map(|key| url::Url::parse(&served.get(key)).expect("URL").origin());
    for r in &relayed {
        let url = url::Url::parse(r.split_once(' ').expect("method URL").1).expect("URL");
        assert!(
            origins.contains(&url.origin()),
            "relayed off the configured origins: {r}"
        );
    }
    let line = stderr
        .lines()
        .find(|l| l.starts_with("target: "))
        .unwrap_or_else(|| panic!("no origin line:\n{stderr}"));
    assert_eq!(
        line.matches(&format!("(via proxy http://127.0.0.1:{port})"))
            .count(),
        3,
        "{line}"
    );

    // NO_PROXY for the cookie domain (and the admin API's address): direct.
    let mut direct = served.env();
    direct.push(("HTTP_PROXY".into(), proxy_url.clone()));
    direct.push(("NO_PROXY".into(), ".openapp.test,127.0.0.0/8".into()));
    let before = proxy.requests().len();
    let stderr = run_ok(&direct);
    assert_eq!(proxy.requests().len(), before, "NO_PROXY was not honoured");
    assert!(!stderr.contains("via proxy"), "{stderr}");

    // Hosts OPENAPP_RESOLVE maps are reached directly even without NO_PROXY.
    let mut mapped = served.env();
    mapped.push(("HTTP_PROXY".into(), proxy_url));
    let stderr = run_ok(&mapped);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("target: "))
        .unwrap_or_default();
    let parts: Vec<&str> = line.split(" · ").collect();
    assert!(
        parts.len() == 3
            && !parts[0].contains("via proxy")
            && !parts[1].contains("via proxy")
            && parts[2].contains("via proxy"),
        "only the admin API (127.0.0.1, not mapped) goes through the proxy: {line}"
    );
    let relayed_now: Vec<String> = proxy.requests().split_off(before);
    assert!(
        relayed_now.iter().all(|r| !r.contains("openapp.test")),
        "mapped hosts went through the proxy: {relayed_now:?}"
    );
}
