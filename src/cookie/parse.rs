//! `Set-Cookie` parsing per RFC 6265 §5.2, keeping only the value's length so a parsed cookie
//! can be shown, compared and logged without leaking the secret it carries.

use std::fmt;

use super::date::parse_cookie_date;

/// Why a `Set-Cookie` line was ignored, as RFC 6265 §5.2 tells a user agent to ignore it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CookieError {
    /// The name-value pair (before the first `;`) has no `=`.
    #[error("set-cookie line has no '=' in its name-value pair")]
    MissingEquals,
    /// The cookie name is empty after trimming whitespace.
    #[error("set-cookie line has an empty cookie name")]
    EmptyName,
}

/// What a `Set-Cookie` line does to a cookie's lifetime once a user agent has stored it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// `Max-Age` ≤ 0, or `Expires` not in the future: the line deletes the cookie.
    Expired,
    /// A positive `Max-Age` or a future `Expires`: the cookie outlives the browser session.
    Persistent,
    /// Neither attribute: the cookie lasts until the browser session ends.
    Session,
}

/// One parsed `Set-Cookie` line. The value itself is never stored, only its length.
///
/// `Debug` prints [`SetCookie::redacted`] instead of `raw`, so the struct is safe to log.
#[derive(Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// The line exactly as received; it contains the cookie value, so never print it
    /// (use [`SetCookie::redacted`]).
    pub raw: String,
    /// The cookie name, with surrounding whitespace removed.
    pub name: String,
    /// Length of the cookie value in characters, surrounding whitespace removed.
    pub value_len: usize,
    /// The `Domain` attribute as RFC 6265 §5.2.3 reads it: leading dot stripped, lower-cased;
    /// `None` for a host-only cookie.
    pub domain: Option<String>,
    /// The `Path` attribute if it starts with `/`; `None` means the request URL's default path.
    pub path: Option<String>,
    /// Whether a `Secure` attribute is present.
    pub secure: bool,
    /// Whether an `HttpOnly` attribute is present.
    pub http_only: bool,
    /// The `SameSite` attribute value as written.
    pub same_site: Option<String>,
    /// A well-formed `Max-Age` (`-?digits`, saturating), in seconds.
    pub max_age: Option<i64>,
    /// A parsable `Expires`, in unix seconds.
    pub expires: Option<i64>,
    /// Attribute names in wire order, as written (including unknown ones).
    pub attributes: Vec<String>,
}

/// Parses one `Set-Cookie` header value following RFC 6265 §5.2.
///
/// Attribute names are case-insensitive and the last occurrence of an attribute wins; an
/// unparsable `Expires`, a malformed `Max-Age` and an empty `Domain` are ignored, and a `Path`
/// that does not start with `/` falls back to the default path.
pub fn parse_set_cookie(line: &str) -> Result<SetCookie, CookieError> {
    let (pair, unparsed) = line.split_once(';').unwrap_or((line, ""));
    let (name, value) = pair.split_once('=').ok_or(CookieError::MissingEquals)?;
    let name = trim_wsp(name);
    if name.is_empty() {
        return Err(CookieError::EmptyName);
    }
    let mut cookie = SetCookie {
        raw: line.to_owned(),
        name: name.to_owned(),
        value_len: trim_wsp(value).chars().count(),
        domain: None,
        path: None,
        secure: false,
        http_only: false,
        same_site: None,
        max_age: None,
        expires: None,
        attributes: Vec::new(),
    };
    for av in unparsed.split(';') {
        let (attr, value) = av.split_once('=').unwrap_or((av, ""));
        let (attr, value) = (trim_wsp(attr), trim_wsp(value));
        if !attr.is_empty() {
            cookie.attributes.push(attr.to_owned());
            cookie.apply(attr, value);
        }
    }
    Ok(cookie)
}

impl SetCookie {
    /// Applies one cookie-av (RFC 6265 §5.2.1–§5.2.6, plus `SameSite`).
    fn apply(&mut self, attr: &str, value: &str) {
        let is = |known: &str| attr.eq_ignore_ascii_case(known);
        if is("expires") {
            if let Some(at) = parse_cookie_date(value) {
                self.expires = Some(at);
            }
        } else if is("max-age") {
            if let Some(seconds) = parse_max_age(value) {
                self.max_age = Some(seconds);
            }
        } else if is("domain") {
            if !value.is_empty() {
                let domain = value
                    .strip_prefix('.')
                    .unwrap_or(value)
                    .to_ascii_lowercase();
                self.domain = (!domain.is_empty()).then_some(domain);
            }
        } else if is("path") {
            self.path = value.starts_with('/').then(|| value.to_owned());
        } else if is("secure") {
            self.secure = true;
        } else if is("httponly") {
            self.http_only = true;
        } else if is("samesite") {
            self.same_site = Some(value.to_owned());
        }
    }

