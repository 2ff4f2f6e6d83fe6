//! The containers target: Kratos and the candidate OpenApp image started on the local Docker
//! engine, one stack per run, shared by all trials, removed at the end of every run.
//!
//! - [`settings`]: `KRATOS_IMAGE`, `OPENAPP_IMAGE`, `OPENAPP_ENV`, … from the environment.
//! - [`engine`]: the Docker API (bollard, version negotiated), labels, sweep by run label.
//! - [`spec`]: names, labels, host ports and container definitions of a run, as data.
//! - [`stack`]: volume, network, `migrate sql -e --yes`, Kratos `serve`, OpenApp, readiness.
//! - [`StackGuard`]: removes the run's containers, network and volume when the target is
//!   dropped (pass, failing check, panicking trial) and on SIGINT/SIGTERM.
//!
//! The Docker API is used through bollard directly rather than testcontainers'
//! `GenericImage`: testcontainers 0.28 pins API version 1.53 without negotiation, which an
//! engine older than Docker 25 (such as 20.10, API 1.41) refuses with 400 on every request.

pub mod engine;
pub mod progress;
pub mod settings;
pub mod spec;
pub mod stack;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use engine::Engine;
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
        engine
            .ensure_image(image, || progress.line(format!("pulling {image}")))
            .await
            .map_err(setup)?;
    }
    let names = Names::new(&settings.run_id.clone().unwrap_or_else(new_run_id));
    // A run killed outright (SIGKILL) under a reused OPENAPP_CONFORMANCE_RUN_ID left its
    // resources: their names would collide.
    engine.sweep(&names.run_id).await.map_err(setup)?;
    let guard = StackGuard::new(names.run_id.clone(), progress.clone());
    let stack = stack::start(&settings, &engine, &names, &progress)
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

/// Owns one run's Docker resources: removes them (by run label) when dropped, and on SIGINT or
/// SIGTERM before exiting with 130 or 143. Removal happens once: whichever of the two comes
/// first does it while the other waits.
///
/// Both paths run on threads of their own, each with its own runtime and engine connection:
/// the run's runtime may already be shut down when the target is dropped, and a signal must
/// be handled even while every worker of that runtime is busy.
pub struct StackGuard {
    run_id: String,
    progress: Progress,
    /// True once the run's resources are removed; held while removing.
    removed: Arc<Mutex<bool>>,
}

/// Removes the run's resources unless already done; the counts of what it removed.
fn remove_once(
    run_id: &str,
    removed: &Mutex<bool>,
    before: impl FnOnce(),
) -> Result<Option<engine::sweep::Removed>, String> {
    let mut removed = removed.lock().unwrap_or_else(|p| p.into_inner());
    if *removed {
        return Ok(None);
    }
    before();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let counts = rt.block_on(async {
        let engine = Engine::connect().await.map_err(|e| e.to_string())?;
        engine.sweep(run_id).await.map_err(|e| e.to_string())
    })?;
    *removed = true;
    Ok(Some(counts))
}

/// How to find what a failed removal left.
fn leftover_hint(run_id: &str) -> String {
    format!(
        "list what is left with: docker ps -a --filter label={}={run_id}",
        engine::LABEL_RUN
    )
}

impl StackGuard {
    /// Starts the signal thread and returns once its handlers are registered. Create it
    /// before the first resource of the run.
    pub fn new(run_id: String, progress: Progress) -> Self {
        let removed = Arc::new(Mutex::new(false));
        let (id, flag) = (run_id.clone(), removed.clone());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("containers-signals".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    let _ = ready_tx.send(());
                    return;
                };
                let listener = {
                    let _entered = rt.enter();
                    signals::Listener::install()
                };
                let _ = ready_tx.send(());
                let code = rt.block_on(listener.wait());
                let announce = || {
                    eprintln!(
                        "interrupted: removing the containers, network and volume of run {id}"
                    );
                };
                if let Err(e) = remove_once(&id, &flag, announce) {
                    eprintln!("error: {e}; {}", leftover_hint(&id));
                }
                std::process::exit(code);
            });
        if spawned.is_ok() {
            let _ = ready_rx.recv();
        }
        Self {
            run_id,
            progress,
            removed,
        }
    }
}

impl Drop for StackGuard {
    fn drop(&mut self) {
        let (run_id, removed) = (self.run_id.clone(), self.removed.clone());
        // A thread of its own: this drop may happen inside an async context.
        let result = std::thread::spawn(move || remove_once(&run_id, &removed, || {})).join();
        match result {
            Ok(Ok(Some(removed))) => self
                .progress
                .line(format!("run {}: removed {removed}", self.run_id)),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => eprintln!(
                "warning: could not remove the containers of run {}: {e}; {}",
                self.run_id,
                leftover_hint(&self.run_id)
            ),
            Err(_) => eprintln!(
                "warning: removing the containers of run {} panicked; {}",
                self.run_id,
                leftover_hint(&self.run_id)
            ),
        }
    }
}

mod signals {
    //! The signals that end a run early.

    /// SIGINT and SIGTERM handlers, registered when created (inside a tokio runtime).
    pub(super) struct Listener {
        #[cfg(unix)]
        handlers: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
    }

    impl Listener {
        /// Registers the handlers now, so a signal sent right after is not missed.
        pub(super) fn install() -> Self {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                let handlers = signal(SignalKind::interrupt())
                    .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
                    .ok();
                Self { handlers }
            }
            #[cfg(not(unix))]
            {
                Self {}
            }
        }

        /// Waits for SIGINT or SIGTERM; returns the conventional exit code (130 or 143).
        /// Never returns when the handlers could not be registered.
        pub(super) async fn wait(self) -> i32 {
            #[cfg(unix)]
            {
                match self.handlers {
                    Some((mut int, mut term)) => tokio::select! {
                        _ = int.recv() => 130,
                        _ = term.recv() => 143,
                    },
                    None => std::future::pending().await,
                }
            }
            #[cfg(not(unix))]
            {
                match tokio::signal::ctrl_c().await {
                    Ok(()) => 130,
                    Err(_) => std::future::pending().await,
                }
            }
        }
    }
}
