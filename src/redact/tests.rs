//! Tests of [`Secrets`]: canaries in every spelling, token shapes, overlaps and sharing.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::Secrets;

/// A canary with characters that every encoder treats differently.
const CANARY: &str = "Kx9~7f3a9c1e/+ =&?é\"qZ";

fn with_canary() -> Secrets {
    let secrets = Secrets::new();
    secrets.add("canary", CANARY);
    secrets
}

/// Decodes `%XX` escapes, and `+` as a space if `plus_is_space` (form encoding).
fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether any 5-byte piece of the canary can be recovered from `text`: raw, percent-decoded,
/// or base64-decoded from any run of base64 characters at any offset.
fn leaks(text: &str) -> bool {
    let windows: Vec<&[u8]> = CANARY.as_bytes().windows(5).collect();
    let contains_piece = |hay: &[u8]| windows.iter().any(|w| hay.windows(5).any(|h| h == *w));
    let decodings = [
        text.to_owned(),
        percent_decode(text, false),
        percent_decode(text, true),
    ];
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || "+/-_".contains(c);
    decodings.iter().any(|decoded| {
        contains_piece(decoded.as_bytes())
            || decoded.split(|c: char| !is_b64(c)).any(|run| {
                let run = run.replace('-', "+").replace('_', "/");
                (0..4).any(|skip| {
                    let tail = run.get(skip..).unwrap_or("");
                    let usable = &tail[..tail.len() / 4 * 4];
                    STANDARD_NO_PAD
                        .decode(usable)
                        .is_ok_and(|bytes| contains_piece(&bytes))
                })
            })
    })
}

fn assert_redacted(secrets: &Secrets, text: &str) {
    assert!(leaks(text), "test input should carry the canary: {text}");
    let out = secrets.redact(text);
    assert!(!leaks(&out), "canary survived in {out:?} (from {text:?})");
    assert!(out.contains("[canary]"), "{out}");
}

#[test]
fn canary_raw_and_escaped() {
    let secrets = with_canary();
    assert_redacted(&secrets, CANARY);
    assert_redacted(
        &secrets,
        &format!("password was {CANARY}, twice: {CANARY}{CANARY}."),
    );
    assert_redacted(
        &secrets,
        &serde_json::json!({ "password": CANARY }).to_string(),
    );
    assert_redacted(&secrets, &format!("{:?}", CANARY));
    assert_redacted(&secrets, &CANARY.replace('/', "\\/"));
}

/// `%C3%A9` → `%c3%a9`.
fn lowercase_hex(encoded: &str) -> String {
    let mut out = String::new();
    for (i, part) in encoded.split('%').enumerate() {
        if i > 0 {
            out.push('%');
            out.push_str(&part.get(..2).unwrap_or(part).to_lowercase());
            out.push_str(part.get(2..).unwrap_or(""));
        } else {
            out.push_str(part);
        }
    }
    out
}

#[test]
fn canary_percent_encoded() {
    let secrets = with_canary();
    let form: String = form_urlencoded::byte_serialize(CANARY.as_bytes()).collect();
    assert_redacted(
        &secrets,
        &format!("identifier=a%40b.test&password={form}&method=password"),
    );
    assert_redacted(&secrets, &form.replace('+', "%20"));
    assert_redacted(&secrets, &lowercase_hex(&form));
    let mut url = url::Url::parse("http://api.openapp.test/x").unwrap_or_else(|e| panic!("{e}"));
    url.path_segments_mut()
        .unwrap_or_else(|()| panic!("base"))
        .push(CANARY);
    url.query_pairs_mut().append_pair("p", CANARY);
    let out = secrets.redact(url.as_str());
    assert!(!leaks(&out), "{out}");
    assert_eq!(out.matches("[canary]").count(), 2, "{out}");
}

