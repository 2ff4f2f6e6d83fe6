//! Anti-CSRF like nosurf v1.2.7 inside Kratos v1.3.1: the `csrf_token_<sha256>` cookie, masked
//! tokens, verification, and the public router's middleware that decides when the cookie is
//! (re)issued (docs/kratos/behaviour.md §3).

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::emulator::KratosEmulator;
use super::wire::{NO_CACHE, go_header_order, request_cookies};

/// nosurf's `MaxAge`: 365 days.
const CSRF_MAX_AGE: u32 = 31_536_000;

/// A raw 32-byte anti-CSRF token (the cookie's content).
pub(crate) type Token = [u8; 32];

/// A fresh random token.
pub(crate) fn new_token() -> Token {
    rand::random()
}

/// The masked form shown in flows: base64 of `pad ++ (token XOR pad)`, 88 characters.
pub(crate) fn mask(token: &Token) -> String {
    let pad: Token = rand::random();
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&pad);
    out.extend(token.iter().zip(pad.iter()).map(|(t, p)| t ^ p));
    STANDARD.encode(out)
}

/// Decodes a submitted token: a 64-byte masked token is unmasked, a 32-byte one is taken raw.
fn decode_submitted(submitted: &str) -> Option<Token> {
    let bytes = STANDARD.decode(submitted).ok()?;
    match bytes.len() {
        64 => {
            let (pad, masked) = bytes.split_at(32);
            let mut t = [0u8; 32];
            for (i, b) in t.iter_mut().enumerate() {
                *b = pad[i] ^ masked[i];
            }
            Some(t)
        }
        32 => bytes.try_into().ok(),
        _ => None,
    }
}

/// nosurf `VerifyToken`: does the submitted (masked or raw) token match the cookie's token?
pub(crate) fn verify(cookie_token: &Token, submitted: &str) -> bool {
    decode_submitted(submitted).is_some_and(|t| {
        t.iter()
            .zip(cookie_token)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    })
}

/// How the middleware treats a public path (docs/kratos/behaviour.md §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathPolicy {
    /// Health and version: no CSRF handling at all, no `Vary`.
    Disabled,
    /// API and submit paths: the cookie is read but never issued.
    Ignored,
    /// Everything else: a cookie is issued when the request lacks a valid one.
    Normal,
}

fn policy(path: &str) -> PathPolicy {
    const DISABLED: [&str; 4] = [
        "/health/alive",
        "/health/ready",
        "/version",
        "/metrics/prometheus",
    ];
    const IGNORED: [&str; 8] = [
        "/self-service/login/api",
        "/self-service/login",
        "/self-service/registration/api",
        "/self-service/registration",
        "/self-service/settings/api",
        "/self-service/recovery/api",
        "/self-service/verification/api",
        "/self-service/logout/api",
    ];
    if DISABLED.contains(&path) {
        PathPolicy::Disabled
    } else if IGNORED.contains(&path)
        || path == "/sessions"
        || path.starts_with("/sessions/")
        || path.starts_with("/identities")
        || path.starts_with("/schemas")
        || path.starts_with("/courier")
    {
        PathPolicy::Ignored
    } else {
        PathPolicy::Normal
    }
}

/// The request's CSRF cookie token when it holds exactly one cookie of that name decoding to
/// 32 bytes (otherwise nosurf treats the request as having none).
pub(crate) fn cookie_token(headers: &axum::http::HeaderMap, name: &str) -> Option<Token> {
    let mut found = request_cookies(headers)
        .into_iter()
        .filter(|(n, _)| n == name);
    let (_, value) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    STANDARD.decode(value).ok()?.try_into().ok()
}

/// Per-request CSRF state shared between the middleware and the handler.
#[derive(Debug, Default)]
struct CsrfState {
    /// The token the request's cookie holds (verification uses this one).
    from_cookie: Option<Token>,
    /// The token in effect (the cookie's, or the one issued in this request).
    current: Option<Token>,
    /// The `Set-Cookie` line the middleware issued, sent before the handler's lines.
    middleware_line: Option<String>,
}

/// A handler's access to the request's CSRF state (a request extension on the public router).
#[derive(Debug, Clone, Default)]
pub(crate) struct CsrfHandle(Arc<Mutex<CsrfState>>);

