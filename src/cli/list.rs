//! `list [FILTER…]`: the scenarios `run` would take with the same selection (filters, `--tag`,
//! `--skip`, `--exact`), with their rules, as text or one JSON array.

use std::process::ExitCode;

use clap::Args;

use super::args::{ScenarioDirArg, SelectArgs};
use super::error::CliError;
use crate::exit;
use crate::suite::{Selected, SuiteError, select};

/// `openapp-conformance list [FILTER…] [--json]`.
#[derive(Debug, Args)]
pub(super) struct ListArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// One JSON array on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    scenarios: ScenarioDirArg,
}

/// Lists the selected scenarios; invalid files are printed on stderr and make the exit code
/// 2, as does a selection that matches nothing (as for `run`).
pub(super) fn list(args: ListArgs) -> Result<ExitCode, CliError> {
    let Selected {
        scenarios,
        invalid,
        total,
    } = select(&args.scenarios.dir, &args.select.selection())?;
    for (_, e) in &invalid {
        eprintln!("{e}");
    }
    if scenarios.is_empty() && invalid.is_empty() {
        return Err(SuiteError::NothingSelected {
            total,
            dir: args.scenarios.dir,
        }
        .into());
    }
    if args.json {
        let items: Vec<serde_json::Value> = scenarios
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name(),
                    "id": s.id,
                    "trial": s.trial_name(),
                    "file": s.path.display().to_string(),
                    "description": s.description,
                    "tags": s.tags(),
                    "rules": s.rules(),
                    "requirements": s.requirements,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(items));
    } else {
        for s in &scenarios {
            println!(
                "{}  [{}]  {}",
                s.trial_name(),
                s.rules().join(","),
                s.name()
            );
        }
    }
    Ok(ExitCode::from(if invalid.is_empty() {
        exit::OK
    } else {
        exit::USAGE
    }))
}
