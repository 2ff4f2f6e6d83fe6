//! The command line: `run`, `list`, `faults`, `serve` and `kratos`. Every `run` flag also has an
//! environment variable, because the `cargo test` target takes its settings from the
//! environment only.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::exit;

mod list;
mod reports;
mod serve;

use list::{ListArgs, list};
pub(crate) use serve::wait_for_shutdown;
use serve::{ServeArgs, serve};

use crate::report::RunInfo;
use crate::run::snapshot::{SnapshotConfig, SnapshotMode, is_ci};
use crate::run::{SharedTarget, build_trials, runtime, trial_name};
use crate::scenario::{Loaded, Scenario, ScenarioError, load_dir};
use reports::ReportArgs;
pub use reports::{reports_from_env, write_reports};

/// Invalid scenario files: trial id and error.
type Invalid = Vec<(String, ScenarioError)>;
use crate::switches::{self, Switches};
use crate::target::{TargetKind, TargetOptions};

/// Conformance harness for the OpenApp browser-session Auth API and its Kratos login flows.
#[derive(Debug, Parser)]
#[command(name = "openapp-conformance", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the scenarios (all by default) against a target.
    Run(Box<RunArgs>),
    /// List the scenarios.
    List(ListArgs),
    /// List the fault and benign switches of the embedded stack: `NAME KIND RULES`.
    Faults,
    /// Run only the reference OpenApp server, configured by environment (the reference image).
    Reference,
    /// Exit 0 when GET URL answers 2xx (compose health checks in images without curl).
    Healthcheck(crate::images::healthcheck::HealthcheckArgs),
    /// Start the embedded stack and keep it running until interrupted.
    Serve(ServeArgs),
    /// The Kratos emulator alone, with Kratos's own arguments (`kratos serve -c kratos.yml --dev`).
    Kratos(crate::embedded::kratos::cli::KratosArgs),
    /// Repeat scenarios with many virtual users, every iteration still asserting; report
    /// latency percentiles, throughput, errors and failures under load.
    Load(crate::load::cli::LoadArgs),
}

/// Parses a duration such as `4s`, `500ms`, `2m`, `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 4s, 500ms, 1h"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => {
            return Err(format!(
                "`{s}` is not a duration like 4s, 500ms, 1h (units: ms, s, m, h)"
            ));
        }
    };
    Ok(d)
}

/// The target flags shared by `run` and `load`.
#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    /// embedded, containers or external. Default: external when OPENAPP_BASE_URL is set, else embedded.
    #[arg(long, value_enum, env = "OPENAPP_CONFORMANCE_TARGET")]
    target: Option<TargetKind>,
    /// Fault or benign switches of the embedded stack, comma-separated (see `faults`).
    #[arg(long, env = "OPENAPP_CONFORMANCE_FAULT", value_name = "NAME")]
    fault: Option<String>,
    /// Login flow lifespan of the embedded Kratos. Default: 1h.
    #[arg(long, env = "OPENAPP_CONFORMANCE_FLOW_LIFESPAN", value_parser = parse_duration)]
    flow_lifespan: Option<Duration>,
    /// TCP connect timeout. Default: 5s.
    #[arg(long, env = "OPENAPP_CONFORMANCE_CONNECT_TIMEOUT", value_parser = parse_duration, default_value = "5s")]
    connect_timeout: Duration,
    /// Whole-request timeout. Default: 10s.
    #[arg(long, env = "OPENAPP_CONFORMANCE_REQUEST_TIMEOUT", value_parser = parse_duration, default_value = "10s")]
    request_timeout: Duration,
    /// Accept any TLS certificate (prints a warning on every run). Prefer OPENAPP_CA_CERT.
    #[arg(long, env = "OPENAPP_CONFORMANCE_INSECURE")]
    insecure: bool,
    /// Try a GET again this many times after a transport error (POSTs are never retried).
    #[arg(
        long,
        env = "OPENAPP_CONFORMANCE_RETRIES",
        value_name = "N",
        default_value_t = 0
    )]
    retries: u32,
}

