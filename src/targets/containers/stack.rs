//! Starting the stack of one run: a volume and a private network, a one-shot Kratos
//! `migrate sql -e --yes` container, Kratos `serve -c … --dev --sqa-opt-out` on the same file
//! SQLite database, then the OpenApp container, each waited for until ready.
//!
//! Host ports are chosen before anything starts and written into the base URLs
//! (`SERVE_PUBLIC_BASE_URL=http://auth.openapp.test:<port>/`), so every URL Kratos returns is
//! reachable as it is through the client's `resolve` mapping, exactly as on the embedded stack.

use std::time::{Duration, Instant};

use url::Url;

use super::engine::{Engine, EngineError, LOG_TAIL, RunState};
use super::progress::Progress;
use super::settings::{ContainerSettings, ImageRef};
use super::spec::{
    DSN, KRATOS_ADMIN_PORT, KRATOS_PUBLIC_PORT, Names, body, config_archive, env_list, free_ports,
    strings, url,
};
use crate::embedded::openapp::generate_api_key;
use crate::embedded::{API_HOST, COOKIE_DOMAIN, KRATOS_HOST, production_like_endpoints};
use crate::settings::Endpoints;

/// The stack could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The engine refused something.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A local resource (a loopback port, the config archive).
    #[error("cannot {what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A container exited or did not become ready; its log tail follows.
    #[error(
        "{role} ({image}, container {id}) {why}; the last {LOG_TAIL} lines of its log:\n{logs}"
    )]
    NotReady {
        /// `kratos-migrate`, `kratos` or `openapp`.
        role: &'static str,
        /// The image.
        image: String,
        /// Short container id.
        id: String,
        /// What happened.
        why: String,
        /// Its log tail.
        logs: String,
    },
}

/// A started stack: where it answers, and the API key its OpenApp accepts.
#[derive(Debug)]
pub struct Started {
    /// Endpoints for the harness.
    pub endpoints: Endpoints,
    /// A valid API key (a secret).
    pub api_key: String,
}

