//! Reporters: pure functions of the run's results.

pub mod human;
pub mod snapshot;
