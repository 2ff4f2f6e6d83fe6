//! RFC 6265 `Set-Cookie` parsing ([`parse_set_cookie`]), cookie dates
//! ([`parse_cookie_date`]) and the canonical contract-level form ([`canonical`]) that
//! snapshots and assertions compare. Cookie values are never kept, only their length.

mod canon;
mod date;
mod parse;

pub use canon::{CanonContext, canonical};
pub use date::parse_cookie_date;
pub use parse::{CookieError, Lifetime, SetCookie, parse_set_cookie};

/// Whether a cookie `name` matches `pattern`: a pattern ending in `*` matches by prefix
/// (`csrf_token_*`), any other pattern must equal the name.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn exact_and_prefix_patterns() {
        assert!(name_matches("ory_kratos_session", "ory_kratos_session"));
        assert!(!name_matches("ory_kratos_session", "ory_kratos_session2"));
        assert!(!name_matches("ory_kratos_session", "ORY_KRATOS_SESSION"));
        assert!(name_matches("csrf_token_*", "csrf_token_2383528f"));
        assert!(name_matches("csrf_token_*", "csrf_token_"));
        assert!(!name_matches("csrf_token_*", "csrf_token"));
        assert!(!name_matches("csrf_token_*", "xcsrf_token_1"));
        assert!(name_matches("*", "anything"));
    }
}
