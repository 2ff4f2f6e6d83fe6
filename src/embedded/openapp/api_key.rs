//! API keys of the reference server: generation (`{origin}_openapp_{secret}`), the set of
//! valid keys, and reading the two channels a client may present one on.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// The header the official SDKs send the key in, and the one the gateway validates.
pub(crate) const X_API_KEY: &str = "x-api-key";

/// Length of the random part of a generated key.
const SECRET_LEN: usize = 32;

/// A fresh key `{origin}_openapp_{secret}` (secret: 32 random alphanumerics).
///
/// The origin is serialised without a trailing slash and without any path, as the SDKs
/// require (`http://api.openapp.test:43125_openapp_…`).
pub fn generate_api_key(origin: &url::Url) -> String {
    let origin = origin.origin().ascii_serialization();
    let secret: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(SECRET_LEN)
        .map(char::from)
        .collect();
    format!("{origin}_openapp_{secret}")
}

/// The valid keys, held only as SHA-256 digests so that neither a `Debug` print nor a
/// timing difference in the comparison gives a key away.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApiKeys {
    digests: Vec<[u8; 32]>,
}

impl ApiKeys {
    /// Builds the set from the configured keys (surrounding whitespace ignored).
    pub(crate) fn new(keys: &[String]) -> Self {
        Self {
            digests: keys.iter().map(|k| digest(k.trim())).collect(),
        }
    }

    /// Is `candidate` one of the valid keys?
    pub(crate) fn is_valid(&self, candidate: &str) -> bool {
        let wanted = digest(candidate.trim());
        self.digests
            .iter()
            .fold(false, |found, d| found | constant_time_eq(d, &wanted))
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the request presents on the two credential channels.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PresentedCredentials {
    /// The `X-API-Key` value, when the header is present (lossily decoded).
    pub(crate) x_api_key: Option<String>,
    /// The token of an `Authorization: Bearer <token>` header, when present.
    pub(crate) bearer: Option<String>,
}

impl PresentedCredentials {
    /// Reads both channels. Other `Authorization` schemes are not credentials the gateway
    /// knows, so they are left alone.
    pub(crate) fn read(headers: &HeaderMap) -> Self {
        let x_api_key = headers
            .get(X_API_KEY)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let bearer = headers.get(AUTHORIZATION).and_then(|v| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        });
        Self { x_api_key, bearer }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn generated_keys_have_the_sdk_shape() {
        let origin = url::Url::parse("http://api.openapp.test:43125/").unwrap();
        let key = generate_api_key(&origin);
        let (prefix, secret) = key.split_once("_openapp_").unwrap();
        assert_eq!(prefix, "http://api.openapp.test:43125");
        assert_eq!(secret.len(), SECRET_LEN);
        assert!(secret.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(key, generate_api_key(&origin));
    }

    #[test]
    fn only_configured_keys_are_valid() {
        let keys = ApiKeys::new(&["http://a_openapp_good".to_string()]);
        assert!(keys.is_valid("http://a_openapp_good"));
        assert!(keys.is_valid(" http://a_openapp_good "));
        assert!(!keys.is_valid("http://a_openapp_bad"));
        assert!(!keys.is_valid(""));
        assert!(!ApiKeys::default().is_valid("http://a_openapp_good"));
    }

    #[test]
    fn reads_both_channels() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            PresentedCredentials::read(&headers),
            PresentedCredentials::default()
        );
        headers.insert("X-Api-Key", HeaderValue::from_static("k1"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer  k2 "));
        let read = PresentedCredentials::read(&headers);
        assert_eq!(read.x_api_key.as_deref(), Some("k1"));
        assert_eq!(read.bearer.as_deref(), Some("k2"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(PresentedCredentials::read(&headers).bearer, None);
    }
}
