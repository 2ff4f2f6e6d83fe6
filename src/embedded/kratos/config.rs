//! Configuration of the Kratos emulator: the keys of `container/kratos.yml` that matter on the wire.

use std::time::Duration;

use sha2::{Digest, Sha256};
use url::Url;

/// The emulator's configuration, mirroring the relevant keys of a Kratos v1.3.1 config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KratosConfig {
    /// `serve.public.base_url`, e.g. `http://auth.openapp.test:43123/`.
    pub public_base_url: Url,
    /// `serve.admin.base_url`, e.g. `http://127.0.0.1:43124/`.
    pub admin_base_url: Url,
    /// `cookies.domain`: `Some("openapp.test")`, or `None` for host-only cookies.
    pub cookie_domain: Option<String>,
    /// `cookies.path`, normally `/`.
    pub cookie_path: String,
    /// `cookies.same_site`: `Strict`, `Lax` or `None`.
    pub same_site: String,
    /// `--dev`: no `Secure` attribute, CSRF cookie forced to `SameSite=Lax`.
    pub dev: bool,
    /// `selfservice.flows.login.ui_url`.
    pub login_ui_url: Url,
    /// `selfservice.flows.error.ui_url`.
    pub error_ui_url: Url,
    /// `selfservice.default_browser_return_url`.
    pub default_browser_return_url: Url,
    /// `selfservice.flows.logout.after.default_browser_return_url`.
    pub logout_after_url: Url,
    /// `selfservice.allowed_return_urls`.
    pub allowed_return_urls: Vec<Url>,
    /// `selfservice.flows.login.lifespan` (Kratos default 1h; the captures used 4s).
    pub flow_lifespan: Duration,
    /// `session.lifespan` (default 24h).
    pub session_lifespan: Duration,
    /// `session.cookie.*`: the session cookie's own settings.
    pub session_cookie: SessionCookieConfig,
}

/// `session.cookie.*` of a Kratos config; `domain`, `path` and `same_site` fall back to
/// `cookies.*` when unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCookieConfig {
    /// `session.cookie.name` (default `ory_kratos_session`).
    pub name: String,
    /// `session.cookie.domain`.
    pub domain: Option<String>,
    /// `session.cookie.path`.
    pub path: Option<String>,
    /// `session.cookie.same_site`.
    pub same_site: Option<String>,
    /// `session.cookie.persistent` (default true: the cookie carries `Expires` and `Max-Age`).
    pub persistent: bool,
}

impl Default for SessionCookieConfig {
    fn default() -> Self {
        Self {
            name: "ory_kratos_session".to_string(),
            domain: None,
            path: None,
            same_site: None,
            persistent: true,
        }
    }
}

/// Parses one of the fixed URLs of `container/kratos.yml`.
fn fixed(url: &str) -> Url {
    Url::parse(url).unwrap_or_else(|e| panic!("built-in URL {url} does not parse: {e}"))
}

impl KratosConfig {
    /// Values of container/kratos.yml for the given base URLs and cookie domain.
    pub fn embedded(
        public_base_url: Url,
        admin_base_url: Url,
        cookie_domain: Option<String>,
    ) -> Self {
        Self {
            public_base_url,
            admin_base_url,
            cookie_domain,
            cookie_path: "/".to_string(),
            same_site: "Lax".to_string(),
            dev: true,
            login_ui_url: fixed("http://app.openapp.test/login"),
            error_ui_url: fixed("http://app.openapp.test/error"),
            default_browser_return_url: fixed("http://app.openapp.test/"),
            logout_after_url: fixed("http://app.openapp.test/login"),
            allowed_return_urls: vec![
                fixed("http://app.openapp.test"),
                fixed("http://api.openapp.test:8080"),
            ],
            flow_lifespan: crate::settings::DEFAULT_FLOW_LIFESPAN,
            session_lifespan: Duration::from_secs(24 * 3600),
            session_cookie: SessionCookieConfig::default(),
        }
    }

    /// The session cookie's domain: `session.cookie.domain`, else `cookies.domain`.
    pub(crate) fn session_cookie_domain(&self) -> Option<&str> {
        self.session_cookie
            .domain
            .as_deref()
            .or(self.cookie_domain.as_deref())
    }