    /// The line with the value replaced by `<N chars>` and every attribute kept as written,
    /// e.g. `ory_kratos_session=<44 chars>; Path=/; Domain=openapp.test; HttpOnly`.
    pub fn redacted(&self) -> String {
        let attributes = self.raw.find(';').map_or("", |at| &self.raw[at..]);
        format!("{}=<{} chars>{attributes}", self.name, self.value_len)
    }

    /// The cookie's lifetime at `now_unix`: `Max-Age` wins over `Expires`.
    pub fn lifetime(&self, now_unix: i64) -> Lifetime {
        match (self.max_age, self.expires) {
            (Some(max_age), _) if max_age <= 0 => Lifetime::Expired,
            (Some(_), _) => Lifetime::Persistent,
            (None, Some(expires)) if expires <= now_unix => Lifetime::Expired,
            (None, Some(_)) => Lifetime::Persistent,
            (None, None) => Lifetime::Session,
        }
    }

    /// Whether the line deletes the cookie it names (its lifetime is [`Lifetime::Expired`]).
    pub fn is_clearing(&self, now_unix: i64) -> bool {
        self.lifetime(now_unix) == Lifetime::Expired
    }
}

impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCookie")
            .field("redacted", &self.redacted())
            .field("name", &self.name)
            .field("value_len", &self.value_len)
            .field("domain", &self.domain)
            .field("path", &self.path)
            .field("secure", &self.secure)
            .field("http_only", &self.http_only)
            .field("same_site", &self.same_site)
            .field("max_age", &self.max_age)
            .field("expires", &self.expires)
            .field("attributes", &self.attributes)
            .finish()
    }
}

