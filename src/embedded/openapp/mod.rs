//! Reference OpenApp server and its gateway: the six Auth routes and `/status` under the API
//! prefix, conforming to the contract by default, with the OpenApp fault and benign switches
//! of [`crate::switches`].
//!
//! The main type is [`OpenAppServer`]. Every request passes the gateway (`gateway.rs`): it
//! drops a client's `X-User`, validates API keys, resolves the browser session at Kratos over
//! HTTP (public `sessions/whoami`, admin `admin/sessions/{id}` for revocation) and sets
//! `X-User` for identities provisioned by the convention of the reference stack
//! (`identity.metadata_public.openapp_user_id`). The handlers (`handlers.rs`) answer from what
//! the gateway established. Kratos is only ever reached over HTTP, so the same server runs
//! against the emulator and against a real Kratos.

mod api_key;
mod cookies;
mod error;
mod gateway;
mod handlers;
mod kratos_client;
mod layout;
mod load_mix;
mod memory;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::switches::Switches;

pub use api_key::generate_api_key;

use api_key::ApiKeys;
use cookies::ClearingPolicy;
use kratos_client::KratosClient;
use memory::FaultMemory;

/// How one reference OpenApp server is set up.
#[derive(Clone)]
pub struct OpenAppConfig {
    /// The public origin, e.g. `http://api.openapp.test:43125`; API keys are
    /// `{origin}_openapp_{secret}`.
    pub origin: url::Url,
    /// Path prefix of every route. Default in the stack: `/api/v1`.
    pub api_prefix: String,
    /// How the gateway reaches Kratos public over HTTP, e.g. `http://127.0.0.1:43123/`.
    pub kratos_public_url: url::Url,
    /// How the gateway reaches Kratos admin over HTTP, e.g. `http://127.0.0.1:43124/`.
    pub kratos_admin_url: url::Url,
    /// The cookie domain (e.g. `openapp.test`); None clears host-only cookies only.
    pub cookie_domain: Option<String>,
    /// The valid API keys.
    pub api_keys: Vec<String>,
}

impl fmt::Debug for OpenAppConfig {
    /// Prints the number of API keys, never the keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAppConfig")
            .field("origin", &self.origin.as_str())
            .field("api_prefix", &self.api_prefix)
            .field("kratos_public_url", &self.kratos_public_url.as_str())
            .field("kratos_admin_url", &self.kratos_admin_url.as_str())
            .field("cookie_domain", &self.cookie_domain)
            .field(
                "api_keys",
                &format_args!("[{} redacted]", self.api_keys.len()),
            )
            .finish()
    }
}

/// The reference OpenApp server: configuration, switches and the little state it keeps.
/// Build it with [`OpenAppServer::new`], then serve [`OpenAppServer::router`] or call
/// [`OpenAppServer::spawn`].
#[derive(Debug)]
pub struct OpenAppServer {
    switches: Switches,
    /// The API prefix normalised: empty, or `/segment…` without a trailing slash.
    prefix: String,
    keys: ApiKeys,
    kratos: KratosClient,
    clearing: ClearingPolicy,
    memory: FaultMemory,
}

impl OpenAppServer {
    /// A server for `config` with `switches` turned on.
    pub fn new(config: OpenAppConfig, switches: Switches) -> Arc<Self> {
        let prefix = normalize_prefix(&config.api_prefix);
        let clearing = ClearingPolicy::new(config.cookie_domain.as_deref(), &prefix, &switches);
        Arc::new(Self {
            keys: ApiKeys::new(&config.api_keys),
            kratos: KratosClient::new(config.kratos_public_url, config.kratos_admin_url),
            clearing,
            memory: FaultMemory::default(),
            prefix,
            switches,
        })
    }

    /// The routes behind the gateway. Serve it with
    /// `into_make_service_with_connect_info::<SocketAddr>()` (the per-connection fault needs
    /// the peer address; without it that fault has no effect).
    pub fn router(self: &Arc<Self>) -> Router {
        let p = &self.prefix;
        let mut api = Router::new()
            .route(&format!("{p}/auth/whoami"), get(handlers::whoami))
            .route(&format!("{p}/auth/session"), get(handlers::session))
            .route(
                &format!("{p}/auth/kratos-identity"),
                get(handlers::kratos_identity),
            )
            .route(&format!("{p}/auth/provisioned"), get(handlers::provisioned))
            .route(&format!("{p}/auth/logout"), post(handlers::logout))
            .route(&format!("{p}/status"), get(handlers::status));
        if !self.switches.on("sign-out-missing") {
            api = api.route(&format!("{p}/auth/sign-out"), post(handlers::logout));
        }
        api.fallback(handlers::not_found)
            .method_not_allowed_fallback(handlers::method_not_allowed)
            .layer(from_fn_with_state(Arc::clone(self), gateway::gateway))
            .layer(from_fn_with_state(Arc::clone(self), layout::decorate))
            .with_state(Arc::clone(self))
    }

    /// Serves the router on `listener`, spawned on the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime (as `tokio::spawn` does).
    pub fn spawn(self: &Arc<Self>, listener: tokio::net::TcpListener) {
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("reference openapp server stopped: {error}");
            }
        });
    }
}

/// `api/v1/` → `/api/v1`; `/` and `` → `` (routes at the root).
fn normalize_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn prefixes_are_normalised() {
        assert_eq!(normalize_prefix("/api/v1"), "/api/v1");
        assert_eq!(normalize_prefix("api/v1/"), "/api/v1");
        assert_eq!(normalize_prefix("/"), "");
        assert_eq!(normalize_prefix(""), "");
    }

    #[test]
    fn debug_never_prints_keys() {
        let url = url::Url::parse("http://127.0.0.1:1/").unwrap();
        let config = OpenAppConfig {
            origin: url.clone(),
            api_prefix: "/api/v1".into(),
            kratos_public_url: url.clone(),
            kratos_admin_url: url,
            cookie_domain: None,
            api_keys: vec!["http://x_openapp_SECRETSECRET".into()],
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("SECRETSECRET"), "{printed}");
        assert!(printed.contains("[1 redacted]"));
    }
}
