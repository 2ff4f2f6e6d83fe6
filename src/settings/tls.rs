//! How HTTPS peers are trusted: the platform's roots (or, where the platform has none, the
//! Mozilla roots bundled in the binary, `webpki-roots`) plus an optional extra CA
//! (`OPENAPP_CA_CERT`, a PEM file or PEM text), or nothing verified at all (`--insecure`,
//! with a warning on every run). Roots are loaded by the first certificate check, never when a
//! client is built: a run whose targets are all plain http never reads the system's CA store,
//! and a binary in an image without one (`FROM scratch`) still verifies public certificates.
//! Also the process-wide rustls crypto provider (ring), which must be installed before any
//! reqwest client is built.

use std::sync::{Arc, LazyLock, Once, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::env::env;

/// The variable that names extra trusted roots (a PEM file, or PEM text).
pub const CA_CERT_VAR: &str = "OPENAPP_CA_CERT";

/// The warning printed on every run with `--insecure`.
pub const INSECURE_WARNING: &str = "warning: --insecure: TLS certificates and host names are NOT verified; anyone on the network path can read and change this run's traffic, credentials included";

/// TLS trust settings of a run's HTTP clients.
#[derive(Clone, Default)]
pub struct Tls {
    /// Extra trusted roots (from `OPENAPP_CA_CERT`), added to the platform's.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Accept any certificate (`--insecure`).
    pub insecure: bool,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("extra_roots", &self.extra_roots.len())
            .field("insecure", &self.insecure)
            .finish()
    }
}

impl Tls {
    /// The settings from `OPENAPP_CA_CERT` and the `--insecure` flag; `Err` says what is wrong
    /// with `OPENAPP_CA_CERT`.
    pub fn from_env(insecure: bool) -> Result<Self, String> {
        let extra_roots = match env(CA_CERT_VAR) {
            Some(value) => load_ca(&value)?,
            None => Vec::new(),
        };
        Ok(Self {
            extra_roots,
            insecure,
        })
    }

    /// The rustls configuration for these settings, to share between a run's clients. Building
    /// it reads no certificate store: the roots are loaded by the first handshake.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        if self.insecure {
            return Arc::new(config(|b| {
                b.dangerous()
                    .with_custom_certificate_verifier(Arc::new(AcceptAny))
                    .with_no_client_auth()
            }));
        }
        if self.extra_roots.is_empty() {
            return DEFAULT.clone();
        }
        Arc::new(verifying(Arc::new(LazyRoots::new(
            self.extra_roots.clone(),
        ))))
    }
}

/// The configuration that trusts the platform's roots only.
static DEFAULT: LazyLock<Arc<ClientConfig>> =
    LazyLock::new(|| Arc::new(verifying(Arc::new(LazyRoots::new(Vec::new())))));

/// A configuration that verifies certificates with `roots`.
fn verifying(roots: Arc<LazyRoots>) -> ClientConfig {
    config(|b| {
        b.dangerous()
            .with_custom_certificate_verifier(roots)
            .with_no_client_auth()
    })
}

/// The roots every verifying client trusts besides `OPENAPP_CA_CERT`: the platform's
/// (`SSL_CERT_FILE`/`SSL_CERT_DIR` or the system store), read once per process by the first
/// certificate check.
static TRUSTED: OnceLock<RootCertStore> = OnceLock::new();

/// The platform's roots, or the bundled Mozilla roots when it has none.
fn trusted() -> &'static RootCertStore {
    TRUSTED.get_or_init(|| platform_or_bundled(rustls_native_certs::load_native_certs().certs))
}

/// A store of the `platform` certificates that parse; the `webpki-roots` bundle when none does
/// (no CA store in the image, or an empty one).
fn platform_or_bundled(platform: Vec<CertificateDer<'static>>) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let _ = roots.add_parsable_certificates(platform);
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots
}

/// rustls's standard (webpki) certificate verification, with its roots built on first use.
/// Signatures are checked without roots, exactly as [`WebPkiServerVerifier`] checks them.
#[derive(Debug)]
struct LazyRoots {
    extra: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<Result<Arc<WebPkiServerVerifier>, rustls::Error>>,
}

impl LazyRoots {
    fn new(extra: Vec<CertificateDer<'static>>) -> Self {
        Self {
            extra,
            provider: Arc::new(rustls::crypto::ring::default_provider()),
            verifier: OnceLock::new(),
        }
    }

