//! What the stack of one run is made of, as data: resource names and labels, host ports,
//! container requests for testcontainers (ports on 127.0.0.1, the run's network, the database
//! volume, the Kratos config files copied in).

use std::collections::HashMap;
use std::net::Ipv4Addr;

use testcontainers::bollard::models::HostConfig;
use testcontainers::core::{IntoContainerPort, Mount};
use testcontainers::{ContainerRequest, CopyTargetOptions, GenericImage, ImageExt};
use url::Url;

use super::engine::{LABEL_ROLE, LABEL_RUN};
use super::settings::ImageRef;

/// The file database both Kratos containers share, as Ory's quickstart sets it up.
pub const DSN: &str =
    "sqlite:///var/lib/sqlite/db.sqlite?_fk=true&mode=rwc&_journal_mode=WAL&_busy_timeout=10000";
/// Where the database volume is mounted in the Kratos containers.
const DB_DIR: &str = "/var/lib/sqlite";
/// Where the config files go inside the Kratos container.
pub const CONFIG_DIR: &str = "/etc/config/kratos";
const KRATOS_YML: &[u8] = include_bytes!("../../../config/kratos/kratos.yml");
const IDENTITY_SCHEMA: &[u8] = include_bytes!("../../../config/kratos/identity.schema.json");
/// The repository's Kratos config files, copied into both Kratos containers.
const CONFIG_FILES: [(&str, &[u8]); 2] = [
    ("kratos.yml", KRATOS_YML),
    ("identity.schema.json", IDENTITY_SCHEMA),
];
/// Kratos's public port inside its container.
pub const KRATOS_PUBLIC_PORT: u16 = 4433;
/// Kratos's admin port inside its container.
pub const KRATOS_ADMIN_PORT: u16 = 4434;

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
pub struct Ports {
    /// Kratos public.
    pub public: u16,
    /// Kratos admin.
    pub admin: u16,
    /// OpenApp.
    pub api: u16,
}

/// Three distinct free loopback ports (the listeners are held until all three are chosen).
pub fn free_ports() -> std::io::Result<Ports> {
    let bind = || std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0));
    let held = [bind(), bind(), bind()];
    let mut ports = [0u16; 3];
    for (slot, listener) in ports.iter_mut().zip(held) {
        *slot = listener.and_then(|l| l.local_addr())?.port();
    }
    Ok(Ports {
        public: ports[0],
        admin: ports[1],
        api: ports[2],
    })
}

/// A URL built from a scheme, a host name and a port.
pub fn url(s: String) -> Url {
    Url::parse(&s).expect("a URL built from a host name and a port is valid")
}

/// What one container of the stack is: its role, image, command (empty: the image's own),
/// environment (later entries replace earlier ones with the same key), published ports
/// (host, container) and whether it is a Kratos container (the database volume and the
/// config files).
#[derive(Debug, Clone)]
pub struct Role<'a> {
    /// `kratos-migrate`, `kratos` or `openapp`: the role label and the name suffix.
    pub role: &'static str,
    /// The image.
    pub image: &'a ImageRef,
    /// Arguments replacing the image's `CMD`; empty keeps it.
    pub cmd: &'a [&'a str],
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Ports published on 127.0.0.1: (host, container).
    pub ports: &'a [(u16, u16)],
    /// Mounts the run's volume at `/var/lib/sqlite` and copies the Kratos config files in.
    pub kratos: bool,
}