#[test]
fn canary_base64_at_every_alignment() {
    let secrets = with_canary();
    for (name, engine) in [
        ("std", STANDARD),
        ("std-nopad", STANDARD_NO_PAD),
        ("url", URL_SAFE),
        ("url-nopad", URL_SAFE_NO_PAD),
    ] {
        for prefix in 0..6 {
            for suffix in 0..4 {
                let mut blob: Vec<u8> = (0..prefix).map(|i| 0xF0 ^ (i as u8 * 37)).collect();
                blob.extend_from_slice(CANARY.as_bytes());
                blob.extend((0..suffix).map(|i| 0x3C ^ (i as u8 * 11)));
                let text = format!("token=\"{}\" trailer", engine.encode(&blob));
                let out = secrets.redact(&text);
                assert!(!leaks(&out), "{name} {prefix}/{suffix}: {out}");
                assert!(out.contains("[canary]"), "{name} {prefix}/{suffix}: {out}");
            }
        }
    }
}

#[test]
fn canary_base64_then_percent_encoded() {
    let secrets = with_canary();
    let encoded = STANDARD.encode(format!("xx{CANARY}"));
    let form: String = form_urlencoded::byte_serialize(encoded.as_bytes()).collect();
    assert_redacted(&secrets, &format!("state={form}"));
}

#[test]
fn standalone_base64_is_replaced_whole() {
    let secrets = Secrets::new();
    secrets.add("key", "hunter22");
    let encoded = STANDARD.encode("hunter22");
    assert_eq!(secrets.redact(&format!("Basic {encoded}")), "Basic [key]");
    assert_eq!(
        secrets.redact(&format!("Basic {}", encoded.trim_end_matches('='))),
        "Basic [key]"
    );
}

#[test]
fn debug_output_shows_no_secret() {
    let secrets = with_canary();
    assert_eq!(format!("{secrets:?}"), "Secrets { count: 1, .. }");
}

#[test]
fn short_and_blank_values_are_ignored() {
    let secrets = Secrets::new();
    secrets.add("short", "abc");
    secrets.add("blank", "      ");
    assert_eq!(secrets.redact("abc abcd      x"), "abc abcd      x");
    secrets.add("four", "abcd");
    assert_eq!(secrets.redact("abc abcd"), "abc [four]");
}

#[test]
fn longest_secret_wins_and_labels_are_not_rescanned() {
    let secrets = Secrets::new();
    secrets.add("word", "word");
    secrets.add("password", "password123");
    secrets.add("again", "password123");
    assert_eq!(
        secrets.redact("password123 word swordfish"),
        "[password] [word] s[word]fish"
    );
}

#[test]
fn overlapping_secrets_leave_nothing_behind() {
    let secrets = Secrets::new();
    secrets.add("a", "abcdef");
    secrets.add("b", "defghi");
    assert_eq!(secrets.redact("xabcdefghiy"), "x[a]y");
}

#[test]
fn masks_unregistered_token_shapes() {
    let secrets = Secrets::new();
    assert_eq!(
        secrets.redact("X-Session-Token: ory_st_AbC123xyz, logout ory_lo_Zz9"),
        "X-Session-Token: [session-token], logout [logout-token]"
    );
    assert_eq!(
        secrets.redact(
            r#"X-API-Key: http://x_openapp_s3cr3t-key_v1 {"k":"https://h:8080_openapp_abc"}"#
        ),
        r#"X-API-Key: http://x_openapp_[secret] {"k":"https://h:8080_openapp_[secret]"}"#
    );
    assert_eq!(secrets.redact("ory_st_ alone"), "ory_st_ alone");
}

#[test]
fn only_a_token_marker_builds_the_token_pattern() {
    let view = "step 1: GET [api]/auth/whoami\n  set-cookie line: ory_kratos_session; path=/";
    assert!(!super::may_hold_token(view));
    for marker in ["ory_st_x", "ory_lo_x", "http://h_openapp_x"] {
        assert!(super::may_hold_token(marker), "{marker}");
    }
}

#[test]
fn registered_api_key_keeps_its_label() {
    let secrets = Secrets::new();
    secrets.add("api-key", "http://x_openapp_s3cr3t");
    assert_eq!(
        secrets.redact("key http://x_openapp_s3cr3t."),
        "key [api-key]."
    );
}

#[test]
fn masks_cookie_headers_and_registered_values_together() {
    let secrets = Secrets::new();
    secrets.add("password", "hunter22");
    let text =
        "Cookie: ory_kratos_session=MTc5NjAz; csrf_token_ab=Lc2G\n{\"password\":\"hunter22\"}";
    assert_eq!(
        secrets.redact(text),
        "Cookie: ory_kratos_session=<8 chars>; csrf_token_ab=<4 chars>\n{\"password\":\"[password]\"}"
    );
}

