//! Sessions: their JSON forms, the `ory_kratos_session` cookie, how a request's credential
//! is found (docs/kratos/behaviour.md §10), and `GET /sessions/whoami`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderName, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::emulator::KratosEmulator;
use super::errors::KratosError;
use super::identities::IdentityView;
use super::request::Req;
use super::store::{Device, Identity, Session, random_token};
use super::wire::{Reply, header_str, request_cookies, rfc3339};

/// The response header naming the authenticated identity.
const IDENTITY_HEADER: HeaderName = HeaderName::from_static("x-kratos-authenticated-identity-id");

/// Which of Kratos's session serialisations to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionView {
    /// whoami and login: the declassified identity and the devices.
    Full,
    /// The admin API: the identity (without addresses, `schema_url: ""`) and the devices
    /// only when expanded; otherwise `identity: null`, `devices: []`.
    Admin { identity: bool, devices: bool },
}

/// How a request presented its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// `X-Session-Token`.
    Token,
    /// The `ory_kratos_session` cookie.
    Cookie,
    /// `Authorization: Bearer`.
    Bearer,
}

/// An opaque, URL-safe cookie value shaped like gorilla securecookie's (`<ts>|<data>|<mac>`).
fn new_cookie_value(now: OffsetDateTime) -> String {
    let data: [u8; 32] = rand::random();
    let more: [u8; 32] = rand::random();
    let mac: [u8; 32] = rand::random();
    let mut inner = format!(
        "{}|{}{}|",
        now.unix_timestamp(),
        URL_SAFE.encode(data),
        URL_SAFE.encode(more)
    )
    .into_bytes();
    inner.extend_from_slice(&mac);
    URL_SAFE.encode(inner)
}

impl KratosEmulator {
    /// A session as JSON, in Go struct order; `active` is recomputed as Kratos does.
    pub(crate) fn session_json(
        &self,
        s: &Session,
        identity: Option<&Identity>,
        view: SessionView,
    ) -> Value {
        let now = self.now();
        let active = s.is_current(now) && identity.is_none_or(Identity::is_active);
        let mut m = Map::new();
        m.insert("id".into(), json!(s.id.to_string()));
        m.insert("active".into(), json!(active));
        m.insert("expires_at".into(), json!(rfc3339(s.expires_at)));
        m.insert(
            "authenticated_at".into(),
            json!(rfc3339(s.authenticated_at)),
        );
        m.insert("authenticator_assurance_level".into(), json!("aal1"));
        m.insert(
            "authentication_methods".into(),
            json!([{"method": "password", "aal": "aal1", "completed_at": rfc3339(s.completed_at)}]),
        );
        m.insert("issued_at".into(), json!(rfc3339(s.authenticated_at)));
        let identity_json = match (view, identity) {
            (SessionView::Full, Some(i)) => self.identity_json(i, IdentityView::Session),
            (SessionView::Admin { identity: true, .. }, Some(i)) => {
                self.identity_json(i, IdentityView::SessionList)
            }
            _ => Value::Null,
        };
        m.insert("identity".into(), identity_json);
        let devices: Vec<Value> = match view {
            SessionView::Admin { devices: false, .. } => Vec::new(),
            _ => s
                .devices
                .iter()
                .map(|d| json!({"id": d.id.to_string(), "ip_address": d.ip_address, "user_agent": d.user_agent, "location": ""}))
                .collect(),
        };
        m.insert("devices".into(), Value::Array(devices));
        if self.switches.on("kratos-extra-fields") {
            m.insert("tokenized".into(), Value::Null);
        }
        Value::Object(m)
    }

    /// The `Full` JSON of a stored session (identity looked up).
    pub(crate) fn session_full_json(&self, s: &Session) -> Value {
        let identity = self.store().identities.get(&s.identity_id).cloned();
        self.session_json(s, identity.as_ref(), SessionView::Full)
    }

