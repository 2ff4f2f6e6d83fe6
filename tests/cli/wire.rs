//! What the HTTP stack (reqwest on hyper) hides or normalises before a check sees a response:
//! each case is answered as raw bytes by a one-shot TCP server and sent through the harness's
//! own browser client, and the test pins what reaches the recorded [`Response`] and the jar.
//! `docs/auth-contract.md` ("What the HTTP stack normalises") says why each outcome is right.

use std::io::{Read, Write};
use std::net::TcpListener;

use openapp_conformance::redact::Secrets;
use openapp_conformance::run::client::{BrowserClient, ClientFactory, Outgoing};
use openapp_conformance::run::origins::Destination;
use openapp_conformance::run::result::Response;
use openapp_conformance::settings::{Endpoints, Timeouts, runtime};
use url::Url;

/// Serves `answer` as is to one connection (after reading the request head), then closes it.
fn one_shot(answer: &'static str) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = Url::parse(&format!("http://{}/auth/x", listener.local_addr().unwrap())).unwrap();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            head.push(byte[0]);
        }
        let _ = stream.write_all(answer.as_bytes());
    });
    url
}

fn client(url: &Url) -> BrowserClient {
    let endpoints = Endpoints {
        origin: url.clone(),
        api_prefix: String::new(),
        kratos_public: url.clone(),
        kratos_admin: None,
        cookie_domain: None,
        same_site: "Lax".into(),
        resolve: Vec::new(),
    };
    ClientFactory::new(endpoints, Timeouts::default())
        .browser("default", &Secrets::new())
        .unwrap()
}

/// Sends `method` to a one-shot server answering `answer`; gives the response (or the
/// transport error) and the jar's cookie names afterwards.
fn exchange(
    method: reqwest::Method,
    answer: &'static str,
) -> (Result<Response, String>, Vec<String>) {
    let url = one_shot(answer);
    let client = client(&url);
    let mut out = Outgoing::get("wire", Destination::OpenApp, url);
    out.method = method;
    let exchange = runtime().unwrap().block_on(client.send(out));
    (exchange.response, client.jar_names())
}

fn get(answer: &'static str) -> (Result<Response, String>, Vec<String>) {
    exchange(reqwest::Method::GET, answer)
}

#[test]
fn two_set_cookie_lines_for_one_cookie_the_jar_keeps_the_last() {
    let (resp, jar) = get("HTTP/1.1 204 No Content\r\nSet-Cookie: s=one; Path=/\r\n\
         Set-Cookie: s=; Path=/; Max-Age=0\r\nConnection: close\r\n\r\n");
    let resp = resp.unwrap();
    assert_eq!(resp.set_cookies, ["s=one; Path=/", "s=; Path=/; Max-Age=0"]);
    assert!(jar.is_empty(), "set then cleared: {jar:?}");
    let (resp, jar) = get(
        "HTTP/1.1 204 No Content\r\nSet-Cookie: s=; Path=/; Max-Age=0\r\n\
         Set-Cookie: s=two; Path=/\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(resp.unwrap().set_cookies.len(), 2);
    assert_eq!(jar, ["s"], "cleared then set again: a browser keeps it");
}

#[test]
fn duplicate_content_length_equal_is_one_length_conflicting_is_a_transport_error() {
    let (resp, _) = get(
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 4\r\n\
         Connection: close\r\n\r\nnull",
    );
    let resp = resp.unwrap();
    assert_eq!(resp.body, b"null");
    assert_eq!(resp.header_values("content-length").count(), 2);
    let (resp, _) = get(
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\
         Connection: close\r\n\r\nnull!",
    );
    let error = resp.unwrap_err();
    assert!(error.contains("invalid content-length parsed"), "{error}");
    let (resp, _) =
        get("HTTP/1.1 200 OK\r\nContent-Length: 4, 5\r\nConnection: close\r\n\r\nnull!");
    assert!(resp.is_err(), "{resp:?}");
}

#[test]
fn a_body_on_a_head_answer_is_never_read() {
    let (resp, _) = exchange(
        reqwest::Method::HEAD,
        "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnull",
    );
    let resp = resp.unwrap();
    assert_eq!((resp.status, resp.body.len()), (405, 0));
    assert_eq!(resp.header("content-length"), Some("4"));
}

#[test]
fn framing_headers_of_a_204_reach_the_response_its_body_does_not() {
    let (resp, _) = get(
        "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         2\r\n{}\r\n0\r\n\r\n",
    );
    let resp = resp.unwrap();
    assert_eq!((resp.status, resp.body.len()), (204, 0));
    assert_eq!(resp.header("transfer-encoding"), Some("chunked"));
    let (resp, _) =
        get("HTTP/1.1 204 No Content\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    let resp = resp.unwrap();
    assert_eq!((resp.status, resp.body.len()), (204, 0));
    assert_eq!(resp.header("content-length"), Some("2"));
}

#[test]
fn header_names_arrive_lower_case_and_checks_ignore_case() {
    let (resp, jar) = get(
        "HTTP/1.1 200 OK\r\nSET-COOKIE: s=v; Path=/\r\nCache-CONTROL: PRIVATE\r\n\
         content-LENGTH: 4\r\nConnection: close\r\n\r\nnull",
    );
    let resp = resp.unwrap();
    let names: Vec<&str> = resp.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"set-cookie") && names.contains(&"cache-control"),
        "{names:?}"
    );
    assert_eq!(resp.set_cookies, ["s=v; Path=/"]);
    assert_eq!(resp.header("Cache-Control"), Some("PRIVATE"));
    assert_eq!(jar, ["s"]);
}

#[test]
fn obsolete_line_folding_is_a_transport_error() {
    let (resp, jar) = get(
        "HTTP/1.1 200 OK\r\nCache-Control: no-cache,\r\n private\r\nSet-Cookie: s=v;\r\n Path=/\r\n\
         Content-Length: 4\r\nConnection: close\r\n\r\nnull",
    );
    let error = resp.unwrap_err();
    assert!(error.contains("invalid HTTP header parsed"), "{error}");
    assert!(jar.is_empty(), "{jar:?}");
}
