//! `POST /self-service/login?flow=`: the order of checks of docs/kratos/behaviour.md §6.2 and
//! the answers for success, wrong credentials, CSRF failures and expired flows (§6.3–§6.6).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::csrf::verify;
use super::emulator::KratosEmulator;
use super::errors::{
    KratosError, invalid_credentials_message, missing_property_message, no_strategy_message,
    too_short_message,
};
use super::errorx::with_query;
use super::request::Req;
use super::store::{FlowKind, LoginFlow};
use super::wire::{Reply, media_type, request_cookies, rfc3339};

/// The password method's submit body (`updateLoginFlowWithPasswordMethod`).
#[derive(Debug, Default)]
struct Payload {
    method: Option<String>,
    identifier: Option<String>,
    password: Option<String>,
    csrf_token: Option<String>,
}

/// ory/x decoderx: JSON or form bodies; the 400 reasons of capture 21.
fn decode(req: &Req, body: &Bytes) -> Result<Payload, KratosError> {
    if body.is_empty() {
        return Err(KratosError::bad_request(
            "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero.",
        ));
    }
    let text =
        |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    match media_type(&req.headers).as_str() {
        "application/json" => {
            let value: Value = serde_json::from_slice(body)
                .map_err(|_| KratosError::bad_request("Unable to decode form as JSON."))?;
            let m = value
                .as_object()
                .ok_or_else(|| KratosError::bad_request("Unable to decode form as JSON."))?;
            Ok(Payload {
                method: text(m, "method"),
                identifier: text(m, "identifier").or_else(|| text(m, "password_identifier")),
                password: text(m, "password"),
                csrf_token: text(m, "csrf_token"),
            })
        }
        "application/x-www-form-urlencoded" => {
            let mut p = Payload::default();
            for (k, v) in form_urlencoded::parse(body) {
                let v = Some(v.into_owned());
                match k.as_ref() {
                    "method" => p.method = p.method.or(v),
                    "identifier" | "password_identifier" => p.identifier = p.identifier.or(v),
                    "password" => p.password = p.password.or(v),
                    "csrf_token" => p.csrf_token = p.csrf_token.or(v),
                    _ => {}
                }
            }
            Ok(p)
        }
        _ => {
            let raw = req
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            Err(KratosError::bad_request(format!(
                "HTTP {} Request used unknown HTTP Header \"Content-Type: {raw}\", only [multipart/form-data application/x-www-form-urlencoded application/json] are supported.",
                req.method
            )))
        }
    }
}

/// `ErrOriginHeaderNeedsBrowserFlow` / `ErrCookieHeaderNeedsBrowserFlow` reasons.
fn api_flow_violation(req: &Req) -> Option<KratosError> {
    const TAIL: &str = "The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.";
    if req.headers.get("origin").is_some_and(|o| !o.is_empty()) {
        return Some(KratosError::bad_request(format!(
            "The HTTP Request Header included the \"Origin\" key, indicating that this request was made as part of an AJAX request in a Browser. {TAIL}"
        )));
    }
    let browser_cookie = request_cookies(&req.headers)
        .iter()
        .any(|(n, _)| !(n.starts_with("__cf") || n.starts_with("_cf") || n.starts_with("cf_")));
    browser_cookie.then(|| {
        KratosError::bad_request(format!(
            "The HTTP Request Header included the \"Cookie\" key, indicating that this request was made by a Browser. {TAIL}"
        ))
    })
}

impl KratosEmulator {
    /// `WriteFlowError` for errors rendered into the flow: persist it, then 400 with the flow
    /// (API flows and JSON clients) or 303 back to the login UI.
    fn flow_error(&self, req: &Req, flow: &LoginFlow) -> Reply {
        self.save_flow(flow);
        if flow.kind == FlowKind::Api || req.is_json() {
            return Reply::json(StatusCode::BAD_REQUEST, &self.flow_json(flow));
        }
        let location = with_query(&self.config.login_ui_url, "flow", &flow.id.to_string());
        Reply::redirect(&req.method, StatusCode::SEE_OTHER, &location)
    }

    /// The password strategy's `handleLoginError` preparation: identifier refilled, a new
    /// masked token on browser flows, messages reset.
    fn prepare_error(&self, req: &Req, flow: &mut LoginFlow, payload: &Payload) {
        flow.identifier = payload.identifier.clone().unwrap_or_default();
        if flow.kind == FlowKind::Browser {
            flow.csrf_token = req.csrf.masked();
        }
        flow.reset_messages();
    }

    /// An expired flow at submit: a replacement flow with message 4010001, then 410 with
    /// `use_flow_id` (API / JSON) or 303 to the login UI.
    fn expired_submit(&self, req: &Req, flow: &LoginFlow) -> Reply {
        let now = self.now();
        let since = now - flow.expires_at;
        let minutes = since.as_seconds_f64() / 60.0;
        let csrf = if flow.kind == FlowKind::Browser {
            req.csrf.masked()
        } else {
            String::new()
        };
        let mut replacement = self.create_flow(flow.kind, flow.request_url.clone(), csrf);
        replacement.messages.push(json!({
            "id": 4010001,
            "text": format!("The login flow expired {minutes:.2} minutes ago, please try again."),
            "type": "error",
            "context": {"expired_at": rfc3339(flow.expires_at), "expired_at_unix": flow.expires_at.unix_timestamp()},
        }));
        self.save_flow(&replacement);
        if flow.kind == FlowKind::Api || req.is_json() {
            let mut extra = Map::new();
            extra.insert("expired_at".into(), json!(rfc3339(flow.expires_at)));
            extra.insert(
                "since".into(),
                json!(i64::try_from(since.whole_nanoseconds()).unwrap_or(i64::MAX)),
            );
            extra.insert("use_flow_id".into(), json!(replacement.id.to_string()));
            return KratosError::flow_expired(minutes).reply_with(&req.headers, extra);
        }
        let location = with_query(
            &self.config.login_ui_url,
            "flow",
            &replacement.id.to_string(),
        );
        Reply::redirect(&req.method, StatusCode::SEE_OTHER, &location)
    }

