//! Cookie name patterns: an exact name, or `prefix*`.

/// Whether a cookie `name` matches `pattern`: a pattern ending in `*` matches by prefix
/// (`csrf_token_*`), any other pattern must equal the name.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// The cookie names of a `Cookie` request header value (`a=1; b=2` → `a`, `b`), in order.
pub fn header_names(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(';')
        .filter_map(|pair| pair.split_once('=').map(|(name, _)| name.trim()))
}

#[cfg(test)]
mod tests {
    use super::{header_names, name_matches};

    #[test]
    fn names_of_a_cookie_header() {
        let names: Vec<&str> = header_names("a=1; csrf_token_x=2;b=3; junk").collect();
        assert_eq!(names, ["a", "csrf_token_x", "b"]);
    }

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
