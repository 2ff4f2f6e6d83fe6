//! The conformance suite as a `cargo test` target (`harness = false`): one libtest-mimic trial
//! per scenario file, configured by the same environment variables as `openapp-conformance run`
//! (see the README). With no variables it runs against the embedded stack.

use std::path::Path;
use std::process::ExitCode;

use openapp_conformance::cli::{harness_from_args, suite_from_env};
use openapp_conformance::exit;
use openapp_conformance::suite::run_suite;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = match harness_from_args(std::env::args().skip(1))
        .and_then(|args| suite_from_env(root, args))
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    run_suite(options).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(e.exit_code())
    })
}