impl TargetArgs {
    /// The target options these flags (and their environment variables) give.
    pub(crate) fn options(&self) -> Result<TargetOptions, String> {
        let switches =
            Switches::parse(self.fault.as_deref().unwrap_or("")).map_err(|e| e.to_string())?;
        Ok(TargetOptions {
            kind: self.target,
            switches,
            flow_lifespan: self.flow_lifespan,
            timeouts: crate::target::Timeouts {
                connect: self.connect_timeout,
                request: self.request_timeout,
                retries: self.retries,
            },
            insecure: self.insecure,
        })
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Run only scenarios whose trial name contains one of these (e.g. `core::r10`, `logout`).
    filters: Vec<String>,
    /// Only scenarios with this tag (repeatable: any of them).
    #[arg(long, env = "OPENAPP_CONFORMANCE_TAG", value_delimiter = ',')]
    tag: Vec<String>,
    /// Filters match whole trial names exactly.
    #[arg(long, env = "OPENAPP_CONFORMANCE_EXACT")]
    exact: bool,
    /// Skip scenarios whose name contains this (repeatable).
    #[arg(long, env = "OPENAPP_CONFORMANCE_SKIP", value_delimiter = ',')]
    skip: Vec<String>,
    /// List the selected trials instead of running them.
    #[arg(long, env = "OPENAPP_CONFORMANCE_LIST")]
    list: bool,
    /// Trials run in parallel on this many threads. Default: the number of CPUs.
    #[arg(long, env = "OPENAPP_CONFORMANCE_TEST_THREADS")]
    test_threads: Option<usize>,
    /// The scenario directory.
    #[arg(
        long,
        env = "OPENAPP_CONFORMANCE_SCENARIOS",
        default_value = "scenarios"
    )]
    scenarios: PathBuf,
    #[command(flatten)]
    snapshots: SnapshotArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    reports: ReportArgs,
}

#[derive(Debug, Args)]
struct SnapshotArgs {
    /// The snapshot directory. Default: `snapshots` next to the scenario directory.
    #[arg(long, env = "OPENAPP_CONFORMANCE_SNAPSHOTS")]
    snapshots: Option<PathBuf>,
    /// Write the new snapshot where it differs or is missing (refused when CI is set).
    #[arg(long, env = "OPENAPP_CONFORMANCE_UPDATE_SNAPSHOTS")]
    update_snapshots: bool,
}

