//! Explore mode: stateful, model-based runs that find what no scenario scripted.
//!
//! ```text
//! seed ──episode::generate──▶ operations ──episode::build (model)──▶ scenario text
//!      ──execute::run_text (the scenario runner, its checks)──▶ first violation?
//!      ──shrink (concurrency 1)──▶ shortest failing sequence
//!      ──regression::confirm_and_write──▶ DIR/explore_<seed>_<rule>.toml + .snap
//! ```
//!
//! The model ([`model`]) states what the contract and Kratos v1.3.1 require after every
//! operation; the checks are the scenario runner's, so a violation cites its rule exactly as a
//! scenario's would. An episode is one scenario run (fresh identities and jars); a run is a
//! sequence of episodes until `--ops` or `--duration` is used up, or a violation is found.

pub mod episode;
pub mod execute;
pub mod generate;
pub mod model;
pub mod ops;
pub mod regression;
pub mod report;
pub mod shrink;
pub mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::interrupt::Watch;
use crate::plan::Settings;
use crate::run::client::ClientFactory;
use crate::targets::{Target, TargetOptions, resolve_target};

use episode::{Built, Shape, build, episode_seed, generate};
use execute::{Violation, run_text};
use generate::Reach;
use model::Setup;
use ops::Numbered;

/// Operations per episode (one scenario run, fresh identities and jars).
pub const EPISODE_OPS: usize = 250;
/// Operations of a run given neither `--ops` nor `--duration`.
pub const DEFAULT_OPS: u64 = 1000;
/// Candidate runs a shrink may make.
pub const SHRINK_BUDGET: usize = 400;

/// What to explore and how.
#[derive(Debug, Clone)]
pub struct ExploreOptions {
    /// The run's seed.
    pub seed: u64,
    /// Stop after this many operations.
    pub ops: Option<u64>,
    /// Stop starting episodes after this long.
    pub duration: Option<Duration>,
    /// Identities in play (more than 1 needs the admin API); `None`: 2 with the admin API,
    /// else 1.
    pub identities: Option<u8>,
    /// Clients (cookie jars) in play.
    pub clients: u8,
    /// Steps of different clients run at once (1: one after another).
    pub concurrency: usize,
    /// The strict profile.
    pub strict: bool,
}

/// A violation, shrunk.
#[derive(Debug, Clone)]
pub struct Found {
    /// The first violation as the exploring run met it.
    pub first: Violation,
    /// Operations run until it was found (all episodes).
    pub ops_until_found: u64,
    /// The episode it was found in (0-based).
    pub episode: u64,
    /// The failing episode's operations up to the failing one.
    pub original: Vec<Numbered>,
    /// The shrunk sequence (the original when it only fails concurrently).
    pub shrunk: Vec<Numbered>,
    /// Candidate runs the shrink made.
    pub shrink_runs: usize,
    /// Found with parallel steps: the recorded interleaving replayed, and reproduced or not.
    pub replayed: Option<bool>,
    /// It failed only with parallel steps: the regression keeps them.
    pub concurrent_only: bool,
    /// The recorded interleaving of the failing group: (step, client, start ms, end ms).
    pub interleaving: Vec<(usize, String, u128, u128)>,
}

/// What an explore run did.
#[derive(Debug, Clone, Default)]
pub struct Explored {
    /// The seed.
    pub seed: u64,
    /// Operations that ran.
    pub ops: u64,
    /// Episodes started.
    pub episodes: u64,
    /// Operations per kind.
    pub kinds: BTreeMap<&'static str, u64>,
    /// Abstract model states reached.
    pub states: BTreeSet<String>,
    /// Rules the checks that ran enforce (each check cites one).
    pub rules: BTreeSet<String>,
    /// Wall time.
    pub elapsed: Duration,
    /// The violation, if one was found.
    pub found: Option<Found>,
    /// Things the run could not do on this target (one identity without the admin API…).
    pub notes: Vec<String>,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<crate::interrupt::Signal>,
}

/// Explore cannot run at all.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// The scenario explore made is not valid: a defect of explore's.
    #[error("explore made an invalid scenario (please report it): {0}")]
    Invalid(String),
    /// The target cannot run explore's scenarios: what it lacks.
    #[error("{0}")]
    Unrunnable(String),
    /// `--out` cannot be written.
    #[error("{0}")]
    Output(String),
}

/// The run's scenarios on one target: how they are built and run.
pub struct Session<'a> {
    /// The target.
    pub target: &'a Target,
    /// Its clients.
    pub factory: &'a ClientFactory,
    /// Named settings (`revocation_within`).
    pub settings: &'a Settings,
    /// Model settings, clients and concurrency.
    pub shape: Shape,
    /// For the embedded target: the options to start a fresh stack with for every run, so no
    /// state a server keeps between runs (sessions it remembers, caches) decides a run and a
    /// written scenario fails on a fresh stack as it failed here. `None`: every run goes to
    /// `target` (a deployment keeps its state; docs/explore.md says what that means).
    pub fresh: Option<TargetOptions>,
}

