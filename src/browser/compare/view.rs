//! [`CookieView`]: one cookie read from either engine's jar into the same neutral form.

use std::fmt::Write as _;

use cookie_store::{CookieDomain, CookieExpiration};
use sha2::{Digest, Sha256};
use url::Url;

use crate::cookie::SetCookie;

/// One cookie as a jar holds it, whichever engine the jar belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct CookieView {
    /// The cookie name.
    pub name: String,
    /// The cookie's domain, lower-cased, without a leading dot.
    pub domain: String,
    /// Whether the cookie goes only to `domain` itself (no `Domain` attribute was honoured).
    pub host_only: bool,
    /// The cookie's path.
    pub path: String,
    /// Whether the cookie is `Secure`.
    pub secure: bool,
    /// Whether the cookie is `HttpOnly`.
    pub http_only: bool,
    /// `Lax`, `Strict` or `None`; `None` (no value) when unspecified.
    pub same_site: Option<String>,
    /// When the cookie expires, in unix seconds; `None` for a session cookie.
    pub expires: Option<f64>,
    /// The lower-case hex SHA-256 of the value: the value itself is a secret.
    pub value_hash: String,
}

/// A cookie as the DevTools protocol (`Network.Cookie`) describes it, for
/// [`CookieView::from_browser`].
#[derive(Debug, Clone, Copy)]
pub struct BrowserCookie<'a> {
    /// `name`.
    pub name: &'a str,
    /// `value`: only hashed.
    pub value: &'a str,
    /// `domain`: a leading dot marks a domain cookie, none a host-only one.
    pub domain: &'a str,
    /// `path`.
    pub path: &'a str,
    /// `secure`.
    pub secure: bool,
    /// `httpOnly`.
    pub http_only: bool,
    /// `sameSite` (`Strict`, `Lax`, `None`), absent when unspecified.
    pub same_site: Option<&'a str>,
    /// `session`.
    pub session: bool,
    /// `expires` in unix seconds, `-1` for a session cookie.
    pub expires: f64,
}

impl CookieView {
    /// Reads a cookie of our jar (`cookie_store`); pass the cookies of `iter_unexpired()`.
    pub fn from_jar(c: &cookie_store::Cookie<'_>) -> CookieView {
        let (domain, host_only) = match &c.domain {
            CookieDomain::HostOnly(d) => (d.as_str(), true),
            CookieDomain::Suffix(d) => (d.as_str(), false),
            CookieDomain::NotPresent | CookieDomain::Empty => ("", true),
        };
        CookieView {
            name: c.name().to_owned(),
            domain: normalise_domain(domain),
            host_only,
            path: String::from(&c.path),
            secure: c.secure().unwrap_or(false),
            http_only: c.http_only().unwrap_or(false),
            same_site: c
                .same_site()
                .and_then(|s| normalise_same_site(&s.to_string())),
            expires: match c.expires {
                CookieExpiration::AtUtc(at) => Some(at.unix_timestamp_nanos() as f64 / 1e9),
                CookieExpiration::SessionEnd => None,
            },
            value_hash: hash(c.value()),
        }
    }

    /// Reads a cookie Chromium reports (`Storage.getCookies`).
    pub fn from_browser(c: &BrowserCookie<'_>) -> CookieView {
        CookieView {
            name: c.name.to_owned(),
            domain: normalise_domain(c.domain),
            host_only: !c.domain.starts_with('.'),
            path: c.path.to_owned(),
            secure: c.secure,
            http_only: c.http_only,
            same_site: c.same_site.and_then(normalise_same_site),
            expires: (!c.session && c.expires >= 0.0).then_some(c.expires),
            value_hash: hash(c.value),
        }
    }

    /// Whether `line`, delivered from `url`, sets this cookie (same name, domain and path).
    pub(super) fn set_by(&self, line: &SetCookie, url: &Url) -> bool {
        let domain = line
            .domain
            .clone()
            .or_else(|| url.host_str().map(normalise_domain));
        let path = line.path.clone().unwrap_or_else(|| default_path(url));
        line.name == self.name && domain.as_deref() == Some(&*self.domain) && path == self.path
    }
}

/// RFC 6265 §5.1.4 default-path of a request URL.
fn default_path(url: &Url) -> String {
    match url.path().rfind('/') {
        Some(0) | None => "/".into(),
        Some(at) => url.path()[..at].to_owned(),
    }
}

/// Lower-cased, without a leading dot.
fn normalise_domain(domain: &str) -> String {
    domain
        .strip_prefix('.')
        .unwrap_or(domain)
        .to_ascii_lowercase()
}

/// `Lax`, `Strict` or `None` in any case; anything else is unspecified, as Chromium reads it.
pub(super) fn normalise_same_site(value: &str) -> Option<String> {
    ["Lax", "Strict", "None"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(value.trim()))
        .map(str::to_owned)
}

/// Lower-case hex SHA-256.
fn hash(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}
