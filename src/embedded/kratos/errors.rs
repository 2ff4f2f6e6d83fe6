//! Kratos's error answers: the herodot envelope (`{"error":{…}}`, `Content-Type:
//! application/json`), the v1.3.1 catalogue of ids, reasons and messages, and the messages
//! rendered into a flow's `ui.messages`.

use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value, json};

use super::wire::{JSON_PLAIN, Reply, go_json, header_str};

/// The fixed CSRF `details` of v1.3.1 (herodot's shared-map quirk,
/// docs/kratos/behaviour.md §12.2).
const CSRF_DOCS: &str = "https://www.ory.sh/kratos/docs/debug/csrf";
const CSRF_HINT: &str = "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).";
const CSRF_REJECT: &str = "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.";
const CSRF_REASON: &str = "Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.";

/// herodot's default message for a 400.
pub(crate) const MSG_BAD_REQUEST: &str =
    "The request was malformed or contained invalid parameters";
/// Reason of `session_already_available` and of message 4000001 after a login with a session.
pub(crate) const REASON_ALREADY_LOGGED_IN: &str = "A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?";

/// One herodot error: the inner object of the envelope.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KratosError {
    pub id: Option<&'static str>,
    pub code: StatusCode,
    pub reason: Option<String>,
    pub details: Option<Box<Value>>,
    pub message: &'static str,
}

impl KratosError {
    fn new(
        code: StatusCode,
        id: Option<&'static str>,
        reason: Option<String>,
        message: &'static str,
    ) -> Self {
        Self {
            id,
            code,
            reason,
            details: None,
            message,
        }
    }

    /// 400 without id, e.g. a decoder failure.
    pub(crate) fn bad_request(reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            None,
            Some(reason.into()),
            MSG_BAD_REQUEST,
        )
    }

    /// 404 `Unable to locate the resource` (`sqlcon.ErrNoRows`).
    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            None,
            None,
            "Unable to locate the resource",
        )
    }

    /// 403 `security_csrf_violation` with the fixed v1.3.1 details.
    pub(crate) fn csrf() -> Self {
        let mut e = Self::new(
            StatusCode::FORBIDDEN,
            Some("security_csrf_violation"),
            Some(CSRF_REASON.to_string()),
            "the request was rejected to protect you from Cross-Site-Request-Forgery",
        );
        e.details = Some(Box::new(
            json!({"docs": CSRF_DOCS, "hint": CSRF_HINT, "reject_reason": CSRF_REJECT}),
        ));
        e
    }

    /// 400 `session_already_available` (login).
    pub(crate) fn already_logged_in() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Some("session_already_available"),
            Some(REASON_ALREADY_LOGGED_IN.to_string()),
            "you are already logged in",
        )
    }

    /// 400 `self_service_flow_return_to_forbidden`.
    pub(crate) fn return_to_forbidden(url: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Some("self_service_flow_return_to_forbidden"),
            Some(format!("Requested return_to URL \"{url}\" is not allowed.")),
            MSG_BAD_REQUEST,
        )
    }

    /// 401 without id: whoami without a valid session.
    pub(crate) fn no_session_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            None,
            Some("No valid session credentials found in the request.".to_string()),
            "The request could not be authorized",
        )
    }

    /// 401 `session_inactive`.
    pub(crate) fn session_inactive() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            Some("session_inactive"),
            Some("No active session was found in this request.".to_string()),
            "request does not have a valid authentication session",
        )
    }

    /// 403 without id, `The requested action was forbidden`.
    pub(crate) fn forbidden(reason: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            None,
            Some(reason.to_string()),
            "The requested action was forbidden",
        )
    }

    /// 409 for a duplicate identity.
    pub(crate) fn identity_conflict() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            None,
            Some("This identity conflicts with another identity that already exists.".to_string()),
            "The resource could not be created due to a conflict",
        )
    }

    /// 410 `self_service_flow_expired` for `GET …/flows?id=`.
    pub(crate) fn flow_gone(reason: &str, details: Value) -> Self {
        let mut e = Self::new(
            StatusCode::GONE,
            Some("self_service_flow_expired"),
            Some(reason.to_string()),
            "The requested resource is no longer available because it has expired or is otherwise invalid.",
        );
        e.details = Some(Box::new(details));
        e
    }

    /// 410 `self_service_flow_expired` at submit (the envelope gets extra top-level keys).
    pub(crate) fn flow_expired(minutes: f64) -> Self {
        Self::new(
            StatusCode::GONE,
            Some("self_service_flow_expired"),
            Some(format!(
                "The self-service flow expired {minutes:.2} minutes ago, initialize a new one."
            )),
            "self-service flow expired",
        )
    }

    /// The inner object in herodot's key order; `request` echoes `X-Request-ID`.
    pub(crate) fn inner(&self, request_id: Option<&str>) -> Value {
        let mut m = Map::new();
        if let Some(id) = self.id {
            m.insert("id".into(), json!(id));
        }
        m.insert("code".into(), json!(self.code.as_u16()));
        m.insert(
            "status".into(),
            json!(self.code.canonical_reason().unwrap_or("")),
        );
        if let Some(r) = request_id.filter(|r| !r.is_empty()) {
            m.insert("request".into(), json!(r));
        }
        if let Some(r) = &self.reason {
            m.insert("reason".into(), json!(r));
        }
        if let Some(d) = &self.details {
            m.insert("details".into(), (**d).clone());
        }
        m.insert("message".into(), json!(self.message));
        Value::Object(m)
    }

    /// The full answer: `{"error":{…}}` plus `extra` top-level keys, `application/json`.
    pub(crate) fn reply_with(&self, headers: &HeaderMap, extra: Map<String, Value>) -> Reply {
        let mut body = Map::new();
        body.insert(
            "error".into(),
            self.inner(header_str(headers, "x-request-id")),
        );
        body.extend(extra);
        Reply::empty(self.code)
            .header(header::CONTENT_TYPE, JSON_PLAIN)
            .with_body(go_json(&Value::Object(body)))
    }

    /// The plain envelope answer.
    pub(crate) fn reply(&self, headers: &HeaderMap) -> Reply {
        self.reply_with(headers, Map::new())
    }

    /// The `ui.messages` entry a 400 becomes when rendered into a flow (id 4000001).
    pub(crate) fn as_flow_message(&self) -> Value {
        let reason = self
            .reason
            .clone()
            .unwrap_or_else(|| self.message.to_string());
        json!({"id": 4000001, "text": reason, "type": "error", "context": {"reason": reason}})
    }
}

