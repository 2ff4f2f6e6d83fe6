//! The contract-level view of a scenario run that insta snapshots hold: per exchange the
//! client, method and path (host as `[api]`, `[kratos-public]`, `[kratos-admin]`), the status,
//! the body class (or JSON reduced to the fields the contract and the step's expectations
//! name; a step's parallel group, never its times; `clear jar` and `wait` steps as one line) and the canonical `Set-Cookie` lines of the contract's cookies (extra clearing
//! lines left out, see [`is_extra_clearing`]); of a step tried several times (`expect.within`)
//! only the final attempt. Everything a
//! deployment decides becomes a numbered placeholder (`[uuid:1]`, `[time:2]`, `[token:3]`,
//! `[text]`), so every conforming server yields the same text.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use serde_json::Value;

use crate::cookie::{
    CONTRACT_COOKIES, CanonContext, canonical, is_extra_clearing, name_matches, parse_set_cookie,
};
use crate::plan::model::{Action, CaptureSource, Expectations, Scenario, StatusExpect, Step};
use crate::plan::settings::show;
use crate::run::result::{Exchange, ScenarioResult, SdkOutcome, StepResult};
use crate::settings::{Endpoints, unix_now};

/// JSON pointers the contract names, shown whenever a body has them.
const CONTRACT_POINTERS: &[&str] = &[
    "/id",
    "/active",
    "/identity/id",
    "/expires_at",
    "/authenticated_at",
    "/message",
    "/error/id",
    "/session/id",
    "/session/active",
    "/session/identity/id",
    "/session_token",
];

/// Keys whose string values are free text.
const TEXT_KEYS: &[&str] = &["message", "reason", "text", "hint", "error_code"];
/// Keys whose string values are tokens.
const TOKEN_KEYS: &[&str] = &[
    "session_token",
    "logout_token",
    "csrf_token",
    "token",
    "ory_session_token",
];

/// Numbers volatile values by kind and first appearance.
#[derive(Default)]
struct Placeholders {
    seen: HashMap<(&'static str, String), usize>,
    next: HashMap<&'static str, usize>,
}

impl Placeholders {
    fn get(&mut self, kind: &'static str, value: &str) -> String {
        let key = (kind, value.to_string());
        if let Some(n) = self.seen.get(&key) {
            return format!("[{kind}:{n}]");
        }
        let n = self.next.entry(kind).or_insert(0);
        *n += 1;
        self.seen.insert(key, *n);
        format!("[{kind}:{n}]")
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[..4].iter().all(u8::is_ascii_digit)
}

fn is_token(s: &str) -> bool {
    s.starts_with("ory_st_")
        || s.starts_with("ory_lo_")
        || s.starts_with("ory_ht_")
        || (s.len() >= 24
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c)))
}

/// Renders the snapshot text of a run.
pub fn render_snapshot(
    result: &ScenarioResult,
    scenario: &Scenario,
    endpoints: &Endpoints,
) -> String {
    let mut ph = Placeholders::default();
    let mut out = String::new();
    let ctx = CanonContext {
        cookie_domain: endpoints.cookie_domain.clone(),
        secure_expected: endpoints.secure_expected(),
        same_site: endpoints.same_site.clone(),
        csrf_name: kratos_csrf_name(result, endpoints),
    };
    for step_result in &result.steps {
        let step = scenario.steps.get(step_result.index - 1);
        let _ = writeln!(
            out,
            "step {}: {}",
            step_result.index,
            heading(step_result, step)
        );
        // A step tried several times (`within`) shows its final attempt only, so the view does
        // not depend on how long a deployment took to become consistent.
        let exchanges = step_result.final_exchanges();
        let last = exchanges.len().saturating_sub(1);
        for (i, ex) in exchanges.iter().enumerate() {
            let expect = step.filter(|_| i == last).map(|s| &s.expect);
            let sdk = step_result.sdk.as_ref().filter(|_| i == last);
            let shown = Shown { expect, step, sdk };
            render_exchange(&mut out, ex, shown, endpoints, &ctx, &mut ph);
        }
    }
    out
}

