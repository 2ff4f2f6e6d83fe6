//! Results as plain data: what each step sent and received and what each check concluded.
//! Reporters are functions of these types; nothing here prints.

use std::time::Duration;

/// One HTTP request and its response (or the transport error that replaced it).
#[derive(Debug, Clone)]
pub struct Exchange {
    /// What this request was for, e.g. `login: init browser flow`.
    pub purpose: String,
    /// Request method.
    pub method: String,
    /// Full request URL.
    pub url: String,
    /// Request headers as sent, including the `Cookie` header the jar added (values raw:
    /// reporters redact).
    pub request_headers: Vec<(String, String)>,
    /// Request body as text, if any.
    pub request_body: Option<String>,
    /// The response, or why there was none.
    pub response: Result<Response, String>,
    /// Time from sending to the end of the body.
    pub elapsed: Duration,
}

impl Exchange {
    /// The names of the cookies the request carried (its recorded `Cookie` headers), in order.
    pub fn sent_cookie_names(&self) -> Vec<&str> {
        self.request_headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| crate::cookie::header_names(v))
            .collect()
    }
}

/// A received response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Response headers (lower-case names, grouped by name as the HTTP stack keeps them).
    pub headers: Vec<(String, String)>,
    /// Every `Set-Cookie` line, in order.
    pub set_cookies: Vec<String>,
    /// `Set-Cookie` lines the cookie jar refused, with the reason.
    pub rejected_cookies: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// First header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every line of the header with this (case-insensitive) name, in the order received.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The header's field value as a cache or a proxy reads it: every line of it joined with
    /// `, ` (RFC 9110 §5.3); `None` when it is absent. Not meaningful for `Set-Cookie`, whose
    /// lines cannot be combined.
    pub fn combined_header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.header_values(name).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

/// The outcome of one check.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// What was checked, e.g. `status`, `clears ory_kratos_session@domain`.
    pub what: String,
    /// The one contract rule the check enforces ([`crate::cite`]; empty only when neither the
    /// check nor its step names a rule).
    pub rules: Vec<String>,
    /// `None` when it passed, else what was expected and what was found (redacted).
    pub failure: Option<String>,
    /// False for the line that lists the checks a failed status check left unevaluated
    /// (`what` names them); such a line neither passes nor fails.
    pub evaluated: bool,
}

impl CheckResult {
    /// Did the check pass?
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// One step of a scenario.
#[derive(Debug, Clone, Default)]
pub struct StepResult {
    /// 1-based index.
    pub index: usize,
    /// The step's label (`name`, else a description of its action).
    pub label: String,
    /// The client that ran it.
    pub client: String,
    /// Every exchange the step made (a login makes several).
    pub exchanges: Vec<Exchange>,
    /// Checks on the last response.
    pub checks: Vec<CheckResult>,
    /// An error that stopped the step before its checks (unreachable server, Kratos error…).
    pub error: Option<String>,
    /// Things worth knowing that are not failures (e.g. `continue_with` actions).
    pub notes: Vec<String>,
    /// How the attempts of a step with `expect.within` went; `None` for other steps.
    pub attempts: Option<Attempts>,
    /// The contract's cookies (`ory_kratos_session`, `csrf_token_*`) in the step's client's jar
    /// after the step, sorted (the HTML report's jar timeline).
    pub jar_after: Vec<JarCookie>,
    /// What the caller of an SDK step got (final attempt); `None` for other steps.
    pub sdk: Option<SdkOutcome>,
    /// The parallel group the step ran in, if any (its steps started together).
    pub parallel: Option<String>,
    /// When the step started, from the scenario's start (the interleaving that actually ran:
    /// the steps of a parallel group overlap).
    pub started: Duration,
    /// When the step's action and checks ended, from the scenario's start (before the
    /// `--browser-check` comparison).
    pub finished: Duration,
}

/// What the caller of the official Rust SDK got back from one call.
#[derive(Debug, Clone, PartialEq)]
pub enum SdkOutcome {
    /// `Ok(value)` of a method that returns JSON (`null` for an empty body too).
    Value(serde_json::Value),
    /// `Ok(())` of logout or sign-out.
    Unit,
    /// `Err(e)`: the `SdkError` variant in lower case (`auth`, `api`, `http`, `deserialize`,
    /// `transport`, `config`, …), the status the error keeps (`auth` keeps none), its text.
    Error {
        /// The variant.
        kind: String,
        /// `SdkError::status()`.
        status: Option<u16>,
        /// The error's display text.
        message: String,
    },
}

impl SdkOutcome {
    /// Is it a Kratos session object (`id` and `identity.id` strings)?
    pub fn is_session(&self) -> bool {
        matches!(self, SdkOutcome::Value(v)
            if v.pointer("/id").is_some_and(serde_json::Value::is_string)
                && v.pointer("/identity/id").is_some_and(serde_json::Value::is_string))
    }

