//! Go-on-the-wire details: RFC 3339 times, `encoding/json` bodies, `http.Redirect` bodies,
//! content negotiation (gddo `NegotiateContentType`), `Cookie` parsing, and the header order
//! of Go's `net/http` (sorted names, then `Date`).

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use time::OffsetDateTime;

/// `application/json; charset=utf-8`: herodot's success content type.
pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";
/// `application/json`: herodot's error content type.
pub(crate) const JSON_PLAIN: &str = "application/json";
/// Kratos's `x.NoCache` value.
pub(crate) const NO_CACHE: &str = "private, no-cache, no-store, must-revalidate";

/// Formats like Go's `time.RFC3339Nano` in UTC: the fraction loses its trailing zeros.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let nanos = t.nanosecond();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Truncates to microseconds, the precision of a row read back from the database.
pub(crate) fn micros(t: OffsetDateTime) -> OffsetDateTime {
    let nanos = t.nanosecond();
    t.replace_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

/// Go's zero time, as the 201 identity body shows credential timestamps.
pub(crate) fn go_zero_time() -> &'static str {
    "0001-01-01T00:00:00Z"
}

/// Serialises like Go's `json.Encoder`: `<`, `>`, `&`, U+2028 and U+2029 escaped, and a
/// trailing newline.
pub(crate) fn go_json(value: &Value) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len() + 1);
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// A response under construction: status, headers in any order (sorted when sent), body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: String,
}

impl Reply {
    /// An empty answer.
    pub(crate) fn empty(status: StatusCode) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// A JSON answer with `Content-Type: application/json; charset=utf-8`.
    pub(crate) fn json(status: StatusCode, value: &Value) -> Self {
        Self::empty(status)
            .header(header::CONTENT_TYPE, JSON_UTF8)
            .with_body(go_json(value))
    }

    /// Adds a header (duplicates are kept, in order).
    pub(crate) fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Adds `Set-Cookie` lines, in order.
    pub(crate) fn cookies(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        for line in lines {
            self.headers.push((header::SET_COOKIE, line));
        }
        self
    }

    /// Replaces the body.
    pub(crate) fn with_body(mut self, body: String) -> Self {
        self.body = body;
        self
    }

    /// Go's `http.Redirect`: for GET and HEAD a `text/html` content type, and for GET the
    /// `<a href="…">Status</a>.` body; for other methods neither.
    pub(crate) fn redirect(method: &Method, status: StatusCode, location: &str) -> Self {
        let mut reply = Self::empty(status).header(header::LOCATION, location);
        if method == Method::GET || method == Method::HEAD {
            reply = reply.header(header::CONTENT_TYPE, "text/html; charset=utf-8");
        }
        if method == Method::GET {
            let text = status.canonical_reason().unwrap_or("");
            reply.body = format!("<a href=\"{}\">{text}</a>.\n\n", html_escape(location));
        }
        reply
    }
}

impl axum::response::IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.append(name, v);
            }
        }
        response
    }
}

/// Go's `html.EscapeString` subset used by `http.Redirect`.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Re-orders a response's headers like Go's `net/http`: names sorted (values of one name
/// keep their order), then `Date`. hyper appends `Content-Length` after these.
pub(crate) fn go_header_order(headers: &mut HeaderMap, now: OffsetDateTime) {
    let mut entries: Vec<(HeaderName, HeaderValue)> = Vec::with_capacity(headers.len());
    let mut current: Option<HeaderName> = None;
    for (name, value) in std::mem::take(headers) {
        if let Some(n) = name {
            current = Some(n);
        }
        if let Some(n) = &current {
            entries.push((n.clone(), value));
        }
    }
    entries.retain(|(n, _)| n != header::DATE && n != header::CONTENT_LENGTH);
    entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    for (name, value) in entries {
        headers.append(name, value);
    }
    let date = httpdate::fmt_http_date(std::time::SystemTime::from(now));
    if let Ok(v) = HeaderValue::from_str(&date) {
        headers.append(header::DATE, v);
    }
}

/// One entry of an `Accept` header.
struct AcceptSpec {
    value: String,
    q: f64,
}

