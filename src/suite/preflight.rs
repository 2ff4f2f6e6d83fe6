//! The checks made once before the first trial, so that one misconfiguration is one message
//! (exit code 3) rather than a failure in every trial:
//!
//! 1. every configured origin (the OpenApp origin, Kratos public, Kratos admin when set) is
//!    reached once through the same HTTP client stack the trials use (`OPENAPP_RESOLVE`
//!    overrides, `OPENAPP_CA_CERT` trust, proxies, timeouts, `--max-rps`): name resolution,
//!    TCP connect and, for https, the TLS handshake. Any HTTP status counts as reachable; a
//!    transport error becomes one message naming the origin, the error and the fix;
//! 2. K7: the browser login flow initialised by the Kratos public probe must have its
//!    `ui.action` on the configured Kratos public origin.
//!
//! A flow that cannot be initialised (5xx, not JSON) is left to the trials, which report it.
//! No probe carries a credential: no cookie jar, no API key, no token.

use url::Url;

use crate::run::client::ClientFactory;
use crate::run::origins::foreign_flow_url;
use crate::targets::{Target, TargetError};

/// What failed on the way to an origin, each with its fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unreachable {
    Name,
    Refused,
    Timeout,
    Certificate,
    Handshake,
    Proxy,
    Other,
}

/// One origin to probe: its setting, the URL the probe asks for.
struct Probe {
    var: &'static str,
    what: &'static str,
    url: Url,
}

fn probes(target: &Target) -> Vec<Probe> {
    let e = &target.endpoints;
    let join = |base: &Url, path: &str| {
        Url::parse(&format!("{}{path}", base.as_str().trim_end_matches('/'))).ok()
    };
    let mut list = vec![Probe {
        var: "OPENAPP_BASE_URL",
        what: "the OpenApp origin",
        url: e.origin.clone(),
    }];
    if let Some(url) = join(&e.kratos_public, "/self-service/login/browser") {
        list.push(Probe {
            var: "KRATOS_PUBLIC_URL",
            what: "Kratos's public API",
            url,
        });
    }
    if let Some(url) = e
        .kratos_admin
        .as_ref()
        .and_then(|a| join(a, "/admin/health/alive"))
    {
        list.push(Probe {
            var: "KRATOS_ADMIN_URL",
            what: "Kratos's admin API",
            url,
        });
    }
    list
}

/// Runs the preflight; `Err` is the one message of exit code 3.
pub(super) async fn preflight(target: &Target, factory: &ClientFactory) -> Result<(), TargetError> {
    let setup = |message| TargetError::Setup {
        target: target.kind.as_str(),
        message,
    };
    let client = factory.http().map_err(setup)?;
    let probes = probes(target);
    // The origins are probed at once (one round trip, not one per origin); the first failure
    // in probe order is the message.
    let answers = futures_util::future::join_all(probes.iter().map(|probe| {
        let client = &client;
        async move {
            factory.run().rate_slot().await;
            client
                .get(probe.url.clone())
                .header("Accept", "application/json")
                .send()
                .await
        }
    }))
    .await;
    for (probe, sent) in probes.iter().zip(answers) {
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                let proxy = factory.run().proxy_for(&probe.url).cloned();
                return Err(setup(unreachable_message(probe, &e, proxy.as_ref())));
            }
        };
        if probe.var != "KRATOS_PUBLIC_URL" || !response.status().is_success() {
            continue;
        }
        let action = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|j| j.pointer("/ui/action")?.as_str().map(str::to_string))
            .and_then(|a| Url::parse(&a).ok());
        if let Some(message) = action.and_then(|a| foreign_flow_url(&target.endpoints, &a)) {
            return Err(setup(message));
        }
    }
    Ok(())
}

/// The error's causes, outermost first, as text.
fn causes(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        out.push(err.to_string());
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            // `io::Error::source` skips a custom error's own text (rustls's lives there).
            out.push(inner.to_string());
        }
        next = err.source();
    }
    out
}

fn classify(e: &reqwest::Error, proxied: bool, https: bool) -> Unreachable {
    let mut kinds = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return tls_kind(tls);
            }
        }
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return tls_kind(tls);
        }
        next = err.source();
    }
    let text = causes(e).join(": ").to_ascii_lowercase();
    if proxied && (e.is_connect() || text.contains("tunnel")) {
        Unreachable::Proxy
    } else if e.is_timeout() || kinds.contains(&std::io::ErrorKind::TimedOut) {
        Unreachable::Timeout
    } else if kinds.contains(&std::io::ErrorKind::ConnectionRefused) {
        Unreachable::Refused
    } else if text.contains("dns error") || text.contains("lookup address") {
        Unreachable::Name
    } else if https && text.contains("certificate") {
        Unreachable::Certificate
    } else if https {
        // rustls's own error does not always survive hyper-util's boxing (a plain-HTTP port
        // answering a ClientHello gives "received corrupt message of type InvalidContentType").
        Unreachable::Handshake
    } else {
        Unreachable::Other
    }
}

fn tls_kind(e: &rustls::Error) -> Unreachable {
    match e {
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            Unreachable::Certificate
        }
        _ => Unreachable::Handshake,
    }
}

fn unreachable_message(probe: &Probe, e: &reqwest::Error, proxy: Option<&Url>) -> String {
    let kind = classify(e, proxy.is_some(), probe.url.scheme() == "https");
    let url = &probe.url;
    let host = url.host_str().unwrap_or("?");
    let port = url.port_or_known_default().unwrap_or(0);
    let var = probe.var;
    let (what, fix) = match kind {
        Unreachable::Name => (
            "the host name does not resolve".to_string(),
            format!("check the host in {var}, or map it to an address with OPENAPP_RESOLVE={host}:{port}:ADDR"),
        ),
        Unreachable::Refused => (
            "the connection was refused".to_string(),
            if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
                format!("nothing listens there: check the port and scheme of {var}")
            } else {
                format!("nothing listens there: check the port and scheme of {var}, or the address OPENAPP_RESOLVE maps {host} to")
            },
        ),
        Unreachable::Timeout => (
            "timed out".to_string(),
            "check the address (OPENAPP_RESOLVE), a firewall or a proxy (HTTPS_PROXY, NO_PROXY); raise --connect-timeout or --request-timeout for a slow network".to_string(),
        ),
        Unreachable::Certificate => (
            "the TLS certificate is not trusted".to_string(),
            "trust the deployment's CA with OPENAPP_CA_CERT=/path/to/ca.pem (or --insecure for a throwaway check)".to_string(),
        ),
        Unreachable::Handshake => (
            "the TLS handshake failed".to_string(),
            format!("check the scheme of {var}: http:// for a plain-HTTP port, https:// for TLS"),
        ),
        Unreachable::Proxy => (
            format!(
                "the proxy {} could not be used",
                crate::report::without_credentials(proxy.unwrap_or(url))
            ),
            format!("check HTTP_PROXY/HTTPS_PROXY, or reach {host} directly with NO_PROXY={host}"),
        ),
        Unreachable::Other => (
            "the request failed".to_string(),
            format!("check {var}"),
        ),
    };
    let cause = causes(e).last().cloned().unwrap_or_default();
    format!(
        "preflight: {} at {} ({var}) is unreachable: {what} ({cause})\n(fix: {fix})",
        probe.what,
        crate::report::without_credentials(url)
    )
}
