//! The `load` subcommand: selects scenarios like `run`, resolves the same targets (with the
//! same flags and environment variables), runs [`crate::load::run_load`] and prints the report.
//!
//! Exit codes: 0 when every iteration passed and no request failed, 1 otherwise, 2 for a bad
//! command line, an invalid scenario file or a selection of which nothing can run against the
//! target, 3 when the target could not be set up.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;

use super::args::{ScenarioDirArg, SelectArgs, TargetArgs};
use super::error::{CliError, usage};
use crate::exit;
use crate::load::{LoadOptions, Progress, ProgressStyle, render_text, run_load, to_json};
use crate::settings::{parse_duration, runtime};
use crate::suite::{Connected, Selected, SuiteError, connect, select};

/// `openapp-conformance load [FILTER…]`.
#[derive(Debug, Args)]
pub(super) struct LoadArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Virtual users running at once, each with its own cookie jars.
    #[arg(long, short = 'c', default_value_t = 8)]
    concurrency: usize,
    /// Stop starting iterations after this long (e.g. 30s). Default: 10s unless
    /// --iterations is given.
    #[arg(long, short = 'd', value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Stop after this many scenario runs in total (spread over the selected scenarios in
    /// turn).
    #[arg(long, short = 'n')]
    iterations: Option<u64>,
    /// Also write the figures as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    scenarios: ScenarioDirArg,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs the `load` subcommand; gives the exit code.
pub(super) fn load(args: LoadArgs) -> Result<ExitCode, CliError> {
    if args.concurrency == 0 || args.iterations == Some(0) || args.duration == Some(Duration::ZERO)
    {
        return Err(usage(
            "--concurrency, --iterations and --duration must be greater than zero",
        ));
    }
    let opts = args.target.options().map_err(usage)?;
    let Selected {
        scenarios,
        invalid,
        total,
    } = select(&args.scenarios.dir, &args.select.selection())?;
    if !invalid.is_empty() {
        return Err(CliError::InvalidScenarios(
            invalid.into_iter().map(|(_, e)| e).collect(),
        ));
    }
    if scenarios.is_empty() {
        return Err(SuiteError::NothingSelected {
            total,
            dir: args.scenarios.dir,
        }
        .into());
    }
    let rt = runtime()?;
    let load_opts = LoadOptions {
        concurrency: args.concurrency,
        duration: args.duration,
        iterations: args.iterations,
    };
    let style = if args.quiet {
        ProgressStyle::Quiet
    } else {
        Progress::auto_style()
    };
    let progress = Progress::new(style, load_opts.deadline_after(), args.iterations);
    let report = rt.block_on(async {
        let Connected { target, factory } = connect(&opts).await?;
        let stop = Arc::new(AtomicBool::new(false));
        let on_signal = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_signal.store(true, Ordering::Relaxed);
            }
        });
        run_load(scenarios, target, factory, &load_opts, progress, stop)
            .await
            .map_err(usage)
    })?;
    print!("{}", render_text(&report));
    let _ = std::io::stdout().flush();
    if let Some(path) = &args.json {
        let text = format!("{:#}\n", to_json(&report));
        std::fs::write(path, text)
            .map_err(|e| usage(format!("failed to write `{}`: {e}", path.display())))?;
    }
    Ok(ExitCode::from(if report.clean() {
        exit::OK
    } else {
        exit::CHECK_FAILED
    }))
}
