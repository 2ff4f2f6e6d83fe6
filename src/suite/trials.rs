//! libtest-mimic glue of the suite: one trial per scenario (invalid files become failing
//! trials), a target resolved once and shared, each passing run checked against its snapshot,
//! results collected for reporters.

use std::sync::{Arc, Mutex, OnceLock};

use libtest_mimic::{Completion, Failed, Trial};

use super::prepare::connect;
use super::snapshot::{SnapshotConfig, ViewSource, check as check_snapshot};
use crate::plan::model::{Scenario, trial_name};
use crate::redact::Secrets;
use crate::report::Record;
use crate::report::snapshot::render_snapshot;
use crate::run::client::ClientFactory;
use crate::run::result::{Outcome, ScenarioResult};
use crate::run::scenario::run_scenario;
use crate::scenario::ScenarioError;
use crate::targets::{Target, TargetError, TargetOptions};

/// The target of a run, resolved on first use (so `--list` starts nothing) and shared.
pub struct SharedTarget {
    opts: TargetOptions,
    snapshots: SnapshotConfig,
    runtime: Arc<tokio::runtime::Runtime>,
    cell: OnceLock<Result<(Arc<Target>, ClientFactory), String>>,
    records: Mutex<Vec<Record>>,
}

impl SharedTarget {
    /// A target that will be resolved from these options on the given runtime; passing
    /// scenarios are checked against their snapshots as `snapshots` says.
    pub fn new(
        opts: TargetOptions,
        snapshots: SnapshotConfig,
        runtime: Arc<tokio::runtime::Runtime>,
    ) -> Arc<Self> {
        Arc::new(Self {
            opts,
            snapshots,
            runtime,
            cell: OnceLock::new(),
            records: Mutex::new(Vec::new()),
        })
    }

    /// Resolves the target now (the CLI does this before any trial to report exit code 3).
    pub fn resolve(&self) -> Result<Arc<Target>, TargetError> {
        let mut err = None;
        let got = self
            .cell
            .get_or_init(|| match self.runtime.block_on(connect(&self.opts)) {
                Ok(c) => Ok((c.target, c.factory)),
                Err(e) => {
                    let text = e.to_string();
                    err = Some(e);
                    Err(text)
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
        });
    }

    fn run(&self, scenario: &Scenario) -> Result<Completion, Failed> {
        let (target, factory) = self
            .get()
            .map_err(|e| Failed::from(format!("the target could not be set up: {e}")))?;
        let secrets = Secrets::new();
        if let Some(key) = &target.caps.api_key {
            secrets.add("api-key", key);
        }
        let mut result = self
            .runtime
            .block_on(run_scenario(scenario, &target, &factory, &secrets));
        let mut snapshot_failure = String::new();
        if result.outcome == Outcome::Passed {
            let view = secrets.redact(&render_snapshot(&result, scenario, &target.endpoints));
            let source = ViewSource::of(target.kind, &self.opts.switches);
            if let Err(e) = check_snapshot(&self.snapshots, source, &scenario.id, &view) {
                result.outcome = Outcome::Failed;
                snapshot_failure = e;
            }
        }
        let record = Record {
            result,
            secrets,
            snapshot_diff: (!snapshot_failure.is_empty()).then_some(snapshot_failure),
        };
        let verdict = match &record.result.outcome {
            Outcome::Passed => Ok(Completion::Completed),
            Outcome::Ignored(reason) => Ok(Completion::ignored_with(reason)),
            Outcome::Failed => Err(Failed::from(record.failure_text())),
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
}

/// One trial per scenario and one failing trial per invalid file, sorted by name.
pub fn build_trials(
    scenarios: Vec<Scenario>,
    invalid: Vec<(String, ScenarioError)>,
    shared: &Arc<SharedTarget>,
) -> Vec<Trial> {
    let mut trials: Vec<Trial> = scenarios
        .into_iter()
        .map(|s| {
            let shared = shared.clone();
            Trial::ignorable_test(trial_name(&s.id), move || shared.run(&s))
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
