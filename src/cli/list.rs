//! `list`: the scenarios with their rules, as text or one JSON array.

use std::process::ExitCode;

use clap::Args;

use super::args::ScenarioDirArg;
use super::error::CliError;
use crate::exit;
use crate::plan::{Loaded, load_dir};

/// `openapp-conformance list [--json]`.
#[derive(Debug, Args)]
pub(super) struct ListArgs {
    /// One JSON array on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    scenarios: ScenarioDirArg,
}

/// Lists the scenarios; invalid files are printed on stderr and make the exit code 2.
pub(super) fn list(args: ListArgs) -> Result<ExitCode, CliError> {
    let Loaded {
        scenarios,
        errors: invalid,
    } = load_dir(&args.scenarios.dir)?;
    for (_, e) in &invalid {
        eprintln!("{e}");
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
