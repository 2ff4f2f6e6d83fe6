//! Runs one scenario against a target: creates its identities, gives each browser client its
//! own jar, executes the steps in order, evaluates expectations and captures, and stops at the
//! first failing step. The result is plain data ([`ScenarioResult`]).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::Value;

use super::assert::{CheckInput, check_step};
use super::client::{BrowserClient, ClientFactory};
use super::journal::Journal;
use super::kratos;
use super::request::{build, random_token};
use super::result::{CheckResult, Exchange, Outcome, ScenarioResult, StepResult};
use crate::cookie::parse_set_cookie;
use crate::plan::model::{Action, Capture, CaptureSource, FlowKind, Scenario, Step};
use crate::plan::template;
use crate::redact::Secrets;
use crate::settings::unix_now;
use crate::targets::Target;

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
        id: scenario.id.clone(),
        name: scenario.name.clone(),
        rules: scenario.rules.clone(),
        setup: Vec::new(),
        steps: Vec::new(),
        setup_error: None,
        outcome: Outcome::Passed,
        elapsed: Default::default(),
        resolve: target
            .endpoints
            .resolve
            .iter()
            .map(ToString::to_string)
            .collect(),
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
        result.elapsed = started.elapsed();
        return result;
    }
    if let Some(j) = journal {
        j.setup_done(&result.setup);
    }
    for (i, step) in scenario.steps.iter().enumerate() {
        let step_result = trial.run_step(i + 1, step).await;
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

    async fn run_step(&mut self, index: usize, step: &Step) -> StepResult {
        let client_name = step.client.clone();
        let rules = &step.rules;
        let mut out = StepResult {
            index,
            label: step.label(),
            client: client_name.clone(),
            ..Default::default()
        };
        if let Err(e) = self.act(step, &client_name, &mut out).await {
            out.error = Some(e);
            return out;
        }
        let Some(last) = out.exchanges.last() else {
            out.error = Some("the step made no request".into());
            return out;
        };
        let response = match &last.response {
            Ok(r) => r,
            Err(e) => {
                out.error = Some(e.clone());
                return out;
            }
        };
        let reads_jar = !(step.expect.jar_has.is_empty() && step.expect.jar_lacks.is_empty());
        let jar_names = match self.client(&client_name) {
            Ok(c) if reads_jar => c.jar_names(),
            Ok(_) => Vec::new(),
            Err(e) => {
                out.error = Some(e);
                return out;
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
        for (var, capture) in &step.capture {
            match capture_value(capture, response, json.as_ref(), now) {
                Ok((value, secret)) => {
                    if secret {
                        self.secrets.add("captured", &value);
                    }
                    self.vars.insert(var.clone(), value);
                }
                Err(e) => out.checks.push(CheckResult {
                    what: format!("capture `{var}`"),
                    rules: rules.to_vec(),
                    failure: Some(e),
                }),
            }
        }
        if let Some(name) = &step.name {
            self.step_json.insert(name.clone(), json);
        }
        out
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
                let outcome = kratos::login(
                    client,
                    &public,
                    &identifier,
                    &password,
                    login.flow,
                    &secrets,
                    &mut out.exchanges,
                )
                .await?;
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
            Action::Logout(logout) => {
                let browser = logout.flow == FlowKind::Browser;
                let secrets = self.secrets.clone();
                let client = self.client(client_name)?;
                kratos::logout(client, &public, browser, &secrets, &mut out.exchanges).await
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

/// Takes a captured value; gives it and whether it is a secret. A cookie is taken from the
/// first line that sets it (a response may also expire the same name at another Path or
/// Domain), else from the first line of that name.
fn capture_value(
    c: &Capture,
    resp: &super::result::Response,
    json: Option<&Value>,
    now: i64,
) -> Result<(String, bool), String> {
    let as_text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match &c.source {
        CaptureSource::Json(p) => {
            let v = json
                .and_then(|j| j.pointer(p))
                .ok_or_else(|| format!("the body has nothing at `{p}`"))?;
            Ok((as_text(v), c.secret))
        }
        CaptureSource::Header(h) => {
            let v = resp
                .header(h)
                .ok_or_else(|| format!("the response has no header `{h}`"))?;
            Ok((v.to_string(), c.secret))
        }
        CaptureSource::Cookie(name) => {
            let lines: Vec<(&str, bool)> = resp
                .set_cookies
                .iter()
                .filter_map(|l| {
                    let (n, v) = l.split(';').next()?.split_once('=')?;
                    let clearing = parse_set_cookie(l).is_ok_and(|c| c.is_clearing(now));
                    (n.trim() == name).then_some((v.trim(), clearing))
                })
                .collect();
            let v = lines
                .iter()
                .find(|(_, clearing)| !clearing)
                .or(lines.first())
                .map(|(v, _)| (*v).to_string())
                .ok_or_else(|| format!("no Set-Cookie line for `{name}`"))?;
            Ok((v, c.secret))
        }
        CaptureSource::UiNode(node) => {
            let v = json
                .and_then(|j| kratos::ui_node_value(j, node))
                .ok_or_else(|| format!("no ui.nodes input named `{node}`"))?;
            Ok((as_text(v), c.secret))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::result::Response;

    fn response(set_cookies: &[&str]) -> Response {
        Response {
            status: 200,
            headers: Vec::new(),
            set_cookies: set_cookies.iter().map(|l| (*l).to_string()).collect(),
            rejected_cookies: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A response that also expires the cookie elsewhere (an extra clearing line, before or
    /// after) gives the value the setting line sets.
    #[test]
    fn a_cookie_capture_takes_the_value_a_line_sets() {
        let capture = Capture {
            source: CaptureSource::Cookie("ory_kratos_session".into()),
            secret: true,
        };
        let set = "ory_kratos_session=SessionValue01; Path=/; Max-Age=60";
        let clear = "ory_kratos_session=; Path=/api; Max-Age=0";
        for lines in [[clear, set], [set, clear]] {
            let (value, secret) = capture_value(&capture, &response(&lines), None, 0).unwrap();
            assert_eq!(
                (value.as_str(), secret),
                ("SessionValue01", true),
                "{lines:?}"
            );
        }
        // Only a clearing line: its value, as before.
        let (value, _) = capture_value(
            &capture,
            &response(&["ory_kratos_session=deleted; Max-Age=0"]),
            None,
            0,
        )
        .unwrap();
        assert_eq!(value, "deleted");
        assert!(capture_value(&capture, &response(&[]), None, 0).is_err());
    }
}
