//! Captures: a value taken from a step's (final) response into a `{{variable}}`.

use serde_json::Value;

use super::kratos;
use super::result::Response;
use crate::cookie::parse_set_cookie;
use crate::plan::model::{Capture, CaptureSource};

/// Takes a captured value; gives it and whether it is a secret. A cookie is taken from the
/// first line that sets it (a response may also expire the same name at another Path or
/// Domain), else from the first line of that name.
pub(super) fn capture_value(
    c: &Capture,
    resp: &Response,
    json: Option<&Value>,
    now: i64,
) -> Result<(String, bool), String> {
    let as_text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match &c.source {
        CaptureSource::Json(p) => {
            let v = json
                .and_then(|j| j.pointer(p))
                .ok_or_else(|| format!("the body has nothing at `{p}`"))?;
            Ok((as_text(v), c.secret))
        }
        CaptureSource::Header(h) => {
            let v = resp
                .header(h)
                .ok_or_else(|| format!("the response has no header `{h}`"))?;
            Ok((v.to_string(), c.secret))
        }
        CaptureSource::Cookie(name) => {
            let lines: Vec<(&str, bool)> = resp
                .set_cookies
                .iter()
                .filter_map(|l| {
                    let (n, v) = l.split(';').next()?.split_once('=')?;
                    let clearing = parse_set_cookie(l).is_ok_and(|c| c.is_clearing(now));
                    (n.trim() == name).then_some((v.trim(), clearing))
                })
                .collect();
            let v = lines
                .iter()
                .find(|(_, clearing)| !clearing)
                .or(lines.first())
                .map(|(v, _)| (*v).to_string())
                .ok_or_else(|| format!("no Set-Cookie line for `{name}`"))?;
            Ok((v, c.secret))
        }
        CaptureSource::UiNode(node) => {
            let v = json
                .and_then(|j| kratos::ui_node_value(j, node))
                .ok_or_else(|| format!("no ui.nodes input named `{node}`"))?;
            Ok((as_text(v), c.secret))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(set_cookies: &[&str]) -> Response {
        Response {
            status: 200,
            headers: Vec::new(),
            set_cookies: set_cookies.iter().map(|l| (*l).to_string()).collect(),
            rejected_cookies: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A response that also expires the cookie elsewhere (an extra clearing line, before or
    /// after) gives the value the setting line sets.
    #[test]
    fn a_cookie_capture_takes_the_value_a_line_sets() {
        let capture = Capture {
            source: CaptureSource::Cookie("ory_kratos_session".into()),
            secret: true,
        };
        let set = "ory_kratos_session=SessionValue01; Path=/; Max-Age=60";
        let clear = "ory_kratos_session=; Path=/api; Max-Age=0";
        for lines in [[clear, set], [set, clear]] {
            let (value, secret) = capture_value(&capture, &response(&lines), None, 0).unwrap();
            assert_eq!(
                (value.as_str(), secret),
                ("SessionValue01", true),
                "{lines:?}"
            );
        }
        // Only a clearing line: its value, as before.
        let (value, _) = capture_value(
            &capture,
            &response(&["ory_kratos_session=deleted; Max-Age=0"]),
            None,
            0,
        )
        .unwrap();
        assert_eq!(value, "deleted");
        assert!(capture_value(&capture, &response(&[]), None, 0).is_err());
    }
}
