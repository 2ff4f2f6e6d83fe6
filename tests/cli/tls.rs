//! TLS: the OpenApp origin served over https on loopback with a certificate from a CA the
//! test generates (rcgen), in front of `serve --json`. Certificates are verified by default
//! (an unknown CA fails the API scenarios with one clear line), `OPENAPP_CA_CERT` adds the CA
//! (the whole suite passes), `--insecure` skips verification with a warning on every run, and
//! an unreadable CA file stops the run before any trial (exit 2, a bad setting).

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

use super::stack::{Served, run_with, text};

/// A CA (its PEM) and a certificate for `api.openapp.test` it signed (DER chain and key).
pub(crate) struct Pki {
    pub(crate) ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

pub(crate) fn pki() -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "openapp-conformance test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["api.openapp.test".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone(), ca.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// An https relay on 127.0.0.1 in front of a plain-HTTP port; stops when dropped.
pub(crate) struct TlsRelay {
    pub(crate) port: u16,
    _runtime: tokio::runtime::Runtime,
}

pub(crate) fn tls_relay(pki: &Pki, upstream: u16) -> TlsRelay {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                if let Ok(mut plain) = TcpStream::connect(("127.0.0.1", upstream)).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    TlsRelay {
        port,
        _runtime: runtime,
    }
}

/// The stack with its OpenApp origin at `https://api.openapp.test:PORT` through the relay.
pub(crate) fn https_env(served: &Served, relay: &TlsRelay) -> Vec<(String, String)> {
    let mut resolve = served.resolve();
    resolve.push(format!("api.openapp.test:{}:127.0.0.1", relay.port));
    let mut env: Vec<(String, String)> = served
        .env()
        .into_iter()
        .filter(|(k, _)| k != "OPENAPP_BASE_URL" && k != "OPENAPP_RESOLVE")
        .collect();
    env.extend([
        (
            "OPENAPP_BASE_URL".into(),
            format!("https://api.openapp.test:{}", relay.port),
        ),
        ("OPENAPP_RESOLVE".into(), resolve.join(",")),
    ]);
    env
}

/// The stack's OpenApp origin over https through a relay, trusted through `OPENAPP_CA_CERT`
/// naming the test CA's file; the relay and the file live as long as this value.
pub(crate) struct HttpsWithCa {
    /// The target's environment.
    pub(crate) env: Vec<(String, String)>,
    _relay: TlsRelay,
    _dir: tempfile::TempDir,
}

pub(crate) fn https_with_ca(served: &Served) -> HttpsWithCa {
    let pki = pki();
    let relay = tls_relay(&pki, api_port(served));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let mut env = https_env(served, &relay);
    env.push(("OPENAPP_CA_CERT".into(), ca.display().to_string()));
    HttpsWithCa {
        env,
        _relay: relay,
        _dir: dir,
    }
}

pub(crate) fn api_port(served: &Served) -> u16 {
    let origin = url::Url::parse(&served.get("openapp_origin")).unwrap();
    origin.port().expect("the origin has a port")
}

#[test]
fn https_with_the_ca_passes_and_an_unknown_ca_fails_with_one_line() {
    let served = Served::start(&[]);
    let pki = pki();
    let relay = tls_relay(&pki, api_port(&served));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let env = https_env(&served, &relay);

    // The CA given as a file: everything passes over https.
    let mut with_ca = env.clone();
    with_ca.push(("OPENAPP_CA_CERT".into(), ca.display().to_string()));
    let out = run_with(&["run"], &with_ca);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    assert!(!text(&out.stderr).contains("--insecure"));

    // Given as PEM text (as CI secret stores hold it).
    let mut inline = env.clone();
    inline.push(("OPENAPP_CA_CERT".into(), pki.ca_pem.clone()));
    let out = run_with(&["run", "core::r01"], &inline);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    // Without it the certificate is not trusted: one clear line, other scenarios still run.
    // (`--no-preflight`: the trials' own line; the preflight's is tests/cli/preflight.rs.)
    let out = run_with(
        &[
            "run",
            "--no-preflight",
            "--exact",
            "core::k1_browser_flow_init",
            "core::r01_anonymous_is_null",
        ],
        &env,
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("1 passed; 1 failed"), "{stdout}");
    // The verdict's `got:` line is the error.
    let line = stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("got:"))
        .unwrap_or_else(|| panic!("no verdict line:\n{stdout}"));
    let want = format!(
        "could not connect: request to https://api.openapp.test:{}/api/v1/auth/whoami after ",
        relay.port
    );
    assert!(line.trim_start().starts_with(&want), "{line}");
    assert!(
        line.contains("certificate"),
        "the cause names the certificate: {line}"
    );

    // With the preflight (the default) the run stops before any trial: exit 3, one message
    // naming the URL, the error and the fix.
    let out = run_with(&["run"], &env);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!text(&out.stdout).contains("test "), "no trial ran");
    assert!(
        stderr.contains(&format!(
            "the OpenApp origin at https://api.openapp.test:{}/ (OPENAPP_BASE_URL) is unreachable: the TLS certificate is not trusted",
            relay.port
        )) && stderr.contains("OPENAPP_CA_CERT=/path/to/ca.pem"),
        "{stderr}"
    );
}

#[test]
fn insecure_skips_verification_with_a_warning_on_every_run() {
    let served = Served::start(&[]);
    let relay = tls_relay(&pki(), api_port(&served));
    let env = https_env(&served, &relay);
    for _ in 0..2 {
        let out = run_with(&["run", "--insecure", "core::r01"], &env);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(
            stderr
                .contains("warning: --insecure: TLS certificates and host names are NOT verified"),
            "{stderr}"
        );
    }
    let mut by_env = env.clone();
    by_env.push(("OPENAPP_CONFORMANCE_INSECURE".into(), "true".into()));
    let out = run_with(&["run", "core::r01"], &by_env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("warning: --insecure"));
}

#[test]
fn an_unreadable_ca_stops_the_run_before_any_trial() {
    let served = Served::start(&[]);
    let mut env = served.env();
    env.push(("OPENAPP_CA_CERT".into(), "/no/such/ca.pem".into()));
    let out = run_with(&["run"], &env);
    let stderr = text(&out.stderr);
    // A bad setting, like any other invalid target variable.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("OPENAPP_CA_CERT"), "{stderr}");
    assert!(
        stderr.contains("cannot read the CA file `/no/such/ca.pem`"),
        "{stderr}"
    );
    assert!(!text(&out.stdout).contains("test result"), "no trial ran");
}
