//! The process's plumbing: the tokio runtime a run's servers and trials share, the shutdown
//! signal long-running subcommands wait for, and the wall clock as Unix seconds.

use std::sync::{Arc, OnceLock};

/// The tokio runtime could not be started.
#[derive(Debug, thiserror::Error)]
#[error("failed to start the async runtime: {0}")]
pub struct RuntimeError(#[from] std::io::Error);

/// The CPUs this process may use (`std::thread::available_parallelism`, at least 1), read
/// once: each read walks the cgroup files, and the runtime, the scenario parser and the trial
/// threads all ask.
pub fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A tokio runtime for a run: the embedded servers and every trial's I/O run on it, one worker
/// thread per CPU.
pub fn runtime() -> Result<Arc<tokio::runtime::Runtime>, RuntimeError> {
    Ok(Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cpus())
            .enable_all()
            .thread_name("conformance")
            .build()?,
    ))
}

/// Waits for Ctrl-C (or SIGTERM on Unix).
pub async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it): the `now` of cookie lifetimes.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