impl Session<'_> {
    /// Runs scenario text `text` as `id`: on a fresh stack when [`Session::fresh`] says so,
    /// else on the target, on fresh connections either way.
    pub async fn run_text(&self, text: &str, id: &str) -> Result<execute::Ran, ExploreError> {
        let ran = match &self.fresh {
            Some(opts) => {
                let target = resolve_target(opts)
                    .await
                    .map_err(|e| ExploreError::Unrunnable(e.to_string()))?;
                let factory = self.factory.for_stack(&target);
                run_text(text, id, &target, &factory, self.settings).await
            }
            None => run_text(text, id, self.target, self.factory, self.settings).await,
        };
        ran.map_err(ExploreError::Invalid)
    }

    /// Builds `ops` into scenario `id` and runs it: the build, and the violation as
    /// (rule, index in `ops` of the failing operation).
    pub async fn try_ops(
        &self,
        ops: &[Numbered],
        id: &str,
        shape: &Shape,
    ) -> Result<(Built, Option<(Violation, usize)>, execute::Ran), ExploreError> {
        let built = build(ops, shape, id, Vec::new());
        let ran = self.run_text(&built.text, id).await?;
        if let crate::run::result::Outcome::Ignored(why) = &ran.result.outcome {
            return Err(ExploreError::Unrunnable(why.clone()));
        }
        let v = ran.violation().map(|v| {
            let op = v
                .step
                .checked_sub(1)
                .and_then(|i| built.step_ops.get(i).copied())
                .unwrap_or(0);
            (v, op)
        });
        Ok((built, v, ran))
    }

    /// The violation of `ops` as scenario `id` (rule, index of the failing operation), if it
    /// has one; a sequence the model leaves nothing of has none (nothing runs).
    pub async fn verdict(
        &self,
        ops: &[Numbered],
        id: &str,
        shape: &Shape,
    ) -> Result<Option<(Violation, usize)>, ExploreError> {
        if build(ops, shape, id, Vec::new()).step_ops.is_empty() {
            return Ok(None);
        }
        Ok(self.try_ops(ops, id, shape).await?.1)
    }
}

/// What the generator may choose on `target` with `opts`, and notes on what it may not.
pub fn reach(target: &Target, opts: &ExploreOptions) -> (Reach, Vec<String>) {
    let admin = target.endpoints.kratos_admin.is_some();
    let mut notes = Vec::new();
    let identities = if admin {
        opts.identities.unwrap_or(2).max(1)
    } else {
        if let Some(k) = opts.identities.filter(|k| *k > 1) {
            notes.push(format!(
                "--identities {k} needs KRATOS_ADMIN_URL (the harness creates and deletes them): exploring with the one configured test identity, without admin revocations"
            ));
        }
        1
    };
    if target.caps.api_key.is_none() {
        notes.push("no OPENAPP_API_KEY: no key or SDK operations".into());
    }
    let reach = Reach {
        identities,
        clients: opts.clients.max(1),
        api_key: target.caps.api_key.is_some(),
        admin,
        cookie_domain: target.endpoints.cookie_domain.is_some(),
        strict: opts.strict,
    };
    (reach, notes)
}

/// Explores `target` until the operations or the time are used up, a violation is found
/// (then shrunk) or `interrupt` fires. `tick` is called after every episode.
pub async fn explore(
    session: &Session<'_>,
    opts: &ExploreOptions,
    reach: &Reach,
    interrupt: &Watch,
    mut tick: impl FnMut(&Explored),
) -> Result<Explored, ExploreError> {
    let started = Instant::now();
    let mut out = Explored {
        seed: opts.seed,
        ..Explored::default()
    };
    let limit = match (opts.ops, opts.duration) {
        (Some(n), _) => Some(n),
        (None, Some(_)) => None,
        (None, None) => Some(DEFAULT_OPS),
    };
    let deadline = opts.duration.map(|d| started + d);
    loop {
        let left = limit.map_or(EPISODE_OPS as u64, |l| l.saturating_sub(out.ops));
        if left == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if let Some(signal) = interrupt.get() {
            out.interrupted = Some(signal);
            break;
        }
        let len = (EPISODE_OPS as u64).min(left) as usize;
        let ops = generate(
            episode_seed(opts.seed, out.episodes),
            len,
            reach,
            session.shape.setup,
        );
        let id = format!("explore_{}_{}", opts.seed, out.episodes);
        let grace = session.target.timeouts.request;
        let (built, violation, ran) = match interrupt
            .cut_short(session.try_ops(&ops, &id, &session.shape), grace)
            .await
        {
            Ok(done) => done?,
            Err(signal) => {
                out.interrupted = Some(signal);
                break;
            }
        };
        out.episodes += 1;
        let ran_ops = violation.as_ref().map_or(ops.len(), |(_, at)| at + 1);
        out.states.insert(built.start.clone());
        for (_, kind, state) in built.made.iter().filter(|(i, ..)| *i < ran_ops) {
            *out.kinds.entry(kind).or_insert(0) += 1;
            out.states.insert(state.clone());
        }
        out.rules.extend(
            ran.result
                .steps
                .iter()
                .flat_map(|s| s.checks.iter().flat_map(|c| c.rules.iter().cloned())),
        );
        out.ops += ran_ops as u64;
        tick(&out);
        if let Some((first, at)) = violation {
            if first.rule == "setup" {
                return Err(ExploreError::Unrunnable(first.what));
            }
            // The whole parallel group of the failing step: its other steps ran at the same
            // time and may be part of the cause.
            let at = group_end(&ran, &built, first.step).max(at);
            let original = ops[..=at].to_vec();
            let unshrunk = Found {
                first: first.clone(),
                ops_until_found: 0,
                episode: 0,
                original: original.clone(),
                shrunk: original.clone(),
                shrink_runs: 0,
                replayed: None,
                concurrent_only: false,
                interleaving: interleaving(&ran, first.step),
            };
            let found = match interrupt
                .cut_short(settle(session, unshrunk.clone()), grace)
                .await
            {
                Ok(found) => found?,
                Err(signal) => {
                    out.interrupted = Some(signal);
                    unshrunk
                }
            };
            out.found = Some(Found {
                ops_until_found: out.ops,
                episode: out.episodes - 1,
                ..found
            });
            break;
        }
    }
    out.elapsed = started.elapsed();
    Ok(out)
}

