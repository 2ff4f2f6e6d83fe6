//! Login flow initialisation and retrieval: `GET /self-service/login/browser`,
//! `GET /self-service/login/api`, `GET /self-service/login/flows?id=`
//! (docs/kratos/behaviour.md §4, §5, §7).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use url::Url;
use uuid::Uuid;

use super::csrf::verify;
use super::emulator::KratosEmulator;
use super::errors::KratosError;
use super::errorx::with_query;
use super::request::Req;
use super::store::FlowKind;
use super::wire::Reply;

impl KratosEmulator {
    /// `SecureRedirectTo` on the request's `return_to`: `Ok(None)` without one, `Ok(Some(url))`
    /// when allowed, the 400 `self_service_flow_return_to_forbidden` otherwise.
    pub(crate) fn checked_return_to(&self, req: &Req) -> Result<Option<Url>, KratosError> {
        let Some(raw) = req.query("return_to").filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        match self.config.resolve_return_to(&raw) {
            Some(url) if self.config.return_to_allowed(&url) => Ok(Some(url)),
            Some(url) => Err(KratosError::return_to_forbidden(url.as_str())),
            None => Err(KratosError::return_to_forbidden(&raw)),
        }
    }
}

/// `GET /self-service/login/browser`.
pub(crate) async fn init_browser(State(emu): State<Arc<KratosEmulator>>, req: Req) -> Reply {
    let return_to = match emu.checked_return_to(&req) {
        Ok(r) => r,
        Err(e) => return emu.forward(&req, e),
    };
    if let Some((session, _)) = emu.authenticated(&req) {
        // K8: the refusal leaves the session alone. The fault also ends it, cookie and row.
        let mut lines = Vec::new();
        if emu.switches.on("kratos-refused-login-ends-session") {
            emu.revoke_session(session.id);
            lines.push(emu.session_clear_line());
        }
        let reply = if req.accepts_json() {
            KratosError::already_logged_in().reply(&req.headers)
        } else {
            let target = return_to.unwrap_or_else(|| emu.config.default_browser_return_url.clone());
            Reply::redirect(&req.method, StatusCode::SEE_OTHER, target.as_str())
        };
        return reply.cookies(lines);
    }
    let mut lines = Vec::new();
    if emu.switches.on("kratos-csrf-cookie-every-init") && req.csrf.cookie_token().is_some() {
        lines.push(req.csrf.regenerate(&emu));
    }
    let flow = emu.create_flow(
        FlowKind::Browser,
        req.request_url(emu.config.public_base_url.scheme()),
        req.csrf.masked(),
    );
    let reply = if req.accepts_json() {
        Reply::json(StatusCode::OK, &emu.flow_json(&flow))
    } else {
        let location = with_query(&emu.config.login_ui_url, "flow", &flow.id.to_string());
        Reply::redirect(&req.method, StatusCode::SEE_OTHER, &location)
    };
    reply.cookies(lines)
}

/// `GET /self-service/login/api`.
pub(crate) async fn init_api(State(emu): State<Arc<KratosEmulator>>, req: Req) -> Reply {
    if let Err(e) = emu.checked_return_to(&req) {
        return e.reply(&req.headers);
    }
    if emu.authenticated(&req).is_some() {
        return KratosError::already_logged_in().reply(&req.headers);
    }
    let flow = emu.create_flow(
        FlowKind::Api,
        req.request_url(emu.config.public_base_url.scheme()),
        String::new(),
    );
    Reply::json(StatusCode::OK, &emu.flow_json(&flow))
}

/// `GET /self-service/login/flows?id=`: 404 unknown, 403 CSRF mismatch (browser flows), 410
/// expired, else the stored flow. Always JSON.
pub(crate) async fn get_flow(State(emu): State<Arc<KratosEmulator>>, req: Req) -> Reply {
    let Some(flow) = req
        .query("id")
        .and_then(|s| Uuid::parse_str(&s).ok())
        .and_then(|id| emu.flow(id))
    else {
        return KratosError::not_found().reply(&req.headers);
    };
    if flow.kind == FlowKind::Browser {
        let ok = req
            .csrf
            .cookie_token()
            .is_some_and(|t| verify(&t, &flow.csrf_token));
        if !ok {
            return KratosError::csrf().reply(&req.headers);
        }
    }
    if flow.expired(emu.now()) {
        let err = match flow.kind {
            FlowKind::Browser => {
                let return_to = flow.return_to().unwrap_or_default();
                let init = emu.flow_url("self-service/login/browser");
                let redirect_to = match Url::parse(&init) {
                    Ok(u) if !return_to.is_empty() => with_query(&u, "return_to", &return_to),
                    _ => init,
                };
                KratosError::flow_gone(
                    "The login flow has expired. Redirect the user to the login flow init endpoint to initialize a new login flow.",
                    json!({"redirect_to": redirect_to, "return_to": return_to}),
                )
            }
            FlowKind::Api => KratosError::flow_gone(
                "The login flow has expired. Call the login flow init API endpoint to initialize a new login flow.",
                json!({"api": emu.flow_url("self-service/login/api")}),
            ),
        };
        return err.reply(&req.headers);
    }
    Reply::json(StatusCode::OK, &emu.flow_json(&flow))
}
