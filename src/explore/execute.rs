//! Runs an explore scenario on a target through the scenario runner, like any trial, and
//! reads the first violation out of its result.

use std::path::Path;

use crate::plan::{Scenario, Settings, resolve};
use crate::redact::Secrets;
use crate::run::client::ClientFactory;
use crate::run::result::{Outcome, ScenarioResult};
use crate::run::scenario::run_scenario;
use crate::scenario::{Scenario as Validated, parse};
use crate::targets::Target;

/// The first violation of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// 1-based index of the failing step.
    pub step: usize,
    /// The rule the first failed check cites (`error` for a step that could not run).
    pub rule: String,
    /// That check's name and failure text (redacted).
    pub what: String,
}

/// One run of a scenario text.
#[derive(Debug)]
pub struct Ran {
    /// The plan it became.
    pub scenario: Scenario,
    /// What happened.
    pub result: ScenarioResult,
    /// Every secret the run met, for redacting what is printed.
    pub secrets: Secrets,
}

impl Ran {
    /// The first violation, if the run failed.
    pub fn violation(&self) -> Option<Violation> {
        if self.result.outcome != Outcome::Failed {
            return None;
        }
        if let Some(e) = &self.result.setup_error {
            return Some(Violation {
                step: 0,
                rule: "setup".into(),
                what: self.secrets.redact(e),
            });
        }
        let step = self.result.steps.iter().find(|s| !s.passed())?;
        let (rule, what) = match step.checks.iter().find(|c| !c.passed()) {
            Some(c) => (
                c.rules.first().cloned().unwrap_or_else(|| "none".into()),
                format!("{}: {}", c.what, c.failure.clone().unwrap_or_default()),
            ),
            None => ("error".into(), step.error.clone().unwrap_or_default()),
        };
        Some(Violation {
            step: step.index,
            rule,
            what: self.secrets.redact(&what),
        })
    }
}

/// Parses, validates and resolves `text` (as file `id.toml`), then runs it on `target`.
/// `Err`: the text is not a valid scenario (a mistake of explore's, with file:line:column).
pub async fn run_text(
    text: &str,
    id: &str,
    target: &Target,
    factory: &ClientFactory,
    settings: &Settings,
) -> Result<Ran, String> {
    let path = Path::new(id).with_extension("toml");
    let file = parse(&path, text).map_err(|e| e.to_string())?;
    let validated = Validated::new(path, id.to_string(), file);
    let scenario = resolve(&validated, settings).map_err(|e| e.to_string())?;
    let secrets = Secrets::new();
    if let Some(key) = &target.caps.api_key {
        secrets.add("api-key", key);
    }
    let factory = factory.fresh_connections();
    let result = run_scenario(&scenario, target, &factory, &secrets).await;
    Ok(Ran {
        scenario,
        result,
        secrets,
    })
}
