//! Replays one capture folder against a fresh emulator configured like the captured Kratos,
//! in file order, and collects every difference.
//!
//! Requests are sent with the captured method, path, headers and body. Values a request took
//! from an earlier response (flow ids, CSRF tokens, session and logout tokens, identity and
//! session ids, URLs holding them, cookie values) are carried over generically: each captured
//! value is mapped to the live value found at the same place of the live response (same JSON
//! path, same `Location` query key, same `Set-Cookie` line) and substituted in later
//! requests. Cookies come from real jars named as the capture names them (`03 jar (copy of
//! the 02 jar)` starts as a copy of `02 jar`); a request the capture sent without a jar keeps
//! its hand-written `Cookie` header.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use cookie_store::CookieStore;
use openapp_conformance::embedded::kratos::KratosConfig;
use openapp_conformance::switches::Switches;
use serde_json::Value;
use url::Url;

use crate::capture::{Capture, CapturedRequest, Exchange, JarSnapshot, all, load_folder};
use crate::compare::{FieldDiff, Sides, compare};
use crate::live::{Live, LiveResponse, PUBLIC_HOST, Setup};
use crate::normalize::Addresses;

/// One difference between the capture and the emulator.
#[derive(Debug, Clone)]
pub struct Diff {
    /// The capture folder, e.g. `v1.3.1-tls`.
    pub folder: String,
    /// The scenario file stem, e.g. `10_login_success_json`.
    pub scenario: String,
    /// The step's 1-based position in the file.
    pub index: usize,
    /// The step's name in the capture.
    pub step: String,
    /// What differs, captured and live value (normalised).
    pub diff: FieldDiff,
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}.json, step {} \"{}\": {}\n    captured: {}\n    live:     {}",
            self.folder,
            self.scenario,
            self.index,
            self.step,
            self.diff.field,
            self.diff.captured,
            self.diff.live
        )
    }
}

/// The outcome of replaying one folder.
#[derive(Debug)]
pub struct Report {
    /// The folder.
    pub folder: String,
    /// Exchanges replayed.
    pub exchanges: usize,
    /// Every difference found.
    pub diffs: Vec<Diff>,
    /// Every JSON body the emulator sent.
    pub bodies: Vec<JsonBody>,
}

/// A JSON body of a response, with what it answered.
#[derive(Debug, Clone)]
pub struct JsonBody {
    /// Where it comes from, e.g. `v1.3.1/14_api_login.json, step 2 "api submit"`.
    pub source: String,
    /// The request method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The response status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

/// Replays `folder` (under `tests/golden/kratos/`) against a fresh emulator with `switches`.
pub async fn replay_folder(folder: &'static str, switches: Switches) -> Report {
    let captures = load_folder(folder);
    let live = Live::start(Setup::for_folder(folder), &switches).await;
    let mut replay = Replay::new(folder, &captures, live);
    let mut exchanges = 0;
    for capture in &captures {
        for (i, ex) in capture.exchanges.iter().enumerate() {
            replay.exchange(capture, i, ex).await;
            exchanges += 1;
        }
    }
    Report {
        folder: folder.to_string(),
        exchanges,
        diffs: replay.diffs,
        bodies: replay.bodies,
    }
}

struct Replay {
    folder: String,
    live: Live,
    captured_addr: Addresses,
    live_addr: Addresses,
    /// Captured value → live value.
    map: Vec<(String, String)>,
    jars: HashMap<String, CookieStore>,
    last_date: Option<SystemTime>,
    diffs: Vec<Diff>,
    bodies: Vec<JsonBody>,
}

/// The captured base URLs: the public one from the first request to the public host, the
/// admin one from the first other request.
fn captured_bases(captures: &[Capture]) -> (String, String) {
    let origin = |u: &Url| format!("{}/", u.origin().ascii_serialization());
    let urls: Vec<Url> = captures
        .iter()
        .flat_map(|c| &c.exchanges)
        .filter_map(|e| Url::parse(&e.request.url).ok())
        .collect();
    let public = urls
        .iter()
        .find(|u| u.host_str() == Some(PUBLIC_HOST))
        .map(origin)
        .unwrap_or_default();
    let admin = urls
        .iter()
        .find(|u| u.host_str() != Some(PUBLIC_HOST))
        .map(origin)
        .unwrap_or_default();
    (public, admin)
}

impl Replay {
    fn new(folder: &str, captures: &[Capture], live: Live) -> Self {
        let (public, admin) = captured_bases(captures);
        let captured_addr = Addresses::new(&public, &admin);
        let live_addr = Addresses::new(&live.public, &live.admin);
        let mut map = vec![
            (captured_addr.public.clone(), live_addr.public.clone()),
            (captured_addr.admin.clone(), live_addr.admin.clone()),
        ];
        let authority = |s: &str| s.split_once("://").map(|(_, a)| a.to_string());
        for (c, l) in [
            (&captured_addr.public, &live_addr.public),
            (&captured_addr.admin, &live_addr.admin),
        ] {
            if let (Some(c), Some(l)) = (authority(c), authority(l)) {
                map.push((c, l));
            }
        }
        if let (Ok(p), Ok(a)) = (Url::parse(&public), Url::parse(&admin)) {
            let captured_csrf = KratosConfig::embedded(p, a, None).csrf_cookie_name();
            map.push((captured_csrf, live.emu.config().csrf_cookie_name()));
        }
        Self {
            folder: folder.to_string(),
            live,
            captured_addr,
            live_addr,
            map,
            jars: HashMap::new(),
            last_date: None,
            diffs: Vec::new(),
            bodies: Vec::new(),
        }
    }

