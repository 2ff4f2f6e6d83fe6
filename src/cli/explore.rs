//! The `explore` subcommand: resolves the same targets as `run` (same flags, environment,
//! preflight, rate limit and secrets handling), runs [`crate::explore::explore`], writes a
//! violation as a regression scenario under `--out` and prints the summary.
//!
//! Exit codes: 0 when no violation was found, 1 when one was (written under `--out`), 2 for a
//! bad command line, 3 when the target could not be set up or cannot run explore's
//! scenarios, 130 / 143 when SIGINT / SIGTERM stopped the run.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::args::TargetArgs;
use super::error::{CliError, usage};
use crate::exit;
use crate::explore::episode::Shape;
use crate::explore::regression::{DEFAULT_OUT, confirm_and_write};
use crate::explore::report::{render_text, to_json};
use crate::explore::{ExploreError, ExploreOptions, Session, explore, reach, setup};
use crate::interrupt::Interrupt;
use crate::plan::Settings;
use crate::run::client::ClientFactory;
use crate::settings::{RuntimeError, parse_duration, runtime};
use crate::suite::connect;
use crate::switches::Switches;
use crate::targets::{TargetError, TargetKind, TargetOptions, resolve_target};

/// Which rules' expectations the model states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Profile {
    /// The documented contract.
    Core,
    /// Core plus hardening (R8, R12, R16, R18, R19; replays and `X-User`).
    Strict,
}

/// `openapp-conformance explore`.
#[derive(Debug, Args)]
pub(super) struct ExploreArgs {
    /// The seed of the operation sequence (default: from the clock; always printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Stop after this many operations. Default: 1000 unless --duration is given.
    #[arg(long, short = 'n', value_name = "N", conflicts_with = "duration")]
    ops: Option<u64>,
    /// Stop starting episodes after this long (e.g. 30s).
    #[arg(long, short = 'd', value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Identities in play, even ones provisioned, odd ones not. Default: 2 with
    /// KRATOS_ADMIN_URL (the harness creates and deletes them), else the one configured test
    /// identity (OPENAPP_TEST_IDENTIFIER, provisioned).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=8))]
    identities: Option<u8>,
    /// Browser clients (cookie jars) in play.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=8))]
    clients: u8,
    /// Steps of different clients run at once over the run's shared connections (1: one
    /// after another; more: parallel groups, the interleaving recorded).
    #[arg(long, short = 'c', default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=16))]
    concurrency: u8,
    /// The rules whose expectations the model states.
    #[arg(long, value_enum, default_value_t = Profile::Core)]
    profile: Profile,
    /// Where a violation's regression scenario and its snapshot are written.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Also write the summary as JSON to this file (the seed included).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    target: TargetArgs,
}

impl ExploreArgs {
    fn options(&self) -> ExploreOptions {
        let seed = self.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64 % 1_000_000_000)
        });
        ExploreOptions {
            seed,
            ops: self.ops,
            duration: self.duration,
            identities: self.identities,
            clients: self.clients,
            concurrency: usize::from(self.concurrency),
            strict: self.profile == Profile::Strict,
        }
    }
}

/// The command that repeats a run up to its violation (found after `ops` operations), for the
/// regression file's comment: the embedded stack's switches, no other target flag (they may
/// name hosts the file should not carry).
fn command(o: &ExploreOptions, ops: u64, switches: &Switches) -> String {
    let mut c = format!("openapp-conformance explore --seed {} --ops {ops}", o.seed);
    if let Some(k) = o.identities {
        c.push_str(&format!(" --identities {k}"));
    }
    c.push_str(&format!(
        " --clients {} --concurrency {} --profile {}",
        o.clients,
        o.concurrency,
        if o.strict { "strict" } else { "core" }
    ));
    let on: Vec<&str> = switches.names().collect();
    if !on.is_empty() {
        c.push_str(&format!(" --fault {}", on.join(",")));
    }
    c
}