/// Message 4000006: invalid credentials.
pub(crate) fn invalid_credentials_message() -> Value {
    json!({"id": 4000006, "text": "The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.", "type": "error"})
}

/// Message 4010002: no strategy took the request.
pub(crate) fn no_strategy_message() -> Value {
    json!({"id": 4010002, "text": "Could not find a strategy to log you in with. Did you fill out the form correctly?", "type": "error"})
}

/// Node message 4000002: a required property is missing.
pub(crate) fn missing_property_message(property: &str) -> Value {
    json!({"id": 4000002, "text": format!("Property {property} is missing."), "type": "error", "context": {"property": property}})
}

/// Node message 4000003: a string shorter than `minLength` 1.
pub(crate) fn too_short_message() -> Value {
    json!({"id": 4000003, "text": "length must be >= 1, but got 0", "type": "error", "context": {"actual_length": 0, "min_length": 1}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_envelope_matches_the_capture_text() {
        let body = KratosError::csrf().reply(&HeaderMap::new()).body;
        let expected = r#"{"error":{"id":"security_csrf_violation","code":403,"status":"Forbidden","reason":"Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.","details":{"docs":"https://www.ory.sh/kratos/docs/debug/csrf","hint":"The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).","reject_reason":"The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow."},"message":"the request was rejected to protect you from Cross-Site-Request-Forgery"}}"#;
        assert_eq!(body, format!("{expected}\n"));
    }

    #[test]
    fn request_id_sits_between_status_and_reason() {
        let mut h = HeaderMap::new();
        h.insert("x-request-id", "capture-request-21".parse().unwrap());
        let body = KratosError::no_session_credentials().reply(&h).body;
        assert_eq!(
            body,
            "{\"error\":{\"code\":401,\"status\":\"Unauthorized\",\"request\":\"capture-request-21\",\"reason\":\"No valid session credentials found in the request.\",\"message\":\"The request could not be authorized\"}}\n"
        );
    }

    #[test]
    fn expiry_minutes_use_two_decimals() {
        assert_eq!(
            KratosError::flow_expired(1.009544166 / 60.0)
                .reason
                .as_deref(),
            Some("The self-service flow expired 0.02 minutes ago, initialize a new one.")
        );
    }
}
