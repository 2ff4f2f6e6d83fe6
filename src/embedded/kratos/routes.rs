//! The public and admin routers of the emulator (the handlers live in their own files), and
//! serving them.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{any, get};

use super::emulator::KratosEmulator;
use super::{admin, csrf, errorx, identities, login, logout, sessions, submit, tls};

impl KratosEmulator {
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
            .route(
                "/admin/identities",
                get(identities::list).post(identities::create),
            )
            .route(
                "/admin/identities/{id}",
                get(identities::get).delete(identities::delete),
            )
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
        self.spawn_with_tls(public, None, admin);
    }

    /// [`KratosEmulator::spawn`], with the public API served over TLS when `tls` is given
    /// (`serve.public.tls`; see [`tls::acceptor_from_pem`]). The admin API stays plain HTTP.
    pub fn spawn_with_tls(
        self: &Arc<Self>,
        public: tokio::net::TcpListener,
        tls: Option<tokio_rustls::TlsAcceptor>,
        admin: tokio::net::TcpListener,
    ) {
        let public_router = self.public_router();
        match tls {
            Some(acceptor) => {
                tokio::spawn(async move {
                    if let Err(e) = tls::serve_tls(public, acceptor, public_router).await {
                        eprintln!("kratos emulator: the public TLS server stopped: {e}");
                    }
                });
            }
            None => serve_plain("public", public, public_router),
        }
        serve_plain("admin", admin, self.admin_router());
    }
}

/// Serves `router` on `listener` (plain HTTP/1.1) on the current tokio runtime.
fn serve_plain(name: &'static str, listener: tokio::net::TcpListener, router: Router) {
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            eprintln!("kratos emulator: the {name} server stopped: {e}");
        }
    });
}
