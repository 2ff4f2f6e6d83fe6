//! Where a run's requests go: [`Endpoints`] and curl-style [`Resolve`] overrides.

use std::net::SocketAddr;

use url::Url;

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
    /// The one JSON line `serve --json` and `stack` print: where the stack answers, and the
    /// throwaway API key its OpenApp accepts (a secret everywhere else).
    pub fn describe_json(&self, api_key: Option<&str>) -> serde_json::Value {
        serde_json::json!({
            "openapp_base_url": self.api_base(),
            "openapp_origin": self.origin.as_str().trim_end_matches('/'),
            "kratos_public_url": self.kratos_public.as_str(),
            "kratos_admin_url": self.kratos_admin.as_ref().map(Url::as_str),
            "cookie_domain": self.cookie_domain,
            "resolve": self.resolve.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "api_key": api_key,
        })
    }

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
