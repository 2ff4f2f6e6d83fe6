//! Cookie values in `Cookie` and `Set-Cookie` headers, replaced by their length wherever such
//! a header shows up in text (`Name: value` lines and JSON `"name": "value"` or
//! `["name", "value"]` pairs).

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::cookie::parse_set_cookie;

/// `a=xyz; b=12345` → `a=<3 chars>; b=<5 chars>` (for `Cookie` request headers). Values that
/// are already masks are kept, so redacting twice changes nothing.
pub fn redact_cookie_header(value: &str) -> String {
    value
        .split(';')
        .map(|pair| pair.trim_matches([' ', '\t']))
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => format!("{}={}", name.trim_matches([' ', '\t']), mask(value)),
            None => mask(pair),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Redacts the values of every `Cookie` and `Set-Cookie` header found in `text`.
pub(super) fn redact_cookie_headers(text: &str) -> String {
    static LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?im)^([ \t<>]*((?:set-)?cookie)[ \t]*:[ \t]*)([^\r\n]*)")
            .expect("valid regex")
    });
    static JSON: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)("((?:set-)?cookie)"\s*[:,]\s*")((?:[^"\\]|\\.)*)"#).expect("valid regex")
    });
    let redact = |caps: &Captures<'_>| {
        let value = &caps[3];
        let redacted = if caps[2].eq_ignore_ascii_case("cookie") {
            redact_cookie_header(value)
        } else {
            redact_set_cookie(value)
        };
        format!("{}{redacted}", &caps[1])
    };
    if !may_hold_cookie_header(text) {
        return text.to_owned();
    }
    let text = LINE.replace_all(text, redact);
    JSON.replace_all(&text, redact).into_owned()
}

/// False only when neither pattern above can match: no `cookie` (any case) followed by
/// optional blanks and `:`, or by `"`. Saves building the patterns for texts without cookie
/// headers, e.g. a passing trial's snapshot view. Any non-ASCII text gets the patterns, whose
/// case-insensitive matching also accepts a few non-ASCII letters (`K`, `ſ`).
pub(super) fn may_hold_cookie_header(text: &str) -> bool {
    if !text.is_ascii() {
        return true;
    }
    let bytes = text.as_bytes();
    bytes.windows(6).enumerate().any(|(i, w)| {
        if !w.eq_ignore_ascii_case(b"cookie") {
            return false;
        }
        let rest = &bytes[i + 6..];
        if rest.first() == Some(&b'"') {
            return true;
        }
        rest.iter()
            .find(|b| !matches!(b, b' ' | b'\t'))
            .is_some_and(|b| *b == b':')
    })
}

/// A `Set-Cookie` value with its cookie value replaced by `<N chars>`, attributes kept.
fn redact_set_cookie(line: &str) -> String {
    let pair = line.split(';').next().unwrap_or(line);
    if pair
        .split_once('=')
        .is_some_and(|(_, value)| is_mask(value.trim_matches([' ', '\t'])))
    {
        return line.to_owned();
    }
    match parse_set_cookie(line) {
        Ok(cookie) => cookie.redacted(),
        // Nothing a browser would store, but the text may still be a value: mask all of it.
        Err(_) => mask(line),
    }
}

/// `<N chars>` for a value, or the value itself if it already is such a mask.
fn mask(value: &str) -> String {
    let value = value.trim_matches([' ', '\t']);
    if is_mask(value) {
        value.to_owned()
    } else {
        format!("<{} chars>", value.chars().count())
    }
}

/// Whether `value` reads `<N chars>`.
fn is_mask(value: &str) -> bool {
    value
        .strip_prefix('<')
        .and_then(|v| v.strip_suffix(" chars>"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_cookie_header_values() {
        assert_eq!(
            redact_cookie_header("a=xyz; b=12345"),
            "a=<3 chars>; b=<5 chars>"
        );
        assert_eq!(
            redact_cookie_header(" a = xyz ;;b=;c=d=e"),
            "a=<3 chars>; b=<0 chars>; c=<3 chars>"
        );
        assert_eq!(redact_cookie_header("lonevalue"), "<9 chars>");
        assert_eq!(redact_cookie_header(""), "");
    }

    #[test]
    fn masking_is_idempotent() {
        let once = redact_cookie_header("a=xyz; b=12345");
        assert_eq!(redact_cookie_header(&once), once);
        let text = "Set-Cookie: s=secretvalue; Path=/\nCookie: s=secretvalue";
        let once = redact_cookie_headers(text);
        assert_eq!(redact_cookie_headers(&once), once);
    }

    #[test]
    fn masks_header_lines() {
        let text = "> GET / HTTP/1.1\n> cookie: s=abcdef; t=xy\n< Set-Cookie: s=abcdef; Path=/; HttpOnly\r\nx-cookie-ish: keep";
        assert_eq!(
            redact_cookie_headers(text),
            "> GET / HTTP/1.1\n> cookie: s=<6 chars>; t=<2 chars>\n< Set-Cookie: s=<6 chars>; Path=/; HttpOnly\r\nx-cookie-ish: keep"
        );
    }

    #[test]
    fn masks_json_headers() {
        let text = r#"{"headers": {"Cookie": "s=abcdef", "set-cookie": "s=abcdef; Path=/"}, "pairs": [["Set-Cookie", "t=qwerty; Max-Age=0"]]}"#;
        assert_eq!(
            redact_cookie_headers(text),
            r#"{"headers": {"Cookie": "s=<6 chars>", "set-cookie": "s=<6 chars>; Path=/"}, "pairs": [["Set-Cookie", "t=<6 chars>; Max-Age=0"]]}"#
        );
    }

    #[test]
    fn masks_unparsable_set_cookie_lines_whole() {
        assert_eq!(
            redact_cookie_headers("Set-Cookie: justatoken"),
            "Set-Cookie: <10 chars>"
        );
        assert_eq!(
            redact_cookie_headers("Set-Cookie: =nameless"),
            "Set-Cookie: <9 chars>"
        );
    }
}
