//! The suite: the one run sequence both entry points call (`openapp-conformance run` and the
//! `cargo test` target), above `run` (which executes one scenario) and `report` (which renders
//! results).
//!
//! ```text
//! select (plan::load_dir + Selection::apply) ─▶ SharedTarget (connect: target resolved once)
//!                ─▶ build_trials ─▶ libtest-mimic ─▶ per trial: run::scenario::run_scenario
//!                                                    ─▶ report::snapshot view ─▶ snapshot::check
//!                ─▶ report files ─▶ exit code
//! ```

mod filtered;
mod interrupted;
mod preflight;
mod prepare;
mod select;
mod sequence;
pub mod snapshot;
mod trials;
mod unmet;

pub use prepare::{Connected, Selected, connect, origin_line, select};
pub use select::Selection;
pub use sequence::{Entry, SuiteError, SuiteOptions, run_suite};
pub use snapshot::{InstaUpdate, SnapshotConfig, SnapshotMode, ViewSource};
pub use trials::{SharedTarget, Strictness, build_trials};
