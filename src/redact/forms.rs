//! The spellings under which a secret can appear in output: raw, percent-encoded, JSON-escaped
//! and base64-encoded (standard and URL-safe, padded or not, at any byte alignment inside a
//! longer blob), and the regular expression that finds all of them.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use regex::{Regex, RegexBuilder};

/// The literal spellings of `secret`, longest first: the raw value, then its base64 forms.
///
/// Base64 of a secret embedded in a longer blob depends on how many bytes precede it modulo 3,
/// so for each alignment we encode the secret behind 0, 1 or 2 bytes of prefix and keep only
/// the characters that depend on the secret's bits alone.
pub(super) fn literal_forms(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    let mut forms = vec![secret.to_owned()];
    for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
        let unpadded = engine.encode(bytes);
        let padding = "=".repeat((4 - unpadded.len() % 4) % 4);
        forms.push(format!("{unpadded}{padding}"));
        forms.push(unpadded);
        for prefix in 0..3 {
            forms.extend(aligned_core(&engine, bytes, prefix));
        }
    }
    forms.retain(|form| !form.is_empty());
    forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    forms.dedup();
    forms
}

/// The base64 characters of `secret` preceded by `prefix` bytes that do not depend on the
/// bytes around it.
fn aligned_core(engine: &impl base64::Engine, secret: &[u8], prefix: usize) -> Option<String> {
    let mut buf = vec![0u8; prefix];
    buf.extend_from_slice(secret);
    let encoded = engine.encode(&buf);
    let start = (8 * prefix).div_ceil(6);
    let end = 8 * buf.len() / 6;
    encoded.get(start..end).map(str::to_owned)
}

/// A regular expression matching any of `forms`, each character either raw, percent-encoded
/// (upper- or lower-case hex; a space also as `+`) or JSON-escaped. Alternatives keep the order
/// of `forms`, so with longest-first forms the longest spelling wins at a given position.
pub(super) fn matcher(forms: &[String]) -> Result<Regex, regex::Error> {
    let pattern = forms
        .iter()
        .map(|form| tolerant(form))
        .collect::<Vec<_>>()
        .join("|");
    RegexBuilder::new(&pattern).size_limit(1 << 26).build()
}

/// The pattern for one form, character by character.
fn tolerant(form: &str) -> String {
    let mut out = String::with_capacity(form.len() * 4);
    for ch in form.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
            continue;
        }
        let mut utf8 = [0u8; 4];
        let mut alternatives = vec![regex::escape(ch.encode_utf8(&mut utf8))];
        alternatives.push(
            ch.encode_utf8(&mut utf8)
                .bytes()
                .map(percent_pattern)
                .collect(),
        );
        if ch == ' ' {
            alternatives.push(r"\+".to_owned());
        }
        if let Some(escaped) = json_escape(ch) {
            alternatives.push(regex::escape(escaped));
        }
        out.push_str("(?:");
        out.push_str(&alternatives.join("|"));
        out.push(')');
    }
    out
}

/// `%XX` for one byte, accepting either case for the hex letters.
fn percent_pattern(byte: u8) -> String {
    let digit = |nibble: u8| match nibble {
        0..=9 => char::from(b'0' + nibble).to_string(),
        _ => {
            let upper = char::from(b'A' + nibble - 10);
            format!("[{upper}{}]", upper.to_ascii_lowercase())
        }
    };
    format!("%{}{}", digit(byte >> 4), digit(byte & 0x0F))
}

/// How JSON encoders (and Rust's `Debug`) may escape a character.
fn json_escape(ch: char) -> Option<&'static str> {
    Some(match ch {
        '"' => "\\\"",
        '\\' => "\\\\",
        '/' => "\\/",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    #[test]
    fn forms_include_raw_and_full_base64() {
        let forms = literal_forms("hunter2?>");
        assert!(forms.contains(&"hunter2?>".to_owned()));
        assert!(forms.contains(&STANDARD.encode("hunter2?>")));
        assert!(forms.contains(&URL_SAFE.encode("hunter2?>")));
        assert!(forms.windows(2).all(|w| w[0].len() >= w[1].len()));
    }

    #[test]
    fn aligned_cores_appear_inside_any_blob() {
        let secret = b"canary-secret-value";
        for prefix_len in 0..6 {
            for suffix_len in 0..4 {
                let mut blob = vec![0xA5u8; prefix_len];
                blob.extend_from_slice(secret);
                blob.extend(std::iter::repeat_n(0x5Au8, suffix_len));
                let encoded = STANDARD.encode(&blob);
                let core = aligned_core(&STANDARD_NO_PAD, secret, prefix_len % 3)
                    .unwrap_or_else(|| panic!("no core for {prefix_len}"));
                assert!(
                    encoded.contains(&core),
                    "{prefix_len}/{suffix_len}: {encoded} lacks {core}"
                );
            }
        }
    }

    #[test]
    fn matcher_accepts_every_encoding() {
        let re = matcher(&literal_forms("p@ss w/ord")).unwrap_or_else(|e| panic!("{e}"));
        for text in [
            "p@ss w/ord",
            "p%40ss+w%2Ford",
            "p%40ss%20w%2ford",
            "p%40ss%20w/ord",
            "p@ss w\\/ord",
        ] {
            assert!(re.is_match(text), "{text}");
        }
        assert!(!re.is_match("p@ss-w/ord"));
    }

    #[test]
    fn matcher_handles_non_ascii_and_regex_metacharacters() {
        let re = matcher(&literal_forms("(.*)é\"x")).unwrap_or_else(|e| panic!("{e}"));
        assert!(re.is_match("(.*)é\"x"));
        assert!(re.is_match("%28.*%29%C3%A9%22x"));
        assert!(re.is_match("(.*)%c3%a9\\\"x"));
        assert!(!re.is_match("abcé\"x"));
    }
}
