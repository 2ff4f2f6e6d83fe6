//! The Docker engine as the containers target uses it: connection with API version
//! negotiation, images (pull only when missing), labelled networks, volumes and containers,
//! readiness and exit waits, log tails, and removal of everything a run created.
//!
//! Every resource of a run carries the label [`LABEL_RUN`]`=<run id>`, so removal is a sweep
//! by label: it works the same after a pass, a failure, a panic or a signal, whatever state
//! the start reached.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{ContainerCreateBody, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, LogsOptions, UploadToContainerOptions,
};
use futures_util::StreamExt;

use super::settings::ImageRef;

pub(super) mod sweep;

/// The label every resource of a run carries; its value is the run id.
pub const LABEL_RUN: &str = "org.openapp-conformance.run";
/// The label naming a container's role (`kratos-migrate`, `kratos`, `openapp`).
pub const LABEL_ROLE: &str = "org.openapp-conformance.role";

/// How long the engine may take to answer the first request.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long a missing image may take to pull.
const PULL_TIMEOUT: Duration = Duration::from_secs(300);
/// Lines of a failing container's log shown.
pub const LOG_TAIL: usize = 50;

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
    /// An image is neither present nor pullable (exit code 3, one line).
    #[error("image {image} is not present locally and could not be pulled ({reason}); {hint}")]
    ImageUnavailable {
        /// `name:tag`.
        image: String,
        /// Why the pull failed (one line).
        reason: String,
        /// How to get it.
        hint: String,
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
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

/// How to obtain an image that is missing.
pub fn image_hint(image: &ImageRef) -> String {
    if image.name.starts_with("openapp-conformance/") {
        "build it with scripts/build-images.sh".into()
    } else if image.name.ends_with("oryd/kratos") {
        format!(
            "pull it where a registry is reachable (docker pull {image}) and `docker save`/`docker load` it here, or build the emulator with scripts/build-images.sh and set KRATOS_IMAGE={}",
            super::settings::EMULATOR_IMAGE
        )
    } else {
        format!(
            "pull it where a registry is reachable (docker pull {image}) and `docker save`/`docker load` it here, or build it locally"
        )
    }
}

/// A container's state as far as waiting is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Still running.
    Running,
    /// Exited with this code.
    Exited(i64),
}

/// A connected engine.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
}

impl Engine {
    /// Connects and negotiates the API version (an older engine answers a newer client's
    /// requests with 400), within [`CONNECT_TIMEOUT`].
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

    /// Makes sure `image` is present: used as is when it is, pulled when it is not.
    /// `on_pull` is called before a pull starts.
    pub async fn ensure_image(
        &self,
        image: &ImageRef,
        on_pull: impl FnOnce(),
    ) -> Result<(), EngineError> {
        match self.docker.inspect_image(&image.to_string()).await {
            Ok(_) => return Ok(()),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(docker_err(format!("inspecting image {image}"))(e)),
        }
        on_pull();
        let unavailable = |reason: String| EngineError::ImageUnavailable {
            image: image.to_string(),
            reason,
            hint: image_hint(image),
        };
        let options = CreateImageOptions {
            from_image: Some(image.name.clone()),
            tag: Some(image.tag.clone()),
            ..Default::default()
        };
        let pull = async {
            let mut stream = self.docker.create_image(Some(options), None, None);
            while let Some(item) = stream.next().await {
                item.map_err(|e| one_line(&e))?;
            }
            Ok::<(), String>(())
        };
        tokio::time::timeout(PULL_TIMEOUT, pull)
            .await
            .map_err(|_| unavailable(format!("the pull took longer than {PULL_TIMEOUT:?}")))?
            .map_err(unavailable)
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

    /// Creates a container named `name`, uploads `files` (a tar archive, extracted at `/`)
    /// when given, and starts it. Returns its id.
    pub async fn run(
        &self,
        name: &str,
        body: ContainerCreateBody,
        files: Option<Vec<u8>>,
    ) -> Result<String, EngineError> {
        let created = self
            .docker
            .create_container(
                Some(CreateContainerOptions {
                    name: Some(name.into()),
                    ..Default::default()
                }),
                body,
            )
            .await
            .map_err(docker_err(format!("creating container {name}")))?;
        if let Some(tar) = files {
            self.docker
                .upload_to_container(
                    &created.id,
                    Some(UploadToContainerOptions {
                        path: "/".into(),
                        ..Default::default()
                    }),
                    bollard::body_full(tar.into()),
                )
                .await
                .map_err(docker_err(format!("copying configuration into {name}")))?;
        }
        self.docker
            .start_container(&created.id, None)
            .await
            .map_err(docker_err(format!("starting container {name}")))?;
        Ok(created.id)
    }

    /// Running or exited (with its code).
    pub async fn state(&self, id: &str) -> Result<RunState, EngineError> {
        let info = self
            .docker
            .inspect_container(id, None)
            .await
            .map_err(docker_err(format!("inspecting container {id}")))?;
        let state = info.state.unwrap_or_default();
        Ok(if state.running.unwrap_or(false) {
            RunState::Running
        } else {
            RunState::Exited(state.exit_code.unwrap_or(-1))
        })
    }

    /// Waits until the container exits; `Err(None)` after `timeout`.
    pub async fn wait_exit(&self, id: &str, timeout: Duration) -> Result<i64, Option<EngineError>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let RunState::Exited(code) = self.state(id).await.map_err(Some)? {
                return Ok(code);
            }
            if Instant::now() >= deadline {
                return Err(None);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last [`LOG_TAIL`] lines of the container's stdout and stderr.
    pub async fn log_tail(&self, id: &str) -> String {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: LOG_TAIL.to_string(),
            ..Default::default()
        };
        let mut stream = self.docker.logs(id, Some(options));
        let mut text = String::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => text.push_str(&String::from_utf8_lossy(&chunk.into_bytes())),
                Err(e) => {
                    text.push_str(&format!("(log unavailable: {})", one_line(&e)));
                    break;
                }
            }
        }
        last_lines(&text, LOG_TAIL)
    }
}

/// The last `n` lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_keeps_the_tail() {
        let text: String = (1..=60).map(|i| format!("line {i}\n")).collect();
        let tail = last_lines(&text, LOG_TAIL);
        assert_eq!(tail.lines().count(), 50);
        assert!(tail.starts_with("line 11\n") && tail.ends_with("line 60"));
        assert_eq!(last_lines("a\nb", 50), "a\nb");
    }

    #[test]
    fn hints_say_how_to_get_an_image() {
        let p = |s| ImageRef::parse("X", s).unwrap();
        assert!(
            image_hint(&p("openapp-conformance/reference:dev")).contains("scripts/build-images.sh")
        );
        let kratos = image_hint(&p("oryd/kratos:v1.3.1"));
        assert!(
            kratos.contains("docker pull oryd/kratos:v1.3.1"),
            "{kratos}"
        );
        assert!(kratos.contains("KRATOS_IMAGE=openapp-conformance/kratos-emulator:dev"));
        assert!(image_hint(&p("acme/app:1")).contains("registry is reachable"));
    }

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
