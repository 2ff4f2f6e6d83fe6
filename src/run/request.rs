//! Turns a scenario's `request` step into an [`Outgoing`] request: base URL by service,
//! `{{variables}}` rendered, API key and session token attached, cookies seeded into the jar.

use rand::Rng;
use reqwest::Method;
use url::Url;

use super::assert::render_json;
use super::client::{BrowserClient, Outgoing};
use super::origins::Destination;
use crate::plan::model::{Body, CookieScope, KeyChannel, KeyKind, Request, SeedCookie, Service};
use crate::redact::Secrets;
use crate::targets::Target;

/// A random alphanumeric string.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// The base URL of a service, without a trailing slash.
pub fn service_base(target: &Target, service: Service) -> Result<String, String> {
    let e = &target.endpoints;
    Ok(match service {
        Service::Api => e.api_base(),
        Service::Origin => e.origin.as_str().trim_end_matches('/').to_string(),
        Service::KratosPublic => e.kratos_public.as_str().trim_end_matches('/').to_string(),
        Service::KratosAdmin => e
            .kratos_admin
            .as_ref()
            .ok_or("this target has no Kratos admin API (set KRATOS_ADMIN_URL)")?
            .as_str()
            .trim_end_matches('/')
            .to_string(),
    })
}

/// A well-formed API key for this target's origin that the target never issued.
pub fn invalid_api_key(target: &Target) -> String {
    let origin = target
        .endpoints
        .origin
        .as_str()
        .trim_end_matches('/')
        .to_string();
    format!("{origin}_openapp_conformanceInvalid{}", random_token(24))
}

/// The key a step sends: the target's own, or one it never issued; a secret either way.
pub fn api_key(target: &Target, kind: KeyKind, secrets: &Secrets) -> Result<String, String> {
    let value = match kind {
        KeyKind::Valid => target
            .caps
            .api_key
            .clone()
            .ok_or("this target has no API key (set OPENAPP_API_KEY)")?,
        KeyKind::Invalid => invalid_api_key(target),
    };
    secrets.add("api-key", &value);
    Ok(value)
}

/// Builds the request; seeds the jar with the step's cookies first.
pub fn build(
    req: &Request,
    client: &BrowserClient,
    target: &Target,
    secrets: &Secrets,
    render: &dyn Fn(&str) -> Result<String, String>,
    purpose: String,
) -> Result<Outgoing, String> {
    let method = Method::from_bytes(req.method.as_bytes())
        .map_err(|_| format!("invalid method `{}`", req.method))?;
    let url_text = format!("{}{}", service_base(target, req.to)?, render(&req.path)?);
    let url = Url::parse(&url_text).map_err(|e| format!("`{url_text}` is not a valid URL: {e}"))?;

    let mut headers: Vec<(String, String)> = Vec::new();
    if !req
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
    {
        headers.push(("Accept".into(), "application/json".into()));
    }
    for (name, value) in &req.headers {
        headers.push((name.clone(), render(value)?));
    }
    if let Some(key) = &req.api_key {
        let value = api_key(target, key.key, secrets)?;
        headers.push(match key.via {
            KeyChannel::XApiKey => ("X-API-Key".into(), value),
            KeyChannel::Bearer => ("Authorization".into(), format!("Bearer {value}")),
        });
    }
    if req.session_token {
        let token = client
            .session_token
            .clone()
            .ok_or("this client has no Kratos session token (log in with flow = \"api\" first)")?;
        headers.push(("X-Session-Token".into(), token));
    }

    let has = |h: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(h));
    let mut body = None;
    let mut content_type = None;
    match &req.body {
        Some(Body::Json(json)) => {
            body = Some(render_json(json, render)?.to_string());
            content_type = Some("application/json");
        }
        Some(Body::Form(form)) => {
            let mut ser = form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                ser.append_pair(k, &render(v)?);
            }
            body = Some(ser.finish());
            content_type = Some("application/x-www-form-urlencoded");
        }
        Some(Body::Raw(raw)) => {
            body = Some(render(raw)?);
            content_type = Some("text/plain");
        }
        None => {}
    }
    if let Some(ct) = content_type
        && !has("content-type")
    {
        headers.push(("Content-Type".into(), ct.into()));
    }

    seed_cookies(&req.cookies, client, target, secrets, render, &url)?;

    let to = match req.to {
        Service::Api | Service::Origin => Destination::OpenApp,
        Service::KratosPublic => Destination::KratosPublic,
        Service::KratosAdmin => Destination::KratosAdmin,
    };
    Ok(Outgoing {
        purpose,
        method,
        url,
        to,
        headers,
        body,
        with_jar: true,
    })
}

/// Puts a step's seeded cookies into the client's jar as if `url` had set them (values are
/// secrets).
pub fn seed_cookies(
    seeds: &[SeedCookie],
    client: &BrowserClient,
    target: &Target,
    secrets: &Secrets,
    render: &dyn Fn(&str) -> Result<String, String>,
    url: &Url,
) -> Result<(), String> {
    for seed in seeds {
        let value = match &seed.value {
            Some(v) => render(v)?,
            None => random_token(43),
        };
        secrets.add("cookie-value", &value);
        let mut line = format!("{}={}; Path={}", seed.name, value, seed.path);
        if seed.scope == CookieScope::CookieDomain {
            let domain = target
                .endpoints
                .cookie_domain
                .as_deref()
                .ok_or("this target has no cookie domain (set OPENAPP_COOKIE_DOMAIN)")?;
            line.push_str(&format!("; Domain={domain}"));
        }
        client.seed(&line, url)?;
    }
    Ok(())
}
