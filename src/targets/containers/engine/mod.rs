//! The one place the containers target calls the Docker API through bollard directly, for
//! what testcontainers does not do: connecting with API version negotiation (to say at once
//! that no engine answers), checking that an image is present locally (testcontainers pulls
//! when creation answers 404), creating the run's labelled network and volume, and the sweep
//! by run label that removes what a killed or interrupted run left. Containers are created,
//! started, waited for and removed through testcontainers ([`super::launch`]);
//! tests/architecture checks that no container lifecycle call of bollard appears elsewhere.
//!
//! Every resource of a run carries the label [`LABEL_RUN`]`=<run id>`, so the sweep works the
//! same after a pass, a failure, a panic or a signal, whatever state the start reached.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{NetworkCreateRequest, VolumeCreateRequest};

use super::settings::ImageRef;

pub(super) mod sweep;

/// The label every resource of a run carries; its value is the run id.
pub const LABEL_RUN: &str = "org.openapp-conformance.run";
/// The label naming a container's role (`kratos-migrate`, `kratos`, `openapp`).
pub const LABEL_ROLE: &str = "org.openapp-conformance.role";

/// How long the engine may take to answer the first request.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);

/// What went wrong talking to the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No engine answers (exit code 3, one line).
    #[error(
        "no Docker engine answers at {host} ({reason}); start Docker (or point DOCKER_HOST at it), or use --target embedded"
    )]
    NoEngine {
        /// `DOCKER_HOST` or the default socket.
        host: String,
        /// Why (one line).
        reason: String,
    },
    /// Any other engine error.
    #[error("docker: {what}: {reason}")]
    Docker {
        /// What was being done.
        what: String,
        /// The engine's answer (one line).
        reason: String,
    },
}

/// One line of an engine error: the daemon's message when there is one.
fn one_line(e: &DockerError) -> String {
    let text = match e {
        DockerError::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    };
    super::progress::one_line(&text)
}

fn docker_err(what: impl Into<String>) -> impl FnOnce(DockerError) -> EngineError {
    let what = what.into();
    move |e| EngineError::Docker {
        what,
        reason: one_line(&e),
    }
}

/// The HTTP status of an engine error answer.
fn status(e: &DockerError) -> Option<u16> {
    match e {
        DockerError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

fn is_not_found(e: &DockerError) -> bool {
    status(e) == Some(404)
}

/// The engine address in use, for messages.
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".into())
}

/// A connected engine.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
}

impl Engine {
    /// Connects and negotiates the API version (an older engine answers a newer client's
    /// versioned requests with 400), within [`CONNECT_TIMEOUT`].
    pub async fn connect() -> Result<Self, EngineError> {
        let host = docker_host();
        let no_engine = |reason: String| EngineError::NoEngine {
            host: host.clone(),
            reason,
        };
        let docker = Docker::connect_with_defaults().map_err(|e| no_engine(one_line(&e)))?;
        let docker = tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version())
            .await
            .map_err(|_| no_engine(format!("no answer within {CONNECT_TIMEOUT:?}")))?
            .map_err(|e| no_engine(one_line(&e)))?;
        Ok(Self { docker })
    }

    /// Whether `image` is present locally (never pulls).
    pub async fn has_image(&self, image: &ImageRef) -> Result<bool, EngineError> {
        match self.docker.inspect_image(&image.to_string()).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(docker_err(format!("inspecting image {image}"))(e)),
        }
    }

    /// Creates a user-defined bridge network (its containers resolve each other by name).
    pub async fn create_network(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
    ) -> Result<(), EngineError> {
        self.docker
            .create_network(NetworkCreateRequest {
                name: name.into(),
                driver: Some("bridge".into()),
                labels: Some(labels.clone()),
                ..Default::default()
            })
            .await
            .map(drop)
            .map_err(docker_err(format!("creating network {name}")))
    }

    /// Creates a named local volume.
    pub async fn create_volume(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
    ) -> Result<(), EngineError> {
        self.docker
            .create_volume(VolumeCreateRequest {
                name: Some(name.into()),
                labels: Some(labels.clone()),
                ..Default::default()
            })
            .await
            .map(drop)
            .map_err(docker_err(format!("creating volume {name}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_are_one_line() {
        let e = EngineError::NoEngine {
            host: "unix:///nonexistent.sock".into(),
            reason: "Socket not found".into(),
        };
        let text = e.to_string();
        assert!(!text.contains('\n'));
        assert!(text.contains("unix:///nonexistent.sock") && text.contains("--target embedded"));
        let e = one_line(&DockerError::DockerResponseServerError {
            status_code: 500,
            message: "a\nb  c".into(),
        });
        assert_eq!(e, "a b c");
    }
}
