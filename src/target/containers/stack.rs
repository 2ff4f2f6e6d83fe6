//! Starting the stack of one run: a volume and a private network, a one-shot Kratos
//! `migrate sql -e --yes` container, Kratos `serve -c … --dev --sqa-opt-out` on the same file
//! SQLite database, then the OpenApp container, each waited for until ready.
//!
//! Host ports are chosen before anything starts and written into the base URLs
//! (`SERVE_PUBLIC_BASE_URL=http://auth.openapp.test:<port>/`), so every URL Kratos returns is
//! reachable as it is through the client's `resolve` mapping, exactly as on the embedded stack.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, PortBinding};
use url::Url;

use super::engine::{Engine, EngineError, LABEL_ROLE, LABEL_RUN, LOG_TAIL, RunState, tar_of};
use super::progress::Progress;
use super::settings::{ContainerSettings, ImageRef};
use crate::embedded::openapp::generate_api_key;
use crate::embedded::{API_HOST, COOKIE_DOMAIN, KRATOS_HOST};
use crate::target::{Endpoints, Resolve};

/// The file database both Kratos containers share, as Ory's quickstart sets it up.
pub const DSN: &str =
    "sqlite:///var/lib/sqlite/db.sqlite?_fk=true&mode=rwc&_journal_mode=WAL&_busy_timeout=10000";
/// Where the config files go inside the Kratos container.
const CONFIG_DIR: &str = "/etc/config/kratos";
const KRATOS_YML: &[u8] = include_bytes!("../../../config/kratos/kratos.yml");
const IDENTITY_SCHEMA: &[u8] = include_bytes!("../../../config/kratos/identity.schema.json");
const KRATOS_PUBLIC_PORT: u16 = 4433;
const KRATOS_ADMIN_PORT: u16 = 4434;

/// The stack could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The engine refused something.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// No free loopback port.
    #[error("cannot reserve a loopback port: {0}")]
    Ports(std::io::Error),
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

/// Names of one run's resources, all derived from the run id.
#[derive(Debug, Clone)]
pub struct Names {
    /// The run id (the value of the run label).
    pub run_id: String,
    /// Network name.
    pub network: String,
    /// Volume name.
    pub volume: String,
}

impl Names {
    /// `oac-<run>` for the network, `oac-<run>-sqlite` for the volume, `oac-<run>-<role>` for
    /// containers.
    pub fn new(run_id: &str) -> Self {
        Self {
            run_id: run_id.into(),
            network: format!("oac-{run_id}"),
            volume: format!("oac-{run_id}-sqlite"),
        }
    }

    /// The container name of a role; on the run's network it is also the host name.
    pub fn container(&self, role: &str) -> String {
        format!("oac-{}-{role}", self.run_id)
    }

    /// The labels of a resource (`role` for containers).
    pub fn labels(&self, role: Option<&str>) -> HashMap<String, String> {
        let mut labels = HashMap::from([(LABEL_RUN.to_string(), self.run_id.clone())]);
        if let Some(role) = role {
            labels.insert(LABEL_ROLE.into(), role.into());
        }
        labels
    }
}

/// Host ports chosen before starting.
#[derive(Debug, Clone, Copy)]
struct Ports {
    public: u16,
    admin: u16,
    api: u16,
}

/// Three distinct free loopback ports (the listeners are held until all three are chosen).
fn free_ports() -> Result<Ports, StartError> {
    let bind = || std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0));
    let held = [bind(), bind(), bind()];
    let mut ports = [0u16; 3];
    for (slot, listener) in ports.iter_mut().zip(held) {
        *slot = listener
            .and_then(|l| l.local_addr())
            .map_err(StartError::Ports)?
            .port();
    }
    Ok(Ports {
        public: ports[0],
        admin: ports[1],
        api: ports[2],
    })
}

fn url(s: String) -> Url {
    Url::parse(&s).expect("a URL built from a host name and a port is valid")
}

