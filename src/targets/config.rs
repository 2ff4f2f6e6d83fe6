//! Resolution of target settings (flags and environment) into a [`Target`].

use url::Url;

use super::error::TargetError;
use super::model::{Capabilities, Offer, Target, TargetKind, TargetOptions, TestIdentity};
use crate::embedded::{EmbeddedStack, StackOptions};
use crate::settings::{DEFAULT_FLOW_LIFESPAN, Endpoints, Proxies, Resolve, Tls, env};

fn env_url(name: &'static str) -> Result<Option<Url>, TargetError> {
    env(name)
        .map(|v| parse_base_url(&v).map_err(|message| TargetError::Config { name, message }))
        .transpose()
}

/// An http(s) base URL. Without a scheme (`staging.example.com`, which a URL parser would read
/// as a relative path, or `localhost:8080`, read as the scheme `localhost`), the message says
/// which value was probably meant: `http://` for a loopback host, else `https://`.
fn parse_base_url(v: &str) -> Result<Url, String> {
    if !v.contains("://") {
        let host = v.split([':', '/']).next().unwrap_or(v);
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let scheme = if loopback { "http" } else { "https" };
        return Err(format!("`{v}` has no scheme; did you mean {scheme}://{v}?"));
    }
    let url = Url::parse(v).map_err(|e| format!("`{v}` is not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("`{v}` is not an http:// or https:// URL"));
    }
    Ok(url)
}

/// `OPENAPP_BASE_URL` is the origin the SDK and backend use; the harness appends the API
/// prefix itself, so a base URL that already ends in it would give `/api/v1/api/v1/…`.
fn check_prefix_not_doubled(origin: &Url, api_prefix: &str) -> Result<(), TargetError> {
    let prefix = api_prefix.trim_end_matches('/');
    let path = origin.path().trim_end_matches('/');
    let Some(base) = path.strip_suffix(prefix).filter(|_| !prefix.is_empty()) else {
        return Ok(());
    };
    let mut fixed = origin.clone();
    fixed.set_path(base);
    let fixed = fixed.as_str().trim_end_matches('/').to_string();
    Err(TargetError::Config {
        name: "OPENAPP_BASE_URL",
        message: format!(
            "`{origin}` already ends in the API prefix {prefix}, which the harness appends; did you mean OPENAPP_BASE_URL={fixed} with OPENAPP_API_PREFIX={prefix}?"
        ),
    })
}

fn env_identity(prefix: &str) -> Option<TestIdentity> {
    Some(TestIdentity {
        identifier: env(&format!("{prefix}_IDENTIFIER"))?,
        password: env(&format!("{prefix}_PASSWORD"))?,
    })
}

/// Resolves the target. For the embedded target this starts the stack on the current tokio
/// runtime; call it from inside one.
pub async fn resolve_target(opts: &TargetOptions) -> Result<Target, TargetError> {
    let kind = opts.kind_to_use();
    if kind != TargetKind::Embedded && !opts.switches.is_empty() {
        return Err(TargetError::Config {
            name: "--fault",
            message: "fault and benign switches exist only on the embedded target".into(),
        });
    }
    match kind {
        TargetKind::Embedded => embedded(opts).await,
        TargetKind::External => external(opts),
        TargetKind::Containers => super::containers::resolve(opts).await,
    }
}

/// What the target will offer, decided from its settings alone, before anything starts or is
/// reached: for an external target, by the same reading of the environment as
/// [`resolve_target`]. `None` for a target the run starts itself (embedded, containers), whose
/// stack offers everything the suite requires, and for settings that do not resolve (the run
/// reports those when it resolves the target).
pub fn offer_from_settings(opts: &TargetOptions) -> Option<Offer> {
    if opts.kind_to_use() != TargetKind::External {
        return None;
    }
    external(opts).ok().map(|t| t.offer())
}

async fn embedded(opts: &TargetOptions) -> Result<Target, TargetError> {
    let stack_opts = StackOptions {
        switches: opts.switches.clone(),
        flow_lifespan: opts.flow_lifespan.unwrap_or(DEFAULT_FLOW_LIFESPAN),
    };
    let stack = EmbeddedStack::start(stack_opts)
        .await
        .map_err(|e| TargetError::Setup {
            target: "embedded",
            message: e.to_string(),
        })?;
    Ok(Target {
        kind: TargetKind::Embedded,
        endpoints: stack.endpoints(),
        caps: Capabilities {
            api_key: Some(stack.api_key().to_string()),
            ..Default::default()
        },
        timeouts: opts.timeouts,
        cold_start: None,
        tls: Tls::from_env(opts.insecure).map_err(TargetError::ca_cert)?,
        // In-process servers on loopback: never through a proxy.
        proxies: Proxies::none(),
        _guard: Some(Box::new(stack)),
    })
}

fn external(opts: &TargetOptions) -> Result<Target, TargetError> {
    let origin = env_url("OPENAPP_BASE_URL")?.ok_or(TargetError::Config {
        name: "OPENAPP_BASE_URL",
        message:
            "the external target needs the deployment's origin, e.g. https://staging.example.com"
                .into(),
    })?;
    let kratos_public = env_url("KRATOS_PUBLIC_URL")?.ok_or(TargetError::Config {
        name: "KRATOS_PUBLIC_URL",
        message: "the external target needs Kratos's public URL".into(),
    })?;
    let api_prefix = env("OPENAPP_API_PREFIX").unwrap_or_else(|| "/api/v1".into());
    if !api_prefix.starts_with('/') {
        return Err(TargetError::Config {
            name: "OPENAPP_API_PREFIX",
            message: format!("`{api_prefix}` must start with `/`"),
        });
    }
    check_prefix_not_doubled(&origin, &api_prefix)?;
    let kratos_admin = env_url("KRATOS_ADMIN_URL")?;
    let resolve = env("OPENAPP_RESOLVE")
        .map(|v| {
            v.split(',')
                .map(|s| Resolve::parse(s.trim()))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(|message| TargetError::Config {
            name: "OPENAPP_RESOLVE",
            message,
        })?
        .unwrap_or_default();
    let direct: Vec<String> = resolve.iter().map(|r| r.host.clone()).collect();
    let proxies = Proxies::from_env(&direct).map_err(|message| TargetError::Config {
        name: "HTTP_PROXY/HTTPS_PROXY",
        message,
    })?;
    let cookie_domain = env("OPENAPP_COOKIE_DOMAIN")
        .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
        .or_else(|| derive_cookie_domain(&origin, &kratos_public));
    Ok(Target {
        kind: TargetKind::External,
        endpoints: Endpoints {
            origin,
            api_prefix: api_prefix.trim_end_matches('/').to_string(),
            kratos_public,
            kratos_admin,
            cookie_domain,
            same_site: env("OPENAPP_COOKIE_SAMESITE").unwrap_or_else(|| "Lax".into()),
            resolve,
        },
        caps: Capabilities {
            api_key: env("OPENAPP_API_KEY"),
            provisioned: env_identity("OPENAPP_TEST"),
            unprovisioned: env_identity("OPENAPP_TEST_UNPROVISIONED"),
        },
        timeouts: opts.timeouts,
        cold_start: None,
        tls: Tls::from_env(opts.insecure).map_err(TargetError::ca_cert)?,
        proxies,
        _guard: None,
    })
}

/// The longest common dot-suffix of the two hosts with at least two labels, e.g.
/// `api.openapp.test` and `auth.openapp.test` give `openapp.test`.
fn derive_cookie_domain(a: &Url, b: &Url) -> Option<String> {
    let (a, b) = (a.host_str()?, b.host_str()?);
    let (la, lb): (Vec<_>, Vec<_>) = (a.rsplit('.').collect(), b.rsplit('.').collect());
    let common: Vec<&str> = la
        .iter()
        .zip(&lb)
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| *x)
        .collect();
    (common.len() >= 2 && a.parse::<std::net::IpAddr>().is_err())
        .then(|| common.into_iter().rev().collect::<Vec<_>>().join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_without_scheme_suggests_one() {
        let e = parse_base_url("staging.example.com").unwrap_err();
        assert!(
            e.contains("did you mean https://staging.example.com?"),
            "{e}"
        );
        let e = parse_base_url("localhost:8080").unwrap_err();
        assert!(e.contains("did you mean http://localhost:8080?"), "{e}");
        assert!(parse_base_url("ftp://x.test").is_err());
        assert!(parse_base_url("https://x.test").is_ok());
    }

    #[test]
    fn a_base_url_ending_in_the_prefix_is_refused_with_the_fix() {
        let u = |s: &str| Url::parse(s).unwrap();
        let e = check_prefix_not_doubled(&u("https://x.test/api/v1/"), "/api/v1")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("OPENAPP_BASE_URL=https://x.test with OPENAPP_API_PREFIX=/api/v1"),
            "{e}"
        );
        assert!(check_prefix_not_doubled(&u("https://x.test/app"), "/api/v1").is_ok());
        assert!(check_prefix_not_doubled(&u("https://x.test"), "/api/v1").is_ok());
    }

    #[test]
    fn cookie_domain_is_the_common_suffix() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            derive_cookie_domain(
                &u("http://api.openapp.test"),
                &u("http://auth.openapp.test")
            )
            .as_deref(),
            Some("openapp.test")
        );
        assert_eq!(
            derive_cookie_domain(&u("http://a.b.example.com"), &u("http://c.example.com"))
                .as_deref(),
            Some("example.com")
        );
        assert_eq!(
            derive_cookie_domain(&u("http://127.0.0.1:1"), &u("http://127.0.0.1:2")),
            None
        );
        assert_eq!(
            derive_cookie_domain(&u("http://a.test"), &u("http://b.test")),
            None
        );
    }
}