    /// Activates a new aal1 password session for `identity_id` from this request.
    pub(crate) fn create_session(&self, identity_id: Uuid, req: &Req) -> Session {
        let now = self.now();
        let lifespan =
            time::Duration::try_from(self.config.session_lifespan).unwrap_or(time::Duration::DAY);
        let session = Session {
            id: Uuid::new_v4(),
            token: random_token("ory_st_"),
            logout_token: random_token("ory_lo_"),
            identity_id,
            active: true,
            expires_at: now + lifespan,
            authenticated_at: now,
            completed_at: now - time::Duration::microseconds(3),
            devices: vec![Device {
                id: Uuid::new_v4(),
                ip_address: req.client_ip(),
                user_agent: req.user_agent(),
            }],
        };
        let mut store = self.store();
        store.by_token.insert(session.token.clone(), session.id);
        store.sessions.insert(session.id, session.clone());
        store.remember(super::store::Row::Session(session.id));
        drop(store);
        session
    }

    /// The `Domain=` part shared by both session cookie lines.
    fn cookie_domain_attr(&self) -> String {
        match self
            .config
            .session_cookie_domain()
            .map(|d| d.trim_start_matches('.'))
        {
            Some(d) if !d.is_empty() => format!("; Domain={d}"),
            _ => String::new(),
        }
    }

    /// Issues `ory_kratos_session` for `session`: `Path; Domain; Expires; Max-Age; HttpOnly;
    /// [Secure;] SameSite`, honouring the K4 and K6 fault switches.
    pub(crate) fn session_cookie_line(&self, session: &Session) -> String {
        let now = self.now();
        let value = new_cookie_value(now);
        {
            let mut store = self.store();
            store.cookies.insert(value.clone(), session.id);
            store.remember(super::store::Row::Cookie(value.clone()));
        }
        let max_age = (session.expires_at - now).whole_seconds().max(0);
        let expires =
            OffsetDateTime::from_unix_timestamp(now.unix_timestamp() + max_age).unwrap_or(now);
        let c = &self.config;
        let mut line = format!(
            "{}={value}; Path={}",
            c.session_cookie.name,
            c.session_cookie_path()
        );
        if !self.switches.on("kratos-session-cookie-host-only") {
            line.push_str(&self.cookie_domain_attr());
        }
        let expires = httpdate::fmt_http_date(expires.into());
        if !c.session_cookie.persistent {
            // `session.cookie.persistent: false`: a browser-session cookie.
        } else if self.switches.on("kratos-fidelity-cookie-attribute-order") {
            line.push_str(&format!("; Max-Age={max_age}; Expires={expires}"));
        } else {
            line.push_str(&format!("; Expires={expires}; Max-Age={max_age}"));
        }
        if !self.switches.on("kratos-session-cookie-not-httponly") {
            line.push_str("; HttpOnly");
        }
        if c.secure() {
            line.push_str("; Secure");
        }
        line.push_str(&format!("; SameSite={}", c.session_cookie_same_site()));
        line
    }

    /// The logout line deleting `ory_kratos_session` (a re-encoded value, epoch `Expires`).
    pub(crate) fn session_clear_line(&self) -> String {
        let c = &self.config;
        let secure = if c.secure() { "; Secure" } else { "" };
        format!(
            "{}={}; Path={}{}; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly{secure}; SameSite={}",
            c.session_cookie.name,
            new_cookie_value(self.now()),
            c.session_cookie_path(),
            self.cookie_domain_attr(),
            c.session_cookie_same_site()
        )
    }

