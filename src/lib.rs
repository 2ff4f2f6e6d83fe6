//! # openapp-conformance
//!
//! A headless end-to-end conformance harness for the OpenApp "Auth (browser session)" API
//! (`/auth/whoami`, `/auth/session`, `/auth/kratos-identity`, `/auth/provisioned`,
//! `/auth/logout`, `/auth/sign-out`) and the Ory Kratos self-service login flows behind it.
//!
//! Scenario files (`scenarios/**/*.toml`) are parsed and validated ([`scenario`]) and resolved
//! into a Plan ([`plan`]: one action per step, defaults applied, no TOML). The suite
//! ([`suite`], the one sequence behind `run` and the `cargo test` target) selects scenarios,
//! resolves a target ([`targets`]: the embedded stack, containers or an external deployment),
//! runs each as a libtest-mimic trial with one cookie jar per browser client ([`run`]), checks
//! its snapshot, and hands the results to the reporters ([`report`]). The embedded stack
//! ([`embedded`]) is a Kratos emulator plus a reference OpenApp server with fault and benign
//! switches ([`switches`]) that prove every check can fail and that conforming variations pass.
//! Load mode ([`load`]) repeats scenarios with many virtual users, still asserting, and reports
//! latency percentiles and failures under load. Explore mode ([`explore`]) generates stateful
//! operation sequences from a seed, checks every answer against a model of the contract and
//! shrinks a violation into a regression scenario. Plain data every layer shares lives in the leaf
//! [`settings`]; the command line is [`cli`].

pub mod browser;
pub mod cite;
pub mod cli;
pub mod contract;
pub mod cookie;
pub mod embedded;
pub mod exit;
pub mod explore;
pub mod images;
pub mod interrupt;
pub mod load;
pub mod plan;
pub mod redact;
pub mod report;
pub mod run;
pub mod scenario;
pub mod settings;
pub mod suite;
pub mod switches;
pub mod targets;