/// What a step's line says after its number: `[alice] GET /auth/whoami`, with its parallel
/// group first (`[parallel p1] [alice] …`; never its times, which vary from run to run);
/// `clear jar (client alice)` and `wait 2s` for the steps that make no request.
fn heading(result: &StepResult, step: Option<&Step>) -> String {
    match step.map(|s| &s.action) {
        Some(Action::ClearJar) => format!("clear jar (client {})", result.client),
        Some(Action::Wait(d)) => format!("wait {}", show(*d)),
        _ => {
            let group = result
                .parallel
                .as_ref()
                .map(|g| format!("[parallel {g}] "))
                .unwrap_or_default();
            format!("{group}[{}] {}", result.client, result.label)
        }
    }
}

/// The CSRF cookie name this target's Kratos issued in the run (from Kratos's own answers):
/// the first one a line sets, else the first one a line clears.
fn kratos_csrf_name(result: &ScenarioResult, endpoints: &Endpoints) -> Option<String> {
    let public = origin_of(endpoints.kratos_public.as_str());
    let now = unix_now();
    let csrf: Vec<_> = result
        .steps
        .iter()
        .flat_map(|s| s.final_exchanges())
        .filter(|ex| origin_of(&ex.url) == public)
        .filter_map(|ex| ex.response.as_ref().ok())
        .flat_map(|r| &r.set_cookies)
        .filter_map(|l| parse_set_cookie(l).ok())
        .filter(|c| c.name.starts_with("csrf_token_"))
        .collect();
    csrf.iter()
        .find(|c| !c.is_clearing(now))
        .or(csrf.first())
        .map(|c| c.name.clone())
}

fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// `[api]/auth/whoami`, `[kratos-public]/self-service/login?flow=[uuid:1]`.
fn display_path(url: &str, endpoints: &Endpoints, ph: &mut Placeholders) -> String {
    let Ok(u) = url::Url::parse(url) else {
        return "[invalid url]".into();
    };
    let origin = u.origin().ascii_serialization();
    let mut path = u.path().to_string();
    let host = if origin == origin_of(endpoints.origin.as_str()) {
        match path.strip_prefix(&endpoints.api_prefix) {
            Some(rest) if !endpoints.api_prefix.is_empty() => {
                path = rest.to_string();
                "[api]"
            }
            _ => "[origin]",
        }
    } else if origin == origin_of(endpoints.kratos_public.as_str()) {
        "[kratos-public]"
    } else if endpoints
        .kratos_admin
        .as_ref()
        .is_some_and(|a| origin == origin_of(a.as_str()))
    {
        "[kratos-admin]"
    } else {
        "[other]"
    };
    let segments: Vec<String> = path
        .split('/')
        .map(|s| {
            if is_uuid(s) {
                ph.get("uuid", s)
            } else {
                s.to_string()
            }
        })
        .collect();
    let mut shown = format!("{host}{}", segments.join("/"));
    let pairs: Vec<String> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if is_uuid(&v) {
                ph.get("uuid", &v)
            } else if is_token(&v) {
                ph.get("token", &v)
            } else {
                v.into_owned()
            };
            format!("{k}={v}")
        })
        .collect();
    if !pairs.is_empty() {
        shown.push('?');
        shown.push_str(&pairs.join("&"));
    }
    shown
}

/// What an exchange's view depends on besides the exchange: the step's expectations (on its
/// last exchange), the step, and what an SDK step's caller got.
#[derive(Clone, Copy)]
struct Shown<'a> {
    expect: Option<&'a Expectations>,
    step: Option<&'a Step>,
    sdk: Option<&'a SdkOutcome>,
}

/// An SDK step's caller view: its value reduced like a body, `()`, or the error's kind (never
/// its message, which is the server's text).
fn sdk_view(
    sdk: &SdkOutcome,
    shown: Shown<'_>,
    endpoints: &Endpoints,
    ph: &mut Placeholders,
) -> String {
    match sdk {
        SdkOutcome::Value(v) => {
            let bytes = serde_json::to_vec(v).unwrap_or_default();
            body_view(&bytes, shown.expect, shown.step, endpoints, ph)
        }
        SdkOutcome::Unit => "()".into(),
        SdkOutcome::Error { kind, .. } => format!("{kind} error"),
    }
}

