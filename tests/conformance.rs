//! The conformance suite as a `cargo test` target (`harness = false`): one libtest-mimic trial
//! per scenario file, configured by the same environment variables as `openapp-conformance run`
//! (see the README). With no variables it runs against the embedded stack.

use std::path::Path;
use std::process::ExitCode;

use libtest_mimic::Arguments;
use openapp_conformance::cli::{reports_from_env, settings_from_env, write_reports};
use openapp_conformance::report::RunInfo;
use openapp_conformance::run::{SharedTarget, build_trials, runtime};
use openapp_conformance::scenario::load_dir;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let env = match settings_from_env(Path::new(env!("CARGO_MANIFEST_DIR"))) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let reports = match reports_from_env() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let loaded = match load_dir(&env.scenarios) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if loaded.scenarios.is_empty() && loaded.errors.is_empty() {
        eprintln!(
            "error: no scenario file under {} (a typo in OPENAPP_CONFORMANCE_SCENARIOS?)",
            env.scenarios.display()
        );
        return ExitCode::from(2);
    }
    let mut scenarios = loaded.scenarios;
    if !env.tags.is_empty() {
        scenarios.retain(|s| s.tags().iter().any(|t| env.tags.iter().any(|w| w == t)));
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    let shared = SharedTarget::new(env.target, env.snapshots, rt);
    let trials = build_trials(scenarios, loaded.errors, &shared);
    let info = RunInfo::starting();
    let conclusion = libtest_mimic::run(&args, trials);
    if !args.list
        && let Err(e) = write_reports(&reports, info, &shared)
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    conclusion.exit_code()
}
