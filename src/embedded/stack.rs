//! The embedded stack: Kratos emulator (public + admin) and the reference OpenApp server on
//! `127.0.0.1` ephemeral ports, addressed by production-like host names under one cookie
//! domain. The OpenApp server reaches Kratos only over HTTP, as a real deployment does.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use url::Url;

use super::kratos::{KratosConfig, KratosEmulator};
use super::openapp::{OpenAppConfig, OpenAppServer, generate_api_key};
use crate::settings::{Endpoints, Resolve};
use crate::switches::Switches;

/// Host name of Kratos's public API.
pub const KRATOS_HOST: &str = "auth.openapp.test";
/// Host name of the OpenApp API.
pub const API_HOST: &str = "api.openapp.test";
/// The cookie domain both live under.
pub const COOKIE_DOMAIN: &str = "openapp.test";

/// How to start the stack.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Fault and benign switches.
    pub switches: Switches,
    /// The login flow lifespan of the Kratos emulator.
    pub flow_lifespan: Duration,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            switches: Switches::none(),
            flow_lifespan: crate::settings::DEFAULT_FLOW_LIFESPAN,
        }
    }
}

/// Endpoints under the production-like names (`auth.`/`api.openapp.test`, cookie domain
/// `openapp.test`), mapped to `127.0.0.1` at the given Kratos public and OpenApp ports; shared
/// by the embedded and the containers stacks so both address servers the same way.
pub fn production_like_endpoints(
    origin: Url,
    api_prefix: &str,
    kratos_public: Url,
    kratos_admin: Url,
    public_port: u16,
    api_port: u16,
) -> Endpoints {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let resolve = |host: &str, port| Resolve {
        host: host.into(),
        port,
        addr: loopback,
    };
    Endpoints {
        origin,
        api_prefix: api_prefix.into(),
        kratos_public,
        kratos_admin: Some(kratos_admin),
        cookie_domain: Some(COOKIE_DOMAIN.into()),
        same_site: "Lax".into(),
        resolve: vec![
            resolve(KRATOS_HOST, public_port),
            resolve(API_HOST, api_port),
        ],
    }
}

/// The stack could not start.
#[derive(Debug, thiserror::Error)]
#[error("failed to bind a loopback port for the embedded {what}: {source}")]
pub struct StackError {
    what: &'static str,
    #[source]
    source: std::io::Error,
}

/// A running embedded stack. The servers run on the tokio runtime that started them and stop
/// with it.
pub struct EmbeddedStack {
    endpoints: Endpoints,
    api_key: String,
    _kratos: Arc<KratosEmulator>,
    _openapp: Arc<OpenAppServer>,
}

async fn bind(what: &'static str) -> Result<(TcpListener, u16), StackError> {
    let listener = TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))
        .await
        .map_err(|source| StackError { what, source })?;
    let port = listener
        .local_addr()
        .map_err(|source| StackError { what, source })?
        .port();
    Ok((listener, port))
}

fn url(s: String) -> Url {
    Url::parse(&s).expect("a URL built from a host name and a port is valid")
}

impl EmbeddedStack {
    /// Binds three ports and starts the servers on the current tokio runtime.
    pub async fn start(opts: StackOptions) -> Result<Self, StackError> {
        let (public, public_port) = bind("Kratos public API").await?;
        let (admin, admin_port) = bind("Kratos admin API").await?;
        let (api, api_port) = bind("OpenApp server").await?;

        let kratos_public = url(format!("http://{KRATOS_HOST}:{public_port}/"));
        let kratos_admin = url(format!("http://127.0.0.1:{admin_port}/"));
        let mut kconfig = KratosConfig::embedded(
            kratos_public.clone(),
            kratos_admin.clone(),
            Some(COOKIE_DOMAIN.into()),
        );
        kconfig.flow_lifespan = opts.flow_lifespan;
        let kratos = KratosEmulator::new(kconfig, opts.switches.clone());
        kratos.spawn(public, admin);

        let origin = url(format!("http://{API_HOST}:{api_port}"));
        let api_key = generate_api_key(&origin);
        let openapp = OpenAppServer::new(
            OpenAppConfig {
                origin: origin.clone(),
                api_prefix: "/api/v1".into(),
                kratos_public_url: url(format!("http://127.0.0.1:{public_port}/")),
                kratos_admin_url: kratos_admin.clone(),
                cookie_domain: Some(COOKIE_DOMAIN.into()),
                api_keys: vec![api_key.clone()],
            },
            opts.switches,
        );
        openapp.spawn(api);

        let endpoints = production_like_endpoints(
            origin,
            "/api/v1",
            kratos_public,
            kratos_admin,
            public_port,
            api_port,
        );
        Ok(Self {
            endpoints,
            api_key,
            _kratos: kratos,
            _openapp: openapp,
        })
    }

    /// Where the stack answers.
    pub fn endpoints(&self) -> Endpoints {
        self.endpoints.clone()
    }

    /// A valid API key of the reference server (a throwaway, generated per start).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The one-line JSON object `serve --json` prints.
    pub fn describe_json(&self) -> serde_json::Value {
        self.endpoints.describe_json(Some(&self.api_key))
    }
}
