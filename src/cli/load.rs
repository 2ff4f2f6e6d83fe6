//! The `load` subcommand: selects scenarios like `run`, resolves the same targets (with the
//! same flags and environment variables), runs [`crate::load::run_load`] and prints the report.
//!
//! Exit codes: 0 when every iteration passed and no request failed, 1 otherwise, 2 for a bad
//! command line, an invalid scenario file or a selection of which nothing can run against the
//! target, 3 when the target could not be set up, 130 / 143 when SIGINT / SIGTERM stopped the
//! run (its summary and `--json` report are still written, marked interrupted; a second signal
//! exits at once).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::args::{ScenarioDirArg, SelectArgs, TargetArgs};
use super::error::{CliError, usage};
use crate::exit;
use crate::interrupt::{Interrupt, after_interrupt};
use crate::load::{
    LoadOptions, Progress, ProgressStyle, render_html, render_text, run_load, to_json,
};
use crate::settings::{RuntimeError, parse_duration, runtime};
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
    /// Also write a self-contained HTML page to this file: latency over time and p50/p95/p99
    /// per endpoint as SVG plots, the tables and the failures (no script, no external asset).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
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
        let interrupt = Interrupt::listen().map_err(RuntimeError::from)?;
        let watch = interrupt.watch();
        let Connected { target, factory } =
            match watch.cut_short(connect(&opts), Duration::ZERO).await {
                Ok(connected) => connected?,
                Err(signal) => return Ok(Err(signal)),
            };
        let report = run_load(
            scenarios,
            target,
            factory.clone(),
            &load_opts,
            progress,
            watch,
        )
        .await
        .map_err(usage)?;
        if report.interrupted.is_some() {
            after_interrupt(&factory).await;
        }
        Ok::<_, CliError>(Ok((report, interrupt)))
    })?;
    let (report, _interrupt) = match report {
        Ok(got) => got,
        Err(signal) => {
            eprintln!(
                "interrupted by {} before the first iteration",
                signal.name()
            );
            return Ok(ExitCode::from(signal.exit_code()));
        }
    };
    print!("{}", render_text(&report));
    let _ = std::io::stdout().flush();
    let files = [
        (&args.json, format!("{:#}\n", to_json(&report))),
        (&args.html, render_html(&report)),
    ];
    for (path, text) in files.iter().filter_map(|(p, t)| Some((p.as_ref()?, t))) {
        std::fs::write(path, text)
            .map_err(|e| usage(format!("failed to write `{}`: {e}", path.display())))?;
    }
    if let Some(signal) = report.interrupted {
        eprintln!(
            "interrupted by {}: {} scenario runs did not finish",
            signal.name(),
            report.cut_short
        );
        return Ok(ExitCode::from(signal.exit_code()));
    }
    Ok(ExitCode::from(if report.clean() {
        exit::OK
    } else {
        exit::CHECK_FAILED
    }))
}
