//! Interrupted runs: SIGINT (Ctrl-C) and SIGTERM while `run`, the `cargo test` target or `load`
//! is going on.
//!
//! The first signal is recorded and announced ([`Watch`]): trials and load iterations in flight
//! are cut short ([`Watch::cut_short`]), those not started yet do not start, and the run then
//! prints its summary, writes its reports marked interrupted and exits 130 (SIGINT) or 143
//! (SIGTERM), the codes a shell gives a process killed by the signal. A second signal ends the
//! process at once with the same code, whatever is still in flight.
//!
//! The listeners exist while an [`Interrupt`] lives (the run); they run on the run's tokio
//! runtime, so they answer even while every trial thread is blocked.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

use crate::exit;
use crate::run::client::ClientFactory;

/// The signal that interrupted a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Int,
    /// SIGTERM (what CI runners and `docker stop` send).
    Term,
}

impl Signal {
    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }

    /// The process exit code of a run it interrupted: 130 or 143 (`crate::exit`).
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Int => exit::INTERRUPTED,
            Signal::Term => exit::TERMINATED,
        }
    }
}

/// SIGINT and SIGTERM listeners for the duration of a run; dropping it removes them from the
/// run (tokio keeps its process-wide handler, which then does nothing).
#[derive(Debug)]
pub struct Interrupt {
    watch: Watch,
    task: tokio::task::JoinHandle<()>,
}

impl Interrupt {
    /// Registers the listeners now, so a signal sent right after is not missed. Call it inside
    /// the run's tokio runtime (`Runtime::enter` or an async context).
    pub fn listen() -> std::io::Result<Self> {
        let (tx, rx) = watch::channel(None);
        let signals = Signals::install()?;
        let task = tokio::spawn(announce(signals, tx));
        Ok(Self {
            watch: Watch(rx),
            task,
        })
    }

    /// The first signal received so far, if any.
    pub fn signal(&self) -> Option<Signal> {
        self.watch.get()
    }

    /// A handle trials and virtual users hold to learn of the interrupt.
    pub fn watch(&self) -> Watch {
        self.watch.clone()
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Learns of the first signal of a run; cheap to clone.
#[derive(Debug, Clone)]
pub struct Watch(watch::Receiver<Option<Signal>>);

impl Watch {
    /// A watch that is never interrupted (library callers, tests), with the trigger that
    /// would interrupt it.
    pub fn manual() -> (watch::Sender<Option<Signal>>, Watch) {
        let (tx, rx) = watch::channel(None);
        (tx, Watch(rx))
    }

    /// The first signal received so far, if any.
    pub fn get(&self) -> Option<Signal> {
        *self.0.borrow()
    }

    /// Resolves with the first signal; never, if the run ends without one.
    pub async fn wait(&self) -> Signal {
        let mut rx = self.0.clone();
        let got = rx.wait_for(Option::is_some).await.map_or(None, |s| *s);
        match got {
            Some(signal) => signal,
            None => std::future::pending().await,
        }
    }

    /// Runs `work` to its end, unless the run is interrupted: then `work` may go on for `grace`
    /// more (zero: it is cut at once) before it is dropped, which cancels its requests.
    /// `Err` carries the signal when `work` was cut short.
    pub async fn cut_short<F: Future>(
        &self,
        work: F,
        grace: Duration,
    ) -> Result<F::Output, Signal> {
        let mut work = std::pin::pin!(work);
        let signal = tokio::select! {
            biased;
            out = &mut work => return Ok(out),
            signal = self.wait() => signal,
        };
        if grace.is_zero() {
            return Err(signal);
        }
        tokio::time::timeout(grace, work).await.map_err(|_| signal)
    }
}

/// What an interrupted run does before its reports: delete what the trials cut short left
/// behind on the target (the identities they created through the admin API, unless the run
/// keeps them), and say so on stderr. A second signal still ends the process at once.
pub async fn after_interrupt(factory: &ClientFactory) {
    let deleted = factory.delete_created_identities().await;
    if deleted > 0 {
        let noun = if deleted == 1 {
            "identity"
        } else {
            "identities"
        };
        eprintln!("deleted {deleted} {noun} the interrupted trials had created");
    }
}

/// Publishes the first signal; exits the process at once on the second.
async fn announce(mut signals: Signals, tx: watch::Sender<Option<Signal>>) {
    let Some(first) = signals.next().await else {
        return;
    };
    eprintln!(
        "{0}: stopping the run; its summary and reports follow (send {0} again to exit at once)",
        first.name()
    );
    tx.send_replace(Some(first));
    if let Some(second) = signals.next().await {
        eprintln!("{}: exiting at once", second.name());
        exit_now(first);
    }
}

/// Ends the process now with the code of the signal that interrupted the run (stdout is
/// flushed; nothing else runs).
#[allow(clippy::exit)]
fn exit_now(first: Signal) -> ! {
    std::process::exit(i32::from(first.exit_code()))
}

/// The registered handlers.
struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// The next signal; `None` when no more can come.
    async fn next(&mut self) -> Option<Signal> {
        #[cfg(unix)]
        {
            tokio::select! {
                got = self.int.recv() => got.map(|()| Signal::Int),
                got = self.term.recv() => got.map(|()| Signal::Term),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.ok().map(|()| Signal::Int)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_ends_unless_interrupted() {
        let (tx, watch) = Watch::manual();
        assert_eq!(watch.cut_short(async { 7 }, Duration::ZERO).await, Ok(7));
        tx.send_replace(Some(Signal::Term));
        let stuck = std::future::pending::<()>();
        assert_eq!(
            watch.cut_short(stuck, Duration::ZERO).await,
            Err(Signal::Term)
        );
        assert_eq!(watch.get(), Some(Signal::Term));
    }

    #[tokio::test]
    async fn a_grace_lets_short_work_finish_and_cuts_long_work() {
        let (tx, watch) = Watch::manual();
        tx.send_replace(Some(Signal::Int));
        let grace = Duration::from_secs(30);
        assert_eq!(watch.cut_short(async { 1 }, grace).await, Ok(1));
        let stuck = std::future::pending::<()>();
        let short = Duration::from_millis(10);
        assert_eq!(watch.cut_short(stuck, short).await, Err(Signal::Int));
    }

    #[tokio::test]
    async fn a_watch_without_a_trigger_never_fires() {
        let (tx, watch) = Watch::manual();
        drop(tx);
        let out = watch
            .cut_short(tokio::task::yield_now(), Duration::ZERO)
            .await;
        assert_eq!(out, Ok(()));
    }

    #[test]
    fn signals_map_to_the_shell_codes() {
        assert_eq!(
            (Signal::Int.name(), Signal::Int.exit_code()),
            ("SIGINT", 130)
        );
        assert_eq!(
            (Signal::Term.name(), Signal::Term.exit_code()),
            ("SIGTERM", 143)
        );
    }
}
