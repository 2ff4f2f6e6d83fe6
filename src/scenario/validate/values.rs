//! Checks on single values: methods, statuses, regexes, JSON pointers and cookie names.
//!
//! Each function returns `Err(message)` with a lowercase message that says what was expected.

use crate::scenario::error::did_you_mean;

/// The HTTP methods a request may use.
pub const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Values of `expect.cookie.lifetime`.
pub const LIFETIMES: &[&str] = &["persistent", "session", "expired"];

/// Values of `expect.cookie.secure`.
pub const SECURE: &[&str] = &["yes", "no", "as-expected"];

/// Values of `expect.cookie.samesite` (case-insensitive).
pub const SAMESITE: &[&str] = &["as-configured", "Lax", "Strict", "None"];

/// Fields of an identity a template may read: `{{identity.NAME.FIELD}}`.
pub const IDENTITY_FIELDS: &[&str] = &["id", "identifier", "password"];

/// An upper-case method from [`METHODS`].
pub fn method(m: &str) -> Result<(), String> {
    if METHODS.contains(&m) {
        return Ok(());
    }
    Err(format!(
        "unknown method `{m}`, expected one of {}{}",
        list(METHODS),
        did_you_mean(m, METHODS.iter().copied())
    ))
}

/// An HTTP status code, 100 to 599.
pub fn status(code: u16) -> Result<(), String> {
    if (100..=599).contains(&code) {
        Ok(())
    } else {
        Err(format!(
            "invalid status `{code}`, expected a status code from 100 to 599"
        ))
    }
}

/// A regex the `regex` crate accepts. Only its syntax is checked (parsed and translated, as
/// `regex::Regex::new` does first), not compiled: compiling every pattern of every file was
/// the largest cost of loading the scenarios, and the run compiles the patterns it uses.
pub fn regex(pattern: &str) -> Result<(), String> {
    // `{{variables}}` match their value literally: any stand-in compiles the same way.
    let compiled = crate::plan::template::render_regex(pattern, |_| Some("x".into()))
        .unwrap_or_else(|_| pattern.to_string());
    regex_syntax::Parser::new()
        .parse(&compiled)
        .map(drop)
        .map_err(|e| {
            // The crate's message spans several lines (pattern, caret, reason); keep the reason.
            let reason = e.to_string();
            let reason = reason.lines().last().unwrap_or_default().trim();
            let reason = reason.strip_prefix("error: ").unwrap_or(reason);
            format!("invalid regex `{pattern}`: {}", reason.to_lowercase())
        })
}

/// An RFC 6901 JSON pointer: `""` or `/`-prefixed, `~` only in `~0` and `~1`.
pub fn json_pointer(pointer: &str) -> Result<(), String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        // `identity.id` is a common slip for `/identity/id`.
        let fixed = pointer.replace('.', "/");
        return Err(format!(
            "invalid json pointer `{pointer}`, expected `\"\"` (the whole body) or a pointer \
             starting with `/` (did you mean `/{fixed}`?)"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "invalid json pointer `{pointer}`, expected `~` only as `~0` (for `~`) or `~1` \
                 (for `/`)"
            ));
        }
    }
    Ok(())
}

/// A cookie name (an RFC 6265 token without `*`), or `prefix*` when `wildcard` is allowed.
pub fn cookie_pattern(pattern: &str, wildcard: bool) -> Result<(), String> {
    let name = match pattern.strip_suffix('*') {
        Some(prefix) if wildcard => prefix,
        _ => pattern,
    };
    if !name.is_empty() && name.chars().all(|c| c != '*' && is_token_char(c)) {
        return Ok(());
    }
    let expected = if wildcard {
        "a cookie name or `prefix*`"
    } else {
        "a cookie name"
    };
    Err(format!(
        "invalid cookie name `{pattern}`, expected {expected}"
    ))
}

/// A `sets`/`clears` entry: `NAME`, `NAME@host` or `NAME@domain`, NAME possibly `prefix*`.
pub fn cookie_target(entry: &str) -> Result<(), String> {
    let (name, scope) = match entry.rsplit_once('@') {
        Some((name, scope)) => (name, Some(scope)),
        None => (entry, None),
    };
    if let Some(scope) = scope.filter(|s| !matches!(*s, "host" | "domain")) {
        return Err(format!(
            "invalid cookie scope `@{scope}` in `{entry}`, expected `NAME`, `NAME@host` or \
             `NAME@domain`{}",
            did_you_mean(scope, ["host", "domain"])
        ));
    }
    cookie_pattern(name, true)
}

