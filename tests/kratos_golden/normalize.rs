//! Normalisation of volatile and address values before a comparison (`captured/README.md`):
//! UUIDs, RFC 3339 times, session and logout tokens, masked CSRF tokens, client addresses,
//! the base URLs and the hash in the CSRF cookie name. What remains is compared exactly, and
//! is also all a mismatch message ever prints (no token or cookie value survives it).

use std::sync::OnceLock;

use regex::Regex;

/// The addresses of one side (captured or live), replaced by placeholders.
#[derive(Debug, Clone)]
pub(crate) struct Addresses {
    /// The public base URL without its trailing slash, e.g. `http://auth.openapp.test:4433`.
    pub public: String,
    /// The admin base URL without its trailing slash.
    pub admin: String,
}

impl Addresses {
    /// From two base URLs (a trailing slash is dropped).
    pub(crate) fn new(public: &str, admin: &str) -> Self {
        Self {
            public: public.trim_end_matches('/').to_string(),
            admin: admin.trim_end_matches('/').to_string(),
        }
    }

    /// `text` with this side's addresses and every volatile value replaced by placeholders.
    pub(crate) fn normalize(&self, text: &str) -> String {
        let authority = |base: &str| base.split_once("://").map(|(_, a)| a.to_string());
        let mut out = text
            .replace(&self.public, "<public>")
            .replace(&self.admin, "<admin>");
        if let Some(a) = authority(&self.public) {
            out = out.replace(&a, "<public-host>");
        }
        if let Some(a) = authority(&self.admin) {
            out = out.replace(&a, "<admin-host>");
        }
        volatile(&out)
    }
}

fn rules() -> &'static [(Regex, &'static str)] {
    static RULES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    RULES.get_or_init(|| {
        [
            (r"csrf_token_[0-9a-f]{64}", "csrf_token_<hash>"),
            (
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "<uuid>",
            ),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>"),
            (r"ory_(st|lo|ht|ac|rt)_[A-Za-z0-9]+", "ory_${1}_<token>"),
            (r"[A-Za-z0-9+/]{86}==", "<masked-csrf-token>"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
            (r"page_token=[A-Za-z0-9%=_-]+", "page_token=<page-token>"),
        ]
        .into_iter()
        .map(|(re, with)| (Regex::new(re).expect("valid regex"), with))
        .collect()
    })
}

/// Only the volatile values of `text` replaced (no addresses known).
pub(crate) fn volatile(text: &str) -> String {
    let mut out = text.to_string();
    for (re, with) in rules() {
        out = re.replace_all(&out, *with).into_owned();
    }
    out
}

/// JSON keys whose number values are volatile (the 410 body's `since`, `expired_at_unix`).
pub(crate) const VOLATILE_NUMBER_KEYS: &[&str] = &["since", "expired_at_unix"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_tokens_and_ids_become_placeholders() {
        let a = Addresses::new("http://auth.openapp.test:4433/", "http://127.0.0.1:4434/");
        let text = "http://auth.openapp.test:4433/self-service/login?flow=1cf47a41-ec13-4b19-b9d6-6595ba8c7e3c ory_st_abcDEF123 http://127.0.0.1:4434/admin 127.0.0.1:51234 auth.openapp.test:4433";
        assert_eq!(
            a.normalize(text),
            "<public>/self-service/login?flow=<uuid> ory_st_<token> <admin>/admin 127.0.0.1:<port> <public-host>"
        );
    }
}
