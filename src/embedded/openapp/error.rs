//! The OpenApp error object (`{"message": …, "error_code": …}`) the reference server answers
//! with, as an axum response.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One error answer: a status plus the spec's `ApiErrorResponse` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: &'static str,
    code: &'static str,
}

impl ApiError {
    const fn new(status: StatusCode, message: &'static str, code: &'static str) -> Self {
        Self {
            status,
            message,
            code,
        }
    }

    /// R4: an unknown or revoked API key.
    pub(crate) const INVALID_API_KEY: Self = Self::new(
        StatusCode::UNAUTHORIZED,
        "Invalid API key",
        "invalid_api_key",
    );
    /// The bearer channel is for JWTs, and this reference issues none.
    pub(crate) const INVALID_BEARER: Self = Self::new(
        StatusCode::UNAUTHORIZED,
        "Invalid bearer token",
        "invalid_token",
    );
    /// R7: the probe's documented 401.
    pub(crate) const NOT_PROVISIONED: Self = Self::new(
        StatusCode::UNAUTHORIZED,
        "User is not provisioned",
        "not_provisioned",
    );
    /// Faults `whoami-anonymous-401` and `logout-401-without-session`.
    pub(crate) const NO_SESSION: Self = Self::new(
        StatusCode::UNAUTHORIZED,
        "No active session",
        "unauthorized",
    );
    /// Kratos was unreachable or answered something the gateway cannot use.
    pub(crate) const KRATOS_UNAVAILABLE: Self = Self::new(
        StatusCode::BAD_GATEWAY,
        "Identity service unavailable",
        "kratos_unavailable",
    );
    /// Unrouted path.
    pub(crate) const NOT_FOUND: Self = Self::new(StatusCode::NOT_FOUND, "Not found", "not_found");
    /// Routed path, other method.
    pub(crate) const METHOD_NOT_ALLOWED: Self = Self::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "method_not_allowed",
    );
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "message": self.message, "error_code": self.code });
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_object_has_message_and_code() {
        let response = ApiError::NOT_PROVISIONED.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()[axum::http::header::CONTENT_TYPE],
            "application/json"
        );
    }
}
