//! The loopback mirror of the browser check (issue 22): it answers Chromium's navigation with
//! the `Set-Cookie` lines a scenario client absorbed, under the same scheme, host and path as
//! the response that carried them. Chromium reaches it through `--host-resolver-rules` (every
//! configured host maps to 127.0.0.1) on the mirror's own port: cookies do not depend on the
//! port (RFC 6265bis §1), so only scheme, host and path matter. For https a certificate for the
//! configured hosts is generated per run, which Chromium trusts through
//! `--ignore-certificate-errors-spki-list` with its key's hash.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use sha2::Digest;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

/// The query parameter that names a delivery.
const DELIVERY: &str = "__openapp_conformance_delivery";

/// What the mirror will answer, by delivery token.
#[derive(Debug, Default)]
struct Deliveries {
    next: AtomicU64,
    lines: Mutex<HashMap<String, Vec<String>>>,
}

/// The http and https mirrors of one run.
#[derive(Debug)]
pub struct Mirror {
    http_port: u16,
    https_port: u16,
    /// base64 of the SHA-256 of the https certificate's SubjectPublicKeyInfo.
    spki: String,
    deliveries: Arc<Deliveries>,
}

impl Mirror {
    /// Starts both mirrors on 127.0.0.1 (ephemeral ports), the https one with a certificate
    /// for `hosts`.
    pub async fn start(hosts: &[String]) -> Result<Mirror, String> {
        let deliveries = Arc::new(Deliveries::default());
        let http = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("the browser check's mirror cannot listen: {e}"))?;
        let https = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("the browser check's mirror cannot listen: {e}"))?;
        let (http_port, https_port) = (port(&http)?, port(&https)?);
        let (acceptor, spki) = tls(hosts)?;
        let d = deliveries.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = http.accept().await {
                let d = d.clone();
                tokio::spawn(async move { answer(stream, &d).await });
            }
        });
        let d = deliveries.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = https.accept().await {
                let (d, acceptor) = (d.clone(), acceptor.clone());
                tokio::spawn(async move {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        answer(stream, &d).await;
                    }
                });
            }
        });
        Ok(Mirror {
            http_port,
            https_port,
            spki,
            deliveries,
        })
    }

    /// The certificate's key hash for `--ignore-certificate-errors-spki-list`.
    pub fn spki(&self) -> &str {
        &self.spki
    }

    /// The URL Chromium navigates to so that it receives `lines` as the answer to `url` would
    /// have carried them: the same scheme, host and path, the mirror's port, a delivery token.
    pub fn delivery_url(&self, lines: Vec<String>, url: &Url) -> Result<Url, String> {
        let token = format!("{}", self.deliveries.next.fetch_add(1, Ordering::Relaxed));
        let mut to = url.clone();
        let port = if url.scheme() == "https" {
            self.https_port
        } else {
            self.http_port
        };
        to.set_port(Some(port))
            .map_err(|()| format!("the browser check cannot deliver to {url}"))?;
        to.set_query(Some(&format!("{DELIVERY}={token}")));
        to.set_fragment(None);
        self.deliveries
            .lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token, lines);
        Ok(to)
    }
}

fn port(l: &TcpListener) -> Result<u16, String> {
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("the browser check's mirror has no address: {e}"))
}

/// A self-signed certificate for the hosts, its acceptor and its key's SPKI hash.
fn tls(hosts: &[String]) -> Result<(tokio_rustls::TlsAcceptor, String), String> {
    let fail = |e: &dyn std::fmt::Display| format!("the browser check's certificate: {e}");
    let key = rcgen::KeyPair::generate().map_err(|e| fail(&e))?;
    let params = rcgen::CertificateParams::new(hosts.to_vec()).map_err(|e| fail(&e))?;
    let cert = params.self_signed(&key).map_err(|e| fail(&e))?;
    let spki = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(
        rcgen::PublicKeyData::subject_public_key_info(&key),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(&e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .map_err(|e| fail(&e))?;
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), spki))
}

/// Answers one request: the delivery's lines with a 200, anything else (a favicon) a 404
/// without any line. One request per connection.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, deliveries: &Deliveries) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split_whitespace().nth(1).unwrap_or_default();
    let token = target
        .split_once('?')
        .and_then(|(_, q)| q.split('&').find_map(|p| p.strip_prefix(DELIVERY)))
        .and_then(|rest| rest.strip_prefix('='));
    let lines = token.and_then(|t| {
        deliveries
            .lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(t)
    });
    let mut answer = match &lines {
        Some(_) => String::from("HTTP/1.1 200 OK\r\n"),
        None => String::from("HTTP/1.1 404 Not Found\r\n"),
    };
    for line in lines.iter().flatten() {
        answer.push_str(&format!("Set-Cookie: {line}\r\n"));
    }
    answer.push_str("Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_delivery_keeps_scheme_host_and_path_and_answers_its_lines_once() {
        let mirror = Mirror::start(&["api.openapp.test".into()]).await.unwrap();
        let from = Url::parse("http://api.openapp.test:8080/api/v1/auth/logout?x=1#f").unwrap();
        let to = mirror
            .delivery_url(vec!["a=1; Path=/".into(), "b=2".into()], &from)
            .unwrap();
        assert_eq!(to.scheme(), "http");
        assert_eq!(to.host_str(), Some("api.openapp.test"));
        assert_eq!(to.path(), "/api/v1/auth/logout");
        assert_eq!(to.port(), Some(mirror.http_port));
        let secure = Url::parse("https://api.openapp.test/").unwrap();
        let to_secure = mirror.delivery_url(vec![], &secure).unwrap();
        assert_eq!(to_secure.port(), Some(mirror.https_port));
        assert!(!mirror.spki().is_empty());

        // Over the wire (the host mapped by hand): the lines once, then a 404.
        let get = |path: String| async move {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", mirror.http_port))
                .await
                .unwrap();
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).await.unwrap();
            answer
        };
        let path = format!("{}?{}", to.path(), to.query().unwrap());
        let first = get(path.clone()).await;
        assert!(first.starts_with("HTTP/1.1 200"), "{first}");
        assert!(
            first.contains("Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\n"),
            "{first}"
        );
        let again = get(path).await;
        assert!(
            again.starts_with("HTTP/1.1 404") && !again.contains("Set-Cookie"),
            "{again}"
        );
        let favicon = get("/favicon.ico".into()).await;
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
    }
}
