//! libtest-mimic glue of the suite: one trial per scenario (invalid files become failing
//! trials), a target resolved once and shared, each passing run checked against its snapshot,
//! results collected for reporters. After an interrupt (SIGINT, SIGTERM) a trial in flight is
//! cut short and fails saying so, keeping what it finished; one not started is ignored as not
//! run, without connecting ([`super::interrupted`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use libtest_mimic::{Completion, Failed, Trial};

use super::interrupted;
use super::prepare::{Connected, announce, connect};
use super::snapshot::{
    SnapshotConfig, ViewSource, changes as snapshot_changes_of, check as check_snapshot,
};
use crate::interrupt::Watch;
use crate::plan::model::{Scenario, trial_name};
use crate::redact::Secrets;
use crate::report::Record;
use crate::report::snapshot::render_snapshot;
use crate::report::verdict::{Style, Verdict, failure_output, github_annotation, step_line};
use crate::run::client::ClientFactory;
use crate::run::journal::Journal;
use crate::run::result::{Outcome, ScenarioResult};
use crate::run::scenario::run_scenario_journaled;
use crate::scenario::ScenarioError;
use crate::targets::{Offer, Target, TargetError, TargetOptions};

/// The target of a run, resolved on first use (so `--list` starts nothing) and shared.
pub struct SharedTarget {
    opts: TargetOptions,
    snapshots: SnapshotConfig,
    runtime: Arc<tokio::runtime::Runtime>,
    cell: OnceLock<Result<(Arc<Target>, ClientFactory), String>>,
    /// A connection begun by [`SharedTarget::connect_early`], its preflight running.
    early: Mutex<Option<tokio::task::JoinHandle<Result<Connected, TargetError>>>>,
    records: Mutex<Vec<Record>>,
    interrupt: Watch,
    /// Trials an interrupt cut short or kept from starting.
    unfinished: AtomicUsize,
    /// Whether a scenario the target cannot run fails instead of ending ignored.
    strictness: Strictness,
    /// How a failing trial's output is shown.
    style: Style,
}

/// Whether a scenario whose requirements the target cannot meet fails rather than ending
/// ignored with the reason. It fails when it was asked for explicitly: under nextest, which
/// runs one trial per process and counts a process that ignored its trial as passed, and with
/// `--ignored` / `--include-ignored`, which ask to run the trials a listing marked ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Unmet requirements end the trial ignored, with the reason (`run`, plain `cargo test`).
    Ignore,
    /// Unmet requirements fail the trial, with the reason.
    Fail,
}

impl SharedTarget {
    /// A target that will be resolved from these options on the given runtime; passing
    /// scenarios are checked against their snapshots as `snapshots` says; `interrupt` ends the
    /// trials early.
    pub fn new(
        opts: TargetOptions,
        snapshots: SnapshotConfig,
        runtime: Arc<tokio::runtime::Runtime>,
        interrupt: Watch,
        strictness: Strictness,
        mut style: Style,
    ) -> Arc<Self> {
        style.restart = restart_command(&opts);
        Arc::new(Self {
            opts,
            snapshots,
            runtime,
            cell: OnceLock::new(),
            early: Mutex::new(None),
            records: Mutex::new(Vec::new()),
            interrupt,
            unfinished: AtomicUsize::new(0),
            strictness,
            style,
        })
    }

    /// How a failing trial's output is shown.
    pub fn style(&self) -> &Style {
        &self.style
    }

    /// How many trials an interrupt cut short or kept from starting.
    pub fn unfinished(&self) -> usize {
        self.unfinished.load(Ordering::Relaxed)
    }

    /// The client factory of the resolved target, if it was resolved.
    pub fn factory(&self) -> Option<ClientFactory> {
        match self.cell.get() {
            Some(Ok((_, factory))) => Some(factory.clone()),
            _ => None,
        }
    }