    fn subst(&self, text: &str) -> String {
        let mut pairs: Vec<&(String, String)> = self.map.iter().collect();
        pairs.sort_by_key(|(c, _)| std::cmp::Reverse(c.len()));
        let mut out = text.to_string();
        for (c, l) in pairs {
            out = out.replace(c.as_str(), l);
        }
        out
    }

    fn learn(&mut self, captured: &str, live: &str) {
        if captured == live || captured.len() < 8 || self.map.iter().any(|(c, _)| c == captured) {
            return;
        }
        self.map.push((captured.to_string(), live.to_string()));
        if let (Ok(c), Ok(l)) = (Url::parse(captured), Url::parse(live)) {
            let l_pairs: HashMap<String, String> = l.query_pairs().into_owned().collect();
            for (k, cv) in c.query_pairs().into_owned() {
                if let Some(lv) = l_pairs.get(&k) {
                    self.learn(&cv, lv);
                }
            }
        }
    }

    fn learn_json(&mut self, captured: &Value, live: &Value) {
        match (captured, live) {
            (Value::String(c), Value::String(l)) => self.learn(c, l),
            (Value::Array(c), Value::Array(l)) => {
                c.iter().zip(l).for_each(|(c, l)| self.learn_json(c, l))
            }
            (Value::Object(c), Value::Object(l)) => {
                for (k, cv) in c {
                    if let Some(lv) = l.get(k) {
                        self.learn_json(cv, lv);
                    }
                }
            }
            _ => {}
        }
    }

    /// Moves the emulator's clock as far as the capture's `Date` moved since the last answer.
    fn follow_clock(&mut self, ex: &Exchange) {
        let Some(date) = ex
            .response
            .header("date")
            .and_then(|d| httpdate::parse_http_date(d).ok())
        else {
            return;
        };
        if let Some(gap) = self
            .last_date
            .and_then(|last| date.duration_since(last).ok())
            && gap > Duration::ZERO
        {
            self.live.clock.advance(gap);
        }
        self.last_date = Some(date);
    }

    fn report(&mut self, capture: &Capture, i: usize, ex: &Exchange, diff: FieldDiff) {
        self.diffs.push(Diff {
            folder: self.folder.clone(),
            scenario: capture.file.clone(),
            index: i + 1,
            step: ex.step.clone(),
            diff,
        });
    }

    /// The jar named `snapshot.name`, created on first use (as a copy when the name says so).
    fn jar(&mut self, snapshot: &JarSnapshot) -> &mut CookieStore {
        let name = snapshot.name.clone();
        if !self.jars.contains_key(&name) {
            let source = name
                .split_once("(copy of the ")
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .and_then(|s| self.jars.get(s))
                .cloned()
                .unwrap_or_default();
            self.jars.insert(name.clone(), source);
        }
        self.jars.entry(name).or_default()
    }

