//! Integration tests of the binary and of the library against the embedded stack.
//!
//! - `command_line`: `--help`'s Environment sections and defaults, `list`'s selection,
//!   libtest's filtered-out count, the closing line of ignored scenarios and `--require-all`,
//!   the README's scenario count and `serve --json` fields.
//! - `containers`: the containers target on the local Docker engine (skipped without one).
//! - `exit_codes`: the real binary's exit codes and outputs (README table kept true).
//! - `explore`: issue 23's self-test — no violation on the conforming stack or a benign switch,
//!   every fault found citing its rule, each written scenario failing only under its fault, and
//!   docs/explore.md's table equal to the measurement.
//! - `failure_output`: a fault's default output within 150 lines and 15 KB, each failure
//!   first its verdict (own rule and text, expected, got) and a reproduction; every ✗ line of
//!   every fault cites exactly one rule.
//! - `hurl_parity`: the bench's Hurl file makes the requests of its scenario, counted at the
//!   server through the recording relay (skipped without Hurl 8).
//! - `interrupt`: SIGINT / SIGTERM sent to `run` and `load` mid-request: exit 130 / 143, the
//!   summary and the reports marked interrupted; a second signal ends `load` at once.
//! - `foreign_origin`: rule K7 — with flow URLs on a foreign origin, a listener there receives
//!   nothing during a full run, and each refusal is one line without a secret.
//! - `hygiene`: identities deleted after each trial (run, load, `--keep-identities`, the
//!   interrupt path's `delete_created_identities`), the emulator's identity DELETE, `--max-rps`.
//! - `preflight`: exit 3 with one message for an unreachable origin, exit 2 for a base URL
//!   without scheme or with the API prefix, the run's origin line (never under `--list`).
//! - `proxy`: `HTTP_PROXY`/`NO_PROXY` through a forward proxy in the test, the origin line.
//! - `load`: the `load` subcommand, and the load switch (invisible to `run`, caught by `load`).
//! - `sdk_table`: docs/auth-contract.md's table of which faults an SDK caller notices, kept
//!   equal to what the SDK scenarios measure under every switch.
//! - `step_kinds`: `clear_jar`, `wait` and parallel groups end to end (a fixture scenario in a
//!   temporary folder): overlapping offsets, the wait's time, a cleared jar, the snapshot.
//! - `selftest`: the default suite against the conforming stack, every benign switch (must
//!   pass) and every fault (must fail, citing the fault's rule), through the library.
//!
//! - `browser`: the HTML report in headless chromium (skipped when it is not installed).
//! - `browser_check`: `run --browser-check`: every step cross-checked by Chromium, no difference
//!   on the conforming stack or a benign switch, no engine difference under a fault, exit 3
//!   without Chromium.
//! - `nextest`: nextest's protocol against the `cargo test` target: counts equal `run`'s,
//!   unmet scenarios listed ignored, no process passes without running its trial.
//! - `pictures`: the fault report's sequence SVG (lanes, one arrow per exchange with its
//!   status) and jar timeline match its JSON report; failing scenarios first.
//! - `network`: unreachable host, refused port, silent server, reset connection, retries.
//! - `secrets`: the canary test — no secret in stdout, stderr or any report.
//! - `standalone`: under strace a run executes only itself and reads no CA store over http;
//!   no run writes into a snapshot folder unless asked, and no output carries insta's advice.
//! - `runner_image`: the FROM-scratch runner image runs the suite against an https target
//!   (skipped without Docker or the image).
//! - `tls`: https with a generated CA, OPENAPP_CA_CERT, --insecure.
//! - `wire`: what reqwest and hyper hide or normalise (raw answers through the harness client).
//! - `within`: `expect.within` and its setting, R16 against a gateway that caches sessions.
//! - `stack`, `tap`: support (the binary, `serve --json`, a recording relay).
//!
//! Debugging: `cargo test --test cli -- --nocapture selftest` shows each switch's verdict.

mod bad_input;
mod browser;
mod browser_check;
mod command_line;
mod containers;
mod exit_codes;
mod explore;
mod failure_output;
mod foreign_origin;
mod hurl_parity;
mod hygiene;
mod interrupt;
mod load;
mod network;
mod nextest;
mod pictures;
mod preflight;
mod proxy;
mod runner_image;
mod sdk_table;
mod secrets;
mod selftest;
mod stack;
mod standalone;
mod step_kinds;
mod tap;
mod tls;
mod wire;
mod within;

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