    /// In words, for check failures and snapshots: `null`, `a session`, `()`,
    /// `auth error`, `deserialize error: …`.
    pub fn describe(&self, with_message: bool) -> String {
        match self {
            SdkOutcome::Value(serde_json::Value::Null) => "null".into(),
            v @ SdkOutcome::Value(_) if v.is_session() => "a session".into(),
            SdkOutcome::Value(serde_json::Value::Object(m)) if with_message => format!(
                "a JSON object with keys {:?}",
                m.keys().take(8).collect::<Vec<_>>()
            ),
            SdkOutcome::Value(serde_json::Value::Object(m)) if m.is_empty() => "{}".into(),
            SdkOutcome::Value(serde_json::Value::Object(_)) => "a non-session object".into(),
            SdkOutcome::Value(other) => format!("the JSON value {other}"),
            SdkOutcome::Unit => "()".into(),
            SdkOutcome::Error { kind, message, .. } if with_message => {
                format!("{kind} error ({message})")
            }
            SdkOutcome::Error { kind, .. } => format!("{kind} error"),
        }
    }
}

/// A cookie a jar holds, without its value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct JarCookie {
    /// Its name.
    pub name: String,
    /// The domain it is kept for.
    pub domain: String,
    /// True for a host-only cookie (set without `Domain=`).
    pub host_only: bool,
}

impl StepResult {
    /// Did every check pass and no error occur?
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.checks.iter().all(CheckResult::passed)
    }

    /// The exchanges of the final attempt (all of them for a step tried once): what the
    /// checks, the captures and the snapshot read.
    pub fn final_exchanges(&self) -> &[Exchange] {
        let from = self.attempts.as_ref().map_or(0, |a| a.final_from);
        self.exchanges.get(from..).unwrap_or_default()
    }

    /// `held after 3 attempts in 1.2s (within 3s)` or `still failing after 7 attempts in
    /// 5.0s (within 5s: OPENAPP_CONFORMANCE_REVOCATION_WITHIN=5s)`, for a step with `within`.
    pub fn verdict(&self) -> Option<String> {
        let a = self.attempts.as_ref()?;
        let state = if self.passed() {
            "held"
        } else {
            "still failing"
        };
        let plural = if a.count == 1 { "" } else { "s" };
        let source = a
            .source
            .as_ref()
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        Some(format!(
            "{state} after {} attempt{plural} in {:.1}s (within {}{source})",
            a.count,
            a.elapsed.as_secs_f64(),
            crate::plan::settings::show(a.within),
        ))
    }
}

/// The attempts of a step with `expect.within`: the step (a GET) was sent again, with
/// backoff, until its expectations held or its time was up. Every attempt's exchanges stay
/// in [`StepResult::exchanges`]; the checks are the final attempt's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempts {
    /// Attempts made (at least 1).
    pub count: usize,
    /// From the first send to the end of the final attempt.
    pub elapsed: Duration,
    /// The step's `within`.
    pub within: Duration,
    /// Where `within` came from when a setting gave it.
    pub source: Option<String>,
    /// Index in [`StepResult::exchanges`] of the final attempt's first exchange.
    pub final_from: usize,
}

/// How a scenario ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step passed.
    Passed,
    /// A step failed (checks or error).
    Failed,
    /// Not run, with the reason.
    Ignored(String),
}

/// One scenario's run.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// Scenario id (`core/r01_…`).
    pub id: String,
    /// Scenario name.
    pub name: String,
    /// Its rules.
    pub rules: Vec<String>,
    /// Exchanges made around the steps: identity creation through the admin API before the
    /// first, identity deletion after the last.
    pub setup: Vec<Exchange>,
    /// Steps run, up to and including the first failing one.
    pub steps: Vec<StepResult>,
    /// Steps the scenario has (the runner stops at the first failing one).
    pub planned_steps: usize,
    /// A failure before the first step (identity creation…).
    pub setup_error: Option<String>,
    /// What went wrong around the steps without changing the verdict (an identity that could
    /// not be deleted).
    pub warnings: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Wall time.
    pub elapsed: Duration,
    /// The target's host overrides as `host:port:addr` (for reproducing requests with curl).
    pub resolve: Vec<String>,
}

impl ScenarioResult {
    /// The result of `scenario` before any exchange: no setup, no step, no time.
    pub fn of(scenario: &crate::plan::model::Scenario, outcome: Outcome) -> Self {
        Self {
            id: scenario.id.clone(),
            name: scenario.name.clone(),
            rules: scenario.rules.clone(),
            setup: Vec::new(),
            steps: Vec::new(),
            planned_steps: scenario.steps.len(),
            setup_error: None,
            warnings: Vec::new(),
            outcome,
            elapsed: Duration::ZERO,
            resolve: Vec::new(),
        }
    }
}
