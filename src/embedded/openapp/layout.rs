//! How answers are laid out on the wire: JSON bodies (compact, or pretty-printed with sorted
//! keys under benign `json-layout`; with fields the contract does not name and keys reversed
//! under benign `extra-json-fields`), the `Cache-Control` of every `/auth/*` answer (R18) and
//! the response decorations of benign switches (`json-layout` and `extra-headers` headers,
//! `extra-set-cookie`, `no-content-length-zero`).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::cookies::PREF_COOKIE_LINE;
use super::server::OpenAppServer;

const X_SERVED_BY: HeaderName = HeaderName::from_static("x-served-by");
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Benign `extra-headers`: what logout also sends.
pub(crate) const CLEAR_SITE_DATA: HeaderName = HeaderName::from_static("clear-site-data");
/// The largest error body benign `extra-json-fields` rewrites (the reference's are tiny).
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// A `200 application/json` answer with `value` as the body, laid out as the switches say.
pub(crate) fn json_answer(server: &OpenAppServer, value: &Value) -> Response {
    json_answer_after(server, "", value)
}

/// [`json_answer`] with `prefix` written before the JSON (fault `key-answers-with-bom`).
pub(crate) fn json_answer_after(server: &OpenAppServer, prefix: &str, value: &Value) -> Response {
    let extended;
    let value = if server.switches.on("extra-json-fields") {
        extended = with_extra_fields(value);
        &extended
    } else {
        value
    };
    let body = if server.switches.on("json-layout") {
        serde_json::to_string_pretty(&sorted(value))
    } else {
        serde_json::to_string(value)
    };
    match body {
        Ok(body) => (
            StatusCode::OK,
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            Body::from(format!("{prefix}{body}")),
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

/// Benign `extra-json-fields`: an object answer with fields the contract does not name, at
/// the top level and nested in `identity` (when it is an object), and every object's keys in
/// reverse order. Other values are given back as they are.
fn with_extra_fields(value: &Value) -> Value {
    let Value::Object(map) = value else {
        return value.clone();
    };
    let mut map = map.clone();
    map.insert(
        "x_openapp".into(),
        json!({ "api_version": "v1", "served_by": "openapp-reference" }),
    );
    if map.contains_key("message") {
        // An error object.
        map.insert(
            "request_id".into(),
            Value::from(uuid::Uuid::new_v4().to_string()),
        );
        map.insert(
            "details".into(),
            json!({ "retryable": false, "docs": null }),
        );
    }
    if let Some(Value::Object(identity)) = map.get_mut("identity") {
        identity.insert("x_openapp_note".into(), Value::from("reference"));
    }
    reversed(&Value::Object(map))
}

/// `value` with the keys of every object in reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reversed(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

/// Benign `extra-json-fields` on an error answer (4xx/5xx with a JSON object body, which
/// [`super::error::ApiError`] writes without the server at hand): the body rewritten by
/// [`with_extra_fields`].
async fn extend_error_body(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(response.status().is_client_error() || response.status().is_server_error()) || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_LIMIT).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR).into_response();
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value @ Value::Object(_)) => {
            serde_json::to_vec(&with_extra_fields(&value)).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
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
    if server.switches.on("extra-json-fields") {
        response = extend_error_body(response).await;
    }
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
        // Appended: an `/auth/*` answer keeps its own (R18) line, as a proxy adding one would.
        headers.append(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if server.switches.on("extra-headers") {
        if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            headers.insert(X_REQUEST_ID, id);
        }
        // Repeated lines of one header: two `Cache-Control: no-store` (three with json-layout).
        headers.append(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.append(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extra_fields_reach_identity_and_keys_are_reversed() {
        let session = json!({ "id": "s", "active": true, "identity": { "id": "i", "traits": {} } });
        let extended = with_extra_fields(&session);
        let keys: Vec<&String> = extended.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["x_openapp", "identity", "active", "id"]);
        let identity: Vec<&String> = extended["identity"].as_object().unwrap().keys().collect();
        assert_eq!(identity, ["x_openapp_note", "traits", "id"]);
        let error = with_extra_fields(&json!({ "message": "m", "error_code": "c" }));
        let keys: Vec<&String> = error.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "details",
                "request_id",
                "x_openapp",
                "error_code",
                "message"
            ]
        );
        assert_eq!(with_extra_fields(&Value::Null), Value::Null);
    }

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
