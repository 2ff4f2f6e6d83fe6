//! What the stack of one run is made of, as data: resource names and labels, host ports,
//! container definitions (ports on 127.0.0.1, the run's network, the database volume), the
//! Kratos config files copied in, and environment lists.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, PortBinding};
use url::Url;

use super::engine::{LABEL_ROLE, LABEL_RUN};
use super::settings::ImageRef;

/// The file database both Kratos containers share, as Ory's quickstart sets it up.
pub const DSN: &str =
    "sqlite:///var/lib/sqlite/db.sqlite?_fk=true&mode=rwc&_journal_mode=WAL&_busy_timeout=10000";
/// Where the config files go inside the Kratos container.
pub const CONFIG_DIR: &str = "/etc/config/kratos";
const KRATOS_YML: &[u8] = include_bytes!("../../../config/kratos/kratos.yml");
const IDENTITY_SCHEMA: &[u8] = include_bytes!("../../../config/kratos/identity.schema.json");
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

/// `KEY=VALUE` list where later entries replace earlier ones with the same key.
pub fn env_list(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
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
pub fn body(
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

/// Owned command arguments.
pub fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

/// A tar archive holding `files` (`path`, contents) with mode 0644, for extraction at `/`.
fn tar_of(files: &[(&str, &[u8])]) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, contents) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, path.trim_start_matches('/'), *contents)?;
    }
    builder.into_inner()
}

/// The archive of the repository's Kratos config files, extracted at `/` in a container.
pub fn config_archive() -> std::io::Result<Vec<u8>> {
    tar_of(&[
        (&format!("{CONFIG_DIR}/kratos.yml"), KRATOS_YML),
        (
            &format!("{CONFIG_DIR}/identity.schema.json"),
            IDENTITY_SCHEMA,
        ),
    ])
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

    #[test]
    fn tar_holds_the_files() {
        let bytes = tar_of(&[("/etc/config/kratos/kratos.yml", b"version: v1.3.1\n")]).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut entries = archive.entries().unwrap();
        let mut entry = entries.next().unwrap().unwrap();
        assert_eq!(
            entry.path().unwrap().to_str(),
            Some("etc/config/kratos/kratos.yml")
        );
        assert_eq!(entry.header().mode().unwrap(), 0o644);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
        assert_eq!(text, "version: v1.3.1\n");
        assert!(entries.next().is_none());
    }
}
