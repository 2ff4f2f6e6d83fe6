//! Removal of everything a run created, by its run label: idempotent, so it serves the end of
//! a run, a failed start and a signal alike.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::errors::Error as DockerError;
use bollard::query_parameters::{
    ListContainersOptions, ListNetworksOptions, ListVolumesOptions, RemoveContainerOptions,
    RemoveVolumeOptions,
};

use super::{Engine, EngineError, LABEL_RUN, docker_err, is_not_found, status};

/// Runs a removal; `Ok(true)` when it removed, `Ok(false)` when the resource was already
/// gone. A 409 (still in use by a container being removed) is retried for up to 2 s.
async fn retry_in_use<F, Fut>(mut remove: F) -> Result<bool, DockerError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), DockerError>>,
{
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match remove().await {
            Ok(()) => return Ok(true),
            Err(e) if is_not_found(&e) => return Ok(false),
            Err(e) if status(&e) == Some(409) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// How many resources a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// Containers.
    pub containers: usize,
    /// Networks.
    pub networks: usize,
    /// Volumes.
    pub volumes: usize,
}

impl std::fmt::Display for Removed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} container(s), {} network(s), {} volume(s)",
            self.containers, self.networks, self.volumes
        )
    }
}

impl Engine {
    /// Removes every container, network and volume labelled with this run id; says how many
    /// of each it removed. Missing resources are not errors.
    pub async fn sweep(&self, run_id: &str) -> Result<Removed, EngineError> {
        let filter = HashMap::from([("label".to_string(), vec![format!("{LABEL_RUN}={run_id}")])]);
        let containers = self
            .docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filter.clone()),
                ..Default::default()
            }))
            .await
            .map_err(docker_err("listing the run's containers"))?;
        let mut removed = Removed::default();
        for c in containers.iter().filter_map(|c| c.id.as_deref()) {
            let options = RemoveContainerOptions {
                force: true,
                v: true,
                ..Default::default()
            };
            match self.docker.remove_container(c, Some(options)).await {
                Ok(()) => removed.containers += 1,
                // 409: its removal is already in progress.
                Err(e) if is_not_found(&e) || status(&e) == Some(409) => {}
                Err(e) => return Err(docker_err(format!("removing container {c}"))(e)),
            }
        }
        let networks = self
            .docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filter.clone()),
            }))
            .await
            .map_err(docker_err("listing the run's networks"))?;
        for n in networks.iter().filter_map(|n| n.id.as_deref()) {
            if retry_in_use(|| self.docker.remove_network(n))
                .await
                .map_err(docker_err(format!("removing network {n}")))?
            {
                removed.networks += 1;
            }
        }
        let volumes = self
            .docker
            .list_volumes(Some(ListVolumesOptions {
                filters: Some(filter),
            }))
            .await
            .map_err(docker_err("listing the run's volumes"))?;
        for v in volumes.volumes.unwrap_or_default() {
            let options = || Some(RemoveVolumeOptions { force: true });
            if retry_in_use(|| self.docker.remove_volume(&v.name, options()))
                .await
                .map_err(docker_err(format!("removing volume {}", v.name)))?
            {
                removed.volumes += 1;
            }
        }
        Ok(removed)
    }
}