    /// Checks the identifier and password; `Some(identity id)` on success (K3 accepts any
    /// password for a known identifier).
    fn check_credentials(&self, identifier: &str, password: &str) -> Option<Uuid> {
        let store = self.store();
        let identity = store.identity_by_identifier(identifier)?;
        let hash = identity.password.as_ref()?;
        (self.switches.on("kratos-wrong-password-accepted") || hash.verify(password))
            .then_some(identity.id)
    }

    /// Success: a new session; cookies and body per flow type and predicate A.
    fn login_success(&self, req: &Req, flow: &mut LoginFlow, identity_id: Uuid) -> Reply {
        flow.active = Some("password");
        self.save_flow(flow);
        let session = self.create_session(identity_id, req);
        let session_json = self.session_full_json(&session);
        if flow.kind == FlowKind::Api {
            let body = json!({"session_token": session.token, "session": session_json, "continue_with": null});
            let mut reply = Reply::json(StatusCode::OK, &body);
            if self.switches.on("kratos-api-login-sets-cookie") {
                reply = reply.cookies([self.session_cookie_line(&session)]);
            }
            return reply;
        }
        let lines = [
            req.csrf.regenerate(self),
            self.session_cookie_line(&session),
        ];
        let return_to = flow
            .return_to()
            .and_then(|r| self.config.resolve_return_to(&r))
            .filter(|u| self.config.return_to_allowed(u))
            .unwrap_or_else(|| self.config.default_browser_return_url.clone());
        if req.is_json() {
            let body = json!({
                "session": session_json,
                "continue_with": [{"action": "redirect_browser_to", "redirect_browser_to": return_to.as_str()}],
            });
            return Reply::json(StatusCode::OK, &body).cookies(lines);
        }
        Reply::redirect(&req.method, StatusCode::SEE_OTHER, return_to.as_str()).cookies(lines)
    }
}

/// `POST /self-service/login?flow=` (also routed for GET, as in Kratos).
pub(crate) async fn submit(State(emu): State<Arc<KratosEmulator>>, req: Req, body: Bytes) -> Reply {
    let Some(id) = req.query("flow").and_then(|s| Uuid::parse_str(&s).ok()) else {
        return emu.forward(
            &req,
            KratosError::bad_request("The flow query parameter is missing or malformed."),
        );
    };
    let Some(mut flow) = emu.flow(id) else {
        return emu.forward(&req, KratosError::not_found());
    };
    if emu.authenticated(&req).is_some() {
        if flow.kind == FlowKind::Api || req.is_json() {
            flow.reset_messages();
            flow.messages
                .push(KratosError::already_logged_in().as_flow_message());
            return emu.flow_error(&req, &flow);
        }
        return Reply::redirect(
            &req.method,
            StatusCode::SEE_OTHER,
            emu.config.default_browser_return_url.as_str(),
        );
    }
    if flow.expired(emu.now()) {
        return emu.expired_submit(&req, &flow);
    }
    let payload = match decode(&req, &body) {
        Ok(p) => p,
        Err(e) => {
            flow.reset_messages();
            flow.messages.push(e.as_flow_message());
            return emu.flow_error(&req, &flow);
        }
    };
    if payload.method.as_deref() != Some("password") {
        flow.reset_messages();
        flow.messages.push(no_strategy_message());
        return emu.flow_error(&req, &flow);
    }
    let identifier_msg = match payload.identifier.as_deref() {
        None => Some(missing_property_message("identifier")),
        Some("") => Some(too_short_message()),
        Some(_) => None,
    };
    let password_msg = match payload.password.as_deref() {
        None => Some(missing_property_message("password")),
        Some("") => Some(too_short_message()),
        Some(_) => None,
    };
    if identifier_msg.is_some() || password_msg.is_some() {
        emu.prepare_error(&req, &mut flow, &payload);
        flow.identifier_messages.extend(identifier_msg);
        flow.password_messages.extend(password_msg);
        return emu.flow_error(&req, &flow);
    }
    match flow.kind {
        FlowKind::Api => {
            if let Some(e) = api_flow_violation(&req) {
                emu.prepare_error(&req, &mut flow, &payload);
                flow.messages.push(e.as_flow_message());
                return emu.flow_error(&req, &flow);
            }
        }
        FlowKind::Browser => {
            let submitted = payload.csrf_token.as_deref().unwrap_or("");
            let ok = req
                .csrf
                .cookie_token()
                .is_some_and(|t| verify(&t, submitted));
            if !ok && !emu.switches.on("kratos-no-csrf-check") {
                return emu.forward(&req, KratosError::csrf());
            }
        }
    }
    let identifier = payload.identifier.clone().unwrap_or_default();
    let password = payload.password.clone().unwrap_or_default();
    match emu.check_credentials(&identifier, &password) {
        Some(identity_id) => emu.login_success(&req, &mut flow, identity_id),
        None => {
            emu.prepare_error(&req, &mut flow, &payload);
            flow.messages.push(invalid_credentials_message());
            emu.flow_error(&req, &flow)
        }
    }
}