fn render_exchange(
    out: &mut String,
    ex: &Exchange,
    shown: Shown<'_>,
    endpoints: &Endpoints,
    ctx: &CanonContext,
    ph: &mut Placeholders,
) {
    let Shown { expect, step, sdk } = shown;
    let _ = writeln!(
        out,
        "  {} {}",
        ex.method,
        display_path(&ex.url, endpoints, ph)
    );
    let resp = match &ex.response {
        Ok(r) => r,
        Err(_) => {
            let _ = writeln!(out, "    no response");
            return;
        }
    };
    let alternatives = match expect.and_then(|e| e.status.as_ref()) {
        Some(StatusExpect::AnyOf(list)) if list.len() > 1 => Some(list.clone()),
        _ => None,
    };
    match alternatives {
        Some(list) => {
            let list: Vec<String> = list.iter().map(u16::to_string).collect();
            let _ = writeln!(
                out,
                "    status: one of {} (the contract allows each)",
                list.join(", ")
            );
            let _ = writeln!(out, "    body: not fixed by the contract");
        }
        None => {
            let _ = writeln!(out, "    status: {}", resp.status);
            match sdk {
                // The SDK read the body: what its caller got is what the contract fixes.
                Some(sdk) => {
                    let _ = writeln!(
                        out,
                        "    sdk returned: {}",
                        sdk_view(sdk, shown, endpoints, ph)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "    body: {}",
                        body_view(&resp.body, expect, step, endpoints, ph)
                    );
                }
            }
        }
    }
    let now = unix_now();
    let mut lines: Vec<(String, bool, String)> = resp
        .set_cookies
        .iter()
        .filter_map(|l| parse_set_cookie(l).ok())
        .filter(|c| CONTRACT_COOKIES.iter().any(|p| name_matches(p, &c.name)))
        .filter(|c| !is_extra_clearing(c, endpoints.cookie_domain.as_deref(), now))
        .map(|c| {
            let text = canonical(&c, ctx, now);
            let name = text.split(';').next().unwrap_or("").to_string();
            (name, c.domain.is_some(), text)
        })
        .collect();
    lines.sort();
    for (_, _, text) in lines {
        let _ = writeln!(out, "    set-cookie line: {text}");
    }
}

/// The pointers shown for a body: the contract's and those the step's expectations use.
fn pointers(expect: Option<&Expectations>, step: Option<&Step>) -> BTreeSet<String> {
    let mut p: BTreeSet<String> = CONTRACT_POINTERS.iter().map(|s| s.to_string()).collect();
    if let Some(e) = expect {
        p.extend(e.json.iter().map(|j| j.path.clone()));
        if let Some(same) = &e.same_json_as {
            p.extend(same.paths.iter().cloned());
        }
    }
    if let Some(s) = step {
        p.extend(s.capture.values().filter_map(|c| match &c.source {
            CaptureSource::Json(pointer) => Some(pointer.clone()),
            _ => None,
        }));
    }
    p
}

fn body_view(
    body: &[u8],
    expect: Option<&Expectations>,
    step: Option<&Step>,
    endpoints: &Endpoints,
    ph: &mut Placeholders,
) -> String {
    if body.is_empty() {
        return "empty".into();
    }
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return "not JSON".into();
    };
    match &json {
        Value::Null => "null".into(),
        Value::Object(_) => {
            let mut tree = Tree::default();
            for p in pointers(expect, step) {
                if p.is_empty() {
                    continue;
                }
                if let Some(v) = json.pointer(&p) {
                    tree.insert(&p, v.clone());
                }
            }
            let mut s = String::new();
            tree.render(&mut s, "", endpoints, ph);
            s
        }
        Value::Array(_) => "a JSON array".into(),
        other => scalar(other, "", endpoints, ph),
    }
}

/// A sorted tree of the selected values.
#[derive(Default)]
struct Tree {
    leaf: Option<Value>,
    children: BTreeMap<String, Tree>,
}

impl Tree {
    fn insert(&mut self, pointer: &str, v: Value) {
        let mut node = self;
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            node = node.children.entry(seg).or_default();
        }
        node.leaf = Some(v);
    }

    fn render(&self, out: &mut String, key: &str, endpoints: &Endpoints, ph: &mut Placeholders) {
        if self.children.is_empty() {
            out.push_str(&match &self.leaf {
                Some(v) => scalar(v, key, endpoints, ph),
                None => "{}".into(),
            });
            return;
        }
        out.push('{');
        for (i, (k, child)) in self.children.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{}: ", Value::String(k.clone()));
            child.render(out, k, endpoints, ph);
        }
        out.push('}');
    }
}

