//! The command line: `run`, `list`, `faults`, `serve`, `stack`, `load`, `explore`, `kratos`, `reference` and
//! `healthcheck`. Every `run` flag also has an environment variable, because the `cargo test`
//! target takes its settings from the environment only ([`suite_from_env`]).
//!
//! Subcommands return `Result<ExitCode, CliError>`; [`main`] prints an error once and exits
//! with the code the error carries.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod args;
mod env;
mod error;
mod explore;
mod help;
mod list;
mod load;
mod run;
mod serve;
mod stack;

pub use args::{ReportArgs, ScenarioDirArg, SelectArgs, SnapshotArgs, TargetArgs};
pub use env::{HarnessArgs, harness_from_args, suite_from_env};
pub use error::CliError;

use crate::exit;

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
    #[command(after_help = help::target_environment())]
    Run(Box<run::RunArgs>),
    /// List the scenarios (the same selection as `run`: filters, --tag, --skip, --exact).
    List(list::ListArgs),
    /// List the switches of the embedded stack: name, kind, rules and what each does.
    Faults,
    /// Run only the reference OpenApp server, configured by environment (the reference image).
    #[command(after_help = help::reference_environment())]
    Reference,
    /// Exit 0 when GET URL answers 2xx (compose health checks in images without curl).
    Healthcheck(crate::images::healthcheck::HealthcheckArgs),
    /// Start the embedded stack and keep it running until interrupted.
    Serve(serve::ServeArgs),
    /// Start the run target's stack (embedded or containers) for other processes, until
    /// interrupted or until `--watch-pid` exits; `--nextest-setup` is nextest's setup script.
    Stack(stack::StackArgs),
    /// The Kratos emulator alone, with Kratos's own arguments (`kratos serve -c kratos.yml --dev`).
    Kratos(crate::embedded::kratos::cli::KratosArgs),
    /// Repeat scenarios with many virtual users, every iteration still asserting; report
    /// latency percentiles, throughput, errors and failures under load.
    #[command(after_help = help::target_environment())]
    Load(Box<load::LoadArgs>),
    /// Stateful, model-based runs: operations chosen from a seed, every answer checked against
    /// a model of the contract, a violation shrunk into a regression scenario under --out.
    #[command(after_help = help::target_environment())]
    Explore(Box<explore::ExploreArgs>),
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
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            e.print();
            ExitCode::from(e.exit_code())
        }
    }
}

fn dispatch(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Run(args) => run::run(*args),
        Command::List(args) => list::list(args),
        Command::Reference => Ok(ExitCode::from(crate::images::reference::run())),
        Command::Healthcheck(args) => Ok(ExitCode::from(crate::images::healthcheck::run(args))),
        Command::Faults => {
            print!("{}", crate::switches::render_table());
            Ok(ExitCode::from(exit::OK))
        }
        Command::Serve(args) => serve::serve(args),
        Command::Stack(args) => stack::stack(args),
        Command::Kratos(args) => Ok(ExitCode::from(crate::embedded::kratos::cli::run(args))),
        Command::Load(args) => load::load(*args),
        Command::Explore(args) => explore::run_explore(*args),
    }
}
