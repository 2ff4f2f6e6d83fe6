//! What a scenario run has done so far, kept for a trial that may be cut short (an interrupted
//! run): its setup exchanges and finished steps survive the dropped run for the reports.

use std::sync::{Mutex, PoisonError};

use super::result::{Exchange, StepResult};

/// The finished parts of one scenario run, updated as it goes.
#[derive(Debug, Default)]
pub struct Journal(Mutex<SoFar>);

/// A copy of what a run finished before it was cut short.
#[derive(Debug, Clone, Default)]
pub struct SoFar {
    /// True once the identities were created (the steps started).
    pub setup_done: bool,
    /// Exchanges of the identity setup.
    pub setup: Vec<Exchange>,
    /// Steps that finished, in order.
    pub steps: Vec<StepResult>,
}

impl Journal {
    /// The setup finished with these exchanges.
    pub(crate) fn setup_done(&self, setup: &[Exchange]) {
        let mut so_far = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        so_far.setup_done = true;
        so_far.setup = setup.to_vec();
    }

    /// A step finished.
    pub(crate) fn step_done(&self, step: &StepResult) {
        let mut so_far = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        so_far.steps.push(step.clone());
    }

    /// What the run finished so far.
    pub fn so_far(&self) -> SoFar {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
