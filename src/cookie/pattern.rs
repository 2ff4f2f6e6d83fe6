//! Cookie name patterns: an exact name, or `prefix*`.

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
