//! [`CliError`]: why a subcommand stopped early, with the exit code it maps to.

use crate::exit;
use crate::scenario::{LoadError, ScenarioError};
use crate::settings::RuntimeError;
use crate::suite::SuiteError;
use crate::targets::TargetError;

/// A subcommand could not do its job; [`CliError::exit_code`] is the process's exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A bad command line or setting (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Invalid scenario files (exit code 2); each prints as its own located message.
    #[error("{} invalid scenario file(s)", .0.len())]
    InvalidScenarios(Vec<ScenarioError>),
    /// The scenario directory cannot be walked (exit code 2).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Something the subcommand needs could not be started (exit code 3).
    #[error("{0}")]
    Setup(String),
    /// No tokio runtime (exit code 3).
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The target could not be resolved (exit code 2 or 3, as the error says).
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The suite could not run to its end (its own exit code).
    #[error(transparent)]
    Suite(#[from] SuiteError),
}

impl CliError {
    /// The process exit code this error maps to (`crate::exit`).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::InvalidScenarios(_) | CliError::Load(_) => exit::USAGE,
            CliError::Setup(_) | CliError::Runtime(_) => exit::SETUP,
            CliError::Target(e) => e.exit_code(),
            CliError::Suite(e) => e.exit_code(),
        }
    }

    /// Prints the error on stderr: `error: …`, or each invalid file's located message.
    pub fn print(&self) {
        match self {
            CliError::InvalidScenarios(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
            }
            other => eprintln!("error: {other}"),
        }
    }
}

/// A bad setting (exit code 2) from any message.
pub(crate) fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}
