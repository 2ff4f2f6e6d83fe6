//! Runs one scenario against a target: creates its identities, gives each browser client its
//! own jar, executes the steps in order, evaluates expectations and captures, and stops at the
//! first failing step. A GET step with `expect.within` is tried until its expectations hold
//! or its time is up (`super::within`). The result is plain data ([`ScenarioResult`]).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::assert::{CheckInput, check_step};
use super::capture::capture_value;
use super::client::{BrowserClient, ClientFactory};
use super::journal::Journal;
use super::kratos;
use super::kratos_form;
use super::request::{build, random_token};
use super::result::{Attempts, CheckResult, Exchange, Outcome, ScenarioResult, StepResult};
use super::sdk;
use super::within::{Backoff, mark_attempts, may_repeat};
use crate::browser::check::ClientCheck;
use crate::plan::model::{Action, CaptureSource, FlowKind, Scenario, Step};
use crate::plan::template;
use crate::redact::Secrets;
use crate::settings::unix_now;
use crate::targets::Target;

/// Credentials of one identity of a trial.
struct Identity {
    identifier: String,
    password: String,
}

/// What one attempt of a step took from its response: captured values and the parsed JSON body
/// (kept for a later `same_json_as`).
struct Judged {
    captures: Vec<(String, String)>,
    json: Option<Value>,
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
    for (i, step) in scenario.steps.iter().enumerate() {
        let mut step_result = trial.run_step(i + 1, step).await;
        if let Some(client) = trial.clients.get(&step_result.client) {
            step_result.jar_after = client.jar_cookies();
        }
        trial.cross_check(&mut step_result).await;
        if let Some(j) = journal {
            j.step_done(&step_result);
        }
        let passed = step_result.passed();
        result.steps.push(step_result);
        if !passed {
            result.outcome = Outcome::Failed;
            break;
        }
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
    /// the step's error.
    async fn cross_check(&mut self, step: &mut StepResult) {
        let Some(check) = self.factory.browser_check().cloned() else {
            return;
        };
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

    fn render(&self, s: &str) -> Result<String, String> {
        template::render(s, |name| self.vars.get(name).cloned())
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

    /// Runs one step: its action, then the checks on its last response. A GET step with
    /// `expect.within` is sent again, with backoff, until its checks hold or its time is up
    /// (`super::within`); captures and the JSON kept for `same_json_as` come from the final
    /// attempt.
    async fn run_step(&mut self, index: usize, step: &Step) -> StepResult {
        let client_name = step.client.clone();
        let mut out = StepResult {
            index,
            label: step.label(),
            client: client_name.clone(),
            ..Default::default()
        };
        let within = step.expect.within.as_ref();
        let limit = within
            .filter(|_| may_repeat(&step.action))
            .map_or(Duration::ZERO, |w| w.limit);
        let mut backoff = Backoff::new(limit);
        let started = Instant::now();
        // The index of each attempt's first exchange.
        let mut starts = Vec::new();
        let judged = loop {
            starts.push(out.exchanges.len());
            out.checks.clear();
            out.error = None;
            out.sdk = None;
            if let Err(e) = self.act(step, &client_name, &mut out).await {
                out.error = Some(e);
                break None;
            }
            let judged = self.judge(step, &mut out);
            if out.passed() {
                break judged;
            }
            match backoff.next_wait(started.elapsed()) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => break judged,
            }
        };
        if let Some(w) = within {
            out.attempts = Some(Attempts {
                count: starts.len(),
                elapsed: started.elapsed(),
                within: w.limit,
                source: w.source.clone(),
                final_from: starts.last().copied().unwrap_or_default(),
            });
        }
        mark_attempts(&mut out.exchanges, &starts);
        if let Some(Judged { captures, json }) = judged {
            self.vars.extend(captures);
            if let Some(name) = &step.name {
                self.step_json.insert(name.clone(), json);
            }
        }
        out
    }

    /// Checks the last response in `out` against the step's expectations (into `out.checks`,
    /// or `out.error` when there is none) and takes its captures, which the caller keeps only
    /// from the final attempt.
    fn judge(&mut self, step: &Step, out: &mut StepResult) -> Option<Judged> {
        let rules = &step.rules;
        let Some(last) = out.exchanges.last() else {
            out.error = Some("the step made no request".into());
            return None;
        };
        let response = match &last.response {
            Ok(r) => r,
            Err(e) => {
                out.error = Some(e.clone());
                return None;
            }
        };
        let reads_jar = !(step.expect.jar_has.is_empty() && step.expect.jar_lacks.is_empty());
        let jar_names = match self.client(&step.client) {
            Ok(c) if reads_jar => c.jar_names(),
            Ok(_) => Vec::new(),
            Err(e) => {
                out.error = Some(e);
                return None;
            }
        };
        let earlier = step.expect.same_json_as.as_ref().map(|s| s.step.clone());
        let earlier_json = earlier
            .as_ref()
            .map(|n| self.step_json.get(n).and_then(Option::as_ref));
        let render = |s: &str| self.render(s);
        let input = CheckInput {
            exchange: last,
            response,
            jar_names: &jar_names,
            endpoints: &self.target.endpoints,
            rules,
            render: &render,
            earlier_json,
            now: unix_now(),
            sdk: out.sdk.as_ref(),
        };
        let now = input.now;
        let mut checks = check_step(&step.expect, &input);
        annotate_server_errors(&mut checks, response.status);
        out.checks = checks;
        // Parsed only when a capture (`json`, `ui_node`) or a later `same_json_as` reads it.
        let needs_json = step.name.is_some()
            || step
                .capture
                .values()
                .any(|c| matches!(c.source, CaptureSource::Json(_) | CaptureSource::UiNode(_)));
        let json = if needs_json { response.json() } else { None };
        let mut captures = Vec::new();
        for (var, capture) in &step.capture {
            match capture_value(capture, response, json.as_ref(), now) {
                Ok((value, secret)) => {
                    if secret {
                        self.secrets.add("captured", &value);
                    }
                    captures.push((var.clone(), value));
                }
                Err(e) => out.checks.push(CheckResult {
                    what: format!("capture `{var}`"),
                    rules: crate::cite::cite_ids(
                        crate::cite::Subject::Other,
                        crate::cite::Route::of(&last.url),
                        rules,
                    ),
                    failure: Some(e),
                    evaluated: true,
                }),
            }
        }
        Some(Judged { captures, json })
    }

    /// Performs the step's action, recording exchanges into `out`.
    async fn act(
        &mut self,
        step: &Step,
        client_name: &str,
        out: &mut StepResult,
    ) -> Result<(), String> {
        let public = self.target.endpoints.kratos_public.clone();
        match &step.action {
            Action::Request(req) => {
                let purpose = format!("{} {}", req.method, req.path);
                self.client(client_name)?;
                let client = &self.clients[client_name];
                let render = |s: &str| self.render(s);
                let outgoing = build(req, client, self.target, &self.secrets, &render, purpose)?;
                out.exchanges.push(client.send(outgoing).await);
                Ok(())
            }
            Action::Login(login) => {
                let who = &login.identity;
                let identity = self
                    .identities
                    .get(who)
                    .ok_or_else(|| format!("unknown identity `{who}`"))?;
                let (identifier, password) =
                    (identity.identifier.clone(), identity.password.clone());
                let secrets = self.secrets.clone();
                let client = self.client(client_name)?;
                let log = &mut out.exchanges;
                let outcome = match login.flow {
                    FlowKind::BrowserForm => {
                        kratos_form::login(client, &public, &identifier, &password, &secrets, log)
                            .await?
                    }
                    flow => {
                        kratos::login(client, &public, &identifier, &password, flow, &secrets, log)
                            .await?
                    }
                };
                out.notes.extend(outcome.notes);
                if let Some(id) = outcome
                    .session
                    .pointer("/identity/id")
                    .and_then(Value::as_str)
                {
                    self.vars
                        .insert(format!("identity.{who}.id"), id.to_string());
                }
                if let Some(token) = outcome.session_token
                    && let Some(c) = self.clients.get_mut(client_name)
                {
                    c.session_token = Some(token);
                }
                Ok(())
            }
            Action::Sdk(call) => {
                self.client(client_name)?;
                let client = &self.clients[client_name];
                let render = |s: &str| self.render(s);
                sdk::seed(call, client, self.target, &self.secrets, &render)?;
                let (exchange, outcome) =
                    sdk::call(call, client, self.factory, self.target, &self.secrets).await?;
                out.exchanges.push(exchange);
                out.sdk = Some(outcome);
                Ok(())
            }
            Action::Logout(logout) => {
                let secrets = self.secrets.clone();
                let client = self.client(client_name)?;
                kratos::logout(client, &public, logout.flow, &secrets, &mut out.exchanges).await
            }
        }
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