    /// The session cookie's path: `session.cookie.path`, else `cookies.path`.
    pub(crate) fn session_cookie_path(&self) -> &str {
        self.session_cookie
            .path
            .as_deref()
            .unwrap_or(&self.cookie_path)
    }

    /// The session cookie's `SameSite`: `session.cookie.same_site`, else `cookies.same_site`.
    pub(crate) fn session_cookie_same_site(&self) -> &str {
        self.session_cookie
            .same_site
            .as_deref()
            .unwrap_or(&self.same_site)
    }

    /// The CSRF cookie name for this public base URL.
    pub fn csrf_cookie_name(&self) -> String {
        let digest = Sha256::digest(self.public_base_url.as_str().as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("csrf_token_{hex}")
    }

    /// `<public base>` joined with a relative path such as `self-service/login`.
    pub(crate) fn public_url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.public_base_url.as_str(),
            path.trim_start_matches('/')
        )
    }

    /// `<admin base>` joined with a relative path such as `identities/<id>`.
    pub(crate) fn admin_url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.admin_base_url.as_str(),
            path.trim_start_matches('/')
        )
    }

    /// `Secure` on cookies: everywhere except `--dev`.
    pub(crate) fn secure(&self) -> bool {
        !self.dev
    }

    /// Is `candidate` allowed as a `return_to` (Kratos `SecureRedirectTo`)? The allowed list is
    /// `allowed_return_urls` plus `<public base>/self-service`; scheme and host must match
    /// (a `*.` wildcard host is allowed) and the path must start with the allowed path.
    pub(crate) fn return_to_allowed(&self, candidate: &Url) -> bool {
        let mut allowed = self.allowed_return_urls.clone();
        if let Ok(u) = self.public_base_url.join("self-service") {
            allowed.push(u);
        }
        allowed.iter().any(|a| {
            let host_ok = match (a.host_str(), candidate.host_str()) {
                (Some(ah), Some(ch)) => {
                    let (ah, ch) = (ah.to_ascii_lowercase(), ch.to_ascii_lowercase());
                    match ah.strip_prefix("*.") {
                        Some(suffix) => ch.ends_with(&format!(".{suffix}")),
                        None => ah == ch,
                    }
                }
                _ => false,
            };
            a.scheme().eq_ignore_ascii_case(candidate.scheme())
                && host_ok
                && a.port_or_known_default() == candidate.port_or_known_default()
                && candidate.path().starts_with(a.path().trim_end_matches('/'))
        })
    }

    /// Resolves a `return_to` query value: relative values inherit scheme and host from
    /// `default_browser_return_url`. `None` when it does not parse.
    pub(crate) fn resolve_return_to(&self, raw: &str) -> Option<Url> {
        self.default_browser_return_url.join(raw).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public: &str) -> KratosConfig {
        KratosConfig::embedded(
            fixed(public),
            fixed("http://127.0.0.1:4434/"),
            Some("openapp.test".into()),
        )
    }

    #[test]
    fn csrf_cookie_name_is_sha256_of_the_base_url() {
        assert_eq!(
            config("http://auth.openapp.test:4433/").csrf_cookie_name(),
            "csrf_token_2383528f22b230d59215236ffe4537860e626c4accaafc2a9454784e74d70c81"
        );
        assert_eq!(
            config("http://127.0.0.1:4433/").csrf_cookie_name(),
            "csrf_token_806060ca5bf70dff3caa0e5c860002aade9d470a5a4dce73bcfa7ba10778f481"
        );
    }

    #[test]
    fn return_to_rules() {
        let c = config("http://auth.openapp.test:4433/");
        let ok = |s: &str| c.return_to_allowed(&fixed(s));
        assert!(ok("http://app.openapp.test/after"));
        assert!(ok("http://app.openapp.test"));
        assert!(ok("http://api.openapp.test:8080/x"));
        assert!(ok(
            "http://auth.openapp.test:4433/self-service/login/browser"
        ));
        assert!(!ok("http://evil.example/"));
        assert!(!ok("https://app.openapp.test/"));
        assert!(!ok("http://api.openapp.test/"));
        assert_eq!(
            c.resolve_return_to("/x").map(|u| u.to_string()),
            Some("http://app.openapp.test/x".into())
        );
    }
}
