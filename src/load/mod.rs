//! Load mode: repeats scenarios against a target with many virtual users at once, every
//! iteration still asserting, and reports latency percentiles per endpoint and per step,
//! throughput, errors and the conformance failures only concurrency shows.
//!
//! ```text
//! run_load ──▶ C virtual users (tokio tasks), each: next iteration i ─▶ scenarios[i % n]
//!                  └──▶ run::scenario::run_scenario (fresh jars per iteration) ─▶ Stats
//!          ──▶ ticker: Progress + memory samples, once per tick, until every user stops
//! ```
//!
//! A run is bounded: it stops starting iterations at the deadline (`--duration`) or after
//! `--iterations` scenario runs, whichever comes first; iterations in flight finish (each of
//! their requests is bounded by the request timeout). An interrupt (SIGINT, SIGTERM) stops it
//! too: no iteration starts, those in flight get one request timeout (the target's) to finish
//! and are then cut short (not recorded, counted in [`LoadReport::cut_short`]); a second
//! signal exits at once.

mod histogram;
mod html;
mod memory;
mod progress;
mod report;
mod stats;
mod table;
#[cfg(test)]
mod tests;
mod timeline;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use histogram::Histogram;
pub use html::render_html;
pub use memory::{MemorySample, sample_memory};
pub use progress::{Live, Progress, ProgressStyle};
pub use report::{LoadReport, render_text, to_json};
pub use stats::{EndpointStats, FailureKey, FailureStats, Stats, endpoint_key};
pub use timeline::{Slice, Timeline};

use crate::interrupt::Watch;
use crate::plan::model::Scenario;
use crate::plan::model::trial_name;
use crate::redact::Secrets;
use crate::run::client::ClientFactory;
use crate::run::result::ScenarioResult;
use crate::run::scenario::run_scenario;
use crate::targets::Target;

/// How long a load run goes when neither a duration nor an iteration count is given.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);

/// How hard and how long to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Virtual users running at once (at least 1).
    pub concurrency: usize,
    /// Stop starting iterations after this long.
    pub duration: Option<Duration>,
    /// Stop after this many scenario runs in total.
    pub iterations: Option<u64>,
}

impl LoadOptions {
    /// The duration bound: the given one, else [`DEFAULT_DURATION`] unless an iteration
    /// count bounds the run.
    pub fn deadline_after(&self) -> Option<Duration> {
        match (self.duration, self.iterations) {
            (Some(d), _) => Some(d),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_DURATION),
        }
    }
}

/// Nothing of the selection can run against this target.
#[derive(Debug, thiserror::Error)]
#[error("none of the {} selected scenarios can run against this target: {}", skipped.len(), first_reason(skipped))]
pub struct NothingToRun {
    /// `(trial name, reason)` of every selected scenario.
    pub skipped: Vec<(String, String)>,
}

fn first_reason(skipped: &[(String, String)]) -> String {
    skipped
        .first()
        .map(|(name, why)| format!("{name} {why}"))
        .unwrap_or_else(|| "no scenario was selected".into())
}

/// What every virtual user shares.
struct Shared {
    scenarios: Vec<Scenario>,
    target: Arc<Target>,
    factory: ClientFactory,
    limit: Option<u64>,
    started: Instant,
    deadline: Option<Instant>,
    next: AtomicU64,
    interrupt: Watch,
    cut_short: AtomicU64,
    live: Arc<Live>,
    stats: Mutex<Stats>,
}

impl Shared {
    /// The scenario of the next iteration, or `None` when the run is over.
    fn next(&self) -> Option<&Scenario> {
        if self.interrupt.get().is_some() || self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if self.limit.is_some_and(|limit| i >= limit) {
            return None;
        }
        self.scenarios
            .get((i % self.scenarios.len() as u64) as usize)
    }

