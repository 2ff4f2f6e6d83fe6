//! How HTTPS peers are trusted: the platform's roots plus an optional extra CA
//! (`OPENAPP_CA_CERT`, a PEM file or PEM text), or nothing verified at all (`--insecure`,
//! with a warning on every run). Also the process-wide rustls crypto provider (ring), which
//! must be installed before any reqwest client is built.

use std::sync::{Arc, LazyLock, Once};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
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

    /// The rustls configuration for these settings, to share between a run's clients (the
    /// platform's roots are read once per process).
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
        let mut roots = (*PLATFORM_ROOTS).clone();
        let _ = roots.add_parsable_certificates(self.extra_roots.iter().cloned());
        Arc::new(config(|b| {
            b.with_root_certificates(roots).with_no_client_auth()
        }))
    }
}

/// The platform's trusted roots (`SSL_CERT_FILE`/`SSL_CERT_DIR` or the system store).
static PLATFORM_ROOTS: LazyLock<RootCertStore> = LazyLock::new(|| {
    let mut roots = RootCertStore::empty();
    let _ = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    roots
});

/// The configuration with the platform's roots only.
static DEFAULT: LazyLock<Arc<ClientConfig>> = LazyLock::new(|| {
    Arc::new(config(|b| {
        b.with_root_certificates((*PLATFORM_ROOTS).clone())
            .with_no_client_auth()
    }))
});

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
