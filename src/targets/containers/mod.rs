//! The containers target: Kratos and the candidate OpenApp image started on the local Docker
//! engine, one stack per run, shared by all trials, removed at the end of every run.
//!
//! - [`settings`]: `KRATOS_IMAGE`, `OPENAPP_IMAGE`, `OPENAPP_ENV`, … from the environment.
//! - [`engine`]: the only direct use of the Docker API (bollard): connection, the local image
//!   check, the run's network and volume, the sweep by run label.
//! - [`images`]: present images used as they are, the project's never pulled.
//! - [`spec`]: names, labels, host ports and testcontainers requests of a run.
//! - [`launch`]: one container started through testcontainers and waited for, with the last
//!   [`logs::LOG_TAIL`] lines of its log ([`logs`]) when it fails.
//! - [`stack`]: volume, network, `migrate sql -e --yes`, Kratos `serve`, OpenApp.
//! - [`guard::StackGuard`]: removes the run's containers (through testcontainers), network
//!   and volume when the target is dropped (pass, failing check, panicking trial) and, by run
//!   label, on SIGINT/SIGTERM.
//!
//! Containers are created, started and removed through testcontainers 0.28 (`GenericImage`
//! and `ImageExt`), which talks to the engine without API version negotiation, as bollard's
//! client version 1.53. Measured on Docker 20.10.24 (API 1.41): it works, because bollard
//! 0.21.1 builds request URLs with `Url::join` of an absolute path, which drops the `/v1.53`
//! prefix (`POST /containers/create`, not `POST /v1.53/containers/create`), and an engine
//! answers an unversioned request at its own API version. That is upstream bollard issue
//! #736, fixed on its unreleased main: a testcontainers release on a bollard that sends the
//! prefix would be refused with 400 ("client version 1.53 is too new") by every engine older
//! than API 1.53, hence the exact versions pinned in Cargo.toml.

pub mod engine;
pub mod guard;
pub mod images;
pub mod launch;
pub mod logs;
pub mod progress;
pub mod settings;
pub mod spec;
pub mod stack;

use std::time::Instant;

use engine::Engine;
use guard::StackGuard;
use progress::Progress;
use settings::ContainerSettings;
use spec::Names;

use super::error::TargetError;
use super::model::{Capabilities, Target, TargetKind, TargetOptions};
use crate::settings::Tls;

fn setup(e: impl std::fmt::Display) -> TargetError {
    TargetError::Setup {
        target: "containers",
        message: e.to_string(),
    }
}

/// A fresh run id: 12 lowercase hex digits.
fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// Starts the stack on the current tokio runtime and returns the target that holds it.
pub async fn resolve(opts: &TargetOptions) -> Result<Target, TargetError> {
    let settings = ContainerSettings::from_env()?;
    let tls = Tls::from_env(opts.insecure).map_err(TargetError::ca_cert)?;
    let started = Instant::now();
    let progress = Progress::on_terminal();
    let engine = Engine::connect().await.map_err(setup)?;
    for image in [&settings.kratos_image, &settings.openapp_image] {
        images::ensure(&engine, image, &progress)
            .await
            .map_err(setup)?;
    }
    let names = Names::new(&settings.run_id.clone().unwrap_or_else(new_run_id));
    // A run killed outright (SIGKILL) under a reused OPENAPP_CONFORMANCE_RUN_ID left its
    // resources: their names would collide.
    engine.sweep(&names.run_id).await.map_err(setup)?;
    let guard = StackGuard::new(names.run_id.clone(), progress.clone());
    let stack = stack::start(&settings, &engine, &names, &guard, &progress)
        .await
        .map_err(setup)?;
    let cold_start = started.elapsed();
    progress.line(format!("stack ready in {:.1}s", cold_start.as_secs_f64()));
    Ok(Target {
        kind: TargetKind::Containers,
        endpoints: stack.endpoints,
        caps: Capabilities {
            api_key: Some(stack.api_key),
            ..Default::default()
        },
        timeouts: opts.timeouts,
        tls,
        // Containers publish on 127.0.0.1: never through a proxy.
        proxies: crate::settings::Proxies::none(),
        cold_start: Some(cold_start),
        _guard: Some(Box::new(guard)),
    })
}