/// A JSON value as the view shows it. A URL on a configured origin is written like an
/// exchange's path (`[kratos-public]/self-service/login?flow=[uuid:1]`, K7), one elsewhere as
/// `[other]/…`.
fn scalar(v: &Value, key: &str, endpoints: &Endpoints, ph: &mut Placeholders) -> String {
    match v {
        Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => {
            display_path(s, endpoints, ph)
        }
        Value::String(s) if TEXT_KEYS.contains(&key) => "[text]".into(),
        Value::String(s) if is_uuid(s) => ph.get("uuid", s),
        Value::String(s) if is_time(s) => ph.get("time", s),
        Value::String(s) if TOKEN_KEYS.contains(&key) || s.starts_with("ory_") => {
            ph.get("token", s)
        }
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Object(_) => "{…}".into(),
        Value::Array(a) => format!("[{} items]", a.len()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_keep_equality_visible() {
        let mut ph = Placeholders::default();
        assert_eq!(ph.get("uuid", "a"), "[uuid:1]");
        assert_eq!(ph.get("uuid", "b"), "[uuid:2]");
        assert_eq!(ph.get("uuid", "a"), "[uuid:1]");
        assert_eq!(ph.get("time", "a"), "[time:1]");
    }

    #[test]
    fn reduced_json_is_sorted_and_placeholdered() {
        let mut ph = Placeholders::default();
        let body = br#"{"identity":{"id":"2931eaa1-bf4a-42ba-b0e8-abe00a58f45d","traits":{"email":"x"}},"id":"f737615b-2f92-4574-986f-8856fc11673d","active":true,"expires_at":"2026-12-01T09:29:16.179947471Z","devices":[]}"#;
        let v = body_view(body, None, None, &endpoints(), &mut ph);
        assert_eq!(
            v,
            r#"{"active": true, "expires_at": [time:1], "id": [uuid:1], "identity": {"id": [uuid:2]}}"#
        );
        assert_eq!(
            body_view(b"null", None, None, &endpoints(), &mut ph),
            "null"
        );
        assert_eq!(body_view(b"", None, None, &endpoints(), &mut ph), "empty");
        assert_eq!(
            body_view(
                br#"{"message":"nope","error_code":"x"}"#,
                None,
                None,
                &endpoints(),
                &mut ph
            ),
            r#"{"message": [text]}"#
        );
    }

    fn endpoints() -> Endpoints {
        let url = |s: &str| url::Url::parse(s).unwrap();
        Endpoints {
            origin: url("http://api.openapp.test:8080"),
            api_prefix: "/api/v1".into(),
            kratos_public: url("http://auth.openapp.test:4433"),
            kratos_admin: None,
            cookie_domain: Some("openapp.test".into()),
            same_site: "Lax".into(),
            resolve: Vec::new(),
        }
    }

    /// The view of one logout exchange answered with these `Set-Cookie` lines.
    fn logout_view(set_cookies: &[&str]) -> String {
        let endpoints = endpoints();
        let ex = Exchange {
            purpose: "POST /auth/logout".into(),
            method: "POST".into(),
            url: "http://api.openapp.test:8080/api/v1/auth/logout".into(),
            request_headers: Vec::new(),
            request_body: None,
            response: Ok(crate::run::result::Response {
                status: 204,
                headers: Vec::new(),
                set_cookies: set_cookies.iter().map(|l| (*l).to_string()).collect(),
                rejected_cookies: Vec::new(),
                body: Vec::new(),
            }),
            elapsed: std::time::Duration::ZERO,
        };
        let ctx = CanonContext {
            cookie_domain: endpoints.cookie_domain.clone(),
            secure_expected: false,
            same_site: "Lax".into(),
            csrf_name: None,
        };
        let mut out = String::new();
        let mut ph = Placeholders::default();
        let shown = Shown {
            expect: None,
            step: None,
            sdk: None,
        };
        render_exchange(&mut out, &ex, shown, &endpoints, &ctx, &mut ph);
        out
    }

    const CONTRACT_CLEARING: [&str; 2] = [
        "ory_kratos_session=; Path=/; Max-Age=0; HttpOnly",
        "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0; HttpOnly",
    ];

    /// Extra clearing lines (a cookie the contract does not name, the contract's names at
    /// another Path or Domain) leave the view as it is; lines that set a contract cookie
    /// anywhere stay visible.
    #[test]
    fn extra_clearing_lines_are_left_out_and_setting_lines_are_not() {
        let plain = logout_view(&CONTRACT_CLEARING);
        assert_eq!(
            plain,
            "  POST [api]/auth/logout\n    status: 204\n    body: empty\n    set-cookie line: ory_kratos_session; domain=host-only; path=/; lifetime=expired\n    set-cookie line: ory_kratos_session; domain=[cookie-domain]; path=/; lifetime=expired\n"
        );
        let extra = [
            "openapp_pref=; Path=/; Max-Age=0",
            "ory_kratos_session=; Path=/api; Max-Age=0; HttpOnly",
            "ory_kratos_session=; Path=/; Domain=api.openapp.test; Max-Age=0",
            "ory_kratos_session=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "csrf_token_ab=; Path=/api; Domain=openapp.test; Max-Age=0",
        ];
        let with_extra: Vec<&str> = extra.iter().chain(&CONTRACT_CLEARING).copied().collect();
        assert_eq!(logout_view(&with_extra), plain);
        let setting = logout_view(&[
            CONTRACT_CLEARING[0],
            CONTRACT_CLEARING[1],
            "ory_kratos_session=v; Path=/api; Max-Age=60; HttpOnly; SameSite=Lax",
        ]);
        assert!(
            setting.contains(
                "set-cookie line: ory_kratos_session; domain=host-only; path=/api; secure=as-expected; httponly=yes; samesite=as-configured; lifetime=persistent"
            ),
            "{setting}"
        );
    }

    /// The CSRF name comes from a line of Kratos's that sets the cookie, not from a clearing
    /// line for a stale one before it.
    #[test]
    fn the_csrf_name_comes_from_a_setting_line() {
        use crate::run::result::Outcome;
        let exchange = Exchange {
            purpose: "login: init".into(),
            method: "GET".into(),
            url: "http://auth.openapp.test:4433/self-service/login/browser".into(),
            request_headers: Vec::new(),
            request_body: None,
            response: Ok(crate::run::result::Response {
                status: 200,
                headers: Vec::new(),
                set_cookies: vec![
                    "csrf_token_stale=; Path=/old; Max-Age=0".into(),
                    "csrf_token_2383528f=CsrfValue; Path=/; Domain=openapp.test; Max-Age=31536000; HttpOnly; SameSite=Lax".into(),
                ],
                rejected_cookies: Vec::new(),
                body: Vec::new(),
            }),
            elapsed: std::time::Duration::ZERO,
        };
        let result = ScenarioResult {
            id: "core/x".into(),
            name: "x".into(),
            rules: Vec::new(),
            setup: Vec::new(),
            steps: vec![StepResult {
                index: 1,
                label: "login".into(),
                client: "default".into(),
                exchanges: vec![exchange],
                checks: Vec::new(),
                error: None,
                notes: Vec::new(),
                attempts: None,
                jar_after: Vec::new(),
                sdk: None,
                parallel: None,
                started: std::time::Duration::ZERO,
                finished: std::time::Duration::ZERO,
            }],
            planned_steps: 1,
            setup_error: None,
            warnings: Vec::new(),
            outcome: Outcome::Passed,
            elapsed: std::time::Duration::ZERO,
            resolve: Vec::new(),
        };
        assert_eq!(
            kratos_csrf_name(&result, &endpoints()).as_deref(),
            Some("csrf_token_2383528f")
        );
    }

    #[test]
    fn uuid_and_time_detection() {
        assert!(is_uuid("2931eaa1-bf4a-42ba-b0e8-abe00a58f45d"));
        assert!(!is_uuid("2931eaa1-bf4a-42ba-b0e8-abe00a58f45"));
        assert!(is_time("2026-12-01T09:29:16Z"));
        assert!(!is_time("password"));
    }
}