    /// The webpki verifier over the trusted roots plus the extra ones (built once).
    fn verifier(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.verifier
            .get_or_init(|| {
                let mut roots = trusted().clone();
                let _ = roots.add_parsable_certificates(self.extra.iter().cloned());
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                    .build()
                    .map_err(|e| rustls::Error::General(format!("no trusted roots: {e}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

type Builder = rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>;

/// A client configuration with the ring provider and its default protocol versions.
fn config(finish: impl FnOnce(Builder) -> ClientConfig) -> ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports rustls's default protocol versions");
    finish(builder)
}

/// Accepts every certificate and signature (`--insecure`).
#[derive(Debug)]
struct AcceptAny;

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Reads CA certificates from PEM text or from the PEM file it names.
pub fn load_ca(value: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = if value.contains("-----BEGIN") {
        value.as_bytes().to_vec()
    } else {
        std::fs::read(value).map_err(|e| format!("cannot read the CA file `{value}`: {e}"))?
    };
    let shown = if value.contains("-----BEGIN") {
        "the PEM text"
    } else {
        value
    };
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("`{shown}` is not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "`{shown}` holds no `-----BEGIN CERTIFICATE-----` block"
        ));
    }
    Ok(certs)
}

/// Installs ring as rustls's process-wide crypto provider (once; later calls do nothing).
/// A reqwest client built without a preconfigured TLS backend needs one; call this first.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A freshly generated self-signed CA certificate as PEM.
    fn pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["ca.openapp.test".into()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn pem_text_and_files_load() {
        assert_eq!(load_ca(&pem()).map(|c| c.len()), Ok(1));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, pem()).unwrap();
        assert_eq!(load_ca(path.to_str().unwrap()).map(|c| c.len()), Ok(1));
    }

    #[test]
    fn bad_ca_values_say_why() {
        let missing = load_ca("/no/such/ca.pem").unwrap_err();
        assert!(
            missing.starts_with("cannot read the CA file `/no/such/ca.pem`"),
            "{missing}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let empty = load_ca(path.to_str().unwrap()).unwrap_err();
        assert!(empty.contains("holds no"), "{empty}");
    }

    /// A server for `name` with a certificate from a CA of its own: the CA and its config.
    fn server(name: &str) -> (CertificateDer<'static>, Arc<rustls::ServerConfig>) {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca =
            rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec![name.to_string()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
            )
            .unwrap();
        (ca.der().clone(), Arc::new(config))
    }

    /// A TLS handshake in memory; `Err` is the client's verdict.
    fn handshake(
        client: Arc<ClientConfig>,
        server: Arc<rustls::ServerConfig>,
        name: &str,
    ) -> Result<(), rustls::Error> {
        let name = ServerName::try_from(name.to_string()).unwrap();
        let mut c = rustls::ClientConnection::new(client, name)?;
        let mut s = rustls::ServerConnection::new(server)?;
        while c.is_handshaking() {
            let mut wire = Vec::new();
            c.write_tls(&mut wire).unwrap();
            s.read_tls(&mut wire.as_slice()).unwrap();
            s.process_new_packets()?;
            wire.clear();
            s.write_tls(&mut wire).unwrap();
            if wire.is_empty() {
                return Err(rustls::Error::General("the handshake stalled".into()));
            }
            c.read_tls(&mut wire.as_slice()).unwrap();
            c.process_new_packets()?;
        }
        Ok(())
    }

    /// Building a configuration and a client reads no roots; the first handshake does, and
    /// verifies: the extra CA is trusted, another CA is not.
    #[test]
    fn roots_are_read_by_the_first_handshake_not_before() {
        let (ca, trusted_server) = server("api.openapp.test");
        let roots = Arc::new(LazyRoots::new(vec![ca]));
        let client = Arc::new(verifying(roots.clone()));
        let built = reqwest::Client::builder()
            .tls_backend_preconfigured((*client).clone())
            .build();
        assert!(built.is_ok());
        assert!(
            roots.verifier.get().is_none(),
            "roots read before any handshake"
        );
        handshake(client.clone(), trusted_server, "api.openapp.test").unwrap();
        assert!(roots.verifier.get().is_some());
        let (_, other_server) = server("api.openapp.test");
        let refused = handshake(client, other_server, "api.openapp.test").unwrap_err();
        assert!(
            matches!(refused, rustls::Error::InvalidCertificate(_)),
            "{refused:?}"
        );
    }

    /// No platform roots (an image without a CA store): the bundled Mozilla roots.
    #[test]
    fn an_empty_platform_store_falls_back_to_the_bundled_roots() {
        let bundled = platform_or_bundled(Vec::new());
        assert_eq!(bundled.len(), webpki_roots::TLS_SERVER_ROOTS.len());
        assert!(bundled.len() > 100, "{}", bundled.len());
        let (ca, _) = server("x.openapp.test");
        assert_eq!(platform_or_bundled(vec![ca]).len(), 1);
    }

    #[test]
    fn clients_build_with_extra_roots_and_insecure() {
        let tls = Tls {
            extra_roots: load_ca(&pem()).unwrap(),
            insecure: true,
        };
        let built = reqwest::Client::builder()
            .tls_backend_preconfigured((*tls.client_config()).clone())
            .build();
        assert!(built.is_ok());
        let default = Tls::default();
        assert!(Arc::ptr_eq(
            &default.client_config(),
            &default.client_config()
        ));
        assert_eq!(format!("{tls:?}"), "Tls { extra_roots: 1, insecure: true }");
    }
}
