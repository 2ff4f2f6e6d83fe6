//! The containers target: Kratos and the candidate OpenApp image started on the local Docker
//! engine, one stack per run, shared by all trials, removed at the end of every run.
//!
//! - [`settings`]: `KRATOS_IMAGE`, `OPENAPP_IMAGE`, `OPENAPP_ENV`, … from the environment.
//! - [`engine`]: the Docker API (bollard, version negotiated), labels, sweep by run label.
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
pub mod stack;

use std::time::Instant;

use engine::Engine;
use progress::Progress;
use settings::ContainerSettings;
use stack::Names;

use super::config::TargetKind;
use super::{Capabilities, Target, TargetError, TargetOptions};

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
    let guard = StackGuard::new(engine.clone(), names.run_id.clone(), progress.clone());
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
        cold_start: Some(cold_start),
        _guard: Some(Box::new(guard)),
    })
}

/// Owns one run's Docker resources: removes them (by run label) when dropped, and on SIGINT or
/// SIGTERM before exiting with 130 or 143.
pub struct StackGuard {
    run_id: String,
    progress: Progress,
    signals: tokio::task::AbortHandle,
}

impl StackGuard {
    /// Installs the signal handler on the current tokio runtime. Create it before the first
    /// resource of the run.
    pub fn new(engine: Engine, run_id: String, progress: Progress) -> Self {
        let id = run_id.clone();
        let listener = signals::Listener::install();
        let signals = tokio::spawn(async move {
            let code = listener.wait().await;
            eprintln!("interrupted: removing the containers, network and volume of run {id}");
            if let Err(e) = engine.sweep(&id).await {
                eprintln!("error: {e} (remove them with: docker rm -f $(docker ps -aq --filter label={}={id}))", engine::LABEL_RUN);
            }
            std::process::exit(code);
        })
        .abort_handle();
        Self {
            run_id,
            progress,
            signals,
        }
    }
}

impl Drop for StackGuard {
    /// Removes the run's resources from a helper thread with its own runtime and engine
    /// connection, so it works whether or not it is dropped inside the run's runtime.
    fn drop(&mut self) {
        self.signals.abort();
        let run_id = self.run_id.clone();
        let result = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let engine = Engine::connect().await.map_err(|e| e.to_string())?;
                engine.sweep(&run_id).await.map_err(|e| e.to_string())
            })
        })
        .join();
        match result {
            Ok(Ok((c, n, v))) => self.progress.line(format!(
                "run {}: removed {c} container(s), {n} network(s), {v} volume(s)",
                self.run_id
            )),
            Ok(Err(e)) => eprintln!(
                "warning: could not remove the containers of run {}: {e} (docker ps -a --filter label={}={})",
                self.run_id,
                engine::LABEL_RUN,
                self.run_id
            ),
            Err(_) => eprintln!(
                "warning: removing the containers of run {} panicked",
                self.run_id
            ),
        }
    }
}

mod signals {
    //! The signals that end a run early.

    /// SIGINT and SIGTERM handlers, registered when created (inside a tokio runtime).
    pub struct Listener {
        #[cfg(unix)]
        handlers: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
    }

    impl Listener {
        /// Registers the handlers now, so a signal sent right after is not missed.
        pub fn install() -> Self {
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
        pub async fn wait(self) -> i32 {
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
