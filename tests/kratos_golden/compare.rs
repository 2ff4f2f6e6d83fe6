//! The comparison of one live response with its captured counterpart: status, the set of
//! header names (Date, Content-Length and Transfer-Encoding aside), Content-Type, Location,
//! every Set-Cookie line (name, attributes, their values and order; Max-Age within 2 s,
//! Expires as a date), and bodies (JSON values, key sets and key order at every level).

use std::time::SystemTime;

use serde_json::Value;

use crate::capture::{CapturedResponse, all, first};
use crate::live::LiveResponse;
use crate::normalize::{Addresses, VOLATILE_NUMBER_KEYS};

/// One field that differs: what, and both sides normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldDiff {
    /// `status`, `header names`, `Set-Cookie[1] attributes`, `body $.ui.nodes[0].type`, …
    pub field: String,
    /// The captured value, normalised.
    pub captured: String,
    /// The live value, normalised.
    pub live: String,
}

/// Headers that depend on the HTTP stack or the moment, not on Kratos.
const UNCOMPARED_HEADERS: &[&str] = &["date", "content-length", "transfer-encoding"];

/// Allowed drift of `Max-Age` and of `Expires` relative to `Date`, in seconds.
const COOKIE_TIME_SLACK: i64 = 2;

/// Both sides' addresses.
pub(crate) struct Sides<'a> {
    /// The capture's base URLs.
    pub captured: &'a Addresses,
    /// The live emulator's base URLs.
    pub live: &'a Addresses,
}

struct Out<'a> {
    sides: &'a Sides<'a>,
    diffs: Vec<FieldDiff>,
}

impl Out<'_> {
    fn push(&mut self, field: impl Into<String>, captured: String, live: String) {
        self.diffs.push(FieldDiff {
            field: field.into(),
            captured,
            live,
        });
    }

    /// Compares two texts after normalising each side with its own addresses.
    fn text(&mut self, field: impl Into<String>, captured: &str, live: &str) {
        let (c, l) = (
            self.sides.captured.normalize(captured),
            self.sides.live.normalize(live),
        );
        if c != l {
            self.push(field, c, l);
        }
    }
}

/// Every difference between a captured and a live response.
pub(crate) fn compare(
    sides: &Sides<'_>,
    cap: &CapturedResponse,
    live: &LiveResponse,
) -> Vec<FieldDiff> {
    let mut out = Out {
        sides,
        diffs: Vec::new(),
    };
    if cap.status != live.status {
        out.push("status", cap.status.to_string(), live.status.to_string());
    }
    header_names(&mut out, &cap.headers, &live.headers);
    for name in ["Content-Type", "Location"] {
        out.text(
            format!("header {name}"),
            first(&cap.headers, name).unwrap_or("<absent>"),
            first(&live.headers, name).unwrap_or("<absent>"),
        );
    }
    set_cookies(&mut out, cap, live);
    body(&mut out, cap, live);
    out.diffs
}

fn header_names(out: &mut Out<'_>, cap: &[(String, String)], live: &[(String, String)]) {
    let names = |h: &[(String, String)]| {
        let mut v: Vec<String> = h
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| !UNCOMPARED_HEADERS.contains(&n.as_str()))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let (c, l) = (names(cap), names(live));
    if c != l {
        out.push("header names", c.join(", "), l.join(", "));
    }
}

/// A `Set-Cookie` line: name and its attributes in order (the value is never kept).
#[derive(Debug)]
struct CookieLine {
    name: String,
    attributes: Vec<(String, Option<String>)>,
}

fn parse_cookie(line: &str) -> CookieLine {
    let mut parts = line.split(';').map(str::trim);
    let name = parts
        .next()
        .and_then(|p| p.split_once('=').map(|(n, _)| n.to_string()))
        .unwrap_or_default();
    let attributes = parts
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (p.to_string(), None),
        })
        .collect();
    CookieLine { name, attributes }
}

fn date_of(headers: &[(String, String)]) -> Option<SystemTime> {
    first(headers, "date").and_then(|d| httpdate::parse_http_date(d).ok())
}

