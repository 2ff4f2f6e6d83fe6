//! Replays the golden captures against one emulator, in order, and compares every answer:
//! status, header names and order, `Set-Cookie` lines, `Location`, and the body text after
//! volatile values are normalised. Ids, tokens and cookie values the capture's requests
//! reuse are mapped to the emulator's own as they appear.

use std::time::{Duration, SystemTime};

use reqwest::Method;
use serde_json::Value;

use super::support::{
    Harness, captured_header, captured_header_names, captured_set_cookies, header_names, normalize,
    set_cookies,
};

/// The captures' public and admin base URLs.
const CAPTURED_PUBLIC: &str = "http://auth.openapp.test:4433/";
const CAPTURED_ADMIN: &str = "http://127.0.0.1:4434/";
const CAPTURED_CSRF: &str =
    "csrf_token_2383528f22b230d59215236ffe4537860e626c4accaafc2a9454784e74d70c81";

/// Scenarios in capture order (18, registration, is not emulated).
const SCENARIOS: &[&str] = &[
    "01_login_init_html",
    "02_login_init_json",
    "03_login_init_same_jar",
    "04_login_get_flow",
    "05_admin_identity",
    "06_login_wrong_password",
    "07_login_missing_csrf",
    "08_login_wrong_csrf",
    "09_login_no_csrf_cookie",
    "10_login_success_json",
    "11_whoami",
    "12_already_logged_in",
    "13_login_form_redirects",
    "14_api_login",
    "15_browser_logout",
    "16_api_logout",
    "17_expired_flow",
    "19_admin_revoke_session",
    "20_health",
    "21_bad_requests",
    "22_return_to",
    "23_form_post_failures",
    "24_browser_logout_html",
];

struct Replay {
    h: Harness,
    /// Captured value → the emulator's value.
    map: Vec<(String, String)>,
    last_date: Option<SystemTime>,
    diffs: Vec<String>,
}

impl Replay {
    fn subst(&self, s: &str) -> String {
        let mut out = s
            .replace(CAPTURED_PUBLIC, &self.h.public)
            .replace(CAPTURED_ADMIN, &self.h.admin);
        for (captured, ours) in &self.map {
            out = out.replace(captured.as_str(), ours);
        }
        out
    }

    fn learn(&mut self, captured: &str, ours: &str) {
        if captured != ours && captured.len() >= 8 && !self.map.iter().any(|(c, _)| c == captured) {
            self.map.push((captured.to_string(), ours.to_string()));
        }
    }

    fn learn_json(&mut self, captured: &Value, ours: &Value) {
        match (captured, ours) {
            (Value::String(c), Value::String(o)) => self.learn(c, o),
            (Value::Array(c), Value::Array(o)) => {
                c.iter().zip(o).for_each(|(c, o)| self.learn_json(c, o))
            }
            (Value::Object(c), Value::Object(o)) => {
                for (k, cv) in c {
                    if let Some(ov) = o.get(k) {
                        self.learn_json(cv, ov);
                    }
                }
            }
            _ => {}
        }
    }

    /// Moves the emulator's clock as far as the capture's `Date` moved.
    fn follow_clock(&mut self, response: &Value) {
        let Some(date) =
            captured_header(response, "date").and_then(|d| httpdate::parse_http_date(d).ok())
        else {
            return;
        };
        if let Some(gap) = self
            .last_date
            .and_then(|last| date.duration_since(last).ok())
            && gap > Duration::ZERO
        {
            self.h.clock.advance(gap);
        }
        self.last_date = Some(date);
    }

    fn build(&self, request: &Value) -> reqwest::RequestBuilder {
        let method = Method::from_bytes(request["method"].as_str().unwrap().as_bytes()).unwrap();
        let url = self.subst(request["url"].as_str().unwrap());
        let mut rb = self.h.client.request(method, url);
        let mut form = false;
        for h in request["headers"].as_array().unwrap() {
            let (name, value) = (h[0].as_str().unwrap(), h[1].as_str().unwrap());
            match name.to_ascii_lowercase().as_str() {
                "host" | "content-length" => {}
                "cookie" => {
                    let pairs: Vec<String> = value
                        .split("; ")
                        .map(|p| {
                            let (n, v) = p.split_once('=').unwrap();
                            let n = if n == CAPTURED_CSRF {
                                self.h.csrf_name()
                            } else {
                                n.to_string()
                            };
                            format!("{n}={}", self.subst(v))
                        })
                        .collect();
                    rb = rb.header(name, pairs.join("; "));
                }
                _ => {
                    form |= value == "application/x-www-form-urlencoded";
                    rb = rb.header(name, self.subst(value));
                }
            }
        }
        match request["body"].as_str() {
            Some(body) if form => {
                let mut s = form_urlencoded::Serializer::new(String::new());
                for (k, v) in form_urlencoded::parse(body.as_bytes()) {
                    s.append_pair(&k, &self.subst(&v));
                }
                rb.body(s.finish())
            }
            Some(body) => rb.body(self.subst(body)),
            None => rb,
        }
    }