/// Starts the whole stack of run `names`; on error the caller's guard removes what exists.
pub async fn start(
    s: &ContainerSettings,
    engine: &Engine,
    names: &Names,
    progress: &Progress,
) -> Result<Started, StartError> {
    let ports = free_ports().map_err(|source| StartError::Io {
        what: "reserve loopback ports",
        source,
    })?;
    engine
        .create_volume(&names.volume, &names.labels(None))
        .await?;
    engine
        .create_network(&names.network, &names.labels(None))
        .await?;
    progress.line(format!(
        "run {}: network {}, volume {}",
        names.run_id, names.network, names.volume
    ));

    let config = config_archive().map_err(|source| StartError::Io {
        what: "archive the Kratos config files",
        source,
    })?;
    let kratos_public = url(format!("http://{KRATOS_HOST}:{}/", ports.public));
    let kratos_admin = url(format!("http://127.0.0.1:{}/", ports.admin));
    let kratos_env = env_list([
        ("DSN".into(), DSN.into()),
        ("SERVE_PUBLIC_BASE_URL".into(), kratos_public.to_string()),
        ("SERVE_ADMIN_BASE_URL".into(), kratos_admin.to_string()),
        ("COOKIES_DOMAIN".into(), COOKIE_DOMAIN.into()),
    ]);

    let role = "kratos-migrate";
    let cmd = strings(&["migrate", "sql", "-e", "--yes"]);
    let migrate = body(
        &s.kratos_image,
        cmd,
        kratos_env.clone(),
        names,
        role,
        &[],
        true,
    );
    let id = engine
        .run(&names.container(role), migrate, Some(config.clone()))
        .await?;
    progress.line(format!(
        "{role}: {} container {}",
        s.kratos_image,
        short(&id)
    ));
    let t = Instant::now();
    match engine.wait_exit(&id, s.startup_timeout).await {
        Ok(0) => progress.line(format!("{role}: done in {:.1}s", t.elapsed().as_secs_f64())),
        Ok(code) => {
            return Err(not_ready(
                engine,
                role,
                &s.kratos_image,
                &id,
                format!("exited with code {code}"),
            )
            .await);
        }
        Err(Some(e)) => return Err(e.into()),
        Err(None) => {
            let why = format!("did not finish within {:?}", s.startup_timeout);
            return Err(not_ready(engine, role, &s.kratos_image, &id, why).await);
        }
    }

    let role = "kratos";
    let cmd = strings(&[
        "serve",
        "-c",
        "/etc/config/kratos/kratos.yml",
        "--dev",
        "--sqa-opt-out",
    ]);
    let ports_k = [
        (ports.public, KRATOS_PUBLIC_PORT),
        (ports.admin, KRATOS_ADMIN_PORT),
    ];
    let kratos = body(
        &s.kratos_image,
        cmd,
        kratos_env,
        names,
        role,
        &ports_k,
        true,
    );
    let id = engine
        .run(&names.container(role), kratos, Some(config))
        .await?;
    let ready = url(format!("http://127.0.0.1:{}/health/ready", ports.public));
    wait_ready(
        engine,
        role,
        &s.kratos_image,
        &id,
        &ready,
        s.startup_timeout,
        progress,
    )
    .await?;

    let role = "openapp";
    let origin = url(format!("http://{API_HOST}:{}", ports.api));
    let api_key = s
        .api_key
        .clone()
        .unwrap_or_else(|| generate_api_key(&origin));
    let kratos_name = names.container("kratos");
    let own = [
        (
            "KRATOS_PUBLIC_URL",
            format!("http://{kratos_name}:{KRATOS_PUBLIC_PORT}/"),
        ),
        (
            "KRATOS_ADMIN_URL",
            format!("http://{kratos_name}:{KRATOS_ADMIN_PORT}/"),
        ),
        ("OPENAPP_LISTEN", format!("0.0.0.0:{}", s.openapp_port)),
        ("OPENAPP_ORIGIN", origin.origin().ascii_serialization()),
        ("OPENAPP_API_PREFIX", s.api_prefix.clone()),
        ("OPENAPP_API_KEYS", api_key.clone()),
        ("OPENAPP_COOKIE_DOMAIN", COOKIE_DOMAIN.into()),
    ];
    let env = env_list(
        own.into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .chain(s.openapp_env.iter().cloned()),
    );
    let openapp = body(
        &s.openapp_image,
        None,
        env,
        names,
        role,
        &[(ports.api, s.openapp_port)],
        false,
    );
    let id = engine.run(&names.container(role), openapp, None).await?;
    let ready = url(format!("http://127.0.0.1:{}{}", ports.api, s.ready_path));
    wait_ready(
        engine,
        role,
        &s.openapp_image,
        &id,
        &ready,
        s.startup_timeout,
        progress,
    )
    .await?;

    Ok(Started {
        endpoints: production_like_endpoints(
            origin,
            &s.api_prefix,
            kratos_public,
            kratos_admin,
            ports.public,
            ports.api,
        ),
        api_key,
    })
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

async fn not_ready(
    engine: &Engine,
    role: &'static str,
    image: &ImageRef,
    id: &str,
    why: String,
) -> StartError {
    StartError::NotReady {
        role,
        image: image.to_string(),
        id: short(id).into(),
        why,
        logs: engine.log_tail(id).await,
    }
}

/// Polls `url` until it answers 2xx; fails when the container exits or `timeout` passes.
async fn wait_ready(
    engine: &Engine,
    role: &'static str,
    image: &ImageRef,
    id: &str,
    url: &Url,
    timeout: Duration,
    progress: &Progress,
) -> Result<(), StartError> {
    progress.line(format!(
        "{role}: {image} container {}, waiting for {} to answer",
        short(id),
        url.path()
    ));
    let start = Instant::now();
    loop {
        if crate::images::healthcheck::probe(url, Duration::from_secs(1))
            .await
            .is_ok()
        {
            progress.line(format!(
                "{role}: ready in {:.1}s",
                start.elapsed().as_secs_f64()
            ));
            return Ok(());
        }
        if let RunState::Exited(code) = engine.state(id).await? {
            let why = format!("exited with code {code} before {} answered", url.path());
            return Err(not_ready(engine, role, image, id, why).await);
        }
        if start.elapsed() >= timeout {
            let why = format!("did not answer {} with 2xx within {timeout:?}", url.path());
            return Err(not_ready(engine, role, image, id, why).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