/// `KEY=VALUE` list where later entries replace earlier ones with the same key.
fn env_list(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    let mut merged: Vec<(String, String)> = Vec::new();
    for (k, v) in pairs {
        match merged.iter_mut().find(|(mk, _)| *mk == k) {
            Some(slot) => slot.1 = v,
            None => merged.push((k, v)),
        }
    }
    merged
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// A container on the run's network, publishing `ports` (host, container) on 127.0.0.1.
fn body(
    image: &ImageRef,
    cmd: Option<Vec<String>>,
    env: Vec<String>,
    names: &Names,
    role: &str,
    ports: &[(u16, u16)],
    volume: bool,
) -> ContainerCreateBody {
    let port_bindings = ports
        .iter()
        .map(|(host, container)| {
            (
                format!("{container}/tcp"),
                Some(vec![PortBinding {
                    host_ip: Some(Ipv4Addr::LOCALHOST.to_string()),
                    host_port: Some(host.to_string()),
                }]),
            )
        })
        .collect();
    let mounts = volume.then(|| {
        vec![Mount {
            target: Some("/var/lib/sqlite".into()),
            source: Some(names.volume.clone()),
            typ: Some(MountType::VOLUME),
            ..Default::default()
        }]
    });
    ContainerCreateBody {
        image: Some(image.to_string()),
        cmd,
        env: Some(env),
        labels: Some(names.labels(Some(role))),
        exposed_ports: Some(ports.iter().map(|(_, c)| format!("{c}/tcp")).collect()),
        host_config: Some(HostConfig {
            network_mode: Some(names.network.clone()),
            port_bindings: Some(port_bindings),
            mounts,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

/// Starts the whole stack of run `names`; on error the caller's guard removes what exists.
pub async fn start(
    s: &ContainerSettings,
    engine: &Engine,
    names: &Names,
    progress: &Progress,
) -> Result<Started, StartError> {
    let ports = free_ports()?;
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

    let config = tar_of(&[
        (&format!("{CONFIG_DIR}/kratos.yml"), KRATOS_YML),
        (
            &format!("{CONFIG_DIR}/identity.schema.json"),
            IDENTITY_SCHEMA,
        ),
    ])
    .map_err(StartError::Ports)?;
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

    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    Ok(Started {
        endpoints: Endpoints {
            origin,
            api_prefix: s.api_prefix.clone(),
            kratos_public,
            kratos_admin: Some(kratos_admin),
            cookie_domain: Some(COOKIE_DOMAIN.into()),
            same_site: "Lax".into(),
            resolve: vec![
                Resolve {
                    host: KRATOS_HOST.into(),
                    port: ports.public,
                    addr: loopback,
                },
                Resolve {
                    host: API_HOST.into(),
                    port: ports.api,
                    addr: loopback,
                },
            ],
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels_derive_from_the_run_id() {
        let n = Names::new("ab12");
        assert_eq!(n.network, "oac-ab12");
        assert_eq!(n.volume, "oac-ab12-sqlite");
        assert_eq!(n.container("kratos"), "oac-ab12-kratos");
        let labels = n.labels(Some("openapp"));
        assert_eq!(labels.get(LABEL_RUN).map(String::as_str), Some("ab12"));
        assert_eq!(labels.get(LABEL_ROLE).map(String::as_str), Some("openapp"));
        assert_eq!(n.labels(None).len(), 1);
    }

    #[test]
    fn later_env_entries_win() {
        let env = env_list([
            ("A".to_string(), "1".to_string()),
            ("B".to_string(), "2".to_string()),
            ("A".to_string(), "3".to_string()),
        ]);
        assert_eq!(env, vec!["A=3".to_string(), "B=2".to_string()]);
    }

    #[test]
    fn ports_are_published_on_loopback_only() {
        let image = ImageRef::parse("X", "openapp-conformance/reference:dev").unwrap();
        let names = Names::new("t1");
        let b = body(
            &image,
            None,
            vec![],
            &names,
            "openapp",
            &[(41000, 8080)],
            false,
        );
        let hc = b.host_config.unwrap();
        let binding = &hc.port_bindings.unwrap()["8080/tcp"];
        let binding = &binding.as_ref().unwrap()[0];
        assert_eq!(binding.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(binding.host_port.as_deref(), Some("41000"));
        assert_eq!(hc.network_mode.as_deref(), Some("oac-t1"));
        assert!(hc.mounts.is_none());
        assert_eq!(b.exposed_ports, Some(vec!["8080/tcp".to_string()]));
    }

    #[test]
    fn free_ports_are_distinct() {
        let p = free_ports().unwrap();
        assert!(p.public != p.admin && p.admin != p.api && p.public != p.api);
    }

    #[test]
    fn the_copied_config_is_the_repository_one() {
        let yml = std::str::from_utf8(KRATOS_YML).unwrap();
        assert!(yml.contains("file:///etc/config/kratos/identity.schema.json"));
        serde_json::from_slice::<serde_json::Value>(IDENTITY_SCHEMA).unwrap();
    }
}