impl SnapshotArgs {
    fn config(&self, scenarios: &std::path::Path) -> Result<SnapshotConfig, String> {
        if self.update_snapshots && is_ci() {
            return Err("--update-snapshots is refused when CI is set: snapshots are reviewed and committed, never written by CI".into());
        }
        let dir = self.snapshots.clone().unwrap_or_else(|| {
            scenarios
                .parent()
                .map(|p| p.join("snapshots"))
                .unwrap_or_else(|| PathBuf::from("snapshots"))
        });
        let mode = if self.update_snapshots {
            SnapshotMode::Update
        } else {
            SnapshotMode::Assert
        };
        Ok(SnapshotConfig { dir, mode })
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(match cli.command {
        Command::Run(args) => run(*args),
        Command::List(args) => list(args),
        Command::Reference => crate::images::reference::run(),
        Command::Healthcheck(args) => crate::images::healthcheck::run(args),
        Command::Faults => {
            print!("{}", switches::render_table());
            exit::OK
        }
        Command::Serve(args) => serve(args),
        Command::Kratos(args) => crate::embedded::kratos::cli::run(args),
        Command::Load(args) => crate::load::cli::load(args),
    })
}

pub(crate) fn error(msg: impl std::fmt::Display) {
    eprintln!("error: {msg}");
}

/// Loads scenarios; prints invalid files; `Err` when the directory itself is unusable.
pub(crate) fn load(dir: &std::path::Path) -> Result<(Vec<Scenario>, Invalid), u8> {
    match load_dir(dir) {
        Ok(Loaded { scenarios, errors }) => Ok((scenarios, errors)),
        Err(e) => {
            error(e);
            Err(exit::USAGE)
        }
    }
}

fn selected(name: &str, tags: &[&str], args: &RunArgs) -> bool {
    matches(name, tags, &args.filters, args.exact, &args.tag, &args.skip)
}

/// The trial selection of `run` and `load`: any filter (substring, or whole name with
/// `exact`), any tag, no skip.
pub(crate) fn matches(
    name: &str,
    tags: &[&str],
    filters: &[String],
    exact: bool,
    tag: &[String],
    skip: &[String],
) -> bool {
    let filtered = filters.is_empty()
        || filters.iter().any(|f| {
            if exact {
                name == f
            } else {
                name.contains(f.as_str())
            }
        });
    let tagged = tag.is_empty() || tag.iter().any(|t| tags.contains(&t.as_str()));
    let skipped = skip.iter().any(|s| name.contains(s.as_str()));
    filtered && tagged && !skipped
}

fn run(args: RunArgs) -> u8 {
    let opts = match args.target.options() {
        Ok(o) => o,
        Err(e) => {
            error(e);
            return exit::USAGE;
        }
    };
    let reports = args.reports.paths();
    if let Err(e) = reports.check() {
        error(e);
        return exit::USAGE;
    }
    let (mut scenarios, mut invalid) = match load(&args.scenarios) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let total = scenarios.len() + invalid.len();
    scenarios.retain(|s| selected(&trial_name(&s.id), &s.tags(), &args));
    invalid.retain(|(id, _)| selected(&trial_name(id), &[], &args) || args.tag.is_empty());
    for (_, e) in &invalid {
        eprintln!("{e}");
    }
    if scenarios.is_empty() && invalid.is_empty() {
        error(format!(
            "no scenario matches the filters ({total} scenario files under {})\n(hint: `openapp-conformance list` shows their names)",
            args.scenarios.display()
        ));
        return exit::USAGE;
    }
    let bad_files = !invalid.is_empty();
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            error(format!("failed to start the async runtime: {e}"));
            return exit::SETUP;
        }
    };
    let snapshots = match args.snapshots.config(&args.scenarios) {
        Ok(s) => s,
        Err(e) => {
            error(e);
            return exit::USAGE;
        }
    };
    let shared = SharedTarget::new(opts, snapshots, rt);
    let largs = libtest_mimic::Arguments {
        list: args.list,
        test_threads: args.test_threads,
        ..Default::default()
    };
    if !args.list
        && let Err(e) = shared.resolve()
    {
        error(&e);
        return if bad_files {
            exit::USAGE
        } else {
            e.exit_code()
        };
    }
    let trials = build_trials(scenarios, invalid, &shared);
    let info = RunInfo::starting();
    let conclusion = libtest_mimic::run(&largs, trials);
    if !args.list
        && let Ok(target) = shared.resolve()
        && let Some(cold) = target.cold_start
    {
        println!(
            "{} target: stack cold start {:.1}s",
            target.kind.as_str(),
            cold.as_secs_f64()
        );
    }
    let _ = std::io::stdout().flush();
    if !args.list
        && let Err(e) = write_reports(&reports, info, &shared)
    {
        error(e);
        return exit::USAGE;
    }
    if bad_files {
        exit::USAGE
    } else if conclusion.has_failed() {
        exit::CHECK_FAILED
    } else {
        exit::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("4s"), Ok(Duration::from_secs(4)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("4").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("4 parsecs").is_err());
    }
}

/// Settings the `cargo test` target reads from the environment (the same variables as `run`).
#[derive(Debug, Parser)]
struct EnvSettings {
    #[arg(long, env = "OPENAPP_CONFORMANCE_TAG", value_delimiter = ',')]
    tag: Vec<String>,
    #[arg(long, env = "OPENAPP_CONFORMANCE_SCENARIOS")]
    scenarios: Option<PathBuf>,
    #[command(flatten)]
    snapshots: SnapshotArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    reports: ReportArgs,
}

/// What the `cargo test` target reads from the environment.
#[derive(Debug)]
pub struct EnvRun {
    /// Target options.
    pub target: TargetOptions,
    /// Tag filter (any of).
    pub tags: Vec<String>,
    /// The scenario directory.
    pub scenarios: PathBuf,
    /// Snapshot directory and mode.
    pub snapshots: SnapshotConfig,
}

/// The `cargo test` target's settings; `root` is the crate root (scenarios and snapshots
/// default to folders there).
pub fn settings_from_env(root: &std::path::Path) -> Result<EnvRun, String> {
    let s = EnvSettings::try_parse_from(["cargo-test"]).map_err(|e| e.to_string())?;
    let scenarios = s
        .scenarios
        .clone()
        .unwrap_or_else(|| root.join("scenarios"));
    let snapshots = s.snapshots.config(&scenarios)?;
    Ok(EnvRun {
        target: s.target.options()?,
        tags: s.tag,
        scenarios,
        snapshots,
    })
}