    fn record(&self, result: &ScenarioResult, secrets: &Secrets) {
        let requests = result.setup.len()
            + result
                .steps
                .iter()
                .map(|s| s.exchanges.len())
                .sum::<usize>();
        self.live
            .requests
            .fetch_add(requests as u64, Ordering::Relaxed);
        self.live.iterations.fetch_add(1, Ordering::Relaxed);
        if result.outcome == crate::run::result::Outcome::Failed {
            self.live.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(result, secrets, self.started.elapsed());
    }
}

/// One virtual user: runs iterations until the run is over.
async fn virtual_user(shared: Arc<Shared>) {
    while let Some(scenario) = shared.next() {
        let secrets = Secrets::new();
        if let Some(key) = &shared.target.caps.api_key {
            secrets.add("api-key", key);
        }
        let run = run_scenario(scenario, &shared.target, &shared.factory, &secrets);
        let grace = shared.target.timeouts.request;
        match shared.interrupt.cut_short(run, grace).await {
            Ok(result) => shared.record(&result, &secrets),
            Err(_) => {
                shared.cut_short.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
    }
}

/// Runs `scenarios` against `target` with `opts.concurrency` virtual users until the bound
/// of `opts` or until `interrupt` fires. Call it on a multi-thread runtime: the users are
/// spawned tasks.
pub async fn run_load(
    scenarios: Vec<Scenario>,
    target: Arc<Target>,
    factory: ClientFactory,
    opts: &LoadOptions,
    mut progress: Progress,
    interrupt: Watch,
) -> Result<LoadReport, NothingToRun> {
    let (runnable, skipped): (Vec<Scenario>, Vec<Scenario>) = scenarios
        .into_iter()
        .partition(|s| target.missing(&s.requirements).is_none());
    let skipped: Vec<(String, String)> = skipped
        .iter()
        .map(|s| {
            let why = target.missing(&s.requirements).unwrap_or_default();
            (trial_name(&s.id), why)
        })
        .collect();
    if runnable.is_empty() {
        return Err(NothingToRun { skipped });
    }
    let names = runnable.iter().map(|s| trial_name(&s.id)).collect();
    let started = Instant::now();
    let live = Arc::new(Live::default());
    let shared = Arc::new(Shared {
        scenarios: runnable,
        target,
        factory,
        limit: opts.iterations,
        started,
        deadline: opts.deadline_after().map(|d| started + d),
        next: AtomicU64::new(0),
        interrupt: interrupt.clone(),
        cut_short: AtomicU64::new(0),
        live: live.clone(),
        stats: Mutex::new(Stats::default()),
    });
    let users: Vec<_> = (0..opts.concurrency.max(1))
        .map(|_| tokio::spawn(virtual_user(shared.clone())))
        .collect();
    let mut all_done = std::pin::pin!(join_users(users));
    let mut memory = vec![sample_memory(Duration::ZERO)];
    let mut ticker = tokio::time::interval(progress.tick_interval());
    let mut next_sample = Duration::from_secs(1);
    loop {
        tokio::select! {
            () = &mut all_done => break,
            _ = ticker.tick() => {
                let at = started.elapsed();
                if at >= next_sample {
                    memory.push(sample_memory(at));
                    next_sample += Duration::from_secs(1);
                }
                progress.tick(at, &live);
            }
        }
    }
    let elapsed = started.elapsed();
    memory.push(sample_memory(elapsed));
    progress.finish(elapsed, &live);
    let stats = std::mem::take(&mut *shared.stats.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(LoadReport {
        stats,
        elapsed,
        concurrency: opts.concurrency.max(1),
        scenarios: names,
        skipped,
        memory: memory.into_iter().flatten().collect(),
        interrupted: interrupt.get(),
        cut_short: shared.cut_short.load(Ordering::Relaxed),
    })
}

/// Waits for every user; a user that panicked is simply over (its iterations so far count).
async fn join_users(users: Vec<tokio::task::JoinHandle<()>>) {
    for user in users {
        let _ = user.await;
    }
}
