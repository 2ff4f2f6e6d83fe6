//! An in-process emulator of Ory Kratos v1.3.1 (public and admin APIs, `--dev` by default)
//! that answers like the wire captures in `tests/golden/kratos/v1.3.1/`: statuses, header
//! names and order, `Set-Cookie` lines, JSON key order, time formats and error texts.
//!
//! It covers browser and API login flows with the password method, CSRF cookies and masked
//! tokens, sessions (`/sessions/whoami`), browser and API logout, stored self-service errors,
//! health, and the admin identity and session routes. The fault switches K1–K6 and the
//! benign `kratos-extra-fields` of [`crate::switches`] change it at the documented points.
//!
//! Layout: [`config`] (the config keys), [`clock`] (injectable time), `wire` (Go wire
//! details), `csrf` (nosurf), `store` (in-memory rows), `identities`, `sessions`, `flows`,
//! `login`, `submit`, `logout`, `errorx`, `admin` (handlers), and the routers here.

mod admin;
pub mod clock;
pub mod config;
mod csrf;
mod errors;
mod errorx;
mod flows;
mod identities;
mod login;
mod logout;
mod request;
mod sessions;
mod store;
mod submit;
mod wire;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{any, get};
use time::OffsetDateTime;

use crate::switches::Switches;

pub use clock::{Clock, OffsetClock, SystemClock};
pub use config::KratosConfig;

/// One emulated Kratos: configuration, switches, clock and in-memory state.
pub struct KratosEmulator {
    config: KratosConfig,
    switches: Switches,
    clock: Arc<dyn Clock>,
    csrf_cookie_name: String,
    store: Mutex<store::Store>,
}

impl std::fmt::Debug for KratosEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KratosEmulator")
            .field("public_base_url", &self.config.public_base_url.as_str())
            .field("switches", &self.switches)
            .finish_non_exhaustive()
    }
}

impl KratosEmulator {
    /// An emulator on the wall clock.
    pub fn new(config: KratosConfig, switches: Switches) -> Arc<Self> {
        Self::with_clock(config, switches, Arc::new(SystemClock))
    }

    /// An emulator on the given clock (tests move an [`OffsetClock`] to expire flows).
    pub fn with_clock(
        config: KratosConfig,
        switches: Switches,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        Arc::new(Self {
            csrf_cookie_name: config.csrf_cookie_name(),
            config,
            switches,
            clock,
            store: Mutex::new(store::Store::default()),
        })
    }

    /// The configuration this emulator runs with.
    pub fn config(&self) -> &KratosConfig {
        &self.config
    }

    /// The current time of the emulator's clock.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The state, locked (a poisoned lock is taken over: every write leaves it consistent).
    pub(crate) fn store(&self) -> MutexGuard<'_, store::Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The public API router; serve it with `into_make_service_with_connect_info::<SocketAddr>()`
    /// so sessions record the client address.
    pub fn public_router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/self-service/login/browser", get(login::init_browser))
            .route("/self-service/login/api", get(login::init_api))
            .route("/self-service/login/flows", get(login::get_flow))
            .route(
                "/self-service/login",
                get(submit::submit).post(submit::submit),
            )
            .route("/sessions/whoami", any(sessions::whoami))
            .route("/self-service/logout/browser", get(logout::browser))
            .route("/self-service/logout", get(logout::complete))
            .route(
                "/self-service/logout/api",
                axum::routing::delete(logout::api),
            )
            .route("/self-service/errors", get(errorx::get_error))
            .route("/health/alive", get(admin::public_health))
            .route("/health/ready", get(admin::public_health))
            .fallback(admin::public_fallback)
            .layer(from_fn_with_state(Arc::clone(self), csrf::public_layer))
            .with_state(Arc::clone(self))
    }

    /// The admin API router.
    pub fn admin_router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/admin/identities", axum::routing::post(identities::create))
            .route("/admin/identities/{id}", get(identities::get))
            .route(
                "/admin/identities/{id}/sessions",
                get(admin::identity_sessions),
            )
            .route(
                "/admin/sessions/{id}",
                get(admin::get_session).delete(admin::delete_session),
            )
            .route("/admin/health/alive", get(admin::admin_health))
            .route("/admin/health/ready", get(admin::admin_health))
            .route("/admin/version", get(admin::version))
            .fallback(admin::admin_fallback)
            .layer(from_fn_with_state(Arc::clone(self), csrf::admin_layer))
            .with_state(Arc::clone(self))
    }

    /// Binds nothing: serves both routers on the given listeners, spawned on the current
    /// tokio runtime.
    pub fn spawn(
        self: &Arc<Self>,
        public: tokio::net::TcpListener,
        admin: tokio::net::TcpListener,
    ) {
        let routers = [
            ("public", public, self.public_router()),
            ("admin", admin, self.admin_router()),
        ];
        for (name, listener, router) in routers {
            tokio::spawn(async move {
                let service = router.into_make_service_with_connect_info::<SocketAddr>();
                if let Err(e) = axum::serve(listener, service).await {
                    eprintln!("kratos emulator: the {name} server stopped: {e}");
                }
            });
        }
    }
}