impl CsrfHandle {
    fn with<R>(&self, f: impl FnOnce(&mut CsrfState) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The request's cookie token (what a submitted token is verified against).
    pub(crate) fn cookie_token(&self) -> Option<Token> {
        self.with(|s| s.from_cookie)
    }

    /// A fresh masking of the token in effect (nosurf `Token(r)`); empty when there is none.
    pub(crate) fn masked(&self) -> String {
        self.with(|s| s.current.as_ref().map(mask).unwrap_or_default())
    }

    /// Kratos's `RegenerateToken`: a new token whose cookie line the caller places in its
    /// answer; the middleware's own line (if any) is dropped.
    pub(crate) fn regenerate(&self, emu: &KratosEmulator) -> String {
        let token = new_token();
        self.with(|s| {
            s.current = Some(token);
            s.middleware_line = None;
        });
        emu.csrf_cookie_line(&token)
    }
}

/// Marks a response that must not get `Cache-Control` (health, unknown paths, the admin 307).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Uncached;

impl KratosEmulator {
    /// The CSRF `Set-Cookie` line: `Path; Domain; Max-Age; HttpOnly; [Secure;] SameSite`
    /// (`SameSite=Lax` forced in `--dev`).
    pub(crate) fn csrf_cookie_line(&self, token: &Token) -> String {
        let c = &self.config;
        let mut line = format!("{}={}", self.csrf_cookie_name, STANDARD.encode(token));
        if !c.cookie_path.is_empty() {
            line.push_str(&format!("; Path={}", c.cookie_path));
        }
        if let Some(d) = c
            .cookie_domain
            .as_deref()
            .map(|d| d.trim_start_matches('.'))
            .filter(|d| !d.is_empty())
        {
            line.push_str(&format!("; Domain={d}"));
        }
        line.push_str(&format!("; Max-Age={CSRF_MAX_AGE}; HttpOnly"));
        if c.secure() {
            line.push_str("; Secure");
        }
        let same_site = if c.dev { "Lax" } else { c.same_site.as_str() };
        line.push_str(&format!("; SameSite={same_site}"));
        line
    }
}

/// The public router's outer layer: nosurf's cookie issuance and `Vary: Cookie`, Kratos's
/// `Cache-Control`, and Go's header order.
pub(crate) async fn public_layer(
    State(emu): State<Arc<KratosEmulator>>,
    mut req: Request,
    next: Next,
) -> Response {
    let policy = policy(req.uri().path());
    let handle = CsrfHandle::default();
    if policy != PathPolicy::Disabled {
        let from_cookie = cookie_token(req.headers(), &emu.csrf_cookie_name);
        handle.with(|s| {
            s.from_cookie = from_cookie;
            s.current = from_cookie;
            if policy == PathPolicy::Normal && from_cookie.is_none() {
                let token = new_token();
                s.current = Some(token);
                s.middleware_line = Some(emu.csrf_cookie_line(&token));
            }
        });
    }
    req.extensions_mut().insert(handle.clone());
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if let Some(line) = handle.with(|s| s.middleware_line.take()) {
        let later: Vec<HeaderValue> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        headers.remove(header::SET_COOKIE);
        if let Ok(v) = HeaderValue::from_str(&line) {
            headers.append(header::SET_COOKIE, v);
        }
        for v in later {
            headers.append(header::SET_COOKIE, v);
        }
    }
    if policy != PathPolicy::Disabled && !emu.switches.on("kratos-fidelity-no-vary-cookie") {
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    finish(&emu, res)
}

/// The admin router's outer layer: `Cache-Control` and Go's header order.
pub(crate) async fn admin_layer(
    State(emu): State<Arc<KratosEmulator>>,
    req: Request,
    next: Next,
) -> Response {
    let res = next.run(req).await;
    finish(&emu, res)
}

fn finish(emu: &KratosEmulator, mut res: Response) -> Response {
    let uncached = res.extensions().get::<Uncached>().is_some();
    let headers = res.headers_mut();
    if !uncached {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    }
    go_header_order(headers, emu.now());
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tokens_verify_and_differ() {
        let t = new_token();
        let (a, b) = (mask(&t), mask(&t));
        assert_eq!(a.len(), 88);
        assert_ne!(a, b);
        assert!(verify(&t, &a) && verify(&t, &b));
        assert!(
            verify(&t, &STANDARD.encode(t)),
            "the raw cookie value also verifies"
        );
        assert!(!verify(&new_token(), &a));
        assert!(!verify(&t, "not-a-csrf-token"));
        assert!(!verify(&t, &STANDARD.encode([0u8; 64])));
    }

    #[test]
    fn path_policies() {
        assert_eq!(policy("/health/ready"), PathPolicy::Disabled);
        assert_eq!(policy("/version"), PathPolicy::Disabled);
        assert_eq!(policy("/self-service/login"), PathPolicy::Ignored);
        assert_eq!(policy("/sessions/whoami"), PathPolicy::Ignored);
        assert_eq!(policy("/self-service/login/browser"), PathPolicy::Normal);
        assert_eq!(policy("/self-service/logout"), PathPolicy::Normal);
        assert_eq!(policy("/nope"), PathPolicy::Normal);
    }

    #[test]
    fn cookie_token_needs_exactly_one_valid_cookie() {
        let t = STANDARD.encode(new_token());
        let h = |v: String| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(header::COOKIE, v.parse().unwrap());
            h
        };
        assert!(cookie_token(&h(format!("c={t}")), "c").is_some());
        assert!(cookie_token(&h(format!("c={t}; c={t}")), "c").is_none());
        assert!(cookie_token(&h("c=short".into()), "c").is_none());
    }
}