    /// Begins connecting to an external target now, so that its preflight's round trips
    /// overlap the loading of the scenario files: the target is resolved (for an external
    /// target that is reading settings, nothing starts) and its origin line printed at once,
    /// the preflight runs on the runtime and [`SharedTarget::resolve`] waits for it. A target
    /// that starts something (embedded, containers) waits until the scenarios are known to
    /// run; so does one whose settings fail here ([`SharedTarget::resolve`] reports that).
    pub fn connect_early(&self) {
        if self.opts.kind_to_use() != crate::targets::TargetKind::External {
            return;
        }
        let announced = self.runtime.block_on(
            self.interrupt
                .cut_short(announce(&self.opts), Duration::ZERO),
        );
        if let Ok(Ok(connected)) = announced {
            let opts = self.opts.clone();
            let checking = self.runtime.spawn(async move {
                connected.preflight(&opts).await?;
                Ok(connected)
            });
            *self.early.lock().unwrap_or_else(|p| p.into_inner()) = Some(checking);
        }
    }

    /// Resolves the target now (the CLI does this before any trial to report exit code 3).
    pub fn resolve(&self) -> Result<Arc<Target>, TargetError> {
        let mut err = None;
        let got = self.cell.get_or_init(|| {
            let early = self.early.lock().unwrap_or_else(|p| p.into_inner()).take();
            let connecting = self.interrupt.cut_short(
                async {
                    match early {
                        Some(checking) => checking.await.unwrap_or_else(|e| {
                            Err(TargetError::Setup {
                                target: "external",
                                message: format!("the preflight ended without an answer: {e}"),
                            })
                        }),
                        None => connect(&self.opts).await,
                    }
                },
                Duration::ZERO,
            );
            match self.runtime.block_on(connecting) {
                Ok(Ok(c)) => Ok((c.target, c.factory)),
                Ok(Err(e)) => {
                    let text = e.to_string();
                    err = Some(e);
                    Err(text)
                }
                Err(signal) => Err(format!("interrupted by {}", signal.name())),
            }
        });
        match (got, err) {
            (Ok((t, _)), _) => Ok(t.clone()),
            (Err(_), Some(e)) => Err(e),
            (Err(text), None) => Err(TargetError::Setup {
                target: "requested",
                message: text.clone(),
            }),
        }
    }

    fn get(&self) -> Result<(Arc<Target>, ClientFactory), String> {
        let _ = self.resolve();
        self.cell
            .get()
            .cloned()
            .unwrap_or_else(|| Err("the target was not resolved".into()))
    }

    /// The results of every trial that ran with the secrets each met, in completion order:
    /// what the file reporters take.
    pub fn records(&self) -> Vec<Record> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The target for reports: its kind and origin (without credentials), or `unresolved`.
    pub fn describe(&self) -> String {
        match self.cell.get() {
            Some(Ok((t, _))) => format!(
                "{} ({})",
                t.kind.as_str(),
                crate::report::without_credentials(&t.endpoints.origin)
            ),
            _ => "unresolved".into(),
        }
    }

    /// The switches of the stack the run used, sorted.
    pub fn switches(&self) -> Vec<String> {
        let switches = match &self.opts.stack {
            Some(stack) => &stack.switches,
            None => &self.opts.switches,
        };
        switches.names().map(String::from).collect()
    }

    /// The origins of the resolved target by role, credentials left out; empty when the target
    /// was not resolved.
    pub fn origins(&self) -> Vec<(String, String)> {
        let Some(Ok((t, _))) = self.cell.get() else {
            return Vec::new();
        };
        let e = &t.endpoints;
        let shown = |u: &url::Url| crate::report::without_credentials(u);
        let mut out = vec![
            (
                "openapp_api".to_string(),
                format!("{}{}", shown(&e.origin).trim_end_matches('/'), e.api_prefix),
            ),
            ("kratos_public".to_string(), shown(&e.kratos_public)),
        ];
        if let Some(admin) = &e.kratos_admin {
            out.push(("kratos_admin".to_string(), shown(admin)));
        }
        out
    }

