//! Runs resolved scenarios against a target and produces plain-data results.
//!
//! ```text
//! Scenario ──▶ scenario::run_scenario ──▶ per step: request::build | kratos::{login,logout}
//!                     │                         └──▶ client::BrowserClient::send ─▶ Exchange
//!                     └──▶ assert::check_step ─▶ CheckResult ─▶ StepResult ─▶ ScenarioResult
//! trials: one libtest-mimic trial per scenario, sharing one SharedTarget
//! ```

pub mod assert;
pub mod client;
pub mod kratos;
pub mod request;
pub mod result;
pub mod scenario;
pub mod snapshot;
pub mod trials;

pub use trials::{SharedTarget, build_trials, runtime, trial_name};