#[test]
fn redaction_is_idempotent_and_unicode_safe() {
    let secrets = with_canary();
    let text = format!("ünïcödé {CANARY} ory_st_abc Set-Cookie: a=b; Path=/ ✓");
    let once = secrets.redact(&text);
    assert_eq!(secrets.redact(&once), once);
    assert!(
        once.starts_with("ünïcödé [canary] [session-token]"),
        "{once}"
    );
}

#[test]
fn clones_share_secrets_across_threads() {
    let secrets = Secrets::new();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let secrets = secrets.clone();
            std::thread::spawn(move || {
                secrets.add(&format!("s{i}"), &format!("thread-secret-{i}"));
                secrets.redact("warm up")
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().ok().as_deref(), Some("warm up"));
    }
    let out = secrets.redact("thread-secret-0 thread-secret-3");
    assert_eq!(out, "[s0] [s3]");
}

#[test]
fn many_secrets_on_a_long_text_stay_linear() {
    let secrets = Secrets::new();
    for i in 0..100 {
        secrets.add(&format!("s{i}"), &format!("{i:03}-{}", "k".repeat(60)));
    }
    let line = format!(
        "{} 042-{} ",
        "lorem ipsum dolor sit amet ".repeat(20),
        "k".repeat(60)
    );
    let text = line.repeat(200);
    let out = secrets.redact(&text);
    assert_eq!(out.matches("[s42]").count(), 200);
    assert!(!out.contains("kkkkkkkkkk"));
}

#[test]
fn labels_in_finds_secrets_as_requests_spell_them() {
    let secrets = with_canary();
    secrets.add("password", "Cc-abcdefgh");
    let form: String = form_urlencoded::byte_serialize(CANARY.as_bytes()).collect();
    assert_eq!(secrets.labels_in(&form), vec!["canary".to_string()]);
    let json = serde_json::json!({ "p": CANARY, "q": "Cc-abcdefgh" }).to_string();
    assert_eq!(secrets.labels_in(&json), vec!["canary", "password"]);
    assert_eq!(secrets.labels_in(CANARY), vec!["canary".to_string()]);
    assert!(secrets.labels_in("nothing secret here").is_empty());
}

#[test]
fn a_text_without_any_anchor_builds_no_finder_and_keeps_its_text() {
    let secrets = with_canary();
    let text = "step 1: GET [api]/auth/whoami\n  set-cookie line: ory_kratos_session; path=/";
    assert_eq!(secrets.redact(text), text);
    let registry = secrets.inner.read().unwrap();
    assert!(
        registry.secrets[0].finder.get().is_none(),
        "no spelling can be in the text: the finder must not be built"
    );
    drop(registry);
    // With an anchor in the text the finder runs, whatever the spelling around it.
    let spelled = "x=Kx9%7E7f3a9c1e%2F%2B+%3D%26%3F%C3%A9%22qZ";
    assert_eq!(secrets.redact(spelled), "x=[canary]");
}

#[test]
fn a_secret_without_letters_or_digits_is_still_found() {
    let secrets = Secrets::new();
    secrets.add("symbols", "~!~!~");
    assert_eq!(secrets.redact("a ~!~!~ b"), "a [symbols] b");
    assert_eq!(secrets.redact("a %7E!%7E!%7E b"), "a [symbols] b");
}

#[test]
fn cookie_headers_are_found_by_the_pre_check_in_every_layout() {
    use super::headers::may_hold_cookie_header as may;
    assert!(may("Cookie: a=b"));
    assert!(may("  set-cookie \t: a=b"));
    assert!(may(r#"{"cookie": "a=b"}"#));
    assert!(may(r#"["Set-Cookie", "a=b"]"#));
    assert!(
        may("coo\u{212A}ie: a=b"),
        "non-ASCII text always gets the patterns"
    );
    assert!(!may("set-cookie line: ory_kratos_session; path=/"));
    assert!(!may("cookies are nice"));
    assert_eq!(
        Secrets::new().redact("Set-Cookie: s=secretvalue; Path=/"),
        "Set-Cookie: s=<11 chars>; Path=/"
    );
}
