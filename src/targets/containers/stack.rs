//! Starting the stack of one run: a volume and a private network, a one-shot Kratos
//! `migrate sql -e --yes` container, Kratos `serve -c … --dev --sqa-opt-out` on the same file
//! SQLite database, then the OpenApp container, each waited for until ready.
//!
//! Host ports are chosen before anything starts and written into the base URLs
//! (`SERVE_PUBLIC_BASE_URL=http://auth.openapp.test:<port>/`), so every URL Kratos returns is
//! reachable as it is through the client's `resolve` mapping, exactly as on the embedded stack.

use std::time::Instant;

use super::engine::Engine;
use super::guard::StackGuard;
use super::launch::{Ready, StartError, launch};
use super::progress::Progress;
use super::settings::ContainerSettings;
use super::spec::{
    DSN, KRATOS_ADMIN_PORT, KRATOS_PUBLIC_PORT, Names, Role, free_ports, request, url,
};
use crate::embedded::openapp::generate_api_key;
use crate::embedded::{API_HOST, COOKIE_DOMAIN, KRATOS_HOST, production_like_endpoints};
use crate::settings::Endpoints;

/// A started stack: where it answers, and the API key its OpenApp accepts.
#[derive(Debug)]
pub struct Started {
    /// Endpoints for the harness.
    pub endpoints: Endpoints,
    /// A valid API key (a secret).
    pub api_key: String,
}

/// What starting a container needs besides its role: the run's settings, names, guard (which
/// takes each started container over) and progress.
#[derive(Clone, Copy)]
struct Run<'a> {
    s: &'a ContainerSettings,
    names: &'a Names,
    guard: &'a StackGuard,
    progress: &'a Progress,
}

/// Starts `role`, announcing it and how long it took to be ready, and hands it to the guard.
async fn start_one(run: Run<'_>, role: Role<'_>, ready: Ready) -> Result<(), StartError> {
    let Run {
        s,
        names,
        guard,
        progress,
    } = run;
    let (name, image) = (role.role, role.image.clone());
    let until = match &ready {
        Ready::Exited => "to exit with 0".to_string(),
        Ready::Answers { path, .. } => format!("for {path} to answer"),
    };
    progress.line(format!("{name}: {image} waiting {until}"));
    let t = Instant::now();
    let container = launch(
        name,
        &image,
        request(names, role),
        &ready,
        s.startup_timeout,
    )
    .await?;
    progress.line(format!(
        "{name}: container {} ready in {:.1}s",
        short(container.id()),
        t.elapsed().as_secs_f64()
    ));
    guard.hold(container);
    Ok(())
}

/// Starts the whole stack of run `names`; `guard` takes each container over as it starts, so
/// on error it removes what exists.
pub async fn start(
    s: &ContainerSettings,
    engine: &Engine,
    names: &Names,
    guard: &StackGuard,
    progress: &Progress,
) -> Result<Started, StartError> {
    let run = Run {
        s,
        names,
        guard,
        progress,
    };
    let ports = free_ports().map_err(|e| StartError::Local {
        what: "reserve loopback ports",
        reason: e.to_string(),
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

    let kratos_public = url(format!("http://{KRATOS_HOST}:{}/", ports.public));
    let kratos_admin = url(format!("http://127.0.0.1:{}/", ports.admin));
    let kratos_env = vec![
        ("DSN".to_string(), DSN.to_string()),
        ("SERVE_PUBLIC_BASE_URL".into(), kratos_public.to_string()),
        ("SERVE_ADMIN_BASE_URL".into(), kratos_admin.to_string()),
        ("COOKIES_DOMAIN".into(), COOKIE_DOMAIN.into()),
    ];
    let migrate = Role {
        role: "kratos-migrate",
        image: &s.kratos_image,
        cmd: &["migrate", "sql", "-e", "--yes"],
        env: kratos_env.clone(),
        ports: &[],
        kratos: true,
    };
    start_one(run, migrate, Ready::Exited).await?;

    let kratos = Role {
        role: "kratos",
        image: &s.kratos_image,
        cmd: &[
            "serve",
            "-c",
            "/etc/config/kratos/kratos.yml",
            "--dev",
            "--sqa-opt-out",
        ],
        env: kratos_env,
        ports: &[
            (ports.public, KRATOS_PUBLIC_PORT),
            (ports.admin, KRATOS_ADMIN_PORT),
        ],
        kratos: true,
    };
    let ready = Ready::Answers {
        container_port: KRATOS_PUBLIC_PORT,
        path: "/health/ready".into(),
    };
    start_one(run, kratos, ready).await?;

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
    let openapp = Role {
        role: "openapp",
        image: &s.openapp_image,
        cmd: &[],
        env: own
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .chain(s.openapp_env.iter().cloned())
            .collect(),
        ports: &[(ports.api, s.openapp_port)],
        kratos: false,
    };
    let ready = Ready::Answers {
        container_port: s.openapp_port,
        path: s.ready_path.clone(),
    };
    start_one(run, openapp, ready).await?;

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
