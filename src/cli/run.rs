//! `run [FILTER…]`: the suite against a target (the main job).

use std::process::ExitCode;

use clap::Args;

use super::args::{ReportArgs, ScenarioDirArg, SelectArgs, SnapshotArgs, TargetArgs};
use super::error::{CliError, usage};
use crate::suite::{Entry, SuiteOptions, run_suite};

/// `openapp-conformance run [FILTER…]`.
#[derive(Debug, Args)]
pub(super) struct RunArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// List the selected trials instead of running them.
    #[arg(long, env = "OPENAPP_CONFORMANCE_LIST")]
    list: bool,
    /// A scenario this target cannot run (a setting it needs is unset) fails instead of
    /// ending ignored: for CI jobs that must run everything (exit code 1).
    #[arg(long, env = "OPENAPP_CONFORMANCE_REQUIRE_ALL")]
    require_all: bool,
    /// Trials run in parallel on this many threads. Default: the number of CPUs.
    #[arg(long, env = "OPENAPP_CONFORMANCE_TEST_THREADS", value_parser = super::args::test_threads)]
    test_threads: Option<usize>,
    #[command(flatten)]
    scenarios: ScenarioDirArg,
    #[command(flatten)]
    snapshots: SnapshotArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    reports: ReportArgs,
    /// Print the whole transcript of every failing trial (every step's exchanges and checks),
    /// not only its verdict, failing exchange and reproduction.
    #[arg(short, long, env = "OPENAPP_CONFORMANCE_VERBOSE")]
    verbose: bool,
}

/// Runs the suite as the README documents it (exit codes in `crate::exit`).
pub(super) fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let target = args.target.options().map_err(usage)?;
    let snapshots = args.snapshots.config(&args.scenarios.dir).map_err(usage)?;
    let harness = libtest_mimic::Arguments {
        list: args.list,
        test_threads: args.test_threads,
        ..Default::default()
    };
    Ok(run_suite(SuiteOptions {
        selection: args.select.selection(),
        scenarios: args.scenarios.dir,
        target,
        snapshots,
        reports: args.reports.paths(),
        harness,
        require_all: args.require_all,
        entry: Entry::Cli,
        verbose: args.verbose,
    })?)
}