    fn record(&self, record: Record) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
    }

    /// Records an invalid scenario file as a failed result, so reports list it too.
    fn record_invalid(&self, id: &str, text: &str) {
        let result = ScenarioResult {
            id: id.to_string(),
            name: format!("{id} (invalid scenario file)"),
            rules: Vec::new(),
            setup: Vec::new(),
            steps: Vec::new(),
            planned_steps: 0,
            setup_error: Some(format!("invalid scenario file:\n{text}")),
            warnings: Vec::new(),
            outcome: Outcome::Failed,
            elapsed: Default::default(),
            resolve: Vec::new(),
        };
        self.record(Record {
            result,
            secrets: Secrets::new(),
            snapshot_diff: None,
            snapshot_changes: Vec::new(),
        });
    }

    fn run(&self, scenario: &Scenario) -> Result<Completion, Failed> {
        if let Some(signal) = self.interrupt.get() {
            return Ok(self.not_run(scenario, signal));
        }
        let (target, factory) = match self.get() {
            Ok(got) => got,
            Err(e) => {
                return match self.interrupt.get() {
                    Some(signal) => Ok(self.not_run(scenario, signal)),
                    None => Err(Failed::from(format!("the target could not be set up: {e}"))),
                };
            }
        };
        let secrets = Secrets::new();
        if let Some(key) = &target.caps.api_key {
            secrets.add("api-key", key);
        }
        let journal = Arc::new(Journal::default());
        let started = Instant::now();
        // The scenario runs as a task of the runtime, on the worker threads that also drive the
        // sockets: its requests then need no wake-up across threads (measured: a one-scenario
        // run takes ~1.5 ms less than when this thread polls it with `block_on`).
        let task = {
            let (scenario, target, factory) = (scenario.clone(), target.clone(), factory.clone());
            let (secrets, journal) = (secrets.clone(), journal.clone());
            self.runtime.spawn(async move {
                run_scenario_journaled(&scenario, &target, &factory, &secrets, Some(&journal)).await
            })
        };
        let abort = task.abort_handle();
        let running = async move {
            match task.await {
                Ok(result) => result,
                Err(e) => match e.try_into_panic() {
                    Ok(panic) => std::panic::resume_unwind(panic),
                    Err(e) => panic!("the scenario task ended without a result: {e}"),
                },
            }
        };
        let mut cut = None;
        let mut result = match self
            .runtime
            .block_on(self.interrupt.cut_short(running, Duration::ZERO))
        {
            Ok(result) => result,
            Err(signal) => {
                abort.abort();
                self.unfinished.fetch_add(1, Ordering::Relaxed);
                let (so_far, elapsed) = (journal.so_far(), started.elapsed());
                let why = interrupted::reason(scenario, &so_far, signal, elapsed);
                cut = Some(why.clone());
                interrupted::cut_short(scenario, &target, so_far, why, elapsed)
            }
        };
        if self.strictness == Strictness::Fail
            && let Outcome::Ignored(reason) = &result.outcome
        {
            result.setup_error = Some(format!(
                "this target cannot run the scenario, which was asked for by name (nextest), with --ignored or with --require-all: {reason}"
            ));
            result.outcome = Outcome::Failed;
        }
        let mut snapshot_failure = String::new();
        let mut snapshot_changes = Vec::new();
        if result.outcome == Outcome::Passed {
            let view = secrets.redact(&render_snapshot(&result, scenario, &target.endpoints));
            // A stack a nextest setup script started keeps the rules of the target it is.
            let source = match &self.opts.stack {
                Some(stack) => ViewSource::of(stack.kind, &stack.switches),
                None => ViewSource::of(target.kind, &self.opts.switches),
            };
            if let Err(e) = check_snapshot(&self.snapshots, source, &scenario.id, &view) {
                result.outcome = Outcome::Failed;
                snapshot_failure = e;
                snapshot_changes =
                    snapshot_changes_of(&self.snapshots, &scenario.id, &view, &scenario.rules);
            }
        }
        let record = Record {
            result,
            secrets,
            snapshot_diff: (!snapshot_failure.is_empty()).then_some(snapshot_failure),
            snapshot_changes,
        };
        let verdict = match &record.result.outcome {
            Outcome::Passed => Ok(Completion::Completed),
            Outcome::Ignored(reason) => Ok(Completion::ignored_with(reason)),
            Outcome::Failed => {
                annotate(scenario, &record);
                let output = failure_output(&record, &self.style);
                let output = output.trim_end();
                Err(Failed::from(match cut {
                    Some(why) => format!("{why}\n{output}"),
                    None => output.to_string(),
                }))
            }
        };
        for w in &record.result.warnings {
            // Not a failure (an identity left behind): said once, on stderr.
            eprintln!(
                "warning: {}: {}",
                trial_name(&scenario.id),
                record.secrets.redact(w)
            );
        }
        self.record(record);
        verdict
    }

    /// Records a trial the interrupt kept from starting; it ends ignored at once.
    fn not_run(&self, scenario: &Scenario, signal: crate::interrupt::Signal) -> Completion {
        self.unfinished.fetch_add(1, Ordering::Relaxed);
        self.record(Record {
            result: interrupted::not_run(scenario, signal),
            secrets: Secrets::new(),
            snapshot_diff: None,
            snapshot_changes: Vec::new(),
        });
        Completion::ignored_with(interrupted::not_run_reason(signal))
    }
}