    /// The request's valid session (`X-Session-Token`, else a known session cookie, else
    /// `Authorization: Bearer`), and how it came.
    pub(crate) fn authenticated(&self, req: &Req) -> Option<(Session, Via)> {
        let now = self.now();
        let store = self.store();
        let (id, via) = if let Some(token) = header_str(&req.headers, "x-session-token") {
            (*store.by_token.get(token)?, Via::Token)
        } else if let Some(id) = request_cookies(&req.headers)
            .iter()
            .find(|(n, _)| *n == self.config.session_cookie.name)
            .and_then(|(_, v)| store.cookies.get(v))
        {
            (*id, Via::Cookie)
        } else {
            let auth = header_str(&req.headers, "authorization")?;
            let (scheme, token) = auth.split_once(' ')?;
            if !scheme.eq_ignore_ascii_case("bearer") || token.contains(' ') {
                return None;
            }
            (*store.by_token.get(token)?, Via::Bearer)
        };
        let session = store.sessions.get(&id)?;
        store
            .session_valid(session, now)
            .then(|| (session.clone(), via))
    }
}

/// `GET /sessions/whoami` (and the other methods Kratos routes there).
pub(crate) async fn whoami(State(emu): State<Arc<KratosEmulator>>, req: Req) -> Reply {
    match emu.authenticated(&req) {
        Some((session, _)) => Reply::json(StatusCode::OK, &emu.session_full_json(&session))
            .header(IDENTITY_HEADER, session.identity_id.to_string()),
        None => KratosError::no_session_credentials().reply(&req.headers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::kratos::KratosConfig;
    use crate::switches::Switches;

    fn emulator(public: &str, domain: Option<&str>, dev: bool) -> Arc<KratosEmulator> {
        let mut config = KratosConfig::embedded(
            public.parse().unwrap(),
            "http://127.0.0.1:4434/".parse().unwrap(),
            domain.map(str::to_string),
        );
        config.dev = dev;
        KratosEmulator::new(config, Switches::none())
    }

    fn attributes(line: &str) -> &str {
        &line[line.find(';').unwrap()..]
    }

    fn session(emu: &KratosEmulator) -> Session {
        let now = emu.now();
        Session {
            id: Uuid::new_v4(),
            token: random_token("ory_st_"),
            logout_token: random_token("ory_lo_"),
            identity_id: Uuid::new_v4(),
            active: true,
            expires_at: now + time::Duration::DAY,
            authenticated_at: now,
            completed_at: now,
            devices: Vec::new(),
        }
    }

    #[test]
    fn tls_without_dev_adds_secure_like_the_tls_captures() {
        let emu = emulator(
            "https://auth.openapp.test:4433/",
            Some("openapp.test"),
            false,
        );
        let csrf = emu.csrf_cookie_line(&[7; 32]);
        assert!(csrf.starts_with("csrf_token_53b870008617de4e823"));
        assert_eq!(
            attributes(&csrf),
            "; Path=/; Domain=openapp.test; Max-Age=31536000; HttpOnly; Secure; SameSite=Lax"
        );
        let line = emu.session_cookie_line(&session(&emu));
        assert!(
            line.ends_with("; Max-Age=86399; HttpOnly; Secure; SameSite=Lax"),
            "{line}"
        );
        assert_eq!(
            attributes(&emu.session_clear_line()),
            "; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
        );
    }

    #[test]
    fn no_cookie_domain_gives_host_only_lines_like_the_host_only_captures() {
        let emu = emulator("http://auth.openapp.test:4433/", None, true);
        assert_eq!(
            attributes(&emu.csrf_cookie_line(&[7; 32])),
            "; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
        );
        let line = emu.session_cookie_line(&session(&emu));
        assert!(
            attributes(&line).starts_with("; Path=/; Expires="),
            "{line}"
        );
        assert_eq!(
            attributes(&emu.session_clear_line()),
            "; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn session_cookie_values_are_url_safe_and_new_each_time() {
        let emu = emulator("http://auth.openapp.test:4433/", Some("openapp.test"), true);
        let s = session(&emu);
        let value = |l: String| l.split(';').next().unwrap().to_string();
        let (a, b) = (
            value(emu.session_cookie_line(&s)),
            value(emu.session_cookie_line(&s)),
        );
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"=_-".contains(&c))
        );
        assert_eq!(
            emu.store().cookies.len(),
            2,
            "both values map to the session"
        );
    }
}
