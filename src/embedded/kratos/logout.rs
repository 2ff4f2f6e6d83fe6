//! Logout: `GET /self-service/logout/browser`, `GET /self-service/logout?token=` and
//! `DELETE /self-service/logout/api` (docs/kratos/behaviour.md §11).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use url::Url;

use super::emulator::KratosEmulator;
use super::errors::KratosError;
use super::request::Req;
use super::sessions::Via;
use super::wire::{Reply, header_str, media_type, request_cookies};

impl KratosEmulator {
    /// Marks a session revoked (`active = false`); the row stays.
    pub(crate) fn revoke_session(&self, id: uuid::Uuid) -> bool {
        match self.store().sessions.get_mut(&id) {
            Some(s) => {
                s.active = false;
                true
            }
            None => false,
        }
    }
}

/// `GET /self-service/logout/browser`: `{logout_url, logout_token}` for the request's session.
pub(crate) async fn browser(State(emu): State<Arc<KratosEmulator>>, req: Req) -> Reply {
    let Some((session, _)) = emu.authenticated(&req) else {
        return emu.forward(&req, KratosError::session_inactive());
    };
    let return_to = match emu.checked_return_to(&req) {
        Ok(r) => r,
        Err(e) => return emu.forward(&req, e),
    };
    let base = emu.flow_url("self-service/logout");
    let logout_url = match Url::parse(&base) {
        Ok(mut u) => {
            if let Some(r) = &return_to {
                u.query_pairs_mut().append_pair("return_to", r.as_str());
            }
            u.query_pairs_mut()
                .append_pair("token", &session.logout_token);
            u.to_string()
        }
        Err(_) => format!("{base}?token={}", session.logout_token),
    };
    Reply::json(
        StatusCode::OK,
        &json!({"logout_url": logout_url, "logout_token": session.logout_token}),
    )
}

/// `GET /self-service/logout?token=`: revoke, clear the session cookie, rotate the CSRF
/// cookie; 204 for JSON clients, else 303 to the return URL.
pub(crate) async fn complete(State(emu): State<Arc<KratosEmulator>>, req: Req) -> Reply {
    let Some(token) = req.query("token").filter(|t| !t.is_empty()) else {
        return emu.forward(
            &req,
            KratosError::bad_request("Please include a token in the URL query."),
        );
    };
    let Some((session, via)) = emu.authenticated(&req) else {
        return emu.forward(&req, KratosError::session_inactive());
    };
    if session.logout_token != token {
        return emu.forward(
            &req,
            KratosError::forbidden("Unable to log out because the logout token in the URL query does not match the session cookie."),
        );
    }
    emu.revoke_session(session.id);
    // `PurgeFromRequest`: a bearer token is revoked without touching cookies; otherwise the
    // session cookie is deleted.
    let has_cookie = request_cookies(&req.headers)
        .iter()
        .any(|(n, _)| *n == emu.config.session_cookie.name);
    let mut lines = Vec::new();
    if via != Via::Bearer && has_cookie {
        lines.push(emu.session_clear_line());
    }
    lines.push(req.csrf.regenerate(&emu));
    let return_to = match emu.checked_return_to(&req) {
        Ok(r) => r.unwrap_or_else(|| emu.config.logout_after_url.clone()),
        Err(e) => return emu.forward(&req, e).cookies(lines),
    };
    if req.is_json() {
        return Reply::empty(StatusCode::NO_CONTENT).cookies(lines);
    }
    Reply::redirect(&req.method, StatusCode::SEE_OTHER, return_to.as_str()).cookies(lines)
}

/// `DELETE /self-service/logout/api` with `{"session_token": …}`: 204 for any token that
/// ever existed (even revoked), 403 for an unknown one.
pub(crate) async fn api(State(emu): State<Arc<KratosEmulator>>, req: Req, body: Bytes) -> Reply {
    if body.is_empty() {
        return KratosError::bad_request(
            "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero.",
        )
        .reply(&req.headers);
    }
    if media_type(&req.headers) != "application/json" {
        let raw = header_str(&req.headers, "content-type").unwrap_or("");
        return KratosError::bad_request(format!(
            "HTTP {} Request used unknown HTTP Header \"Content-Type: {raw}\", only [application/json] are supported.",
            req.method
        ))
        .reply(&req.headers);
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return KratosError::bad_request("Unable to decode form as JSON.").reply(&req.headers);
    };
    let Some(token) = value
        .get("session_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return KratosError::bad_request(
            "I[#] S[#/required] missing properties: \"session_token\"",
        )
        .reply(&req.headers);
    };
    let id = emu.store().session_by_token(token).map(|s| s.id);
    match id {
        Some(id) => {
            emu.revoke_session(id);
            Reply::empty(StatusCode::NO_CONTENT)
        }
        None => KratosError::forbidden("The provided Ory Session Token could not be found, is invalid, or otherwise malformed.")
            .reply(&req.headers),
    }
}
