//! The gateway's HTTP client for Kratos: session resolution on the public API
//! (`GET sessions/whoami`) and revocation on the admin API (`DELETE admin/sessions/{id}`).
//!
//! Kratos is always a separate server reached over HTTP, never shared memory, so the same
//! gateway runs against the emulator and against a real Kratos in a container.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE};
use serde_json::Value;
use url::Url;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the gateway could not get a usable answer from Kratos.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KratosError {
    /// Transport failure: refused, timed out, reset.
    #[error("failed to reach kratos at `{url}`")]
    Unreachable {
        /// The endpoint called.
        url: Url,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A status the gateway has no meaning for (5xx, or an unexpected 4xx).
    #[error("kratos answered status {status} at `{url}`")]
    Status {
        /// The endpoint called.
        url: Url,
        /// The status received.
        status: StatusCode,
    },
    /// `sessions/whoami` answered 200 with something that is not a JSON object.
    #[error("kratos answered a session that is not a json object at `{url}`")]
    BadSession {
        /// The endpoint called.
        url: Url,
    },
}

/// One shared HTTP client plus the two Kratos base URLs.
#[derive(Debug, Clone)]
pub(crate) struct KratosClient {
    http: reqwest::Client,
    public: Url,
    admin: Url,
}

impl KratosClient {
    /// A client for Kratos public and admin APIs at the given base URLs.
    pub(crate) fn new(public: Url, admin: Url) -> Self {
        crate::settings::install_crypto_provider();
        // A preconfigured rustls config (platform roots, possibly none) keeps reqwest from
        // loading roots itself, which fails on a machine without a CA bundle; without proxy
        // discovery nothing else can fail.
        let http = reqwest::Client::builder()
            .no_proxy()
            .tls_backend_preconfigured((*crate::settings::Tls::default().client_config()).clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("a reqwest client with a preconfigured TLS backend and no proxy builds");
        Self {
            http,
            public,
            admin,
        }
    }

    /// Resolves the session of a request's `Cookie` header: `Some(session)` on 200,
    /// `None` on 401/403 (no valid session), an error otherwise.
    pub(crate) async fn whoami(&self, cookie: &str) -> Result<Option<Value>, KratosError> {
        let url = endpoint(&self.public, &["sessions", "whoami"]);
        let response = self
            .http
            .get(url.clone())
            .header(COOKIE, cookie)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|source| KratosError::Unreachable {
                url: url.clone(),
                source,
            })?;
        match response.status() {
            StatusCode::OK => {
                let session: Value = response
                    .json()
                    .await
                    .map_err(|_| KratosError::BadSession { url: url.clone() })?;
                if session.is_object() {
                    Ok(Some(session))
                } else {
                    Err(KratosError::BadSession { url })
                }
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Ok(None),
            status => Err(KratosError::Status { url, status }),
        }
    }

    /// Revokes a session through the admin API. A session Kratos no longer knows (404)
    /// counts as revoked.
    pub(crate) async fn revoke_session(&self, session_id: &str) -> Result<(), KratosError> {
        let url = endpoint(&self.admin, &["admin", "sessions", session_id]);
        let response = self
            .http
            .delete(url.clone())
            .send()
            .await
            .map_err(|source| KratosError::Unreachable {
                url: url.clone(),
                source,
            })?;
        let status = response.status();
        if status.is_success() || status == StatusCode::NOT_FOUND {
            Ok(())
        } else {
            Err(KratosError::Status { url, status })
        }
    }
}

/// `base` with `segments` appended as percent-encoded path segments, whether or not the
/// base path ends in a slash.
fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_append_segments() {
        let base = Url::parse("http://127.0.0.1:4433/").unwrap();
        assert_eq!(
            endpoint(&base, &["sessions", "whoami"]).as_str(),
            "http://127.0.0.1:4433/sessions/whoami"
        );
        let prefixed = Url::parse("http://h/kratos").unwrap();
        assert_eq!(
            endpoint(&prefixed, &["admin", "sessions", "a/b"]).as_str(),
            "http://h/kratos/admin/sessions/a%2Fb"
        );
    }
}
