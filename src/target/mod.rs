//! Targets: where a run's requests go, and what the deployment can do.
//!
//! A [`Target`] is resolved once per run from the command line and the environment: the
//! embedded stack (default), containers, or an external deployment (staging). It holds the
//! endpoints ([`Endpoints`]), the capabilities scenarios may require ([`Capabilities`]) and,
//! for the embedded stack, the guard that keeps the servers alive.

mod config;
pub mod containers;
mod error;
mod tls;

pub use config::{TargetKind, TargetOptions, resolve_target};
pub use error::TargetError;
pub use tls::{INSECURE_WARNING, Tls, install_crypto_provider, load_ca};

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use crate::scenario::model::Requirement;

/// A `host:port:addr` override, as curl's `--resolve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    /// Host name as it appears in URLs.
    pub host: String,
    /// Port as it appears in URLs (or the scheme default).
    pub port: u16,
    /// Where to connect instead (same port).
    pub addr: std::net::IpAddr,
}

impl Resolve {
    /// Parses `host:port:addr` (an IPv6 address may be bracketed).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("`{s}` is not host:port:addr"));
        };
        let port = port
            .parse()
            .map_err(|_| format!("`{port}` in `{s}` is not a port"))?;
        let addr = addr.trim_start_matches('[').trim_end_matches(']');
        let addr = addr
            .parse()
            .map_err(|_| format!("`{addr}` in `{s}` is not an IP address"))?;
        if host.is_empty() {
            return Err(format!("`{s}` has an empty host"));
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
            addr,
        })
    }

    /// The socket address to connect to.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.addr, self.port)
    }
}

impl std::fmt::Display for Resolve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.host, self.port, self.addr)
    }
}

/// Where the harness sends requests.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// The deployment's origin, e.g. `http://api.openapp.test:8080`.
    pub origin: Url,
    /// The API prefix, default `/api/v1`.
    pub api_prefix: String,
    /// Kratos's public API base URL.
    pub kratos_public: Url,
    /// Kratos's admin API base URL, when the harness may create identities.
    pub kratos_admin: Option<Url>,
    /// The cookie domain Kratos and OpenApp share, e.g. `openapp.test`.
    pub cookie_domain: Option<String>,
    /// The SameSite value the deployment is configured with (default `Lax`).
    pub same_site: String,
    /// Host-name overrides.
    pub resolve: Vec<Resolve>,
}

impl Endpoints {
    /// The full API base: origin plus prefix, without a trailing slash.
    pub fn api_base(&self) -> String {
        format!(
            "{}{}",
            self.origin.as_str().trim_end_matches('/'),
            self.api_prefix
        )
    }

    /// True when Kratos cookies are expected to carry `Secure` (https public URL).
    pub fn secure_expected(&self) -> bool {
        self.kratos_public.scheme() == "https"
    }
}

/// A pre-provisioned test identity given by the environment.
#[derive(Clone)]
pub struct TestIdentity {
    /// Login identifier (email).
    pub identifier: String,
    /// Password (a secret).
    pub password: String,
}

impl std::fmt::Debug for TestIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestIdentity")
            .field("identifier", &self.identifier)
            .finish_non_exhaustive()
    }
}

/// What the target offers beyond its endpoints.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// A valid OpenApp API key.
    pub api_key: Option<String>,
    /// A provisioned identity (used when there is no admin API).
    pub provisioned: Option<TestIdentity>,
    /// An unprovisioned identity (used when there is no admin API).
    pub unprovisioned: Option<TestIdentity>,
}

/// Request timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect timeout. Default 5 s.
    pub connect: Duration,
    /// Whole-request timeout. Default 10 s.
    pub request: Duration,
    /// How many times a GET is tried again after a transport error (never a POST or any
    /// other method). Default 0.
    pub retries: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(10),
            retries: 0,
        }
    }
}

/// A resolved target, shared by all trials of a run.
pub struct Target {
    /// Which kind of target.
    pub kind: TargetKind,
    /// Where requests go.
    pub endpoints: Endpoints,
    /// What it can do.
    pub caps: Capabilities,
    /// Request timeouts.
    pub timeouts: Timeouts,
    /// How long the target took to come up, when it was started for this run (containers).
    pub cold_start: Option<Duration>,
    /// How HTTPS peers are trusted.
    pub tls: Tls,
    /// Keeps the embedded stack (or containers) alive for the run.
    pub(crate) _guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("kind", &self.kind)
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

impl Target {
    /// Why a scenario with these requirements cannot run here, or `None` when it can.
    pub fn missing(&self, reqs: &BTreeSet<Requirement>) -> Option<String> {
        let admin = self.endpoints.kratos_admin.is_some();
        for req in reqs {
            let reason = match req {
                Requirement::KratosAdmin if !admin => {
                    "needs the Kratos admin API: set KRATOS_ADMIN_URL"
                }
                Requirement::ApiKey if self.caps.api_key.is_none() => {
                    "needs a valid API key: set OPENAPP_API_KEY"
                }
                Requirement::ProvisionedIdentity if !admin && self.caps.provisioned.is_none() => {
                    "needs a provisioned identity: set OPENAPP_TEST_IDENTIFIER and OPENAPP_TEST_PASSWORD (or KRATOS_ADMIN_URL)"
                }
                Requirement::UnprovisionedIdentity
                    if !admin && self.caps.unprovisioned.is_none() =>
                {
                    "needs an unprovisioned identity: set OPENAPP_TEST_UNPROVISIONED_IDENTIFIER and OPENAPP_TEST_UNPROVISIONED_PASSWORD (or KRATOS_ADMIN_URL)"
                }
                Requirement::FreshIdentities if !admin => {
                    "needs several identities of one kind: set KRATOS_ADMIN_URL so the harness can create them"
                }
                Requirement::CookieDomain if self.endpoints.cookie_domain.is_none() => {
                    "needs a cookie domain: set OPENAPP_COOKIE_DOMAIN"
                }
                _ => continue,
            };
            return Some(reason.to_string());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_parses_like_curl() {
        let r = Resolve::parse("api.openapp.test:8080:127.0.0.1").unwrap();
        assert_eq!(r.socket_addr().to_string(), "127.0.0.1:8080");
        assert_eq!(r.to_string(), "api.openapp.test:8080:127.0.0.1");
        assert!(Resolve::parse("x:1:[::1]").is_ok());
        assert!(Resolve::parse("x:port:127.0.0.1").is_err());
        assert!(Resolve::parse("x:1").is_err());
        assert!(Resolve::parse(":1:127.0.0.1").is_err());
    }
}
