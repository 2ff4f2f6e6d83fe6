//! The route handlers behind the gateway: the three introspection GETs (R1–R3, R5), the
//! provisioning probe (R6–R8), logout and sign-out (R9–R16), `/status`, and the error
//! answers for unrouted paths and methods. Every fault switch that changes a route's answer
//! is consulted here.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::header::{CONTENT_LENGTH, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::cookies::csrf_cookie_names;
use super::error::ApiError;
use super::gateway::{GatewayContext, KeyChannel, X_USER};
use super::layout::CLEAR_SITE_DATA;
use super::layout::{json_answer, json_answer_after};
use super::memory::CachedRoute;
use super::server::OpenAppServer;

/// Which of the three introspection paths answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Introspection {
    Whoami,
    Session,
    KratosIdentity,
}

/// `GET /auth/whoami`.
pub(crate) async fn whoami(
    State(server): State<Arc<OpenAppServer>>,
    Extension(ctx): Extension<GatewayContext>,
) -> Response {
    introspect(&server, &ctx, Introspection::Whoami)
}

/// `GET /auth/session`.
pub(crate) async fn session(
    State(server): State<Arc<OpenAppServer>>,
    Extension(ctx): Extension<GatewayContext>,
) -> Response {
    introspect(&server, &ctx, Introspection::Session)
}

/// `GET /auth/kratos-identity`.
pub(crate) async fn kratos_identity(
    State(server): State<Arc<OpenAppServer>>,
    Extension(ctx): Extension<GatewayContext>,
) -> Response {
    introspect(&server, &ctx, Introspection::KratosIdentity)
}

/// The UTF-8 byte order mark fault `key-answers-with-bom` writes before a key-authenticated
/// introspection answer.
const BOM: &str = "\u{feff}";

fn introspect(server: &OpenAppServer, ctx: &GatewayContext, path: Introspection) -> Response {
    let switches = &server.switches;
    let prefix = if ctx.key == Some(KeyChannel::XApiKey) && switches.on("key-answers-with-bom") {
        BOM
    } else {
        ""
    };
    let cache_peer = ctx
        .peer
        .filter(|_| path == Introspection::Whoami && switches.on("auth-cache-per-connection"));
    if let Some(cached) =
        cache_peer.and_then(|peer| server.memory.cached(peer, CachedRoute::Whoami))
    {
        return json_answer(server, &cached);
    }
    let Some(session) = &ctx.session else {
        if ctx.key == Some(KeyChannel::XApiKey) && switches.on("api-key-is-session") {
            return json_answer(server, &synthetic_session());
        }
        return match path {
            Introspection::Whoami if switches.on("whoami-anonymous-401") => {
                ApiError::NO_SESSION.into_response()
            }
            Introspection::Session if switches.on("session-anonymous-empty-object") => {
                json_answer(server, &json!({}))
            }
            _ => json_answer_after(server, prefix, &Value::Null),
        };
    };
    let answer = match path {
        Introspection::Whoami if switches.on("whoami-other-identity") => server
            .memory
            .other_identity_session(session)
            .unwrap_or_else(|| Arc::clone(session)),
        Introspection::Whoami if switches.on("whoami-latest-session-under-load") => server
            .memory
            .load_mix
            .latest_other(session)
            .unwrap_or_else(|| Arc::clone(session)),
        Introspection::Session | Introspection::KratosIdentity
            if switches.on("session-differs") =>
        {
            Arc::new(session.get("identity").cloned().unwrap_or(Value::Null))
        }
        _ => Arc::clone(session),
    };
    if let Some(peer) = cache_peer {
        server
            .memory
            .cache(peer, CachedRoute::Whoami, Arc::clone(&answer));
    }
    json_answer_after(server, prefix, &answer)
}

/// Fault `api-key-is-session`: what a key-authenticated request is wrongly answered.
fn synthetic_session() -> Value {
    json!({
        "id": "00000000-0000-4000-8000-00000000a91c",
        "active": true,
        "authenticator_assurance_level": "aal1",
        "identity": { "id": "00000000-0000-4000-8000-0000000a91c0", "traits": {} },
    })
}