/// Under GitHub Actions (`GITHUB_ACTIONS=true`), one `::error` annotation per failing trial on
/// its scenario file, at the failing step's `[[step]]` line.
fn annotate(scenario: &Scenario, record: &Record) {
    if crate::settings::env("GITHUB_ACTIONS").as_deref() != Some("true") {
        return;
    }
    let Some(verdict) = Verdict::of(record) else {
        return;
    };
    let line = verdict
        .step
        .and_then(|n| step_line(&std::fs::read_to_string(&scenario.path).ok()?, n))
        .unwrap_or(1);
    let cwd = std::env::current_dir().unwrap_or_default();
    let file = scenario.path.strip_prefix(&cwd).unwrap_or(&scenario.path);
    println!(
        "{}",
        github_annotation(&file.to_string_lossy(), line, &record.trial(), &verdict)
    );
}

/// How to start a stack like the one this run's target started, which is gone when the run
/// is; `None` for an external target, which stays up.
fn restart_command(opts: &TargetOptions) -> Option<String> {
    let (kind, switches) = match &opts.stack {
        Some(stack) => (stack.kind, &stack.switches),
        None => (opts.kind_to_use(), &opts.switches),
    };
    let fault = switches.names().collect::<Vec<_>>().join(",");
    let fault = if fault.is_empty() {
        String::new()
    } else {
        format!(" --fault {fault}")
    };
    match kind {
        crate::targets::TargetKind::Embedded => {
            Some(format!("openapp-conformance serve --json{fault}"))
        }
        crate::targets::TargetKind::Containers => Some(format!(
            "openapp-conformance stack --target containers{fault}"
        )),
        crate::targets::TargetKind::External => None,
    }
}

/// One trial per scenario and one failing trial per invalid file, sorted by name. With an
/// `offer`, a scenario whose requirements it does not meet carries libtest's ignored flag, so
/// that a listing (`--list --ignored`, which nextest reads) shows it ignored; names never
/// change with the environment.
pub fn build_trials(
    scenarios: Vec<Scenario>,
    invalid: Vec<(String, ScenarioError)>,
    shared: &Arc<SharedTarget>,
    offer: Option<Offer>,
) -> Vec<Trial> {
    let mut trials: Vec<Trial> = scenarios
        .into_iter()
        .map(|s| {
            let unmet = offer.is_some_and(|o| o.missing(&s.requirements).is_some());
            let shared = shared.clone();
            Trial::ignorable_test(trial_name(&s.id), move || shared.run(&s))
                .with_ignored_flag(unmet)
        })
        .chain(invalid.into_iter().map(|(id, err)| {
            let text = err.to_string();
            let shared = shared.clone();
            Trial::test(trial_name(&id), move || {
                shared.record_invalid(&id, &text);
                Err(Failed::from(format!("invalid scenario file:\n{text}")))
            })
        }))
        .collect();
    trials.sort_by(|a, b| a.name().cmp(b.name()));
    trials
}
