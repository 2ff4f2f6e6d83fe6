//! Running steps: one step, or a parallel group of them at once, through a shared
//! [`ScenarioRun`].
//!
//! A step runs on `&ScenarioRun` (its client, the variables, the JSON of earlier steps, all
//! read-only), so the steps of a group are futures joined together (`join_all`) over one
//! reqwest client, each on its own browser client and jar. What a step changes in the run (its
//! captures, an identity id learnt at login, a session token, its JSON for a later
//! `same_json_as`) comes back as [`Effects`], applied in file order once the group has run: a
//! step of a group reads the variables as they were before the group.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{ScenarioRun, annotate_server_errors};
use crate::plan::model::{Action, CaptureSource, FlowKind, Step};
use crate::plan::template;
use crate::run::assert::{CheckInput, check_step};
use crate::run::capture::capture_value;
use crate::run::client::BrowserClient;
use crate::run::kratos;
use crate::run::kratos_form;
use crate::run::request::build;
use crate::run::result::{Attempts, CheckResult, StepResult};
use crate::run::sdk;
use crate::run::within::{Backoff, mark_attempts, may_repeat};
use crate::settings::unix_now;

/// What one attempt of a step took from its response: captured values and the parsed JSON body
/// (kept for a later `same_json_as`).
struct Judged {
    captures: Vec<(String, String)>,
    json: Option<Value>,
}

/// What a step changes in the run, applied once it (and its group) has run.
#[derive(Default)]
pub(super) struct Effects {
    /// Variables set by the step: an identity id a login learnt, then the captures.
    vars: Vec<(String, String)>,
    /// The step's name and JSON body, for a later `same_json_as`.
    json: Option<(String, Option<Value>)>,
    /// The session token of an API login.
    session_token: Option<String>,
}