/// Removes leading and trailing `WSP` (space and horizontal tab).
fn trim_wsp(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `Max-Age` per RFC 6265 §5.2.2: an optional `-` then at least one digit, nothing else.
/// Values beyond `i64` saturate.
fn parse_max_age(value: &str) -> Option<i64> {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i64, |acc, b| {
        acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
    });
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KRATOS_LOGIN: &str = "ory_kratos_session=MTc5NjAzMDk1Nnw3MjJWaVNyYmxy; Path=/; \
        Domain=openapp.test; Expires=Tue, 01 Dec 2026 09:29:15 GMT; Max-Age=86399; HttpOnly; SameSite=Lax";

    fn parse(line: &str) -> SetCookie {
        parse_set_cookie(line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    #[test]
    fn parses_a_kratos_session_cookie() {
        let c = parse(KRATOS_LOGIN);
        assert_eq!(c.name, "ory_kratos_session");
        assert_eq!(c.value_len, 28);
        assert_eq!(c.domain.as_deref(), Some("openapp.test"));
        assert_eq!(c.path.as_deref(), Some("/"));
        assert!(c.http_only);
        assert!(!c.secure);
        assert_eq!(c.same_site.as_deref(), Some("Lax"));
        assert_eq!(c.max_age, Some(86399));
        assert_eq!(c.expires, Some(1_796_117_355));
        assert_eq!(
            c.attributes,
            [
                "Path", "Domain", "Expires", "Max-Age", "HttpOnly", "SameSite"
            ]
        );
        assert_eq!(c.raw, KRATOS_LOGIN);
    }

    #[test]
    fn rejects_lines_without_a_name() {
        assert_eq!(parse_set_cookie("novalue"), Err(CookieError::MissingEquals));
        assert_eq!(
            parse_set_cookie("novalue; Path=/a=b"),
            Err(CookieError::MissingEquals)
        );
        assert_eq!(
            parse_set_cookie("=value; Path=/"),
            Err(CookieError::EmptyName)
        );
        assert_eq!(parse_set_cookie(" \t=value"), Err(CookieError::EmptyName));
        assert_eq!(parse_set_cookie(""), Err(CookieError::MissingEquals));
    }

    #[test]
    fn trims_whitespace_and_allows_empty_values() {
        let c = parse("  name \t=  v a l  ;path=/x");
        assert_eq!(c.name, "name");
        assert_eq!(c.value_len, 5);
        assert_eq!(c.path.as_deref(), Some("/x"));
        assert_eq!(parse("a=").value_len, 0);
        assert_eq!(parse("a==b=").value_len, 3);
    }

    #[test]
    fn attribute_names_are_case_insensitive_and_last_wins() {
        let c = parse(
            "a=b; DOMAIN=one.test; domain=.Two.TEST; pAtH=/x; PATH=/y; max-age=5; MAX-AGE=7; samesite=strict; SameSite=None",
        );
        assert_eq!(c.domain.as_deref(), Some("two.test"));
        assert_eq!(c.path.as_deref(), Some("/y"));
        assert_eq!(c.max_age, Some(7));
        assert_eq!(c.same_site.as_deref(), Some("None"));
    }

    #[test]
    fn invalid_attributes_are_ignored_as_the_rfc_says() {
        let c = parse(
            "a=b; Max-Age=10; Max-Age=1x; Max-Age=+3; Max-Age=-; Max-Age=; Expires=10; Expires=nonsense",
        );
        assert_eq!(c.max_age, Some(10));
        assert_eq!(c.expires, None);
        // An empty Domain is ignored entirely; a lone dot yields an empty domain: host-only.
        assert_eq!(
            parse("a=b; Domain=x.test; Domain=").domain.as_deref(),
            Some("x.test")
        );
        assert_eq!(parse("a=b; Domain=x.test; Domain=.").domain, None);
        // A Path that does not start with '/' means the default path, even after a valid one.
        assert_eq!(parse("a=b; Path=/x; Path=relative").path, None);
        assert_eq!(parse("a=b; Path=").path, None);
    }

    #[test]
    fn max_age_accepts_negative_and_saturates() {
        assert_eq!(parse("a=b; Max-Age=-1").max_age, Some(-1));
        assert_eq!(parse("a=b; Max-Age=0").max_age, Some(0));
        assert_eq!(
            parse("a=b; Max-Age=99999999999999999999999").max_age,
            Some(i64::MAX)
        );
        assert_eq!(
            parse("a=b; Max-Age=-99999999999999999999999").max_age,
            Some(-i64::MAX)
        );
    }

    #[test]
    fn flags_take_any_value_and_unknown_attributes_are_listed() {
        let c = parse("a=b;secure=no; HTTPONLY=0;; Partitioned ;Priority=High");
        assert!(c.secure && c.http_only);
        assert_eq!(
            c.attributes,
            ["secure", "HTTPONLY", "Partitioned", "Priority"]
        );
    }

    #[test]
    fn redacted_hides_the_value_and_keeps_the_attributes() {
        let line = "ory_kratos_session=MTc5NjAzMDk1Nnw3MjJWaVNyYmxyXzhJV0pfbTBCWC1o; Path=/; Domain=openapp.test; HttpOnly";
        let c = parse(line);
        assert_eq!(
            c.redacted(),
            "ory_kratos_session=<44 chars>; Path=/; Domain=openapp.test; HttpOnly"
        );
        assert_eq!(parse("a=secretvalue").redacted(), "a=<11 chars>");
        let debug = format!("{c:?}");
        assert!(!debug.contains("MTc5NjAz"), "{debug}");
        assert!(debug.contains("<44 chars>"));
    }

    #[test]
    fn lifetime_prefers_max_age_over_expires() {
        let now = 1_700_000_000;
        let cases = [
            ("a=b", Lifetime::Session),
            ("a=b; Max-Age=0", Lifetime::Expired),
            ("a=b; Max-Age=-5", Lifetime::Expired),
            ("a=b; Max-Age=1", Lifetime::Persistent),
            (
                "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                Lifetime::Expired,
            ),
            (
                "a=b; Expires=Tue, 01 Dec 2026 09:29:15 GMT",
                Lifetime::Persistent,
            ),
            (
                "a=b; Max-Age=0; Expires=Tue, 01 Dec 2026 09:29:15 GMT",
                Lifetime::Expired,
            ),
            (
                "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60",
                Lifetime::Persistent,
            ),
            ("a=b; Expires=garbage", Lifetime::Session),
            ("a=b; Max-Age=soon", Lifetime::Session),
        ];
        for (line, expected) in cases {
            let c = parse(line);
            assert_eq!(c.lifetime(now), expected, "{line}");
            assert_eq!(c.is_clearing(now), expected == Lifetime::Expired, "{line}");
        }
        assert_eq!(
            parse("a=b; Expires=Thu, 01 Jan 1970 00:00:10 GMT").lifetime(10),
            Lifetime::Expired
        );
        assert_eq!(
            parse("a=b; Expires=Thu, 01 Jan 1970 00:00:10 GMT").lifetime(9),
            Lifetime::Persistent
        );
    }

    #[test]
    fn errors_do_not_echo_the_line() {
        let err = parse_set_cookie("secretsecret").map(|_| ()).unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}