fn seconds_between(from: Option<SystemTime>, to: SystemTime) -> Option<i64> {
    let from = from?;
    Some(match to.duration_since(from) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    })
}

fn set_cookies(out: &mut Out<'_>, cap: &CapturedResponse, live: &LiveResponse) {
    let c_lines: Vec<CookieLine> = all(&cap.headers, "set-cookie")
        .into_iter()
        .map(parse_cookie)
        .collect();
    let l_lines: Vec<CookieLine> = all(&live.headers, "set-cookie")
        .into_iter()
        .map(parse_cookie)
        .collect();
    let summary = |lines: &[CookieLine], a: &Addresses| {
        lines
            .iter()
            .map(|l| a.normalize(&l.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if c_lines.len() != l_lines.len() {
        let (c, l) = (
            summary(&c_lines, out.sides.captured),
            summary(&l_lines, out.sides.live),
        );
        out.push("Set-Cookie lines", format!("[{c}]"), format!("[{l}]"));
    }
    let (c_date, l_date) = (date_of(&cap.headers), date_of(&live.headers));
    for (i, (c, l)) in c_lines.iter().zip(&l_lines).enumerate() {
        let field = format!("Set-Cookie[{i}] {}", out.sides.captured.normalize(&c.name));
        out.text(format!("{field} name"), &c.name, &l.name);
        let attr_names = |line: &CookieLine| {
            line.attributes
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        if attr_names(c) != attr_names(l) {
            out.push(
                format!("{field} attribute order"),
                attr_names(c),
                attr_names(l),
            );
            continue;
        }
        for ((key, cv), (_, lv)) in c.attributes.iter().zip(&l.attributes) {
            let (cv, lv) = (cv.as_deref().unwrap_or(""), lv.as_deref().unwrap_or(""));
            let what = format!("{field} {key}");
            match key.to_ascii_lowercase().as_str() {
                "max-age" => match (cv.parse::<i64>(), lv.parse::<i64>()) {
                    (Ok(a), Ok(b))
                        if (a <= 0) == (b <= 0) && (a - b).abs() <= COOKIE_TIME_SLACK => {}
                    _ => out.push(what, cv.to_string(), lv.to_string()),
                },
                "expires" => expires(out, &what, (cv, c_date), (lv, l_date)),
                _ => out.text(what, cv, lv),
            }
        }
    }
}

/// `Expires` must be a date; the epoch stays the epoch, otherwise its distance from the
/// response's `Date` must match within [`COOKIE_TIME_SLACK`].
fn expires(
    out: &mut Out<'_>,
    what: &str,
    (cv, c_date): (&str, Option<SystemTime>),
    (lv, l_date): (&str, Option<SystemTime>),
) {
    let (Ok(c), Ok(l)) = (httpdate::parse_http_date(cv), httpdate::parse_http_date(lv)) else {
        out.push(what, cv.to_string(), lv.to_string());
        return;
    };
    let epoch_ish =
        |t: SystemTime| t < SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400);
    let same = match (epoch_ish(c), epoch_ish(l)) {
        (true, true) => c == l,
        (false, false) => match (seconds_between(c_date, c), seconds_between(l_date, l)) {
            (Some(a), Some(b)) => (a - b).abs() <= COOKIE_TIME_SLACK,
            _ => false,
        },
        _ => false,
    };
    if !same {
        let offset = |d: Option<SystemTime>, t: SystemTime| match seconds_between(d, t) {
            Some(s) if !epoch_ish(t) => format!("Date + {s} s"),
            _ => httpdate::fmt_http_date(t),
        };
        out.push(what, offset(c_date, c), offset(l_date, l));
    }
}

fn body(out: &mut Out<'_>, cap: &CapturedResponse, live: &LiveResponse) {
    let live_json: Option<Value> = serde_json::from_str(&live.body).ok();
    match (cap.body_kind.as_str(), live_json) {
        ("json", Some(l)) => {
            let c: Value = cap
                .body_raw
                .as_deref()
                .and_then(|raw| serde_json::from_str(raw).ok())
                .unwrap_or_else(|| cap.body.clone());
            json(out, "$", None, &c, &l);
        }
        ("json", None) => out.push("body kind", "json".into(), kind_of(&live.body).into()),
        (_, Some(_)) if !live.body.trim().is_empty() => {
            out.push("body kind", cap.body_kind.clone(), "json".into())
        }
        _ => out.text("body text", &cap.body_text(), &live.body),
    }
}

fn kind_of(body: &str) -> &'static str {
    if body.is_empty() { "empty" } else { "text" }
}

fn json(out: &mut Out<'_>, path: &str, key: Option<&str>, c: &Value, l: &Value) {
    match (c, l) {
        (Value::Object(cm), Value::Object(lm)) => {
            let ck: Vec<&str> = cm.keys().map(String::as_str).collect();
            let lk: Vec<&str> = lm.keys().map(String::as_str).collect();
            if ck != lk {
                out.push(format!("body {path} keys"), ck.join(", "), lk.join(", "));
            }
            for (k, cv) in cm {
                if let Some(lv) = lm.get(k) {
                    json(out, &format!("{path}.{k}"), Some(k), cv, lv);
                }
            }
        }
        (Value::Array(ca), Value::Array(la)) => {
            if ca.len() != la.len() {
                out.push(
                    format!("body {path} length"),
                    ca.len().to_string(),
                    la.len().to_string(),
                );
            }
            for (i, (cv, lv)) in ca.iter().zip(la).enumerate() {
                json(out, &format!("{path}[{i}]"), None, cv, lv);
            }
        }
        (Value::String(cs), Value::String(ls)) => out.text(format!("body {path}"), cs, ls),
        (Value::Number(_), Value::Number(_))
            if key.is_some_and(|k| VOLATILE_NUMBER_KEYS.contains(&k)) => {}
        _ if c == l => {}
        _ => {
            let (cs, ls) = (
                out.sides.captured.normalize(&c.to_string()),
                out.sides.live.normalize(&l.to_string()),
            );
            out.push(format!("body {path}"), cs, ls);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sides_addresses() -> (Addresses, Addresses) {
        (
            Addresses::new("http://auth.openapp.test:4433", "http://127.0.0.1:4434"),
            Addresses::new("http://auth.openapp.test:5555", "http://127.0.0.1:5556"),
        )
    }

    fn response(headers: &[(&str, &str)], body: &str) -> (CapturedResponse, LiveResponse) {
        let h: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        (
            CapturedResponse {
                status: 200,
                headers: h.clone(),
                body_kind: "json".into(),
                body: Value::Null,
                body_raw: Some(body.into()),
            },
            LiveResponse {
                status: 200,
                headers: h,
                body: body.into(),
            },
        )
    }

    #[test]
    fn key_order_and_cookie_drift_are_judged() {
        let (c, l) = sides_addresses();
        let sides = Sides {
            captured: &c,
            live: &l,
        };
        let line = "s=v; Path=/; Expires=Tue, 01 Dec 2026 09:29:29 GMT; Max-Age=86399; HttpOnly";
        let (cap, mut live) = response(
            &[
                ("Set-Cookie", line),
                ("Date", "Mon, 30 Nov 2026 09:29:30 GMT"),
            ],
            r#"{"a":1,"b":{"c":"http://auth.openapp.test:4433/x"}}"#,
        );
        live.body = r#"{"a":1,"b":{"c":"http://auth.openapp.test:5555/x"}}"#.into();
        live.headers[0].1 =
            "s=w; Path=/; Expires=Tue, 01 Dec 2026 09:29:30 GMT; Max-Age=86398; HttpOnly".into();
        assert_eq!(compare(&sides, &cap, &live), vec![]);
        live.body = r#"{"b":{"c":"http://auth.openapp.test:5555/y"},"a":1}"#.into();
        live.headers[0].1 = "s=w; Path=/; Max-Age=86390; Expires=x; HttpOnly".into();
        let fields: Vec<String> = compare(&sides, &cap, &live)
            .into_iter()
            .map(|d| d.field)
            .collect();
        assert_eq!(
            fields,
            [
                "Set-Cookie[0] s attribute order",
                "body $ keys",
                "body $.b.c"
            ]
        );
    }
}