/// Runs the `explore` subcommand; gives the exit code.
pub(super) fn run_explore(args: ExploreArgs) -> Result<ExitCode, CliError> {
    if args.ops == Some(0) || args.duration == Some(Duration::ZERO) {
        return Err(usage("--ops and --duration must be greater than zero"));
    }
    let target_opts = args.target.options().map_err(usage)?;
    if target_opts.browser_check {
        return Err(usage(
            "explore does not run the browser check: run the scenario it writes with `run --browser-check`",
        ));
    }
    let opts = args.options();
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let rt = runtime()?;
    let outcome = rt.block_on(async {
        let interrupt = Interrupt::listen().map_err(RuntimeError::from)?;
        let watch = interrupt.watch();
        let connected = match watch.cut_short(connect(&target_opts), Duration::ZERO).await {
            Ok(c) => c?,
            Err(signal) => return Ok(Err(signal)),
        };
        let target = connected.target.clone();
        let settings = Settings::from_env();
        let (reach, notes) = reach(&target, &opts);
        for note in &notes {
            eprintln!("note: {note}");
        }
        let session = Session {
            target: &target,
            factory: &connected.factory,
            settings: &settings,
            shape: Shape {
                setup: setup(&target, &opts),
                clients: reach.clients,
                concurrency: opts.concurrency,
            },
            fresh: (target.kind == TargetKind::Embedded).then(|| target_opts.clone()),
        };
        let tick = |e: &crate::explore::Explored| {
            if progress {
                eprint!(
                    "\rexplore: {} operations, {} episodes, {} model states",
                    e.ops,
                    e.episodes,
                    e.states.len()
                );
            }
        };
        let kind = target.kind;
        let mut explored = explore(&session, &opts, &reach, &watch, tick)
            .await
            .map_err(|e| explore_error(e, kind))?;
        if progress {
            eprintln!();
        }
        explored.notes = notes;
        let written = match &explored.found {
            Some(found) if explored.interrupted.is_none() => {
                let reference = reference_stack(&target_opts).await?;
                let repeat = command(&opts, found.ops_until_found, &target_opts.switches);
                let confirm = confirm_and_write(
                    &session,
                    found,
                    opts.seed,
                    &repeat,
                    (&reference.0, &reference.1),
                    &args.out,
                );
                match watch.cut_short(confirm, target.timeouts.request).await {
                    Ok(w) => Some(w.map_err(|e| explore_error(e, kind))?),
                    Err(signal) => {
                        explored.interrupted = Some(signal);
                        None
                    }
                }
            }
            _ => None,
        };
        Ok::<_, CliError>(Ok((explored, written, interrupt)))
    })?;
    let (explored, written, _interrupt) = match outcome {
        Ok(got) => got,
        Err(signal) => {
            eprintln!(
                "interrupted by {} before the first operation",
                signal.name()
            );
            return Ok(ExitCode::from(signal.exit_code()));
        }
    };
    print!("{}", render_text(&explored, written.as_ref()));
    let _ = std::io::stdout().flush();
    if let Some(path) = &args.json {
        let text = format!("{:#}\n", to_json(&explored, written.as_ref()));
        std::fs::write(path, text)
            .map_err(|e| usage(format!("failed to write `{}`: {e}", path.display())))?;
    }
    if let Some(signal) = explored.interrupted {
        eprintln!("interrupted by {}", signal.name());
        return Ok(ExitCode::from(signal.exit_code()));
    }
    Ok(ExitCode::from(if explored.found.is_some() {
        exit::CHECK_FAILED
    } else {
        exit::OK
    }))
}

/// The conforming embedded stack a regression scenario is confirmed on (its snapshot's
/// source): the user's timeouts, no switch.
async fn reference_stack(
    opts: &TargetOptions,
) -> Result<(crate::targets::Target, ClientFactory), CliError> {
    let reference = TargetOptions {
        kind: Some(TargetKind::Embedded),
        timeouts: opts.timeouts,
        ..TargetOptions::default()
    };
    let target = resolve_target(&reference).await?;
    let factory = ClientFactory::for_target(&target);
    Ok((target, factory))
}

/// An explore error as the command line reports it: a target that cannot run explore's
/// scenarios is a setup failure (exit 3), naming what to set.
fn explore_error(e: ExploreError, kind: TargetKind) -> CliError {
    match e {
        ExploreError::Unrunnable(why) => TargetError::Setup {
            target: kind.as_str(),
            message: format!("explore cannot run on this target: {why}"),
        }
        .into(),
        other => usage(other.to_string()),
    }
}
