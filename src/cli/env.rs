//! The `cargo test` target's settings: the same environment variables as `run`, read through
//! the same argument groups, into the suite's options.

use std::path::{Path, PathBuf};

use clap::Parser;

use super::args::{ReportArgs, SnapshotArgs, TargetArgs};
use crate::suite::{Entry, Selection, SuiteOptions};

/// Settings the `cargo test` target reads from the environment (the same variables as `run`).
#[derive(Debug, Parser)]
struct EnvSettings {
    #[arg(long, env = "OPENAPP_CONFORMANCE_TAG", value_delimiter = ',')]
    tag: Vec<String>,
    #[arg(long, env = "OPENAPP_CONFORMANCE_SKIP", value_delimiter = ',')]
    skip: Vec<String>,
    #[arg(long, env = "OPENAPP_CONFORMANCE_SCENARIOS")]
    scenarios: Option<PathBuf>,
    #[command(flatten)]
    snapshots: SnapshotArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    reports: ReportArgs,
}

/// The suite options of the `cargo test` target: settings from the environment, libtest's own
/// arguments (`harness`) for filters, `--list` and threads; `root` is the crate root (scenarios
/// and snapshots default to folders there). `Err` is a bad setting (exit code 2).
pub fn suite_from_env(
    root: &Path,
    harness: libtest_mimic::Arguments,
) -> Result<SuiteOptions, String> {
    let s = EnvSettings::try_parse_from(["cargo-test"]).map_err(|e| e.to_string())?;
    let scenarios = s.scenarios.unwrap_or_else(|| root.join("scenarios"));
    let snapshots = s.snapshots.config(&scenarios)?;
    Ok(SuiteOptions {
        selection: Selection {
            tags: s.tag,
            skip: s.skip,
            ..Selection::default()
        },
        target: s.target.options()?,
        scenarios,
        snapshots,
        reports: s.reports.paths(),
        harness,
        entry: Entry::CargoTest,
    })
}
