//! Integration tests of the binary and of the library against the embedded stack.
//!
//! - `containers`: the containers target on the local Docker engine (skipped without one).
//! - `exit_codes`: the real binary's exit codes and outputs (README table kept true).
//! - `selftest`: the default suite against the conforming stack, every benign switch (must
//!   pass) and every fault (must fail, citing the fault's rule), through the library.
//!
//! Debugging: `cargo test --test cli -- --nocapture selftest` shows each switch's verdict.

mod containers;
mod exit_codes;
mod selftest;

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
