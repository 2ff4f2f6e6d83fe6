//! The parts of an incoming request that the handlers read, as one extractor.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri, header};

use super::csrf::CsrfHandle;
use super::wire::{accepts_json, header_str, is_json_request};

/// Method, URI, headers, peer address and the CSRF state of one request.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub peer: Option<SocketAddr>,
    pub csrf: CsrfHandle,
}

impl<S: Send + Sync> FromRequestParts<S> for Req {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
            peer: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
            csrf: parts
                .extensions
                .get::<CsrfHandle>()
                .cloned()
                .unwrap_or_default(),
        })
    }
}

impl Req {
    /// The first value of a query parameter.
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        let q = self.uri.query()?;
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The URL Kratos saw (`x.RequestURL`): forwarded or `Host` host, the path and query. The
    /// scheme is `X-Forwarded-Proto`, else `default_scheme` (the emulator serves plain HTTP;
    /// with an `https` public base URL a TLS proxy sits in front of it).
    pub(crate) fn request_url(&self, default_scheme: &str) -> String {
        let scheme = header_str(&self.headers, "x-forwarded-proto").unwrap_or(default_scheme);
        let host = header_str(&self.headers, "x-forwarded-host")
            .or_else(|| header_str(&self.headers, header::HOST.as_str()))
            .unwrap_or("localhost");
        let path = self.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        format!("{scheme}://{host}{path}")
    }

    /// The client address as Kratos records it: the first `X-Forwarded-For` entry, else
    /// `RemoteAddr` with its port.
    pub(crate) fn client_ip(&self) -> String {
        if let Some(first) =
            header_str(&self.headers, "x-forwarded-for").and_then(|v| v.split(',').next())
        {
            return first.trim().to_string();
        }
        self.peer.map(|p| p.to_string()).unwrap_or_default()
    }

    /// The `User-Agent` header, or empty.
    pub(crate) fn user_agent(&self) -> String {
        header_str(&self.headers, header::USER_AGENT.as_str())
            .unwrap_or_default()
            .to_string()
    }

    /// Predicate A (`x.IsJSONRequest`).
    pub(crate) fn is_json(&self) -> bool {
        is_json_request(&self.headers)
    }

    /// Predicate B (`x.AcceptsJSON`).
    pub(crate) fn accepts_json(&self) -> bool {
        accepts_json(&self.headers)
    }
}
