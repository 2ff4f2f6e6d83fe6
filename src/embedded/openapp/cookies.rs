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
/// The name of that cookie (benign `logout-extra-clearing-lines` expires it too).
const PREF_COOKIE: &str = "openapp_pref";
/// Benign `logout-extra-clearing-lines`: the other `Path` its extra lines use.
const EXTRA_PATH: &str = "/api";

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
    /// Benign `logout-extra-clearing-lines`: also expire cookies the contract's lines do not
    /// touch (see [`ClearingPolicy::extra_lines`]).
    extra_lines: bool,
    /// The API's host name, for the extra lines' other `Domain` (set by [`Self::with_api_host`]).
    api_host: Option<String>,
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
            extra_lines: switches.on("logout-extra-clearing-lines"),
            api_host: None,
        }
    }

    /// The same policy, knowing the API's host name (the extra lines' other `Domain`).
    pub(crate) fn with_api_host(mut self, host: Option<&str>) -> Self {
        self.api_host = host
            .map(|h| h.trim_start_matches('.').to_ascii_lowercase())
            .filter(|h| !h.is_empty() && Some(h) != self.domain.as_ref());
        self
    }

    /// The `Set-Cookie` values of a logout: the session cookie, then each CSRF cookie, each
    /// host-only and (with a cookie domain) with `Domain=`.
    pub(crate) fn lines(&self, csrf_names: &[String]) -> Vec<String> {
        let mut lines = Vec::with_capacity(2 * (1 + csrf_names.len()));
        if self.extra_lines {
            lines.extend(self.extra_lines(csrf_names));
        }
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

    /// Benign `logout-extra-clearing-lines`, sent before the contract's lines: expire
    /// `openapp_pref` (a cookie the contract does not name), and `ory_kratos_session` and
    /// every request CSRF cookie at `Path=/api` and (for the session) with `Domain=<API
    /// host>`. A browser holds none of these, so they delete nothing the contract's lines do
    /// not; they are written in the configured clearing style.
    fn extra_lines(&self, csrf_names: &[String]) -> Vec<String> {
        let mut lines = vec![
            self.line_at(PREF_COOKIE, "/", None),
            self.line_at(SESSION_COOKIE, EXTRA_PATH, None),
        ];
        if let Some(host) = &self.api_host {
            lines.push(self.line_at(SESSION_COOKIE, "/", Some(host)));
        }
        for name in csrf_names {
            lines.push(self.line_at(name, EXTRA_PATH, None));
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
        self.line_at(name, &self.path, domain)
    }

    fn line_at(&self, name: &str, path: &str, domain: Option<&str>) -> String {
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
    fn extra_lines_come_first_in_the_configured_style() {
        let csrf = ["csrf_token_ab".to_string()];
        let plain = policy("", Some("openapp.test"))
            .with_api_host(Some("api.openapp.test"))
            .lines(&csrf);
        let lines = policy("logout-extra-clearing-lines", Some("openapp.test"))
            .with_api_host(Some("API.openapp.test"))
            .lines(&csrf);
        assert_eq!(lines[4..], plain[..]);
        assert_eq!(
            lines[..4],
            [
                "openapp_pref=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
                "ory_kratos_session=; Path=/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
                "ory_kratos_session=; Path=/; Domain=api.openapp.test; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
                "csrf_token_ab=; Path=/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
            ]
        );
        // An API host equal to the cookie domain adds no line at the contract's own Domain.
        let same = policy("logout-extra-clearing-lines", Some("openapp.test"))
            .with_api_host(Some("openapp.test"))
            .lines(&[]);
        assert_eq!(same.len(), 4, "{same:?}");
        let max_age = policy("logout-extra-clearing-lines,clear-max-age-only", None).lines(&[]);
        assert!(
            max_age
                .iter()
                .all(|l| l.contains("Max-Age=0") && !l.contains("Expires"))
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
            ("logout-extra-clearing-lines", true),
            ("logout-extra-clearing-lines,clear-netscape-style", true),
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
            let policy =
                policy(switches, Some("openapp.test")).with_api_host(Some("api.openapp.test"));
            for line in policy.lines(&csrf) {
                // A clearing line for a cookie the jar does not hold may be refused; that is fine.
                let _ = jar.parse(&line, &api);
            }
            let left: Vec<_> = jar.iter_unexpired().map(|c| c.name().to_string()).collect();
            assert_eq!(left.is_empty(), cleared, "`{switches}` left {left:?}");
        }
    }
}
