//! `openapp-conformance healthcheck [URL]`: exits 0 when `GET URL` answers 2xx, 1 otherwise.
//! It is the compose health check of the `FROM scratch` images, which have no shell and no
//! curl. Without a URL it probes the reference server of the same container:
//! `http://127.0.0.1:<port of OPENAPP_LISTEN><OPENAPP_API_PREFIX>/status`.

use std::time::Duration;

use url::Url;

use super::{DEFAULT_API_PREFIX, DEFAULT_LISTEN};
use crate::exit;
use crate::settings::env as env_var;

/// Arguments of the `healthcheck` subcommand.
#[derive(Debug, clap::Args)]
pub struct HealthcheckArgs {
    /// The URL to probe. Default: the reference server's /status on OPENAPP_LISTEN's port.
    pub url: Option<String>,
    /// Give up after this long.
    #[arg(long, value_parser = crate::settings::parse_duration, default_value = "3s")]
    pub timeout: Duration,
}

/// The URL probed when none is given, from `OPENAPP_LISTEN` and `OPENAPP_API_PREFIX` values.
pub fn default_url(listen: Option<&str>, prefix: Option<&str>) -> Result<Url, String> {
    let listen = listen.unwrap_or(DEFAULT_LISTEN);
    let port = listen
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .ok_or_else(|| format!("OPENAPP_LISTEN `{listen}` has no port"))?;
    let prefix = prefix.unwrap_or(DEFAULT_API_PREFIX).trim_matches('/');
    let path = if prefix.is_empty() {
        "/status".to_string()
    } else {
        format!("/{prefix}/status")
    };
    Url::parse(&format!("http://127.0.0.1:{port}{path}")).map_err(|e| e.to_string())
}

/// Runs the probe; the exit code is 0 (2xx), 1 (anything else) or 2 (a bad URL).
pub fn run(args: HealthcheckArgs) -> u8 {
    let url = match &args.url {
        Some(u) => Url::parse(u).map_err(|e| format!("`{u}` is not an absolute URL ({e})")),
        None => default_url(
            env_var("OPENAPP_LISTEN").as_deref(),
            env_var("OPENAPP_API_PREFIX").as_deref(),
        ),
    };
    let url = match url {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("unhealthy: cannot start the async runtime: {e}");
            return exit::CHECK_FAILED;
        }
    };
    match rt.block_on(probe(&url, args.timeout)) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("unhealthy: {e}");
            exit::CHECK_FAILED
        }
    }
}

/// The client of readiness probes: no proxy, no redirects, each request within `timeout`.
pub fn probe_client(timeout: Duration) -> Result<reqwest::Client, String> {
    crate::settings::install_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// `Ok` when `GET url` answers 2xx within `timeout`; otherwise why not.
pub async fn probe(url: &Url, timeout: Duration) -> Result<(), String> {
    let client = probe_client(timeout)?;
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("GET {url} answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_url_follows_listen_and_prefix() {
        assert_eq!(
            default_url(None, None).unwrap().as_str(),
            "http://127.0.0.1:8080/api/v1/status"
        );
        assert_eq!(
            default_url(Some("0.0.0.0:9000"), Some("/v2/"))
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9000/v2/status"
        );
        assert_eq!(
            default_url(Some("[::]:81"), Some("/")).unwrap().as_str(),
            "http://127.0.0.1:81/status"
        );
        assert!(default_url(Some("nonsense"), None).is_err());
    }

    #[tokio::test]
    async fn probe_accepts_2xx_only() {
        use axum::Router;
        use axum::http::StatusCode;
        use axum::routing::get;

        let app = Router::new()
            .route("/ok", get(|| async { StatusCode::NO_CONTENT }))
            .route("/bad", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let at = |p: &str| Url::parse(&format!("http://127.0.0.1:{port}{p}")).unwrap();
        let t = Duration::from_secs(2);
        assert_eq!(probe(&at("/ok"), t).await, Ok(()));
        let e = probe(&at("/bad"), t).await.unwrap_err();
        assert!(e.contains("503"), "{e}");
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead = closed.local_addr().unwrap().port();
        drop(closed);
        let e = probe(
            &Url::parse(&format!("http://127.0.0.1:{dead}/")).unwrap(),
            t,
        )
        .await
        .unwrap_err();
        assert!(e.starts_with("GET http://127.0.0.1:"), "{e}");
    }
}