/// The testcontainers request of `role` on the run's network, labelled and named, publishing
/// its ports on 127.0.0.1 only (nothing else published).
pub fn request(names: &Names, role: Role<'_>) -> ContainerRequest<GenericImage> {
    let mut request = GenericImage::new(role.image.name.clone(), role.image.tag.clone())
        .with_container_name(names.container(role.role))
        .with_network(names.network.clone())
        .with_labels(names.labels(Some(role.role)))
        .with_host_config_modifier(loopback_only);
    if !role.cmd.is_empty() {
        request = request.with_cmd(role.cmd.iter().copied());
    }
    for (key, value) in role.env {
        request = request.with_env_var(key, value);
    }
    for &(host, container) in role.ports {
        request = request.with_mapped_port(host, container.tcp());
    }
    if role.kratos {
        request = request.with_mount(Mount::volume_mount(names.volume.clone(), DB_DIR));
        for (file, contents) in CONFIG_FILES {
            let target = CopyTargetOptions::new(format!("{CONFIG_DIR}/{file}")).with_mode(0o644);
            request = request.with_copy_to(target, contents.to_vec());
        }
    }
    request
}

/// Publishes the mapped ports on 127.0.0.1 only, and no port of the image's `EXPOSE` list
/// (testcontainers publishes them all on every interface when no port is mapped).
fn loopback_only(config: &mut HostConfig) {
    config.publish_all_ports = Some(false);
    for bindings in config.port_bindings.iter_mut().flat_map(|b| b.values_mut()) {
        for binding in bindings.iter_mut().flatten() {
            binding.host_ip = Some(Ipv4Addr::LOCALHOST.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use testcontainers::bollard::models::PortBinding;

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

    fn role<'a>(image: &'a ImageRef, env: Vec<(String, String)>, kratos: bool) -> Role<'a> {
        Role {
            role: "openapp",
            image,
            cmd: &[],
            env,
            ports: &[(41000, 8080)],
            kratos,
        }
    }

    #[test]
    fn a_request_is_named_labelled_and_on_the_run_network() {
        let image = ImageRef::parse("X", "openapp-conformance/reference:dev").unwrap();
        let env = vec![
            ("A".to_string(), "1".to_string()),
            ("B".to_string(), "2".to_string()),
            ("A".to_string(), "3".to_string()),
        ];
        let r = request(&Names::new("t1"), role(&image, env, false));
        assert_eq!(r.descriptor(), "openapp-conformance/reference:dev");
        assert_eq!(r.container_name().as_deref(), Some("oac-t1-openapp"));
        assert_eq!(r.network().as_deref(), Some("oac-t1"));
        assert_eq!(r.labels().get(LABEL_RUN).map(String::as_str), Some("t1"));
        let env: Vec<(String, String)> = r
            .env_vars()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(env, [("A".into(), "3".into()), ("B".into(), "2".into())]);
        assert_eq!(r.cmd().count(), 0);
        let ports = r.ports().unwrap();
        assert_eq!(ports[0].host_port(), 41000);
        assert_eq!(ports[0].container_port(), 8080.tcp());
        assert_eq!(r.mounts().count(), 0);
        assert_eq!(r.copy_to_sources().count(), 0);
    }

    #[test]
    fn a_kratos_request_mounts_the_volume_and_copies_the_config() {
        let image = ImageRef::parse("X", "oryd/kratos:v1.3.1").unwrap();
        let r = request(&Names::new("t1"), role(&image, vec![], true));
        let mount = r.mounts().next().unwrap();
        assert_eq!(mount.source(), Some("oac-t1-sqlite"));
        assert_eq!(mount.target(), Some("/var/lib/sqlite"));
        assert_eq!(r.copy_to_sources().count(), 2);
    }

    #[test]
    fn ports_are_published_on_loopback_only() {
        let mut config = HostConfig {
            publish_all_ports: Some(true),
            port_bindings: Some(HashMap::from([(
                "8080/tcp".to_string(),
                Some(vec![PortBinding {
                    host_ip: None,
                    host_port: Some("41000".into()),
                }]),
            )])),
            ..Default::default()
        };
        loopback_only(&mut config);
        assert_eq!(config.publish_all_ports, Some(false));
        let binding = &config.port_bindings.unwrap()["8080/tcp"];
        let binding = &binding.as_ref().unwrap()[0];
        assert_eq!(binding.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(binding.host_port.as_deref(), Some("41000"));
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
