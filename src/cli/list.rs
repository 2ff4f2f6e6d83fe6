//! `list`: the scenarios with their rules, as text or one JSON array.

use std::path::PathBuf;

use clap::Args;

use super::load;
use crate::exit;
use crate::run::trial_name;

#[derive(Debug, Args)]
pub(super) struct ListArgs {
    /// One JSON array on stdout.
    #[arg(long)]
    json: bool,
    /// The scenario directory.
    #[arg(
        long,
        env = "OPENAPP_CONFORMANCE_SCENARIOS",
        default_value = "scenarios"
    )]
    scenarios: PathBuf,
}

pub(super) fn list(args: ListArgs) -> u8 {
    let (scenarios, invalid) = match load(&args.scenarios) {
        Ok(x) => x,
        Err(code) => return code,
    };
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
                    "trial": trial_name(&s.id),
                    "file": s.path.display().to_string(),
                    "description": s.file.description,
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
                trial_name(&s.id),
                s.rules().join(","),
                s.name()
            );
        }
    }
    if invalid.is_empty() {
        exit::OK
    } else {
        exit::USAGE
    }
}
