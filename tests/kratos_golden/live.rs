//! A live emulator configured like one capture folder (cookie domain, TLS, `--dev`), and a
//! minimal HTTP/1.1 client (hyper, optionally over rustls) that sends a request exactly as
//! built and returns every header in wire order.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use hyper_util::rt::TokioIo;
use openapp_conformance::embedded::kratos::tls::acceptor_from_pem;
use openapp_conformance::embedded::kratos::{KratosConfig, KratosEmulator, OffsetClock};
use openapp_conformance::switches::Switches;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// The public host name of every capture.
pub(crate) const PUBLIC_HOST: &str = "auth.openapp.test";

/// How a capture folder's Kratos was configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Setup {
    /// `cookies.domain: openapp.test` (else host-only cookies).
    pub cookie_domain: bool,
    /// The public API over TLS with an `https` base URL.
    pub tls: bool,
    /// `serve --dev`.
    pub dev: bool,
}

impl Setup {
    /// The configuration a folder name stands for (`captured/README.md`).
    pub(crate) fn for_folder(folder: &str) -> Self {
        let tls = folder.ends_with("-tls");
        Self {
            cookie_domain: !folder.ends_with("-host-only"),
            tls,
            dev: !tls,
        }
    }
}

/// A running emulator and the client that reaches it.
pub(crate) struct Live {
    /// The emulator.
    pub emu: Arc<KratosEmulator>,
    /// Its clock (moved forward as the captures' `Date`s move).
    pub clock: Arc<OffsetClock>,
    /// `http[s]://auth.openapp.test:<port>/`.
    pub public: String,
    /// `http://127.0.0.1:<port>/`.
    pub admin: String,
    public_addr: SocketAddr,
    admin_addr: SocketAddr,
    tls: Option<TlsConnector>,
}

/// A response as received.
#[derive(Debug, Clone)]
pub(crate) struct LiveResponse {
    /// Status code.
    pub status: u16,
    /// Every header, names lowercased, in wire order.
    pub headers: Vec<(String, String)>,
    /// The body bytes as text (lossy).
    pub body: String,
}

/// A test certificate authority and a server certificate for [`PUBLIC_HOST`], generated now.
struct TestPki {
    ca_der: CertificateDer<'static>,
    cert_pem: String,
    key_pem: String,
}

fn test_pki() -> TestPki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "openapp-conformance test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec![PUBLIC_HOST.to_string()]).expect("server params");
    let cert = params.signed_by(&key, &ca).expect("server certificate");
    TestPki {
        ca_der: ca.der().clone(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

impl Live {
    /// Starts an emulator like the folder's Kratos, with a 4 s login flow lifespan.
    pub(crate) async fn start(setup: Setup, switches: &Switches) -> Self {
        let public_l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let admin_l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let public_addr = public_l.local_addr().expect("addr");
        let admin_addr = admin_l.local_addr().expect("addr");
        let scheme = if setup.tls { "https" } else { "http" };
        let public = format!("{scheme}://{PUBLIC_HOST}:{}/", public_addr.port());
        let admin = format!("http://127.0.0.1:{}/", admin_addr.port());
        let mut config = KratosConfig::embedded(
            public.parse().expect("url"),
            admin.parse().expect("url"),
            setup.cookie_domain.then(|| "openapp.test".to_string()),
        );
        config.flow_lifespan = Duration::from_secs(4);
        config.dev = setup.dev;
        let clock = Arc::new(OffsetClock::new());
        let emu = KratosEmulator::with_clock(config, switches.clone(), clock.clone());
        let (acceptor, tls) = if setup.tls {
            let pki = test_pki();
            let acceptor = acceptor_from_pem(pki.cert_pem.as_bytes(), pki.key_pem.as_bytes())
                .expect("the emulator takes the generated PEM");
            let mut roots = RootCertStore::empty();
            roots.add(pki.ca_der).expect("CA certificate");
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let client = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            (Some(acceptor), Some(TlsConnector::from(Arc::new(client))))
        } else {
            (None, None)
        };
        emu.spawn_with_tls(public_l, acceptor, admin_l);
        Self {
            emu,
            clock,
            public,
            admin,
            public_addr,
            admin_addr,
            tls,
        }
    }

    /// Sends one request to the public or admin server (chosen by the URL's host) on a fresh
    /// connection. `headers` are sent as given (including `Host`).
    pub(crate) async fn send(
        &self,
        method: &str,
        url: &url::Url,
        headers: &[(String, String)],
        body: Option<String>,
    ) -> Result<LiveResponse, String> {
        let public = url.host_str() == Some(PUBLIC_HOST);
        let addr = if public {
            self.public_addr
        } else {
            self.admin_addr
        };
        let mut target = url.path().to_string();
        if let Some(q) = url.query() {
            target.push('?');
            target.push_str(q);
        }
        let mut builder = hyper::Request::builder().method(method).uri(target);
        for (name, value) in headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let request = builder
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .map_err(|e| format!("request: {e}"))?;
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        match (&self.tls, public) {
            (Some(connector), true) => {
                let name = ServerName::try_from(PUBLIC_HOST).map_err(|e| e.to_string())?;
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS handshake: {e}"))?;
                roundtrip(TokioIo::new(tls), request).await
            }
            _ => roundtrip(TokioIo::new(tcp), request).await,
        }
    }
}

async fn roundtrip<T>(io: T, request: hyper::Request<Body>) -> Result<LiveResponse, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("send: {e}"))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
        .await
        .map_err(|e| format!("body: {e}"))?;
    Ok(LiveResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}
