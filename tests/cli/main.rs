//! Integration tests of the binary and of the library against the embedded stack.
//!
//! - `exit_codes`: the real binary's exit codes and outputs (README table kept true).
//! - `load`: the `load` subcommand, and the load switch (invisible to `run`, caught by `load`).
//! - `selftest`: the default suite against the conforming stack, every benign switch (must
//!   pass) and every fault (must fail, citing the fault's rule), through the library.
//!
//! Debugging: `cargo test --test cli -- --nocapture selftest` shows each switch's verdict.

mod exit_codes;
mod load;
mod selftest;

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