/// `GET /auth/provisioned`: reads only the gateway's `X-User` (R8).
pub(crate) async fn provisioned(
    State(server): State<Arc<OpenAppServer>>,
    Extension(ctx): Extension<GatewayContext>,
    headers: HeaderMap,
) -> Response {
    let switches = &server.switches;
    let cache_peer = ctx
        .peer
        .filter(|_| switches.on("auth-cache-per-connection"));
    let cached = cache_peer.and_then(|peer| server.memory.cached(peer, CachedRoute::Provisioned));
    let user = match cached {
        Some(user) => Some(user),
        None => headers
            .get(X_USER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(|v| Arc::new(Value::from(v))),
    };
    let Some(user) = user else {
        if ctx.session.is_some() && switches.on("unprovisioned-204") {
            return StatusCode::NO_CONTENT.into_response();
        }
        return ApiError::NOT_PROVISIONED.into_response();
    };
    if let Some(peer) = cache_peer {
        server
            .memory
            .cache(peer, CachedRoute::Provisioned, Arc::clone(&user));
    }
    if switches.on("provisioned-200") {
        return (
            StatusCode::OK,
            Json(json!({ "provisioned": true, "user_id": *user })),
        )
            .into_response();
    }
    if switches.on("provisioned-204-content-length") {
        // hyper writes the Content-Length header as given and drops the body of any 204
        // (see the switch's test for what reaches the wire).
        return (
            StatusCode::NO_CONTENT,
            [(CONTENT_LENGTH, HeaderValue::from_static("2"))],
            "{}",
        )
            .into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /auth/logout` (and `GET` under fault `logout-on-get`).
pub(crate) async fn logout(
    State(server): State<Arc<OpenAppServer>>,
    Extension(ctx): Extension<GatewayContext>,
    headers: HeaderMap,
) -> Response {
    end_session(&server, &ctx, &headers, false).await
}

/// `POST /auth/sign-out`.
pub(crate) async fn sign_out(
    State(server): State<Arc<OpenAppServer>>,
    Extension(ctx): Extension<GatewayContext>,
    headers: HeaderMap,
) -> Response {
    end_session(&server, &ctx, &headers, true).await
}

/// Logout and sign-out: revoke the session at Kratos, then answer 204 with the clearing
/// lines, with or without a session (R14, R15).
async fn end_session(
    server: &OpenAppServer,
    ctx: &GatewayContext,
    headers: &HeaderMap,
    sign_out: bool,
) -> Response {
    let switches = &server.switches;
    // Fault: a session cookie Kratos no longer honours is an error on sign-out alone.
    if sign_out && ctx.dead_session_cookie && switches.on("sign-out-after-revocation-401") {
        return ApiError::NO_SESSION.into_response();
    }
    match &ctx.session {
        None if switches.on("logout-401-without-session") => {
            return ApiError::NO_SESSION.into_response();
        }
        Some(session) if !switches.on("no-server-side-revocation") => {
            if let Some(id) = session.get("id").and_then(Value::as_str)
                && server.kratos.revoke_session(id).await.is_err()
            {
                return ApiError::KRATOS_UNAVAILABLE.into_response();
            }
        }
        _ => {}
    }
    // Fault `logout-without-session-keeps-csrf`: an early return on the no-session path that
    // skips the CSRF cookies.
    let keeps_csrf = switches.on("logout-keeps-csrf")
        || (ctx.session.is_none() && switches.on("logout-without-session-keeps-csrf"));
    let csrf = if keeps_csrf {
        Vec::new()
    } else {
        csrf_cookie_names(headers)
    };
    let mut response = if switches.on("logout-200-body") {
        (StatusCode::OK, Json(json!({ "message": "Logged out" }))).into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    let reset = switches
        .on("logout-resets-session-cookie")
        .then(|| server.clearing.reset_line(headers))
        .flatten();
    for line in server.clearing.lines(&csrf).into_iter().chain(reset) {
        if let Ok(value) = HeaderValue::from_str(&line) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    if switches.on("extra-headers") {
        response
            .headers_mut()
            .insert(CLEAR_SITE_DATA, HeaderValue::from_static("\"cookies\""));
    }
    response
}

/// `GET /status`, probed by the Python SDK on connect.
pub(crate) async fn status() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Any unrouted path.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NOT_FOUND
}

/// A routed path with another method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::METHOD_NOT_ALLOWED
}
