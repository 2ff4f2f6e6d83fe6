//! Resolution of target settings (flags and environment) into a [`Target`].

use url::Url;

use super::error::TargetError;
use super::model::{Capabilities, Target, TargetKind, TargetOptions, TestIdentity};
use crate::embedded::{EmbeddedStack, StackOptions};
use crate::settings::{DEFAULT_FLOW_LIFESPAN, Endpoints, Resolve, Tls, env};

fn env_url(name: &'static str) -> Result<Option<Url>, TargetError> {
    env(name)
        .map(|v| {
            Url::parse(&v).map_err(|e| TargetError::Config {
                name,
                message: format!("`{v}` is not an absolute URL ({e})"),
            })
        })
        .transpose()
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
    let kind = opts.kind.unwrap_or(if env("OPENAPP_BASE_URL").is_some() {
        TargetKind::External
    } else {
        TargetKind::Embedded
    });
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
    let cookie_domain = env("OPENAPP_COOKIE_DOMAIN")
        .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
        .or_else(|| derive_cookie_domain(&origin, &kratos_public));
    Ok(Target {
        kind: TargetKind::External,
        endpoints: Endpoints {
            origin,
            api_prefix: api_prefix.trim_end_matches('/').to_string(),
            kratos_public,
            kratos_admin: env_url("KRATOS_ADMIN_URL")?,
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
