//! Starting one container of the stack through testcontainers and waiting until it is ready
//! with testcontainers' wait strategies: the one-shot migration must exit 0, a server must
//! answer its readiness path with 2xx. A failure carries the last lines of the container's log
//! (kept by [`LogTail`], since testcontainers removes a container whose start fails).

use std::time::Duration;

use testcontainers::core::error::WaitContainerError;
use testcontainers::core::wait::{ExitWaitStrategy, HttpWaitStrategy};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{
    ContainerAsync, ContainerRequest, GenericImage, ImageExt, TestcontainersError,
};

use super::engine::EngineError;
use super::logs::{LOG_TAIL, LogTail};
use super::progress::one_line;
use super::settings::ImageRef;

/// A started container of the stack; removed by [`super::guard::StackGuard`].
pub type Container = ContainerAsync<GenericImage>;

/// How long a failed container's log stream may take to end before its tail is read.
const LOG_SETTLE: Duration = Duration::from_secs(2);

/// The stack could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The engine refused something.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A local resource (a loopback port, the readiness client).
    #[error("cannot {what}: {reason}")]
    Local {
        /// What was being done.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// testcontainers could not create or start a container.
    #[error("{role} ({image}, container {name}): {reason}")]
    Container {
        /// `kratos-migrate`, `kratos` or `openapp`.
        role: &'static str,
        /// The image.
        image: String,
        /// The container name.
        name: String,
        /// Why (one line).
        reason: String,
    },
    /// A container exited or did not become ready; its log tail follows.
    #[error(
        "{role} ({image}, container {name}) {why}; the last {LOG_TAIL} lines of its log:\n{logs}"
    )]
    NotReady {
        /// `kratos-migrate`, `kratos` or `openapp`.
        role: &'static str,
        /// The image.
        image: String,
        /// The container name.
        name: String,
        /// What happened.
        why: String,
        /// Its log tail.
        logs: String,
    },
}

/// When a container is ready.
#[derive(Debug, Clone)]
pub enum Ready {
    /// It exited with code 0 (a one-shot command).
    Exited,
    /// `GET http://localhost:<host port of container_port><path>` answers 2xx.
    Answers {
        /// The port inside the container.
        container_port: u16,
        /// The readiness path.
        path: String,
    },
}

/// The readiness wait of `ready`, each probe within 1 s, on a client that never uses a proxy.
fn wait_for(ready: &Ready) -> Result<WaitFor, StartError> {
    Ok(match ready {
        Ready::Exited => WaitFor::exit(ExitWaitStrategy::new().with_exit_code(0)),
        Ready::Answers {
            container_port,
            path,
        } => {
            let client = crate::images::healthcheck::probe_client(Duration::from_secs(1)).map_err(
                |reason| StartError::Local {
                    what: "build the readiness client",
                    reason,
                },
            )?;
            WaitFor::http(
                HttpWaitStrategy::new(path.clone())
                    .with_port(container_port.tcp())
                    .with_client(client)
                    .with_poll_interval(Duration::from_millis(100))
                    .with_response_matcher(|r| r.status().is_success()),
            )
        }
    })
}

/// Starts `request` (of `role` and `image`) and waits until it is `ready`, for at most
/// `timeout`. A server whose log ends (it stopped) fails at once.
pub async fn launch(
    role: &'static str,
    image: &ImageRef,
    request: ContainerRequest<GenericImage>,
    ready: &Ready,
    timeout: Duration,
) -> Result<Container, StartError> {
    let name = request.container_name().clone().unwrap_or_default();
    let (tail, consumer) = LogTail::new();
    let request = request
        .with_ready_conditions(vec![wait_for(ready)?])
        .with_startup_timeout(timeout)
        .with_log_consumer(consumer);
    let started = match ready {
        // The migration's log ends when it exits, which is its success.
        Ready::Exited => request.start().await.map_err(Some),
        // Biased: a start that fails before the container runs drops the consumer too, and
        // its own error says more.
        Ready::Answers { .. } => tokio::select! {
            biased;
            started = request.start() => started.map_err(Some),
            () = tail.ended() => Err(None),
        },
    };
    let error = match started {
        Ok(container) => return Ok(container),
        Err(error) => error,
    };
    let why = match &error {
        None => match ready {
            Ready::Answers { path, .. } => format!("stopped before {path} answered"),
            Ready::Exited => "stopped".into(),
        },
        Some(TestcontainersError::WaitContainer(WaitContainerError::UnexpectedExitCode {
            actual,
            ..
        })) => match actual {
            Some(code) => format!("exited with code {code}"),
            None => "exited without an exit code".into(),
        },
        Some(TestcontainersError::WaitContainer(WaitContainerError::StartupTimeout)) => match ready
        {
            Ready::Exited => format!("did not finish within {timeout:?}"),
            Ready::Answers { path, .. } => {
                format!("did not answer {path} with 2xx within {timeout:?}")
            }
        },
        Some(other) => {
            return Err(StartError::Container {
                role,
                image: image.to_string(),
                name,
                reason: one_line(&other.to_string()),
            });
        }
    };
    Err(StartError::NotReady {
        role,
        image: image.to_string(),
        name,
        why,
        logs: tail.last_lines(LOG_SETTLE).await,
    })
}