impl ScenarioRun<'_> {
    /// Runs `steps` (one step, or the steps of one parallel group) at once, `first` the index
    /// of the first; results in file order. Offsets count from `origin`, the scenario's start.
    pub(super) async fn run_steps(
        &mut self,
        first: usize,
        steps: &[Step],
        origin: Instant,
    ) -> Vec<StepResult> {
        // Every client exists before the steps start: they then share the run read-only. A
        // wait uses none.
        let ready: Vec<Result<(), String>> = steps
            .iter()
            .map(|s| match s.action {
                Action::Wait(_) => Ok(()),
                _ => self.client(&s.client).map(drop),
            })
            .collect();
        let this = &*self;
        let runs = steps
            .iter()
            .zip(ready)
            .enumerate()
            .map(|(i, (step, ready))| {
                let index = first + i;
                async move {
                    match ready {
                        Ok(()) => this.run_step(index, step, origin).await,
                        Err(e) => {
                            let mut out = this.start(index, step, origin);
                            out.error = Some(e);
                            out.finished = out.started;
                            (out, Effects::default())
                        }
                    }
                }
            });
        let done = futures_util::future::join_all(runs).await;
        let mut results = Vec::with_capacity(done.len());
        for ((result, effects), step) in done.into_iter().zip(steps) {
            self.apply(&step.client, effects);
            results.push(result);
        }
        results
    }

    /// Keeps what a step changed: variables, its JSON, a session token.
    fn apply(&mut self, client: &str, effects: Effects) {
        self.vars.extend(effects.vars);
        if let Some((name, json)) = effects.json {
            self.step_json.insert(name, json);
        }
        if let Some(token) = effects.session_token
            && let Some(c) = self.clients.get_mut(client)
        {
            c.session_token = Some(token);
        }
    }

    /// The result of a step about to start.
    fn start(&self, index: usize, step: &Step, origin: Instant) -> StepResult {
        StepResult {
            index,
            label: step.label(),
            client: step.client.clone(),
            parallel: step.parallel.clone(),
            started: origin.elapsed(),
            ..Default::default()
        }
    }

    /// A client [`ScenarioRun::run_steps`] made.
    fn existing(&self, name: &str) -> Result<&BrowserClient, String> {
        self.clients
            .get(name)
            .ok_or_else(|| format!("client `{name}` was not created"))
    }

    /// `s` with its `{{variables}}` from `local` (set earlier in the step) or the run's.
    fn render_with(&self, local: &[(String, String)], s: &str) -> Result<String, String> {
        template::render(s, |name| {
            local
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .or_else(|| self.vars.get(name).cloned())
        })
    }

    /// Runs one step: its action, then the checks on its last response. A GET step with
    /// `expect.within` is sent again, with backoff, until its checks hold or its time is up
    /// (`crate::run::within`); captures and the JSON kept for `same_json_as` come from the
    /// final attempt. `clear_jar` and `wait` make no request and have no checks.
    async fn run_step(&self, index: usize, step: &Step, origin: Instant) -> (StepResult, Effects) {
        let mut out = self.start(index, step, origin);
        let mut effects = Effects::default();
        match &step.action {
            Action::ClearJar => {
                match self.existing(&step.client) {
                    Ok(client) => {
                        let removed = client.clear_jar();
                        let plural = if removed == 1 { "" } else { "s" };
                        out.notes
                            .push(format!("{removed} cookie{plural} removed from the jar"));
                    }
                    Err(e) => out.error = Some(e),
                }
                out.finished = origin.elapsed();
                return (out, effects);
            }
            // Cut short with the whole trial when the run is interrupted (`Watch::cut_short`).
            Action::Wait(d) => {
                tokio::time::sleep(*d).await;
                out.finished = origin.elapsed();
                return (out, effects);
            }
            _ => {}
        }
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
            effects.vars.clear();
            if let Err(e) = self.act(step, &mut out, &mut effects).await {
                out.error = Some(e);
                break None;
            }
            let judged = self.judge(step, &mut out, &effects.vars);
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
            effects.vars.extend(captures);
            if let Some(name) = &step.name {
                effects.json = Some((name.clone(), json));
            }
        }
        out.finished = origin.elapsed();
        (out, effects)
    }

    /// Checks the last response in `out` against the step's expectations (into `out.checks`,
    /// or `out.error` when there is none) and takes its captures, which the caller keeps only
    /// from the final attempt. `local` holds the variables the step itself set.
    fn judge(
        &self,
        step: &Step,
        out: &mut StepResult,
        local: &[(String, String)],
    ) -> Option<Judged> {
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
        let jar_names = match self.existing(&step.client) {
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
        let render = |s: &str| self.render_with(local, s);
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

    /// Performs the step's action, recording exchanges into `out` and what it learnt into
    /// `effects`.
    async fn act(
        &self,
        step: &Step,
        out: &mut StepResult,
        effects: &mut Effects,
    ) -> Result<(), String> {
        let public = self.target.endpoints.kratos_public.clone();
        let client = self.existing(&step.client)?;
        match &step.action {
            Action::Request(req) => {
                let purpose = format!("{} {}", req.method, req.path);
                let render = |s: &str| self.render_with(&[], s);
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
                let (identifier, password) = (&identity.identifier, &identity.password);
                let secrets = &self.secrets;
                let log = &mut out.exchanges;
                let outcome = match login.flow {
                    FlowKind::BrowserForm => {
                        kratos_form::login(client, &public, identifier, password, secrets, log)
                            .await?
                    }
                    flow => {
                        kratos::login(client, &public, identifier, password, flow, secrets, log)
                            .await?
                    }
                };
                out.notes.extend(outcome.notes);
                if let Some(id) = outcome
                    .session
                    .pointer("/identity/id")
                    .and_then(Value::as_str)
                {
                    effects
                        .vars
                        .push((format!("identity.{who}.id"), id.to_string()));
                }
                effects.session_token = outcome.session_token;
                Ok(())
            }
            Action::Sdk(call) => {
                let render = |s: &str| self.render_with(&[], s);
                sdk::seed(call, client, self.target, &self.secrets, &render)?;
                let (exchange, outcome) =
                    sdk::call(call, client, self.factory, self.target, &self.secrets).await?;
                out.exchanges.push(exchange);
                out.sdk = Some(outcome);
                Ok(())
            }
            Action::Logout(logout) => {
                kratos::logout(
                    client,
                    &public,
                    logout.flow,
                    &self.secrets,
                    &mut out.exchanges,
                )
                .await
            }
            Action::ClearJar | Action::Wait(_) => Ok(()),
        }
    }
}
