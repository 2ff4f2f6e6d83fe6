//! Browser clients of one factory share one HTTP client (one connection pool) but never a
//! cookie: each jar sends and stores exactly what a browser's would, over real loopback HTTP
//! with keep-alive connections. Hosts `api.openapp.test` and `auth.openapp.test` both reach one
//! server, which answers `Set-Cookie` lines by path and records every request's `Cookie`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use url::Url;

use super::{BrowserClient, ClientFactory, Outgoing};
use crate::redact::Secrets;
use crate::run::origins::Destination;
use crate::settings::{Endpoints, Resolve, Timeouts, runtime};

/// `(path, Cookie header or "")` of every request, in order.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// What the server sets for a path (`Set-Cookie` lines).
fn set_cookies(path: &str) -> &'static [&'static str] {
    match path {
        "/host-only" => &["h=1; Path=/"],
        "/domain" => &["d=2; Path=/; Domain=openapp.test"],
        "/scoped" => &["p=3; Path=/scoped"],
        "/secure" => &["s=4; Path=/; Secure"],
        "/expired" => &["h=x; Path=/; expires=Thursday, 01-Jan-1970 00:00:00 GMT"],
        _ => &[],
    }
}

/// Serves every connection until the test ends: keep-alive, empty 200 answers.
fn server() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Seen::default();
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let record = record.clone();
            std::thread::spawn(move || serve(stream, &record));
        }
    });
    (port, seen)
}

fn serve(stream: TcpStream, seen: &Seen) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let path = request.split(' ').nth(1).unwrap_or("").to_string();
        let mut cookie = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("cookie")
            {
                cookie = value.trim().to_string();
            }
        }
        let mut answer = String::from("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n");
        for line in set_cookies(&path) {
            answer.push_str(&format!("set-cookie: {line}\r\n"));
        }
        answer.push_str("\r\n");
        seen.lock().unwrap().push((path, cookie));
        if out.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

fn factory(port: u16) -> ClientFactory {
    let url = |host: &str| Url::parse(&format!("http://{host}.openapp.test:{port}/")).unwrap();
    let resolve = ["api", "auth"]
        .iter()
        .map(|h| Resolve::parse(&format!("{h}.openapp.test:{port}:127.0.0.1")).unwrap())
        .collect();
    let endpoints = Endpoints {
        origin: url("api"),
        api_prefix: String::new(),
        kratos_public: url("auth"),
        kratos_admin: None,
        cookie_domain: Some("openapp.test".into()),
        same_site: "Lax".into(),
        resolve,
    };
    ClientFactory::new(endpoints, Timeouts::default())
}

/// Sends a GET for `host`/`path` through the jar (or without it); gives the `Cookie` header
/// the server received.
async fn get(client: &BrowserClient, seen: &Seen, port: u16, host: &str, path: &str) -> String {
    let url = Url::parse(&format!("http://{host}.openapp.test:{port}{path}")).unwrap();
    let to = if host == "api" {
        Destination::OpenApp
    } else {
        Destination::KratosPublic
    };
    let ex = client.send(Outgoing::get("jar", to, url)).await;
    assert!(ex.response.is_ok(), "{:?}", ex.response);
    let mut pairs: Vec<String> = seen
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .1
        .split("; ")
        .map(String::from)
        .collect();
    pairs.sort();
    pairs.join("; ")
}

#[test]
fn clients_of_one_factory_keep_their_own_cookies_as_a_browser_does() {
    let (port, seen) = server();
    let factory = factory(port);
    runtime().unwrap().block_on(async {
        let alice = factory.browser("alice", &Secrets::new()).unwrap();
        let bob = factory.browser("bob", &Secrets::new()).unwrap();
        get(&alice, &seen, port, "api", "/host-only").await;
        get(&alice, &seen, port, "auth", "/domain").await;
        get(&alice, &seen, port, "api", "/scoped").await;
        get(&alice, &seen, port, "api", "/secure").await;
        // Host-only stays on its host, Domain= reaches both, Path scopes, Secure needs https
        // (sorted: the order is the cookie store's, as before).
        assert_eq!(get(&alice, &seen, port, "api", "/").await, "d=2; h=1");
        assert_eq!(get(&alice, &seen, port, "auth", "/").await, "d=2");
        assert_eq!(
            get(&alice, &seen, port, "api", "/scoped/x").await,
            "d=2; h=1; p=3"
        );
        // Another client of the same factory sends none of them, over the same connections.
        assert_eq!(get(&bob, &seen, port, "api", "/").await, "");
        assert_eq!(get(&bob, &seen, port, "auth", "/").await, "");
        // A clearing line with a long weekday date removes the cookie (Expires normalised).
        get(&alice, &seen, port, "api", "/expired").await;
        assert_eq!(get(&alice, &seen, port, "api", "/").await, "d=2");
        let names = alice.jar_names();
        assert!(names.contains(&"d".to_string()) && names.contains(&"p".to_string()));
        assert!(!names.contains(&"h".to_string()), "{names:?}");
        assert!(bob.jar_names().is_empty());
        // A request without the jar sends no cookie and stores none.
        let url = Url::parse(&format!("http://api.openapp.test:{port}/host-only")).unwrap();
        let out = Outgoing::get("bare", Destination::OpenApp, url).without_jar();
        assert!(bob.send(out).await.response.is_ok());
        assert_eq!(seen.lock().unwrap().last().unwrap().1, "");
        assert!(bob.jar_names().is_empty());
        // A `Cookie` header added by hand is never sent (K7: cookies only through the jar).
        let before = seen.lock().unwrap().len();
        let url = Url::parse(&format!("http://api.openapp.test:{port}/")).unwrap();
        let mut out = Outgoing::get("own", Destination::OpenApp, url);
        out.headers.push(("Cookie".into(), "mine=1".into()));
        assert!(alice.send(out).await.response.is_err());
        assert_eq!(seen.lock().unwrap().len(), before);
    });
}
