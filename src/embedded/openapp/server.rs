//! The reference OpenApp server's configuration and state; the gateway, the handlers and the
//! response layout (each in its own file) read it, and `routes.rs` puts them together.

use std::fmt;
use std::sync::Arc;

use super::api_key::ApiKeys;
use super::cookies::ClearingPolicy;
use super::kratos_client::KratosClient;
use super::memory::FaultMemory;
use crate::switches::Switches;

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
    pub(super) switches: Switches,
    /// The API prefix normalised: empty, or `/segment…` without a trailing slash.
    pub(super) prefix: String,
    pub(super) keys: ApiKeys,
    pub(super) kratos: KratosClient,
    pub(super) clearing: ClearingPolicy,
    pub(super) memory: FaultMemory,
}

impl OpenAppServer {
    /// A server for `config` with `switches` turned on.
    pub fn new(config: OpenAppConfig, switches: Switches) -> Arc<Self> {
        let prefix = normalize_prefix(&config.api_prefix);
        let clearing = ClearingPolicy::new(config.cookie_domain.as_deref(), &prefix, &switches)
            .with_api_host(config.origin.host_str());
        Arc::new(Self {
            keys: ApiKeys::new(&config.api_keys),
            kratos: KratosClient::new(config.kratos_public_url, config.kratos_admin_url),
            clearing,
            memory: FaultMemory::default(),
            prefix,
            switches,
        })
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
mod tests {
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