/// From a violation to its shortest reproduction: at concurrency 1 a shrink; with parallel
/// steps, the recorded interleaving replayed first, then the sequence without parallel steps,
/// shrunk when it still fails, else kept as it ran.
async fn settle(session: &Session<'_>, mut found: Found) -> Result<Found, ExploreError> {
    let rule = found.first.rule.clone();
    let original = found.original.clone();
    let sequential = Shape {
        concurrency: 1,
        ..session.shape.clone()
    };
    if session.shape.concurrency > 1 {
        let again = session
            .verdict(&original, "explore_replay", &session.shape)
            .await?;
        found.replayed = Some(again.is_some_and(|(v, _)| v.rule == rule));
        let alone = session
            .verdict(&original, "explore_sequential", &sequential)
            .await?;
        if alone.is_none_or(|(v, _)| v.rule != rule) {
            found.concurrent_only = true;
            return Ok(found);
        }
    }
    // A candidate explore cannot even build is its own mistake: stop and say so.
    let invalid = std::sync::Mutex::new(None);
    let shrunk = shrink::shrink(original, &rule, SHRINK_BUDGET, |candidate| {
        let sequential = sequential.clone();
        let invalid = &invalid;
        async move {
            match session
                .verdict(&candidate, "explore_shrink", &sequential)
                .await
            {
                Ok(Some((v, at))) => Some((v.rule, at)),
                Ok(None) => None,
                Err(e) => {
                    *invalid.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                    None
                }
            }
        }
    })
    .await;
    if let Some(e) = invalid.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(e);
    }
    found.shrink_runs = shrunk.runs;
    found.shrunk = without_skipped(&shrunk.ops, &sequential);
    Ok(found)
}

/// The index in the sequence of the last operation of the failing step's parallel group (the
/// failing step's own when it ran alone).
fn group_end(ran: &execute::Ran, built: &Built, failing: usize) -> usize {
    let steps = &ran.result.steps;
    let group = steps
        .iter()
        .find(|s| s.index == failing)
        .and_then(|s| s.parallel.clone());
    steps
        .iter()
        .filter(|s| s.index == failing || (group.is_some() && s.parallel == group))
        .filter_map(|s| built.step_ops.get(s.index.checked_sub(1)?).copied())
        .max()
        .unwrap_or(0)
}

/// `ops` less those the model skips (their preconditions fail in the shrunk sequence).
fn without_skipped(ops: &[Numbered], shape: &Shape) -> Vec<Numbered> {
    let built = build(ops, shape, "x", Vec::new());
    let kept: BTreeSet<usize> = built.step_ops.iter().copied().collect();
    ops.iter()
        .enumerate()
        .filter(|(i, _)| kept.contains(i))
        .map(|(_, n)| n.clone())
        .collect()
}

/// The steps of the failing step's parallel group (or the failing step alone), as they ran:
/// (step, client, start ms, end ms) from the scenario's start.
fn interleaving(ran: &execute::Ran, failing: usize) -> Vec<(usize, String, u128, u128)> {
    let steps = &ran.result.steps;
    let Some(fail) = steps.iter().find(|s| s.index == failing) else {
        return Vec::new();
    };
    steps
        .iter()
        .filter(|s| s.index == failing || (fail.parallel.is_some() && s.parallel == fail.parallel))
        .map(|s| {
            (
                s.index,
                s.client.clone(),
                s.started.as_millis(),
                s.finished.as_millis(),
            )
        })
        .collect()
}

/// The setup of the model for a run of `opts` on `target`.
pub fn setup(target: &Target, opts: &ExploreOptions) -> Setup {
    Setup {
        strict: opts.strict,
        cookie_domain: target.endpoints.cookie_domain.is_some(),
    }
}
