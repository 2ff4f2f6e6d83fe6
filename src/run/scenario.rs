//! Runs one scenario against a target: creates its identities, gives each browser client its
//! own jar, executes the steps in order (the steps of a parallel group at once, `steps`),
//! evaluates expectations and captures, and stops after the first failing step or group. A
//! GET step with `expect.within` is tried until its expectations hold or its time is up
//! (`super::within`). The result is plain data ([`ScenarioResult`]).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::Value;

use super::client::{BrowserClient, ClientFactory};
use super::journal::Journal;
use super::kratos;
use super::request::random_token;
use super::result::{CheckResult, Exchange, Outcome, ScenarioResult, StepResult};
use crate::browser::check::ClientCheck;
use crate::plan::model::{Action, Scenario, Step};
use crate::redact::Secrets;
use crate::targets::Target;

mod steps;

/// Credentials of one identity of a trial.
struct Identity {
    identifier: String,
    password: String,
}

/// The state of one scenario run (one libtest trial): its clients, identities and variables.
struct ScenarioRun<'a> {
    target: &'a Target,
    factory: &'a ClientFactory,
    secrets: Secrets,
    vars: HashMap<String, String>,
    clients: BTreeMap<String, BrowserClient>,
    identities: BTreeMap<String, Identity>,
    step_json: HashMap<String, Option<Value>>,
    /// Identifiers of the identities this trial created through the admin API, to delete at
    /// its end.
    created: Vec<String>,
    /// `--browser-check`: each client's Chromium context.
    contexts: BTreeMap<String, ClientCheck>,
}

/// Runs a scenario. `secrets` collects every secret the trial meets, for the reporters.
pub async fn run_scenario(
    scenario: &Scenario,
    target: &Target,
    factory: &ClientFactory,
    secrets: &Secrets,
) -> ScenarioResult {
    run_scenario_journaled(scenario, target, factory, secrets, None).await
}

/// [`run_scenario`], also keeping what is finished in `journal` as it goes, for a trial that
/// may be cut short (an interrupted run).
pub async fn run_scenario_journaled(
    scenario: &Scenario,
    target: &Target,
    factory: &ClientFactory,
    secrets: &Secrets,
    journal: Option<&Journal>,
) -> ScenarioResult {
    let started = Instant::now();
    let mut result = ScenarioResult {
        resolve: target
            .endpoints
            .resolve
            .iter()
            .map(ToString::to_string)
            .collect(),
        ..ScenarioResult::of(scenario, Outcome::Passed)
    };
    if let Some(reason) = target.missing(&scenario.requirements) {
        result.outcome = Outcome::Ignored(reason);
        return result;
    }
    let mut trial = ScenarioRun {
        target,
        factory,
        secrets: secrets.clone(),
        vars: HashMap::new(),
        clients: BTreeMap::new(),
        identities: BTreeMap::new(),
        step_json: HashMap::new(),
        created: Vec::new(),
        contexts: BTreeMap::new(),
    };
    if let Some(domain) = &target.endpoints.cookie_domain {
        trial.vars.insert("cookie_domain".into(), domain.clone());
    }
    let public = target
        .endpoints
        .kratos_public
        .as_str()
        .trim_end_matches('/');
    trial
        .vars
        .insert("kratos_public_url".into(), public.to_string());
    let setup = trial.setup_identities(scenario, &mut result.setup).await;
    if let Err(e) = setup {
        result.setup_error = Some(e);
        result.outcome = Outcome::Failed;
        trial.delete_identities(&mut result).await;
        result.elapsed = started.elapsed();
        return result;
    }
    if let Some(j) = journal {
        j.setup_done(&result.setup);
    }
    let mut next = 0;
    while next < scenario.steps.len() {
        let group = group_end(&scenario.steps, next);
        let steps = &scenario.steps[next..group];
        let done = trial.run_steps(next + 1, steps, started).await;
        let mut failed = false;
        for (mut step_result, step) in done.into_iter().zip(steps) {
            if let Some(client) = trial.clients.get(&step_result.client) {
                step_result.jar_after = client.jar_cookies();
            }
            trial.cross_check(&mut step_result, step).await;
            if let Some(j) = journal {
                j.step_done(&step_result);
            }
            failed |= !step_result.passed();
            result.steps.push(step_result);
        }
        if failed {
            result.outcome = Outcome::Failed;
            break;
        }
        next = group;
    }
    trial.delete_identities(&mut result).await;
    if let Some(check) = factory.browser_check() {
        for (_, context) in std::mem::take(&mut trial.contexts) {
            check.release(context).await;
        }
    }
    result.elapsed = started.elapsed();
    result
}

/// The end (exclusive) of the steps that run together from `start`: the consecutive steps of
/// its parallel group, or the step alone.
fn group_end(steps: &[Step], start: usize) -> usize {
    let Some(group) = steps.get(start).and_then(|s| s.parallel.as_ref()) else {
        return start + 1;
    };
    steps[start..]
        .iter()
        .position(|s| s.parallel.as_ref() != Some(group))
        .map_or(steps.len(), |n| start + n)
}

