//! The routes of the reference OpenApp server behind its gateway and response layout, and
//! serving them.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post};

use super::server::OpenAppServer;
use super::{gateway, handlers, layout};

impl OpenAppServer {
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
            .route(&format!("{p}/auth/logout"), self.logout_route(true))
            .route(&format!("{p}/status"), get(handlers::status));
        if !self.switches.on("sign-out-missing") {
            api = api.route(&format!("{p}/auth/sign-out"), self.logout_route(false));
        }
        api.fallback(handlers::not_found)
            .method_not_allowed_fallback(handlers::method_not_allowed)
            .layer(from_fn_with_state(Arc::clone(self), gateway::gateway))
            .layer(from_fn_with_state(
                Arc::clone(self),
                layout::private_answers,
            ))
            .layer(from_fn_with_state(Arc::clone(self), layout::decorate))
            .with_state(Arc::clone(self))
    }

    /// `POST` logs out; `GET` and `HEAD` (axum answers `HEAD` with the `GET` handler) are
    /// 405 (R19), 404 under benign `logout-get-not-found`, and log out on `/auth/logout`
    /// under fault `logout-on-get`.
    fn logout_route(&self, logout: bool) -> MethodRouter<Arc<OpenAppServer>> {
        let route = if logout {
            post(handlers::logout)
        } else {
            post(handlers::sign_out)
        };
        if logout && self.switches.on("logout-on-get") {
            route.get(handlers::logout)
        } else if self.switches.on("logout-get-not-found") {
            route.get(handlers::not_found)
        } else {
            route
        }
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
