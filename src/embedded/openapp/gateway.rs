//! The gateway middleware in front of every route: drops client-sent `X-User`, validates
//! API keys on `X-API-Key` and `Authorization: Bearer`, resolves the browser session at
//! Kratos over HTTP, sets `X-User` for provisioned identities, and hands the outcome to the
//! handlers as a [`GatewayContext`] request extension.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::api_key::PresentedCredentials;
use super::cookies::SESSION_COOKIE;
use super::error::ApiError;
use super::server::OpenAppServer;

/// The header the gateway sets for a provisioned identity (R6–R8).
pub(crate) const X_USER: HeaderName = HeaderName::from_static("x-user");

/// The channel a valid API key came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyChannel {
    /// `X-API-Key: <key>`.
    XApiKey,
    /// `Authorization: Bearer <key>` (benign `bearer-key-validated` only).
    Bearer,
}

/// What the gateway established about one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct GatewayContext {
    /// The Kratos session, passed through as Kratos sent it; None when anonymous.
    pub(crate) session: Option<Arc<Value>>,
    /// Set for a request with a valid API key (which carries a session only when it also
    /// carries that session's cookie, R17).
    pub(crate) key: Option<KeyChannel>,
    /// The client's socket address, when served with connect info.
    pub(crate) peer: Option<SocketAddr>,
    /// The request carried an `ory_kratos_session` cookie that Kratos resolved to no session
    /// (revoked, expired or unknown). Read by faults `sign-out-after-revocation-401` and
    /// `logout-without-session-keeps-csrf`.
    pub(crate) dead_session_cookie: bool,
}

/// The middleware (`axum::middleware::from_fn_with_state`).
pub(crate) async fn gateway(
    State(server): State<Arc<OpenAppServer>>,
    mut request: Request,
    next: Next,
) -> Response {
    let switches = &server.switches;
    let mut in_flight = switches
        .on("whoami-latest-session-under-load")
        .then(|| server.memory.load_mix.enter());
    if !switches.on("client-x-user-honoured") {
        request.headers_mut().remove(X_USER);
    }
    let key = match authenticate_key(&server, request.headers()) {
        Ok(key) => key,
        Err(error) => return error.into_response(),
    };
    // R17: a valid key beside a session cookie is that cookie's user (the guide's forwarded
    // cookie in an SDK call); the fault ignores the cookie whenever a key is present.
    let hides_cookie = key.is_some() && switches.on("api-key-hides-cookie");
    let session = if hides_cookie {
        None
    } else {
        match resolve_session(&server, request.headers()).await {
            Ok(session) => session,
            Err(error) => return error.into_response(),
        }
    };
    if let Some(session) = &session {
        if let Some(user) = openapp_user_id(session) {
            request.headers_mut().insert(X_USER, user);
        }
        if switches.on("whoami-other-identity") {
            server.memory.record_session(session);
        }
        if let Some(in_flight) = &mut in_flight {
            in_flight.resolved(session);
        }
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let dead_session_cookie =
        !hides_cookie && session.is_none() && has_session_cookie(request.headers());
    request.extensions_mut().insert(GatewayContext {
        session,
        key,
        peer,
        dead_session_cookie,
    });
    next.run(request).await
}

/// Validates the presented API keys. `Ok(None)`: no key (anonymous or cookie session).
fn authenticate_key(
    server: &OpenAppServer,
    headers: &HeaderMap,
) -> Result<Option<KeyChannel>, ApiError> {
    let switches = &server.switches;
    let presented = PresentedCredentials::read(headers);
    let mut channel = None;
    if let Some(key) = &presented.x_api_key {
        if server.keys.is_valid(key) {
            channel = Some(KeyChannel::XApiKey);
        } else if !switches.on("invalid-key-ignored-x-api-key") {
            return Err(ApiError::INVALID_API_KEY);
        }
    }
    if let Some(token) = &presented.bearer {
        let valid = server.keys.is_valid(token);
        match (valid, switches.on("bearer-key-validated")) {
            (true, true) => channel = channel.or(Some(KeyChannel::Bearer)),
            // The fault: an invalid key on the bearer channel is treated as absent.
            (false, _) if switches.on("invalid-key-ignored-bearer") => {}
            (false, true) => return Err(ApiError::INVALID_API_KEY),
            // The bearer channel is for JWTs, and this reference issues none.
            (_, false) => return Err(ApiError::INVALID_BEARER),
        }
    }
    Ok(channel)
}

/// Asks Kratos for the session of the request's cookies; no `Cookie` header means
/// anonymous without a call. Fault `session-cache-ttl`: a session resolved less than a second
/// ago for the same session cookie is answered from the gateway's cache.
async fn resolve_session(
    server: &OpenAppServer,
    headers: &HeaderMap,
) -> Result<Option<Arc<Value>>, ApiError> {
    let cookies: Vec<&[u8]> = headers
        .get_all(COOKIE)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    if cookies.is_empty() {
        return Ok(None);
    }
    let cookie = String::from_utf8_lossy(&cookies.join(&b"; "[..])).into_owned();
    let cache = server
        .switches
        .on("session-cache-ttl")
        .then_some(&server.memory.sessions);
    if let Some(session) = cache.and_then(|c| c.get(&cookie)) {
        return Ok(Some(session));
    }
    let session = server
        .kratos
        .whoami(&cookie)
        .await
        .map_err(|_| ApiError::KRATOS_UNAVAILABLE)?
        .map(Arc::new);
    if let (Some(cache), Some(session)) = (cache, &session) {
        cache.put(&cookie, Arc::clone(session));
    }
    Ok(session)
}

/// Does the request's `Cookie` header(s) name `ory_kratos_session`?
fn has_session_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| pair.split_once('=').map_or(pair, |(n, _)| n).trim() == SESSION_COOKIE)
}

/// `identity.metadata_public.openapp_user_id` when it is a non-empty string that fits in a
/// header value.
fn openapp_user_id(session: &Value) -> Option<HeaderValue> {
    let id = session
        .pointer("/identity/metadata_public/openapp_user_id")?
        .as_str()?;
    if id.is_empty() {
        return None;
    }
    HeaderValue::from_str(id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_session_cookie_by_name_only() {
        let headers = |values: &[&'static str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(COOKIE, HeaderValue::from_static(v));
            }
            h
        };
        assert!(has_session_cookie(&headers(&[
            "csrf_token_ab=1",
            "a=b; ory_kratos_session=x"
        ])));
        assert!(has_session_cookie(&headers(&["ory_kratos_session="])));
        assert!(!has_session_cookie(&headers(&[
            "ory_kratos_session_old=x; b=ory_kratos_session"
        ])));
        assert!(!has_session_cookie(&headers(&[])));
    }

    #[test]
    fn x_user_only_for_a_non_empty_string_id() {
        let provisioned =
            json!({ "identity": { "metadata_public": { "openapp_user_id": "u-1" } } });
        assert_eq!(openapp_user_id(&provisioned).unwrap(), "u-1");
        for session in [
            json!({ "identity": { "metadata_public": null } }),
            json!({ "identity": { "metadata_public": { "openapp_user_id": "" } } }),
            json!({ "identity": { "metadata_public": { "openapp_user_id": 7 } } }),
            json!({ "identity": { "metadata_public": { "openapp_user_id": "a\nb" } } }),
        ] {
            assert_eq!(openapp_user_id(&session), None, "{session}");
        }
    }
}
