//! Removal of a run's Docker resources when the run ends, whatever way it ends.
//!
//! After a pass, a failing check or a panicking trial the target is dropped: the run's
//! containers are removed through testcontainers (`ContainerAsync::rm`, awaited, so removal
//! is complete before the process exits; testcontainers' own drop would remove them from a
//! runtime that may already be gone), then the network and volume by the run label. On
//! SIGINT or SIGTERM every worker of the run's runtime may be busy: the signal thread removes
//! everything by the run label on a connection of its own, then exits with 130 or 143.

use std::sync::{Arc, Mutex};

use super::engine::{self, Engine, sweep::Removed};
use super::launch::Container;
use super::progress::Progress;

/// Owns one run's Docker resources: removes them when dropped, and on SIGINT or SIGTERM
/// before exiting with 130 or 143. Removal happens once: whichever of the two comes first does
/// it while the other waits.
///
/// Both paths run on threads of their own, each with its own runtime: the run's runtime may
/// already be shut down when the target is dropped, and a signal must be handled even while
/// every worker of that runtime is busy.
pub struct StackGuard {
    run_id: String,
    progress: Progress,
    /// The started containers, removed through testcontainers when the guard is dropped.
    containers: Mutex<Vec<Container>>,
    /// True once the run's resources are removed; held while removing.
    removed: Arc<Mutex<bool>>,
}

/// Removes the run's resources unless already done: `containers` through testcontainers,
/// then whatever still carries the run label. The counts of what it removed.
fn remove_once(
    run_id: &str,
    removed: &Mutex<bool>,
    containers: Vec<Container>,
    before: impl FnOnce(),
) -> Result<Option<Removed>, String> {
    // Multi-threaded, so that testcontainers' drop of a container (after a failed `rm`, or
    // when there is nothing left to remove) can block in place while a worker still drives
    // the client's connections.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut removed = removed.lock().unwrap_or_else(|p| p.into_inner());
    if *removed {
        // Dropped inside the runtime: testcontainers' drop needs one.
        rt.block_on(async move { drop(containers) });
        return Ok(None);
    }
    before();
    let counts = rt.block_on(async {
        let mut through_testcontainers = 0;
        for container in containers.into_iter().rev() {
            // A failure leaves the container to the sweep below.
            if container.rm().await.is_ok() {
                through_testcontainers += 1;
            }
        }
        let engine = Engine::connect().await.map_err(|e| e.to_string())?;
        let mut counts = engine.sweep(run_id).await.map_err(|e| e.to_string())?;
        counts.containers += through_testcontainers;
        Ok::<_, String>(counts)
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
                // By label only: the containers' testcontainers client lives on the run's
                // runtime, whose workers may all be busy.
                if let Err(e) = remove_once(&id, &flag, Vec::new(), announce) {
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
            containers: Mutex::new(Vec::new()),
            removed,
        }
    }

    /// Takes a started container over: it is removed with the rest of the run.
    pub fn hold(&self, container: Container) {
        self.containers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(container);
    }
}

impl Drop for StackGuard {
    fn drop(&mut self) {
        let (run_id, removed) = (self.run_id.clone(), self.removed.clone());
        let containers =
            std::mem::take(&mut *self.containers.lock().unwrap_or_else(|p| p.into_inner()));
        // A thread of its own: this drop may happen inside an async context, or after the
        // run's runtime is gone.
        let result =
            std::thread::spawn(move || remove_once(&run_id, &removed, containers, || {})).join();
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