fn parse_accept(headers: &HeaderMap) -> Vec<AcceptSpec> {
    let mut specs = Vec::new();
    for raw in headers.get_all(header::ACCEPT) {
        let Ok(raw) = raw.to_str() else { continue };
        for part in raw.split(',') {
            let mut pieces = part.split(';');
            let value = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            if value.is_empty() {
                continue;
            }
            let mut q = 1.0;
            for param in pieces {
                if let Some((k, v)) = param.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            specs.push(AcceptSpec { value, q });
        }
    }
    specs
}

/// gddo `httputil.NegotiateContentType`: the best of `offers` for the `Accept` header.
pub(crate) fn negotiate<'a>(headers: &HeaderMap, offers: &[&'a str], default: &'a str) -> &'a str {
    let specs = parse_accept(headers);
    let (mut best, mut best_q, mut best_wild) = (default, -1.0_f64, 3);
    for offer in offers {
        for spec in &specs {
            if spec.q == 0.0 || spec.q < best_q {
                continue;
            }
            if spec.value == "*/*" {
                if spec.q > best_q || best_wild > 2 {
                    (best, best_q, best_wild) = (offer, spec.q, 2);
                }
            } else if spec.value.ends_with("/*") {
                let prefix = &spec.value[..spec.value.len() - 1];
                if offer.starts_with(prefix) && (spec.q > best_q || best_wild > 1) {
                    (best, best_q, best_wild) = (offer, spec.q, 1);
                }
            } else if spec.value == *offer && (spec.q > best_q || best_wild > 0) {
                (best, best_q, best_wild) = (offer, spec.q, 0);
            }
        }
    }
    best
}

/// Predicate A (`x.IsJSONRequest`): negotiation over html/text/any/json selects JSON, or the
/// `Content-Type` is exactly `application/json`.
pub(crate) fn is_json_request(headers: &HeaderMap) -> bool {
    let offers = ["text/html", "text/*", "*/*", "application/json"];
    negotiate(headers, &offers, "text/html") == "application/json"
        || headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            == Some("application/json")
}

/// Predicate B (`x.AcceptsJSON`): negotiation over html/json on `Accept` only.
pub(crate) fn accepts_json(headers: &HeaderMap) -> bool {
    negotiate(headers, &["text/html", "application/json"], "text/html") == "application/json"
}

/// All `name=value` pairs of the request's `Cookie` headers, in order.
pub(crate) fn request_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            let value = value.trim().trim_matches('"');
            Some((name.trim().to_string(), value.to_string()))
        })
        .collect()
}

/// The `Content-Type` without parameters, lowercased (empty when absent).
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// A header's value as text (`None` when absent or not visible ASCII).
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn times_trim_trailing_zeros() {
        assert_eq!(
            rfc3339(datetime!(2026-11-30 09:29:16.1749 UTC)),
            "2026-11-30T09:29:16.1749Z"
        );
        assert_eq!(
            rfc3339(datetime!(2026-11-30 09:29:16.103917726 UTC)),
            "2026-11-30T09:29:16.103917726Z"
        );
        assert_eq!(
            rfc3339(datetime!(2026-11-30 09:29:16 UTC)),
            "2026-11-30T09:29:16Z"
        );
        assert_eq!(
            rfc3339(micros(datetime!(2026-11-30 09:29:16.105599999 UTC))),
            "2026-11-30T09:29:16.105599Z"
        );
    }

    #[test]
    fn json_is_escaped_like_go() {
        let v = serde_json::json!({"a": "x&y<z>"});
        assert_eq!(go_json(&v), "{\"a\":\"x\\u0026y\\u003cz\\u003e\"}\n");
    }

    #[test]
    fn negotiation_table_of_behaviour_md() {
        assert!(!is_json_request(&HeaderMap::new()));
        assert!(!is_json_request(&accept("*/*")));
        assert!(is_json_request(&accept("application/json")));
        assert!(is_json_request(&accept(
            "application/json, text/plain, */*"
        )));
        assert!(!is_json_request(&accept("text/html,application/json")));
        assert!(accepts_json(&accept("application/json, text/plain, */*")));
        assert!(!accepts_json(&accept("text/html")));
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(is_json_request(&h) && !accepts_json(&h));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(!is_json_request(&h));
    }

    #[test]
    fn redirect_bodies_follow_http_redirect() {
        let r = Reply::redirect(
            &Method::GET,
            StatusCode::SEE_OTHER,
            "http://app.openapp.test/",
        );
        assert_eq!(
            r.body,
            "<a href=\"http://app.openapp.test/\">See Other</a>.\n\n"
        );
        let r = Reply::redirect(
            &Method::POST,
            StatusCode::SEE_OTHER,
            "http://app.openapp.test/",
        );
        assert!(r.body.is_empty() && r.headers.len() == 1);
    }

    #[test]
    fn headers_are_sorted_with_date_last() {
        let mut h = HeaderMap::new();
        h.append(header::VARY, HeaderValue::from_static("Cookie"));
        h.append(header::SET_COOKIE, HeaderValue::from_static("a=1"));
        h.append(header::CONTENT_TYPE, HeaderValue::from_static("x"));
        h.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
        go_header_order(&mut h, OffsetDateTime::UNIX_EPOCH);
        let names: Vec<_> = h
            .iter()
            .map(|(n, v)| format!("{n}={}", v.to_str().unwrap()))
            .collect();
        assert_eq!(
            names[..4],
            [
                "content-type=x",
                "set-cookie=a=1",
                "set-cookie=b=2",
                "vary=Cookie"
            ]
        );
        assert_eq!(names[4], "date=Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