    fn jar_names(&self, snapshot: &JarSnapshot, url: &Url) -> Vec<String> {
        let mut names: Vec<String> = self
            .jars
            .get(&snapshot.name)
            .map(|j| {
                j.iter_unexpired()
                    .filter(|c| c.matches(url))
                    .map(|c| c.name().to_string())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    async fn exchange(&mut self, capture: &Capture, i: usize, ex: &Exchange) {
        let url = match Url::parse(&self.subst(&ex.request.url)) {
            Ok(u) => u,
            Err(e) => {
                let diff = FieldDiff {
                    field: "request URL".into(),
                    captured: ex.request.url.clone(),
                    live: e.to_string(),
                };
                return self.report(capture, i, ex, diff);
            }
        };
        if let Some(snapshot) = &ex.jar {
            self.jar(snapshot);
            if i == 0
                && capture
                    .jar_before
                    .as_ref()
                    .is_some_and(|b| b.name == snapshot.name)
            {
                let before = capture
                    .jar_before
                    .as_ref()
                    .map(snapshot_names)
                    .unwrap_or_default();
                self.check_names(
                    capture,
                    i,
                    ex,
                    "jar before the scenario (cookie names)",
                    before,
                    &url,
                );
            }
        }
        let headers = self.request_headers(capture, i, ex, &url);
        let body = ex
            .request
            .body
            .as_deref()
            .map(|b| self.request_body(&ex.request, b));
        self.follow_clock(ex);
        let response = match self
            .live
            .send(&ex.request.method, &url, &headers, body)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let diff = FieldDiff {
                    field: "transport".into(),
                    captured: format!("HTTP {}", ex.response.status),
                    live: e,
                };
                return self.report(capture, i, ex, diff);
            }
        };
        let sides = Sides {
            captured: &self.captured_addr,
            live: &self.live_addr,
        };
        for diff in compare(&sides, &ex.response, &response) {
            self.report(capture, i, ex, diff);
        }
        if let Some(snapshot) = &ex.jar {
            let jar = self.jar(snapshot);
            for line in all(&response.headers, "set-cookie") {
                // A line the jar refuses shows up in the cookie-name check below.
                let _ = jar.parse(line, &url);
            }
            let after = snapshot_names(snapshot);
            self.check_names(
                capture,
                i,
                ex,
                "jar after the response (cookie names)",
                after,
                &url,
            );
        }
        if let Ok(body) = serde_json::from_str::<Value>(&response.body) {
            self.bodies.push(JsonBody {
                source: format!(
                    "{}/{}.json, step {} \"{}\" (live)",
                    self.folder,
                    capture.file,
                    i + 1,
                    ex.step
                ),
                method: ex.request.method.clone(),
                path: url.path().to_string(),
                status: response.status,
                body,
            });
        }
        self.learn_response(ex, &response);
    }

    fn check_names(
        &mut self,
        capture: &Capture,
        i: usize,
        ex: &Exchange,
        what: &str,
        captured: Vec<String>,
        url: &Url,
    ) {
        let Some(snapshot) = &ex.jar else { return };
        let live = self.jar_names(snapshot, url);
        let normalize = |names: &[String], a: &Addresses| {
            names
                .iter()
                .map(|n| a.normalize(n))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (c, l) = (
            normalize(&captured, &self.captured_addr),
            normalize(&live, &self.live_addr),
        );
        if c != l {
            let diff = FieldDiff {
                field: what.into(),
                captured: c,
                live: l,
            };
            self.report(capture, i, ex, diff);
        }
    }

    /// The request headers: captured ones with values carried over, `Content-Length` left to
    /// the client, and `Cookie` from the jar when the capture used one.
    fn request_headers(
        &mut self,
        capture: &Capture,
        i: usize,
        ex: &Exchange,
        url: &Url,
    ) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        for (name, value) in &ex.request.headers {
            match name.to_ascii_lowercase().as_str() {
                "content-length" => {}
                "cookie" if ex.jar.is_some() => {}
                _ => headers.push((name.clone(), self.subst(value))),
            }
        }
        if let Some(snapshot) = &ex.jar {
            let jar = self.jar(snapshot);
            let pairs: Vec<String> = jar
                .get_request_values(url)
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            if !pairs.is_empty() {
                headers.push(("Cookie".into(), pairs.join("; ")));
            }
            let mut sent = cookie_names(ex.request.header("cookie").unwrap_or(""));
            sent.sort();
            let mut live = self.jar_names(snapshot, url);
            live.sort();
            let normalize = |names: &[String], a: &Addresses| {
                names
                    .iter()
                    .map(|n| a.normalize(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let (c, l) = (
                normalize(&sent, &self.captured_addr),
                normalize(&live, &self.live_addr),
            );
            if c != l {
                let diff = FieldDiff {
                    field: "request Cookie names (from the jar)".into(),
                    captured: c,
                    live: l,
                };
                self.report(capture, i, ex, diff);
            }
        }
        headers
    }

    fn request_body(&self, request: &CapturedRequest, body: &str) -> String {
        let form = request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return self.subst(body);
        }
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(body.as_bytes()) {
            s.append_pair(&k, &self.subst(&v));
        }
        s.finish()
    }

    fn learn_response(&mut self, ex: &Exchange, response: &LiveResponse) {
        let value = |line: &str| {
            line.split(';')
                .next()
                .and_then(|p| p.split_once('='))
                .map(|(n, v)| (n.to_string(), v.to_string()))
        };
        let captured_lines = all(&ex.response.headers, "set-cookie");
        let live_lines = all(&response.headers, "set-cookie");
        for (c, l) in captured_lines.iter().zip(&live_lines) {
            if let (Some((_, cv)), Some((_, lv))) = (value(c), value(l)) {
                self.learn(&cv, &lv);
            }
        }
        if let (Some(c), Some(l)) = (
            ex.response.header("location"),
            crate::capture::first(&response.headers, "location"),
        ) {
            let (c, l) = (c.to_string(), l.to_string());
            self.learn(&c, &l);
        }
        if let (Ok(c), Ok(l)) = (
            serde_json::from_str::<Value>(&ex.response.body_text()),
            serde_json::from_str::<Value>(&response.body),
        ) {
            self.learn_json(&c, &l);
        }
    }
}

fn snapshot_names(snapshot: &JarSnapshot) -> Vec<String> {
    let mut names: Vec<String> = snapshot.cookies.iter().map(|c| c.name.clone()).collect();
    names.sort();
    names
}

fn cookie_names(header: &str) -> Vec<String> {
    header
        .split(';')
        .filter_map(|p| p.trim().split_once('=').map(|(n, _)| n.to_string()))
        .collect()
}
