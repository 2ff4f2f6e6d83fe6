//! The `load` subcommand: selects scenarios like `run`, resolves the same targets (with the
//! same flags and environment variables), runs [`super::run_load`] and prints the report.
//!
//! Exit codes: 0 when every iteration passed and no request failed, 1 otherwise, 2 for a bad
//! command line, an invalid scenario file or a selection of which nothing can run against the
//! target, 3 when the target could not be set up.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;

use super::{LoadOptions, Progress, ProgressStyle, render_text, run_load, to_json};
use crate::cli::{TargetArgs, error, load as load_scenarios, matches, parse_duration};
use crate::exit;
use crate::run::client::ClientFactory;
use crate::run::{runtime, trial_name};
use crate::target::resolve_target;

/// `openapp-conformance load [FILTER…]`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Load only scenarios whose trial name contains one of these (e.g. `core::r03`).
    filters: Vec<String>,
    /// Only scenarios with this tag (repeatable: any of them).
    #[arg(long, env = "OPENAPP_CONFORMANCE_TAG", value_delimiter = ',')]
    tag: Vec<String>,
    /// Filters match whole trial names exactly.
    #[arg(long)]
    exact: bool,
    /// Skip scenarios whose name contains this (repeatable).
    #[arg(long, value_delimiter = ',')]
    skip: Vec<String>,
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
    /// The scenario directory.
    #[arg(
        long,
        env = "OPENAPP_CONFORMANCE_SCENARIOS",
        default_value = "scenarios"
    )]
    scenarios: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs the `load` subcommand; gives the exit code.
pub fn load(args: LoadArgs) -> u8 {
    if args.concurrency == 0 || args.iterations == Some(0) || args.duration == Some(Duration::ZERO)
    {
        error("--concurrency, --iterations and --duration must be greater than zero");
        return exit::USAGE;
    }
    let opts = match args.target.options() {
        Ok(o) => o,
        Err(e) => {
            error(e);
            return exit::USAGE;
        }
    };
    let (mut scenarios, invalid) = match load_scenarios(&args.scenarios) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if !invalid.is_empty() {
        for (_, e) in &invalid {
            eprintln!("{e}");
        }
        return exit::USAGE;
    }
    scenarios.retain(|s| {
        let name = trial_name(&s.id);
        matches(
            &name,
            &s.tags(),
            &args.filters,
            args.exact,
            &args.tag,
            &args.skip,
        )
    });
    if scenarios.is_empty() {
        error(
            "no scenario matches the filters\n(hint: `openapp-conformance list` shows their names)",
        );
        return exit::USAGE;
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            error(format!("failed to start the async runtime: {e}"));
            return exit::SETUP;
        }
    };
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
        let target = match resolve_target(&opts).await {
            Ok(t) => t,
            Err(e) => {
                error(&e);
                return Err(e.exit_code());
            }
        };
        let factory = ClientFactory::new(target.endpoints.clone(), target.timeouts);
        let stop = Arc::new(AtomicBool::new(false));
        let on_signal = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_signal.store(true, Ordering::Relaxed);
            }
        });
        run_load(
            scenarios,
            Arc::new(target),
            factory,
            &load_opts,
            progress,
            stop,
        )
        .await
        .map_err(|e| {
            error(e);
            exit::USAGE
        })
    });
    let report = match report {
        Ok(r) => r,
        Err(code) => return code,
    };
    print!("{}", render_text(&report));
    let _ = std::io::stdout().flush();
    if let Some(path) = &args.json {
        let text = format!("{:#}\n", to_json(&report));
        if let Err(e) = std::fs::write(path, text) {
            error(format!("failed to write `{}`: {e}", path.display()));
            return exit::USAGE;
        }
    }
    if report.clean() {
        exit::OK
    } else {
        exit::CHECK_FAILED
    }
}
