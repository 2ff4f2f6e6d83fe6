//! End-to-end tests of the reference server over loopback: a tiny fake Kratos (public and
//! admin on their own ports), the server on a third port, driven with reqwest.
//! `conforming` checks the contract with no switch on; `switches` checks that every OpenApp
//! switch changes what its description says (`explore_faults` holds the checks of the faults
//! explore mode found first, each beside the conforming answer to the same requests).

mod conforming;
mod explore_faults;
mod switches;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header::COOKIE};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{OpenAppConfig, OpenAppServer, generate_api_key};
use crate::switches::Switches;

/// Cookie values the fake Kratos knows.
pub(super) const ALICE: &str = "alice-cookie"; // provisioned as user-alice
pub(super) const BOB: &str = "bob-cookie"; // logged in, not provisioned
pub(super) const CAROL: &str = "carol-cookie"; // provisioned as user-carol
pub(super) const CSRF_A: &str = "csrf_token_0a1b";
pub(super) const CSRF_B: &str = "csrf_token_2c3d";

/// A Kratos session as the fake serves it.
pub(super) fn session_json(who: &str, provisioned: bool) -> Value {
    let metadata = if provisioned {
        json!({ "openapp_user_id": format!("user-{who}") })
    } else {
        Value::Null
    };
    json!({
        "id": format!("session-{who}"),
        "active": true,
        "expires_at": "2026-12-01T09:29:16.179947471Z",
        "authenticated_at": "2026-11-30T09:29:16.179947471Z",
        "identity": {
            "id": format!("identity-{who}"),
            "schema_id": "default",
            "traits": { "email": format!("{who}@example.test") },
            "metadata_public": metadata,
        },
    })
}

/// The fake Kratos: cookie value → session, plus what it was asked.
#[derive(Default)]
pub(super) struct FakeKratos {
    sessions: HashMap<String, Value>,
    revoked: Mutex<Vec<String>>,
    whoami_calls: AtomicUsize,
    broken: AtomicBool,
}

impl FakeKratos {
    fn new() -> Self {
        let sessions = [
            (ALICE, "alice", true),
            (BOB, "bob", false),
            (CAROL, "carol", true),
        ]
        .into_iter()
        .map(|(cookie, who, prov)| (cookie.to_string(), session_json(who, prov)))
        .collect();
        Self {
            sessions,
            ..Self::default()
        }
    }

    /// Session ids revoked through the admin API, in order.
    pub(super) fn revoked(&self) -> Vec<String> {
        self.revoked.lock().unwrap().clone()
    }

    /// An admin revokes the session `id` behind the server's back (`DELETE
    /// /admin/sessions/{id}` from another caller): its cookie no longer resolves.
    pub(super) fn revoke(&self, id: &str) {
        self.revoked.lock().unwrap().push(id.to_string());
    }

    /// How often `sessions/whoami` was called.
    pub(super) fn whoami_calls(&self) -> usize {
        self.whoami_calls.load(Ordering::SeqCst)
    }

    /// From now on every call answers 500.
    pub(super) fn break_down(&self) {
        self.broken.store(true, Ordering::SeqCst);
    }
}

async fn fake_whoami(State(kratos): State<Arc<FakeKratos>>, headers: HeaderMap) -> Response {
    kratos.whoami_calls.fetch_add(1, Ordering::SeqCst);
    if kratos.broken.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let cookie = headers
        .get(COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let value = cookie
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("ory_kratos_session="))
        .next();
    let revoked = kratos.revoked();
    match value.and_then(|v| kratos.sessions.get(v)) {
        Some(s) if !revoked.iter().any(|r| s["id"] == r.as_str()) => {
            Json(s.clone()).into_response()
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": { "code": 401 } })),
        )
            .into_response(),
    }
}

async fn fake_revoke(State(kratos): State<Arc<FakeKratos>>, Path(id): Path<String>) -> StatusCode {
    kratos.revoked.lock().unwrap().push(id);
    StatusCode::NO_CONTENT
}

async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/")
}

/// One running stack: fake Kratos, the server under test, a client, and a valid key.
pub(super) struct Stack {
    pub(super) base: String,
    pub(super) kratos: Arc<FakeKratos>,
    pub(super) client: reqwest::Client,
    pub(super) key: String,
}

impl Stack {
    /// A stack with the comma-separated `switches` on.
    pub(super) async fn start(switches: &str) -> Self {
        let kratos = Arc::new(FakeKratos::new());
        let public = serve(
            Router::new()
                .route("/sessions/whoami", get(fake_whoami))
                .with_state(kratos.clone()),
        )
        .await;
        let admin = serve(
            Router::new()
                .route("/admin/sessions/{id}", delete(fake_revoke))
                .with_state(kratos.clone()),
        )
        .await;
        Self::start_against(switches, kratos, &public, &admin).await
    }

    /// A stack whose gateway calls the given Kratos URLs.
    pub(super) async fn start_against(
        switches: &str,
        kratos: Arc<FakeKratos>,
        public: &str,
        admin: &str,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let origin = url::Url::parse(&format!("http://{addr}")).unwrap();
        let key = generate_api_key(&origin);
        let config = OpenAppConfig {
            origin,
            api_prefix: "/api/v1".into(),
            kratos_public_url: url::Url::parse(public).unwrap(),
            kratos_admin_url: url::Url::parse(admin).unwrap(),
            cookie_domain: Some("openapp.test".into()),
            api_keys: vec![key.clone()],
        };
        OpenAppServer::new(config, Switches::parse(switches).unwrap()).spawn(listener);
        Self {
            base: format!("http://{addr}"),
            kratos,
            client: client(),
            key,
        }
    }

    /// `GET {prefix}{path}` with extra headers.
    pub(super) async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(reqwest::Method::GET, path, headers).await
    }

    /// `POST {prefix}{path}` with extra headers.
    pub(super) async fn post(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(reqwest::Method::POST, path, headers).await
    }

    /// Any request on this stack's client (one keep-alive connection when sequential).
    pub(super) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        send_with(
            &self.client,
            method,
            &format!("{}/api/v1{path}", self.base),
            headers,
        )
        .await
    }
}

/// A fresh loopback client (its own connection pool).
pub(super) fn client() -> reqwest::Client {
    crate::settings::install_crypto_provider();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Sends one request and reads the whole answer.
pub(super) async fn send_with(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = client.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

/// A response, fully read.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: reqwest::header::HeaderMap,
    pub(super) body: String,
}

impl Answer {
    /// The body as JSON (panics on anything else: tests only).
    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not json ({e}): {:?}", self.body))
    }

    /// Every `Set-Cookie` line, in order.
    pub(super) fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    /// Asserts the OpenApp error object with `status`.
    #[track_caller]
    pub(super) fn assert_error(&self, status: u16) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.headers["content-type"], "application/json", "{self:?}");
        let body = self.json();
        assert!(
            body["message"].is_string() && body["error_code"].is_string(),
            "{body}"
        );
    }
}

/// The `Cookie` header of a jar holding `session` (if any) and both CSRF cookies.
pub(super) fn cookie_header(session: Option<&str>) -> String {
    let mut parts = vec![format!("{CSRF_A}=a"), format!("{CSRF_B}=b")];
    if let Some(s) = session {
        parts.push(format!("ory_kratos_session={s}"));
    }
    parts.join("; ")
}
