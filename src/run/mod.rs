//! Runs plan scenarios against a target and produces plain-data results. It reads the resolved
//! Plan ([`crate::plan`]) only, never the scenario file model, and knows nothing of reports.
//!
//! ```text
//! plan::Scenario ──▶ scenario::run_scenario ──▶ per step: request::build | kratos::{login,logout}
//!                           │                         | kratos_form::login (browser-form)
//!                           │                         └──▶ client::BrowserClient::send ─▶ Exchange
//!                           └──▶ assert::check_step ─▶ CheckResult ─▶ StepResult ─▶ ScenarioResult
//! ```
//! A GET step with `expect.within` repeats request and checks with backoff (`within`) until
//! its expectations hold; captures (`capture`) are taken from its final attempt. The steps of
//! a parallel group run at once (`scenario`), each on its own client over the one HTTP client;
//! `clear_jar` and `wait` steps make no exchange.

pub mod assert;
mod capture;
pub mod client;
pub mod identities;
pub mod journal;
pub mod kratos;
mod kratos_errors;
pub mod kratos_form;
pub mod ledger;
pub mod origins;
pub mod request;
pub mod result;
pub mod scenario;
pub mod sdk;
pub mod shared;
mod within;