/// Runs every scenario concurrently on the current runtime against one target, each with its
/// own clients and secrets; results in the order of `scenarios`. (The bench and the self-test
/// drive the whole suite in process this way; `run` goes through libtest-mimic instead.)
pub async fn run_all(scenarios: &[Scenario], target: &Target) -> Vec<ScenarioResult> {
    let factory = ClientFactory::for_target(target);
    let secrets: Vec<Secrets> = scenarios.iter().map(|_| Secrets::new()).collect();
    let runs = scenarios
        .iter()
        .zip(&secrets)
        .map(|(s, sec)| run_scenario(s, target, &factory, sec));
    futures_util::future::join_all(runs).await
}

impl ScenarioRun<'_> {
    /// `--browser-check`: Chromium confirms the step's client's jar after the step; what it
    /// finds are the step's checks (a failure when they differ), and a Chromium that fails is
    /// the step's error. After `clear_jar` the client's browser context is cleared too; a
    /// `wait` touches no jar and is not checked.
    async fn cross_check(&mut self, step: &mut StepResult, plan: &Step) {
        let Some(check) = self.factory.browser_check().cloned() else {
            return;
        };
        if matches!(plan.action, Action::Wait(_)) {
            return;
        }
        let Some(client) = self.clients.get(&step.client) else {
            return;
        };
        let absorbed = client.take_absorbed();
        if !self.contexts.contains_key(&step.client) {
            match check.context().await {
                Ok(c) => {
                    self.contexts.insert(step.client.clone(), c);
                }
                Err(e) => {
                    step.error.get_or_insert(e);
                    return;
                }
            }
        }
        let Some(context) = self.contexts.get_mut(&step.client) else {
            return;
        };
        if matches!(plan.action, Action::ClearJar)
            && let Err(e) = check.clear(context).await
        {
            step.error.get_or_insert(format!("browser check: {e}"));
            return;
        }
        match check.cross_check(context, absorbed, &client.jar).await {
            Ok(checks) => step.checks.extend(checks),
            Err(e) => {
                step.error.get_or_insert(format!("browser check: {e}"));
            }
        }
    }

    fn client(&mut self, name: &str) -> Result<&BrowserClient, String> {
        if !self.clients.contains_key(name) {
            let c = self.factory.browser(name, &self.secrets)?;
            self.clients.insert(name.to_string(), c);
        }
        Ok(&self.clients[name])
    }

    /// Deletes the identities this trial created, pass or fail (unless the run keeps them),
    /// recording the exchanges after the setup ones; a failed deletion is a warning of the
    /// result, never a failure.
    async fn delete_identities(&mut self, result: &mut ScenarioResult) {
        let ids = std::mem::take(&mut self.created);
        if ids.is_empty() {
            return;
        }
        let factory = self.factory;
        match self.client("setup") {
            Ok(client) => {
                let warnings = factory
                    .delete_identities(client, &ids, &mut result.setup)
                    .await;
                result.warnings.extend(warnings);
            }
            Err(e) => result.warnings.push(format!("identities not deleted: {e}")),
        }
    }

    async fn setup_identities(
        &mut self,
        scenario: &Scenario,
        log: &mut Vec<Exchange>,
    ) -> Result<(), String> {
        let admin = self.target.endpoints.kratos_admin.clone();
        for (name, spec) in &scenario.identities {
            let provisioned = spec.provisioned;
            let identity = if let Some(admin) = &admin {
                let tag = random_token(12).to_lowercase();
                let identifier = format!("conformance-{tag}@example.test");
                let password = format!("Cc-{}", random_token(24));
                self.secrets.add("password", &password);
                let uid = provisioned.then(|| format!("conformance-user-{tag}"));
                // In the run's ledger before the request: a trial dropped while it is in
                // flight still leaves its identifier to the cleanup.
                self.factory.run().identities().creating(&identifier, admin);
                self.created.push(identifier.clone());
                let setup = self.client("setup")?;
                let id = kratos::create_identity(
                    setup,
                    admin,
                    &identifier,
                    &password,
                    uid.as_deref(),
                    log,
                )
                .await
                .map_err(|e| format!("identity `{name}`: {e}"))?;
                self.factory.run().identities().created(&identifier, &id);
                self.vars.insert(format!("identity.{name}.id"), id);
                Identity {
                    identifier,
                    password,
                }
            } else {
                let given = if provisioned {
                    &self.target.caps.provisioned
                } else {
                    &self.target.caps.unprovisioned
                };
                let given = given.clone().ok_or_else(|| {
                    format!("identity `{name}`: the target has none of this kind")
                })?;
                self.secrets.add("password", &given.password);
                Identity {
                    identifier: given.identifier,
                    password: given.password,
                }
            };
            self.vars.insert(
                format!("identity.{name}.identifier"),
                identity.identifier.clone(),
            );
            self.vars.insert(
                format!("identity.{name}.password"),
                identity.password.clone(),
            );
            self.identities.insert(name.clone(), identity);
        }
        Ok(())
    }
}

/// A 5xx that fails a status check is named as a server error of the target.
fn annotate_server_errors(checks: &mut [CheckResult], status: u16) {
    if status < 500 {
        return;
    }
    for c in checks.iter_mut().filter(|c| c.what.starts_with("status")) {
        if let Some(f) = &mut c.failure {
            f.push_str(" (a server error of the target: its logs say why)");
        }
    }
}

#[cfg(test)]
mod tests;
