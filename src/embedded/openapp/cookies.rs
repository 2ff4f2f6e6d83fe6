//! The logout answer's cookie clearing lines (R10–R12, R14) in every form the switches ask
//! for, and the request cookies they target.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::switches::Switches;

/// The Kratos session cookie.
pub(crate) const SESSION_COOKIE: &str = "ory_kratos_session";
/// Prefix of the Kratos CSRF cookies (`csrf_token_<hex>`).
const CSRF_PREFIX: &str = "csrf_token_";
/// Benign `extra-set-cookie`: the unrelated cookie every answer also sets.
pub(crate) const PREF_COOKIE_LINE: &str = "openapp_pref=compact; Path=/";

const EPOCH_EXPIRES: &str = "Thu, 01 Jan 1970 00:00:00 GMT";
/// The original Netscape cookie date form `Wdy, DD-Mon-YYYY HH:MM:SS GMT`. (The longer
/// `Thursday, 01-Jan-1970 …` is valid for RFC 6265 browsers but the `cookie` crate behind
/// cookie_store ignores it, and the cookie would survive in the harness jar.)
const EPOCH_EXPIRES_NETSCAPE: &str = "Thu, 01-Jan-1970 00:00:00 GMT";

/// The names of the `csrf_token_*` cookies in the request's `Cookie` header(s), first
/// occurrence order, without duplicates. Names that are not RFC 6265 tokens are skipped so
/// they are never echoed into a `Set-Cookie` line.
pub(crate) fn csrf_cookie_names(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for value in headers.get_all(COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            let name = pair.split_once('=').map_or(pair, |(n, _)| n).trim();
            if name.starts_with(CSRF_PREFIX) && is_token(name) && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// RFC 7230 `token` characters (what a cookie name may hold).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// How an expired cookie is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClearStyle {
    /// `NAME=; Path=/; Expires=<epoch>; Max-Age=0; HttpOnly; SameSite=Lax`.
    Standard,
    /// Benign `clear-max-age-only`.
    MaxAgeOnly,
    /// Benign `clear-expires-only`.
    ExpiresOnly,
    /// Benign `clear-netscape-style`: other order, lower-case names, leading-dot domain,
    /// value `deleted`, Netscape date.
    Netscape,
}

/// Everything that shapes the clearing lines, fixed when the server starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClearingPolicy {
    style: ClearStyle,
    path: String,
    domain: Option<String>,
    /// Fault `logout-no-domain-variant` turns this off for the session cookie.
    session_domain_variant: bool,
}

impl ClearingPolicy {
    /// The policy for a cookie domain (None: host-only lines only), the API prefix (used by
    /// the `logout-wrong-path` fault) and the switches.
    pub(crate) fn new(cookie_domain: Option<&str>, api_prefix: &str, switches: &Switches) -> Self {
        let style = if switches.on("clear-netscape-style") {
            ClearStyle::Netscape
        } else if switches.on("clear-max-age-only") {
            ClearStyle::MaxAgeOnly
        } else if switches.on("clear-expires-only") {
            ClearStyle::ExpiresOnly
        } else {
            ClearStyle::Standard
        };
        let path = if switches.on("logout-wrong-path") && !api_prefix.is_empty() {
            api_prefix.to_string()
        } else {
            "/".to_string()
        };
        let domain = cookie_domain
            .map(|d| d.trim().trim_start_matches('.').to_string())
            .filter(|d| !d.is_empty());
        Self {
            style,
            path,
            domain,
            session_domain_variant: !switches.on("logout-no-domain-variant"),
        }
    }

    /// The `Set-Cookie` values of a logout: the session cookie, then each CSRF cookie, each
    /// host-only and (with a cookie domain) with `Domain=`.
    pub(crate) fn lines(&self, csrf_names: &[String]) -> Vec<String> {
        let mut lines = Vec::with_capacity(2 * (1 + csrf_names.len()));
        lines.push(self.line(SESSION_COOKIE, None));
        if self.session_domain_variant
            && let Some(domain) = &self.domain
        {
            lines.push(self.line(SESSION_COOKIE, Some(domain)));
        }
        for name in csrf_names {
            lines.push(self.line(name, None));
            if let Some(domain) = &self.domain {
                lines.push(self.line(name, Some(domain)));
            }
        }
        lines
    }

