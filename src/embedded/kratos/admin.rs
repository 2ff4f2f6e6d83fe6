//! The admin API besides identity creation: session listing, lookup and revocation, health,
//! version, and the 307 for paths without the `/admin` prefix (docs/kratos/behaviour.md §1,
//! capture 19, 20).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::csrf::Uncached;
use super::emulator::KratosEmulator;
use super::errors::KratosError;
use super::request::Req;
use super::sessions::SessionView;
use super::wire::{JSON_UTF8, Reply};

/// `GET /admin/identities/{id}/sessions`: newest first, with `Link` and `X-Total-Count`.
pub(crate) async fn identity_sessions(
    State(emu): State<Arc<KratosEmulator>>,
    req: Req,
    Path(id): Path<String>,
) -> Reply {
    let Ok(identity_id) = Uuid::parse_str(&id) else {
        return KratosError::not_found().reply(&req.headers);
    };
    let active_filter = req.query("active").and_then(|a| a.parse::<bool>().ok());
    let now = emu.now();
    let (identity, mut sessions) = {
        let store = emu.store();
        let Some(identity) = store.identities.get(&identity_id).cloned() else {
            return KratosError::not_found().reply(&req.headers);
        };
        let sessions: Vec<_> = store
            .sessions
            .values()
            .filter(|s| s.identity_id == identity_id)
            .filter(|s| active_filter.is_none_or(|a| s.is_current(now) == a))
            .cloned()
            .collect();
        (identity, sessions)
    };
    sessions.sort_by_key(|s| std::cmp::Reverse(s.authenticated_at));
    let view = SessionView::Admin {
        identity: true,
        devices: true,
    };
    let list: Vec<Value> = sessions
        .iter()
        .map(|s| emu.session_json(s, Some(&identity), view))
        .collect();
    let n = list.len();
    let link = format!(
        "</admin/identities/{identity_id}/sessions?page=0&page_size={n}&page_token=eyJvZmZzZXQiOiIwIiwidiI6Mn0&per_page={n}>; rel=\"first\""
    );
    Reply::json(StatusCode::OK, &Value::Array(list))
        .header(header::LINK, link)
        .header(HeaderName::from_static("x-total-count"), n.to_string())
}

/// `GET /admin/sessions/{id}` (`expand=identity`, `expand=devices`).
pub(crate) async fn get_session(
    State(emu): State<Arc<KratosEmulator>>,
    req: Req,
    Path(id): Path<String>,
) -> Reply {
    let found = Uuid::parse_str(&id).ok().and_then(|id| {
        let store = emu.store();
        let s = store.sessions.get(&id)?.clone();
        let identity = store.identities.get(&s.identity_id).cloned();
        Some((s, identity))
    });
    let Some((session, identity)) = found else {
        return KratosError::not_found().reply(&req.headers);
    };
    let expand: Vec<String> = req
        .uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == "expand")
                .map(|(_, v)| v.to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let view = SessionView::Admin {
        identity: expand.iter().any(|e| e == "identity"),
        devices: expand.iter().any(|e| e == "devices"),
    };
    Reply::json(
        StatusCode::OK,
        &emu.session_json(&session, identity.as_ref(), view),
    )
}

/// `DELETE /admin/sessions/{id}`: 204 (with a JSON content type, as captured).
pub(crate) async fn delete_session(
    State(emu): State<Arc<KratosEmulator>>,
    req: Req,
    Path(id): Path<String>,
) -> Reply {
    match Uuid::parse_str(&id)
        .ok()
        .filter(|id| emu.revoke_session(*id))
    {
        Some(_) => Reply::empty(StatusCode::NO_CONTENT).header(header::CONTENT_TYPE, JSON_UTF8),
        None => KratosError::not_found().reply(&req.headers),
    }
}

/// `{"status":"ok"}` for the admin health routes (with `Cache-Control`).
pub(crate) async fn admin_health() -> Reply {
    Reply::json(StatusCode::OK, &json!({"status": "ok"}))
}

/// `{"status":"ok"}` for the public health routes (no `Cache-Control`).
pub(crate) async fn public_health(State(emu): State<Arc<KratosEmulator>>) -> Response {
    let mut res = Reply::json(StatusCode::OK, &json!({"status": "ok"})).into_response();
    if !emu.switches.on("kratos-fidelity-cache-control-on-health") {
        res.extensions_mut().insert(Uncached);
    }
    res
}

/// `GET /admin/version`.
pub(crate) async fn version() -> Reply {
    Reply::json(StatusCode::OK, &json!({"version": "v1.3.1"}))
}

/// Go's `http.NotFound`: `404 page not found`, text/plain, no `Cache-Control`.
pub(crate) fn not_found_text() -> Response {
    let mut res = Reply::empty(StatusCode::NOT_FOUND)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .with_body("404 page not found\n".into())
        .into_response();
    res.extensions_mut().insert(Uncached);
    res
}

/// The public router's fallback.
pub(crate) async fn public_fallback() -> Response {
    not_found_text()
}

/// The admin router's fallback: 307 to `/admin<path>` for paths without the prefix, else 404.
pub(crate) async fn admin_fallback(req: Req) -> Response {
    let path = req.uri.path();
    if path == "/admin" || path.starts_with("/admin/") {
        return not_found_text();
    }
    let mut target = format!("/admin{path}");
    if let Some(q) = req.uri.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut res =
        Reply::redirect(&req.method, StatusCode::TEMPORARY_REDIRECT, &target).into_response();
    res.extensions_mut().insert(Uncached);
    res
}