    async fn exchange(&mut self, scenario: &str, ex: &Value) {
        let step = format!("{scenario} / {}", ex["step"].as_str().unwrap_or("?"));
        let captured = &ex["response"];
        self.follow_clock(captured);
        let res = self.build(&ex["request"]).send().await.unwrap();
        let mut diff = |what: &str, c: String, o: String| {
            if c != o {
                self.diffs
                    .push(format!("{step}: {what}\n  captured: {c}\n  emulator: {o}"));
            }
        };
        diff(
            "status",
            captured["status"].to_string(),
            res.status().as_u16().to_string(),
        );
        diff(
            "header names",
            captured_header_names(captured).join(", "),
            header_names(&res).join(", "),
        );
        let (c_cookies, o_cookies) = (captured_set_cookies(captured), set_cookies(&res));
        diff(
            "set-cookie",
            c_cookies
                .iter()
                .map(|l| normalize(l))
                .collect::<Vec<_>>()
                .join(" | "),
            o_cookies
                .iter()
                .map(|l| normalize(l))
                .collect::<Vec<_>>()
                .join(" | "),
        );
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        diff(
            "location",
            normalize(captured_header(captured, "location").unwrap_or("")),
            normalize(location.as_deref().unwrap_or("")),
        );
        let text = res.text().await.unwrap();
        let captured_text = match captured["body_kind"].as_str() {
            Some("json") => captured["body_raw"].as_str().unwrap().to_string(),
            Some("text") => captured["body"].as_str().unwrap().to_string(),
            _ => String::new(),
        };
        diff("body", normalize(&captured_text), normalize(&text));
        for (c, o) in c_cookies.iter().zip(&o_cookies) {
            let value = |l: &str| {
                l.split(';')
                    .next()
                    .and_then(|p| p.split_once('='))
                    .map(|(_, v)| v.to_string())
            };
            if let (Some(c), Some(o)) = (value(c), value(o)) {
                self.learn(&c, &o);
            }
        }
        if let (Some(c), Some(o)) = (captured_header(captured, "location"), location) {
            self.learn_location(c, &o);
        }
        if let (Ok(c), Ok(o)) = (
            serde_json::from_str::<Value>(&captured_text),
            serde_json::from_str::<Value>(&text),
        ) {
            self.learn_json(&c, &o);
        }
    }

    /// Pairs the query values of two `Location`s (flow and error ids).
    fn learn_location(&mut self, captured: &str, ours: &str) {
        let values = |l: &str| -> Vec<String> {
            l.split_once('?')
                .map(|(_, q)| {
                    form_urlencoded::parse(q.as_bytes())
                        .map(|(_, v)| v.into_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        for (c, o) in values(captured).iter().zip(values(ours)) {
            self.learn(c, &o);
        }
    }
}

#[tokio::test]
async fn replays_every_golden_capture() {
    let h = Harness::start_with("", Duration::from_secs(4)).await;
    let mut replay = Replay {
        h,
        map: Vec::new(),
        last_date: None,
        diffs: Vec::new(),
    };
    let mut exchanges = 0;
    for scenario in SCENARIOS {
        let cap = super::support::capture(scenario);
        for ex in cap["exchanges"].as_array().unwrap() {
            replay.exchange(scenario, ex).await;
            exchanges += 1;
        }
    }
    assert!(exchanges >= 85, "only {exchanges} exchanges replayed");
    assert!(
        replay.diffs.is_empty(),
        "{} differences:\n{}",
        replay.diffs.len(),
        replay.diffs.join("\n")
    );
}
