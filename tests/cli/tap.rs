//! Test support: a recording TCP relay. It listens on `127.0.0.2:PORT` and forwards to
//! `127.0.0.1:PORT`, keeping every byte of both directions, so a test sees exactly what the
//! harness sent and received (the raw wire, with every cookie value and token).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use super::stack::Served;

/// The bytes of one connection in one direction.
type Stream = Arc<Mutex<Vec<u8>>>;

/// Everything relayed, one buffer per connection and direction.
#[derive(Clone, Default)]
pub(crate) struct Capture(Arc<Mutex<Vec<Stream>>>);

impl Capture {
    fn stream(&self) -> Stream {
        let buf = Arc::new(Mutex::new(Vec::new()));
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(buf.clone());
        buf
    }

    /// Every buffer as text, separated by blank lines.
    pub(crate) fn text(&self) -> String {
        let streams = self.0.lock().unwrap_or_else(|p| p.into_inner());
        streams
            .iter()
            .map(|b| {
                String::from_utf8_lossy(&b.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// Relays `127.0.0.2:port` to `127.0.0.1:port` for each port, into one capture. `None` when
/// the machine cannot bind `127.0.0.2`.
pub(crate) fn relay(ports: &[u16]) -> Option<Capture> {
    let capture = Capture::default();
    for &port in ports {
        let listener = TcpListener::bind(("127.0.0.2", port)).ok()?;
        let upstream: SocketAddr = ([127, 0, 0, 1], port).into();
        let capture = capture.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                pump(&client, &server, capture.stream());
                pump(&server, &client, capture.stream());
            }
        });
    }
    Some(capture)
}

/// Copies `from` to `to` on a thread, recording before forwarding.
fn pump(from: &TcpStream, to: &TcpStream, record: Stream) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    record
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend_from_slice(&buf[..n]);
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// The stack's environment with every host routed through the relay on 127.0.0.2.
pub(crate) fn tapped_env(served: &Served) -> Option<(Vec<(String, String)>, Capture)> {
    let admin = url::Url::parse(&served.get("kratos_admin_url")).expect("admin URL");
    let admin_port = admin.port().expect("admin port");
    let resolve = served.resolve();
    let mut ports: Vec<u16> = resolve
        .iter()
        .filter_map(|r| r.split(':').nth(1)?.parse().ok())
        .collect();
    ports.push(admin_port);
    let capture = relay(&ports)?;
    let tapped: Vec<String> = resolve
        .iter()
        .map(|r| r.replace(":127.0.0.1", ":127.0.0.2"))
        .collect();
    let mut env = served.env();
    for (k, v) in &mut env {
        match k.as_str() {
            "OPENAPP_RESOLVE" => *v = tapped.join(","),
            "KRATOS_ADMIN_URL" => *v = format!("http://127.0.0.2:{admin_port}/"),
            _ => {}
        }
    }
    Some((env, capture))
}

/// The secret values a raw HTTP capture holds: every cookie value (`Set-Cookie` and
/// `Cookie`), API keys (and their secret part), session and logout tokens, passwords and
/// CSRF tokens in JSON or form bodies. Values shorter than 8 characters are left out.
pub(crate) fn secrets_in(raw: &str) -> Vec<String> {
    let patterns = [
        r"(?im)^set-cookie:[ \t]*[^=;\r\n]+=([^;\r\n]*)",
        r"(?im)^(?:x-api-key|x-session-token):[ \t]*([^\r\n]+)",
        r"(?im)^authorization:[ \t]*bearer[ \t]+([^\r\n]+)",
        r"(ory_(?:st|lo)_[A-Za-z0-9]+)",
        r"_openapp_([A-Za-z0-9]+)",
        r#""(?:password|csrf_token|session_token|logout_token)"\s*:\s*"([^"]+)""#,
        r#""name"\s*:\s*"(?:csrf_token|password)"[^}]*?"value"\s*:\s*"([^"]+)""#,
        r"(?:^|[&\r\n])(?:password|csrf_token)=([^&\s]+)",
    ];
    let mut out: Vec<String> = Vec::new();
    for p in patterns {
        let re = regex::Regex::new(p).expect("valid pattern");
        out.extend(re.captures_iter(raw).map(|c| c[1].trim().to_string()));
    }
    let cookie = regex::Regex::new(r"(?im)^cookie:[ \t]*([^\r\n]+)").expect("valid pattern");
    for c in cookie.captures_iter(raw) {
        out.extend(
            c[1].split(';')
                .filter_map(|p| p.split_once('='))
                .map(|(_, v)| v.trim().to_string()),
        );
    }
    let decoded: Vec<String> = out
        .iter()
        .filter(|v| v.contains('%'))
        .map(|v| {
            form_urlencoded::parse(format!("x={v}").as_bytes())
                .next()
                .map(|(_, d)| d.into_owned())
                .unwrap_or_default()
        })
        .collect();
    out.extend(decoded);
    out.retain(|v| v.chars().count() >= 8);
    out.sort();
    out.dedup();
    out
}

#[test]
fn secrets_are_found_in_a_raw_capture() {
    let raw = "POST /x HTTP/1.1\r\nCookie: a=CookieValue1; b=CookieValue2\r\nX-API-Key: http://h_openapp_KeyPart12345\r\n\r\n{\"password\":\"Pass-word-1\"}\n\nHTTP/1.1 200 OK\r\nSet-Cookie: s=SessionValue9; Path=/\r\n\r\n{\"session_token\":\"ory_st_Tok123456\",\"ui\":{\"nodes\":[{\"attributes\":{\"name\":\"csrf_token\",\"type\":\"hidden\",\"value\":\"CsrfValue77\"}}]}}";
    let found = secrets_in(raw);
    for want in [
        "CookieValue1",
        "CookieValue2",
        "KeyPart12345",
        "Pass-word-1",
        "SessionValue9",
        "ory_st_Tok123456",
        "CsrfValue77",
    ] {
        assert!(found.iter().any(|f| f == want), "{want} not in {found:?}");
    }
}
