//! How answers are laid out on the wire: JSON bodies (compact, or pretty-printed with sorted
//! keys under benign `json-layout`), the `Cache-Control` of every `/auth/*` answer (R18) and
//! the response decorations of benign switches (`json-layout` headers, `extra-set-cookie`, `no-content-length-zero`).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::cookies::PREF_COOKIE_LINE;
use super::server::OpenAppServer;

const X_SERVED_BY: HeaderName = HeaderName::from_static("x-served-by");

/// A `200 application/json` answer with `value` as the body, laid out as the switches say.
pub(crate) fn json_answer(server: &OpenAppServer, value: &Value) -> Response {
    let body = if server.switches.on("json-layout") {
        serde_json::to_string_pretty(&sorted(value))
    } else {
        serde_json::to_string(value)
    };
    match body {
        Ok(body) => (
            StatusCode::OK,
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            Body::from(body),
        )
            .into_response(),
        // Serialising a `Value` cannot fail (its map keys are strings).
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `value` with the keys of every object in lexicographic order.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// What Kratos's own `sessions/whoami` sends: no cache, shared or private, may reuse it.
pub(crate) const PRIVATE_NO_STORE: &str = "private, no-cache, no-store, must-revalidate";

/// Middleware outside the gateway: every `/auth/*` answer, errors included, depends on the
/// request's `Cookie` or key, so no shared cache may store it (R18). Fault
/// `session-answers-cacheable` sends no `Cache-Control`; benign `cache-control-private-only`
/// sends `private` alone.
pub(crate) async fn private_answers(
    State(server): State<Arc<OpenAppServer>>,
    request: Request,
    next: Next,
) -> Response {
    let auth = request
        .uri()
        .path()
        .strip_prefix(server.prefix.as_str())
        .is_some_and(|rest| rest.starts_with("/auth/"));
    let mut response = next.run(request).await;
    let switches = &server.switches;
    if auth && !switches.on("session-answers-cacheable") {
        let value = if switches.on("cache-control-private-only") {
            "private"
        } else {
            PRIVATE_NO_STORE
        };
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// The outermost middleware: adds the benign switches' extra headers to every answer.
pub(crate) async fn decorate(
    State(server): State<Arc<OpenAppServer>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if server.switches.on("extra-set-cookie") {
        response
            .headers_mut()
            .append(SET_COOKIE, HeaderValue::from_static(PREF_COOKIE_LINE));
    }
    if server.switches.on("no-content-length-zero") && response.status() == StatusCode::NO_CONTENT {
        // hyper leaves out a `Content-Length: 0` given with a body it knows is empty; with a
        // body of unknown length (an empty stream) it writes the header as given.
        let (mut parts, _) = response.into_parts();
        parts
            .headers
            .insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        let empty = futures_util::stream::empty::<Result<Bytes, Infallible>>();
        response = Response::from_parts(parts, Body::from_stream(empty));
    }
    let headers = response.headers_mut();
    if server.switches.on("json-layout") {
        headers.insert(X_SERVED_BY, HeaderValue::from_static("openapp-reference"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorting_reaches_nested_objects() {
        let value = json!({ "b": 1, "a": [{ "d": 2, "c": 3 }], "identity": { "z": 0, "y": 1 } });
        let text = serde_json::to_string(&sorted(&value)).unwrap();
        assert_eq!(
            text,
            r#"{"a":[{"c":3,"d":2}],"b":1,"identity":{"y":1,"z":0}}"#
        );
        assert_eq!(sorted(&value), value);
    }
}
