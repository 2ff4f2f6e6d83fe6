//! The results of trials an interrupt (SIGINT, SIGTERM) ended: one in flight keeps what it
//! finished (its setup exchanges and finished steps) and fails with a last step that says what
//! was in flight and for how long; one not started yet is ignored as not run.

use std::time::Duration;

use crate::interrupt::Signal;
use crate::plan::model::Scenario;
use crate::run::journal::SoFar;
use crate::run::result::{Outcome, ScenarioResult, StepResult};
use crate::targets::Target;

/// Why a trial cut short failed, e.g. `interrupted by SIGINT after 1.2s (step 3 of 7 in
/// flight)`.
pub(super) fn reason(
    scenario: &Scenario,
    so_far: &SoFar,
    signal: Signal,
    elapsed: Duration,
) -> String {
    let what = if so_far.setup_done {
        format!(
            "step {} of {} in flight",
            so_far.steps.len() + 1,
            scenario.steps.len()
        )
    } else {
        "identity setup in flight".to_string()
    };
    format!(
        "interrupted by {} after {:.1}s ({what})",
        signal.name(),
        elapsed.as_secs_f64()
    )
}

/// The failed result of a trial cut short, with what it finished.
pub(super) fn cut_short(
    scenario: &Scenario,
    target: &Target,
    so_far: SoFar,
    why: String,
    elapsed: Duration,
) -> ScenarioResult {
    let mut result = base(scenario, Outcome::Failed);
    result.elapsed = elapsed;
    result.resolve = target
        .endpoints
        .resolve
        .iter()
        .map(ToString::to_string)
        .collect();
    result.setup = so_far.setup;
    if so_far.setup_done {
        let index = so_far.steps.len() + 1;
        let in_flight = scenario.steps.get(index - 1).map(|step| StepResult {
            index,
            label: step.label(),
            client: step.client.clone(),
            error: Some(why),
            ..Default::default()
        });
        result.steps = so_far.steps;
        result.steps.extend(in_flight);
    } else {
        result.setup_error = Some(why);
    }
    result
}

/// The ignored result of a trial the interrupt kept from starting.
pub(super) fn not_run(scenario: &Scenario, signal: Signal) -> ScenarioResult {
    base(scenario, Outcome::Ignored(not_run_reason(signal)))
}

/// `not run: interrupted by SIGINT`.
pub(super) fn not_run_reason(signal: Signal) -> String {
    format!("not run: interrupted by {}", signal.name())
}

fn base(scenario: &Scenario, outcome: Outcome) -> ScenarioResult {
    ScenarioResult::of(scenario, outcome)
}
