//! Replays one capture folder against a fresh emulator configured like the captured Kratos,
//! in file order, and collects every difference.
//!
//! Requests are sent with the captured method, path, headers and body. Values a request took
//! from an earlier response (flow ids, CSRF tokens, session and logout tokens, identity and
//! session ids, URLs holding them, cookie values) are carried over generically: each captured
//! value is mapped to the live value found at the same place of the live response
//! ([`crate::carry`]). Cookies come from real jars named as the capture names them
//! ([`crate::jars`]); a request the capture sent without a jar keeps its hand-written `Cookie`
//! header. The emulator's clock moves as far as the capture's `Date` headers moved.

use std::fmt;
use std::time::{Duration, SystemTime};

use openapp_conformance::embedded::kratos::KratosConfig;
use openapp_conformance::switches::Switches;
use serde_json::Value;
use url::Url;

use crate::capture::{Capture, CapturedRequest, Exchange, all, load_folder};
use crate::carry::CarryOver;
use crate::compare::{FieldDiff, Sides, compare};
use crate::jars::{Jars, cookie_names, snapshot_names};
use crate::live::{Live, PUBLIC_HOST, Setup};
use crate::normalize::Addresses;

/// One difference between the capture and the emulator.
#[derive(Debug, Clone)]
pub(crate) struct Diff {
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
pub(crate) struct Report {
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
pub(crate) struct JsonBody {
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
pub(crate) async fn replay_folder(folder: &'static str, switches: Switches) -> Report {
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
    carry: CarryOver,
    jars: Jars,
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
    let find = |public: bool| {
        urls.iter()
            .find(|u| (u.host_str() == Some(PUBLIC_HOST)) == public)
            .map(origin)
            .unwrap_or_default()
    };
    (find(true), find(false))
}

impl Replay {
    fn new(folder: &str, captures: &[Capture], live: Live) -> Self {
        let (public, admin) = captured_bases(captures);
        let captured_addr = Addresses::new(&public, &admin);
        let live_addr = Addresses::new(&live.public, &live.admin);
        let captured_csrf = match (Url::parse(&public), Url::parse(&admin)) {
            (Ok(p), Ok(a)) => KratosConfig::embedded(p, a, None).csrf_cookie_name(),
            _ => String::new(),
        };
        let carry = CarryOver::new(
            &captured_addr,
            &live_addr,
            (captured_csrf, live.emu.config().csrf_cookie_name()),
        );
        Self {
            folder: folder.to_string(),
            live,
            captured_addr,
            live_addr,
            carry,
            jars: Jars::default(),
            last_date: None,
            diffs: Vec::new(),
            bodies: Vec::new(),
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

    async fn exchange(&mut self, capture: &Capture, i: usize, ex: &Exchange) {
        let url = match Url::parse(&self.carry.subst(&ex.request.url)) {
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
        if let Some(jar) = &ex.jar {
            // Created now (as a copy, when its name says so) so that its content is checked.
            self.jars.get(jar);
        }
        if let (Some(before), Some(jar)) = (&capture.jar_before, &ex.jar)
            && i == 0
            && before.name == jar.name
        {
            let what = "jar before the scenario (cookie names)";
            self.check_jar_names(capture, i, ex, what, snapshot_names(before), &url);
        }
        let headers = self.request_headers(capture, i, ex, &url);
        let body = ex
            .request
            .body
            .as_deref()
            .map(|b| self.request_body(&ex.request, b));
        self.follow_clock(ex);
        let sent = self.live.send(&ex.request.method, &url, &headers, body);
        let response = match sent.await {
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
            let jar = self.jars.get(snapshot);
            for line in all(&response.headers, "set-cookie") {
                // A line the jar refuses shows up in the cookie-name check below.
                let _ = jar.parse(line, &url);
            }
            let what = "jar after the response (cookie names)";
            self.check_jar_names(capture, i, ex, what, snapshot_names(snapshot), &url);
        }
        if let Ok(body) = serde_json::from_str::<Value>(&response.body) {
            let source = format!(
                "{}/{}.json, step {} \"{}\" (live)",
                self.folder,
                capture.file,
                i + 1,
                ex.step
            );
            self.bodies.push(JsonBody {
                source,
                method: ex.request.method.clone(),
                path: url.path().to_string(),
                status: response.status,
                body,
            });
        }
        self.carry.learn_response(&ex.response, &response);
    }

    /// Reports when the cookie names of the exchange's jar (for `url`) are not `captured`.
    fn check_jar_names(
        &mut self,
        capture: &Capture,
        i: usize,
        ex: &Exchange,
        what: &str,
        captured: Vec<String>,
        url: &Url,
    ) {
        let Some(snapshot) = &ex.jar else { return };
        let live = self.jars.names(snapshot, url);
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
    /// the client, and `Cookie` from the jar when the capture used one (its cookie names must
    /// be the captured ones).
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
                _ => headers.push((name.clone(), self.carry.subst(value))),
            }
        }
        if let Some(snapshot) = &ex.jar {
            let pairs: Vec<String> = self
                .jars
                .get(snapshot)
                .get_request_values(url)
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            if !pairs.is_empty() {
                headers.push(("Cookie".into(), pairs.join("; ")));
            }
            let sent = cookie_names(ex.request.header("cookie").unwrap_or(""));
            let what = "request Cookie names (from the jar)";
            self.check_jar_names(capture, i, ex, what, sent, url);
        }
        headers
    }

    /// The body with values carried over (form fields decoded, substituted, re-encoded).
    fn request_body(&self, request: &CapturedRequest, body: &str) -> String {
        let form = request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return self.carry.subst(body);
        }
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(body.as_bytes()) {
            s.append_pair(&k, &self.carry.subst(&v));
        }
        s.finish()
    }
}