/// `value` is one of `allowed` (exactly, or ignoring ASCII case when `any_case`).
pub fn one_of(key: &str, value: &str, allowed: &[&str], any_case: bool) -> Result<(), String> {
    let ok = allowed
        .iter()
        .any(|a| *a == value || (any_case && a.eq_ignore_ascii_case(value)));
    if ok {
        return Ok(());
    }
    Err(format!(
        "invalid `{key}` value `{value}`, expected one of {}{}",
        list(allowed),
        did_you_mean(value, allowed.iter().copied())
    ))
}

/// A header name (an RFC 9110 token).
pub fn header_name(name: &str) -> Result<(), String> {
    if !name.is_empty() && name.chars().all(is_token_char) {
        Ok(())
    } else {
        Err(format!(
            "invalid header name `{name}`, expected letters, digits and `-`"
        ))
    }
}

/// `` `a`, `b` or `c` ``.
pub fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// RFC 9110 `tchar`.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_upper_case_and_known() {
        assert!(method("PATCH").is_ok());
        let err = method("get").unwrap_err();
        assert!(
            err.starts_with("unknown method `get`, expected one of `GET`"),
            "{err}"
        );
        assert!(err.ends_with("(did you mean `GET`?)"), "{err}");
        assert!(method("FETCH").is_err());
    }

    #[test]
    fn statuses_are_within_100_to_599() {
        assert!(status(100).is_ok() && status(599).is_ok());
        assert!(status(99).is_err() && status(600).is_err() && status(0).is_err());
    }

    #[test]
    fn regexes_must_compile_with_a_one_line_reason() {
        assert!(regex("^[0-9a-f-]{36}$").is_ok());
        let err = regex("(unclosed").unwrap_err();
        assert_eq!(err, "invalid regex `(unclosed`: unclosed group");
    }

    #[test]
    fn json_pointers_follow_rfc_6901() {
        for ok in ["", "/", "/identity/id", "/a~0b/c~1d", "/0"] {
            assert!(json_pointer(ok).is_ok(), "{ok}");
        }
        assert!(
            json_pointer("identity/id")
                .unwrap_err()
                .contains("did you mean `/identity/id`")
        );
        assert!(
            json_pointer("a.b")
                .unwrap_err()
                .contains("did you mean `/a/b`")
        );
        assert!(json_pointer("/a~2").is_err());
        assert!(json_pointer("/a~").is_err());
    }

    #[test]
    fn cookie_patterns_and_targets() {
        assert!(cookie_pattern("ory_kratos_session", false).is_ok());
        assert!(cookie_pattern("csrf_token_*", true).is_ok());
        assert!(cookie_pattern("csrf_token_*", false).is_err());
        assert!(cookie_pattern("", true).is_err());
        assert!(cookie_pattern("*", true).is_err());
        assert!(cookie_pattern("a b", true).is_err());
        assert!(cookie_target("ory_kratos_session@host").is_ok());
        assert!(cookie_target("csrf_token_*@domain").is_ok());
        assert!(cookie_target("ory_kratos_session").is_ok());
        let err = cookie_target("ory_kratos_session@hots").unwrap_err();
        assert!(err.contains("(did you mean `host`?)"), "{err}");
        assert!(cookie_target("@host").is_err());
    }

    #[test]
    fn enumerations_and_lists() {
        assert!(one_of("lifetime", "session", LIFETIMES, false).is_ok());
        assert!(one_of("samesite", "lax", SAMESITE, true).is_ok());
        let err = one_of("secure", "maybe", SECURE, false).unwrap_err();
        assert_eq!(
            err,
            "invalid `secure` value `maybe`, expected one of `yes`, `no` or `as-expected`"
        );
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b"]), "`a` or `b`");
    }

    #[test]
    fn header_names_are_tokens() {
        assert!(header_name("X-API-Key").is_ok());
        assert!(header_name("Bad Header").is_err());
        assert!(header_name("").is_err());
    }
}
