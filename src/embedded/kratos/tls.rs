//! The public API over TLS, as Kratos serves it with `serve.public.tls.{cert,key}`: a rustls
//! acceptor (ring provider) built from PEM, and a connection loop that hands each decrypted
//! connection to the public router with the peer address as `ConnectInfo`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// Why a TLS acceptor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate PEM holds no certificate or does not parse.
    #[error("serve.public.tls.cert: no PEM certificate could be read ({0})")]
    Cert(String),
    /// The key PEM holds no private key or does not parse.
    #[error("serve.public.tls.key: no PEM private key could be read ({0})")]
    Key(String),
    /// rustls refused the pair (for example a key that does not match the certificate).
    #[error("serve.public.tls: rustls refused the certificate and key: {0}")]
    Config(#[from] rustls::Error),
}

/// A TLS acceptor for the certificate chain and private key in `cert_pem` and `key_pem`.
pub fn acceptor_from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<TlsAcceptor, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Cert(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::Cert("the PEM holds no CERTIFICATE block".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `router` on `listener` over TLS until the listener fails. A failed handshake only
/// ends that connection.
pub(crate) async fn serve_tls(
    listener: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
    router: Router,
) -> std::io::Result<()> {
    loop {
        let (tcp, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = router.layer(axum::Extension(ConnectInfo::<SocketAddr>(peer)));
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service));
            // A client that hangs up mid-request is not the server's failure.
            let _ = connection.await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pem_is_reported_per_file() {
        assert!(matches!(
            acceptor_from_pem(b"nothing here", b""),
            Err(TlsError::Cert(_))
        ));
        let cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            acceptor_from_pem(cert, b"no key"),
            Err(TlsError::Key(_))
        ));
    }
}
