//! Integration tests of the binary and of the library against the embedded stack.
//!
//! - `containers`: the containers target on the local Docker engine (skipped without one).
//! - `exit_codes`: the real binary's exit codes and outputs (README table kept true).
//! - `interrupt`: SIGINT / SIGTERM sent to `run` and `load` mid-request: exit 130 / 143, the
//!   summary and the reports marked interrupted; a second signal ends `load` at once.
//! - `foreign_origin`: rule K7 — with flow URLs on a foreign origin, a listener there receives
//!   nothing during a full run, and each refusal is one line without a secret.
//! - `load`: the `load` subcommand, and the load switch (invisible to `run`, caught by `load`).
//! - `selftest`: the default suite against the conforming stack, every benign switch (must
//!   pass) and every fault (must fail, citing the fault's rule), through the library.
//!
//! - `browser`: the HTML report in headless chromium (skipped when it is not installed).
//! - `network`: unreachable host, refused port, silent server, reset connection, retries.
//! - `secrets`: the canary test — no secret in stdout, stderr or any report.
//! - `tls`: https with a generated CA, OPENAPP_CA_CERT, --insecure.
//! - `wire`: what reqwest and hyper hide or normalise (raw answers through the harness client).
//! - `stack`, `tap`: support (the binary, `serve --json`, a recording relay).
//!
//! Debugging: `cargo test --test cli -- --nocapture selftest` shows each switch's verdict.

mod bad_input;
mod browser;
mod containers;
mod exit_codes;
mod foreign_origin;
mod interrupt;
mod load;
mod network;
mod secrets;
mod selftest;
mod stack;
mod tap;
mod tls;
mod wire;

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