    /// Fault `logout-resets-session-cookie`: a line, sent after the clearing lines, that sets
    /// the session cookie of the request again (as Kratos set it: `Domain=`, `Path=/`). A
    /// browser keeps the last line for a cookie, so the clearing counts for nothing.
    pub(crate) fn reset_line(&self, headers: &HeaderMap) -> Option<String> {
        let value = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| name.trim() == SESSION_COOKIE)
            .map(|(_, value)| value.trim())?;
        let domain = self.domain.as_deref()?;
        Some(format!(
            "{SESSION_COOKIE}={value}; Path=/; Domain={domain}; HttpOnly; SameSite=Lax"
        ))
    }

    fn line(&self, name: &str, domain: Option<&str>) -> String {
        let path = &self.path;
        if self.style == ClearStyle::Netscape {
            let domain = domain.map(|d| format!("; domain=.{d}")).unwrap_or_default();
            return format!(
                "{name}=deleted; samesite=lax; httponly; expires={EPOCH_EXPIRES_NETSCAPE}{domain}; path={path}"
            );
        }
        let expiry = match self.style {
            ClearStyle::MaxAgeOnly => "Max-Age=0".to_string(),
            ClearStyle::ExpiresOnly => format!("Expires={EPOCH_EXPIRES}"),
            _ => format!("Expires={EPOCH_EXPIRES}; Max-Age=0"),
        };
        let domain = domain.map(|d| format!("; Domain={d}")).unwrap_or_default();
        format!("{name}=; Path={path}{domain}; {expiry}; HttpOnly; SameSite=Lax")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn policy(switches: &str, domain: Option<&str>) -> ClearingPolicy {
        ClearingPolicy::new(domain, "/api/v1", &Switches::parse(switches).unwrap())
    }

    #[test]
    fn finds_csrf_cookies_once_each() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("csrf_token_ab=1; ory_kratos_session=x"),
        );
        headers.append(
            COOKIE,
            HeaderValue::from_static("csrf_token_cd=2;csrf_token_ab=3; bad name=4"),
        );
        headers.append(
            COOKIE,
            HeaderValue::from_static("csrf_token_e f=5; other=6"),
        );
        assert_eq!(
            csrf_cookie_names(&headers),
            ["csrf_token_ab", "csrf_token_cd"]
        );
    }

    #[test]
    fn standard_lines_clear_both_variants() {
        let lines = policy("", Some("openapp.test")).lines(&["csrf_token_ab".to_string()]);
        assert_eq!(
            lines,
            [
                "ory_kratos_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
                "ory_kratos_session=; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
                "csrf_token_ab=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
                "csrf_token_ab=; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
            ]
        );
    }

    #[test]
    fn without_a_domain_only_host_only_lines() {
        let lines = policy("", None).lines(&["csrf_token_ab".to_string()]);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| !l.contains("Domain")));
    }

    #[test]
    fn styles_and_faults_change_the_lines() {
        let first = |switches: &str| policy(switches, Some(".openapp.test")).lines(&[])[1].clone();
        assert_eq!(
            first("clear-max-age-only"),
            "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            first("clear-expires-only"),
            "ory_kratos_session=; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            first("clear-netscape-style"),
            "ory_kratos_session=deleted; samesite=lax; httponly; expires=Thu, 01-Jan-1970 00:00:00 GMT; domain=.openapp.test; path=/"
        );
        assert!(first("logout-wrong-path").contains("Path=/api/v1;"));
        assert_eq!(
            policy("logout-no-domain-variant", Some("openapp.test"))
                .lines(&[])
                .len(),
            1
        );
    }

    #[test]
    fn netscape_lines_expire_in_a_cookie_parser() {
        let line = &policy("clear-netscape-style", Some("openapp.test")).lines(&[])[1];
        let parsed = cookie_store::RawCookie::parse(line.as_str()).unwrap();
        let expires = parsed.expires_datetime().unwrap();
        assert_eq!(expires.unix_timestamp(), 0);
    }

    /// R12 in a real jar: every benign style empties it, the wrong-path fault does not.
    #[test]
    fn clearing_lines_empty_a_jar_unless_the_path_is_wrong() {
        let api = url::Url::parse("http://api.openapp.test/api/v1/auth/logout").unwrap();
        let kratos = url::Url::parse("http://auth.openapp.test/self-service/login").unwrap();
        let csrf = vec!["csrf_token_ab".to_string()];
        for (switches, cleared) in [
            ("", true),
            ("clear-max-age-only", true),
            ("clear-expires-only", true),
            ("clear-netscape-style", true),
            ("logout-wrong-path", false),
        ] {
            let mut jar = cookie_store::CookieStore::new();
            let set = |jar: &mut cookie_store::CookieStore, line: &str, url: &url::Url| {
                jar.parse(line, url).unwrap();
            };
            set(
                &mut jar,
                "ory_kratos_session=s; Path=/; Domain=openapp.test; HttpOnly",
                &kratos,
            );
            set(
                &mut jar,
                "csrf_token_ab=c; Path=/; Domain=openapp.test; HttpOnly",
                &kratos,
            );
            set(&mut jar, "csrf_token_ab=h; Path=/; HttpOnly", &api);
            for line in policy(switches, Some("openapp.test")).lines(&csrf) {
                // A clearing line for a cookie the jar does not hold may be refused; that is fine.
                let _ = jar.parse(&line, &api);
            }
            let left: Vec<_> = jar.iter_unexpired().map(|c| c.name().to_string()).collect();
            assert_eq!(left.is_empty(), cleared, "`{switches}` left {left:?}");
        }
    }
}
