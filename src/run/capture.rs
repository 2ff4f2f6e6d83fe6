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
        CaptureSource::HeaderQuery { header, query } => {
            let v = resp
                .header(header)
                .ok_or_else(|| format!("the response has no header `{header}`"))?;
            let found = query_param(v, query).ok_or_else(|| {
                format!("the `{header}` header `{v}` has no query parameter `{query}`")
            })?;
            Ok((found, c.secret))
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

/// The first value of query parameter `name` of a URL, absolute or relative (`Location` may be
/// either); `None` when the URL has no such parameter.
pub(super) fn query_param(url: &str, name: &str) -> Option<String> {
    let without_fragment = url.split('#').next().unwrap_or_default();
    let (_, query) = without_fragment.split_once('?')?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
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

    /// K2, K3 on the browser-form path: the flow id of `<ui>/login?flow=<id>` and the error id
    /// of `<ui>/error?id=<id>`, from absolute and relative `Location`s.
    #[test]
    fn a_header_query_capture_takes_one_parameter_of_the_url() {
        let capture = Capture {
            source: CaptureSource::HeaderQuery {
                header: "location".into(),
                query: "flow".into(),
            },
            secret: false,
        };
        let mut resp = response(&[]);
        resp.headers = vec![(
            "location".into(),
            "http://app.openapp.test/login?return_to=x&flow=f-1#top".into(),
        )];
        let (value, secret) = capture_value(&capture, &resp, None, 0).unwrap();
        assert_eq!((value.as_str(), secret), ("f-1", false));
        assert_eq!(query_param("/error?id=e%2D2", "id").as_deref(), Some("e-2"));
        assert_eq!(query_param("http://app.openapp.test/", "flow"), None);
        resp.headers = vec![("location".into(), "http://app.openapp.test/".into())];
        let err = capture_value(&capture, &resp, None, 0).unwrap_err();
        assert!(err.contains("has no query parameter `flow`"), "{err}");
        assert!(capture_value(&capture, &response(&[]), None, 0).is_err());
    }
}
