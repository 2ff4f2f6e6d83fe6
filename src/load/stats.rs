//! What a load run learns from each scenario run: latencies per endpoint and per step, over
//! time ([`Timeline`]), transport and server errors, and conformance failures grouped by where
//! they happened. The scenarios' own requests are the measured endpoints; setup traffic (the
//! admin API creating and deleting each iteration's identities) is kept apart. Everything here
//! is bounded by the number of endpoints, steps and checks, never by the number of requests.

use std::collections::BTreeMap;

use std::time::Duration;

use super::histogram::Histogram;
use super::timeline::Timeline;
use crate::plan::model::trial_name;
use crate::redact::Secrets;
use crate::run::result::{Exchange, Outcome, ScenarioResult, StepResult};

/// Latencies and error counts of one endpoint (`METHOD host/path`).
#[derive(Debug, Clone, Default)]
pub struct EndpointStats {
    /// Response times (sending to the end of the body) of answered requests.
    pub latency: Histogram,
    /// Requests sent.
    pub requests: u64,
    /// Requests that got no response (refused, reset, timed out).
    pub transport_errors: u64,
    /// Responses with a 5xx status.
    pub server_errors: u64,
}

/// One failure kind: a check (or a step error) of one step of one scenario.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailureKey {
    /// Trial name of the scenario.
    pub scenario: String,
    /// 1-based step index (0: before the first step, i.e. identity setup).
    pub step: usize,
    /// The step's label.
    pub label: String,
    /// What failed: a check (`status`, `json /identity/id`…) or `error`.
    pub what: String,
}

/// How often one failure kind happened, the rules it breaks and one redacted example.
#[derive(Debug, Clone)]
pub struct FailureStats {
    /// Occurrences.
    pub count: u64,
    /// The rules the failed check enforces.
    pub rules: Vec<String>,
    /// The first occurrence's message, redacted.
    pub example: String,
    /// True for a failed check (a conformance failure), false for an error that stopped the
    /// step before its checks (transport, Kratos driver).
    pub conformance: bool,
}

/// Totals of a load run so far.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Per measured endpoint (the scenarios' steps), sorted by key.
    pub endpoints: BTreeMap<String, EndpointStats>,
    /// Per endpoint of setup traffic (identities created and deleted through the admin API
    /// around each iteration), sorted by key: sent, but not what the run measures.
    pub setup: BTreeMap<String, EndpointStats>,
    /// Latency over time of the measured endpoints.
    pub timeline: Timeline,
    /// Per step: `(trial name, step index, label)`.
    pub steps: BTreeMap<(String, usize, String), Histogram>,
    /// Failure kinds.
    pub failures: BTreeMap<FailureKey, FailureStats>,
    /// Scenario runs that passed.
    pub passed: u64,
    /// Scenario runs that failed a check.
    pub failed_checks: u64,
    /// Scenario runs stopped by an error before a check failed.
    pub failed_errors: u64,
    /// Scenario runs the target could not run (ignored).
    pub ignored: u64,
}

/// `METHOD host/path`, with the port dropped (ephemeral on the embedded stack), the query
/// dropped and id-like path segments written `{id}`, so every request to one route shares a key.
pub fn endpoint_key(method: &str, url: &str) -> String {
    // Plain string work, not a URL parse: this runs for every request of a load run.
    let Some((_, rest)) = url.split_once("://") else {
        return format!("{method} {url}");
    };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => &authority[..i],
        _ => authority,
    };
    let mut key = format!("{method} {}", host.to_ascii_lowercase());
    for seg in path.split('/').skip(1) {
        key.push('/');
        key.push_str(if id_like(seg) { "{id}" } else { seg });
    }
    key
}

/// A UUID, or a long segment mixing digits and letters (tokens).
fn id_like(seg: &str) -> bool {
    let digits = seg.bytes().filter(u8::is_ascii_digit).count();
    seg.len() >= 16 && digits > 0 && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Stats {
    /// Records one scenario run that ended `ended` after the start of the load run. `secrets`
    /// are the run's, to redact failure examples.
    pub fn record(&mut self, result: &ScenarioResult, secrets: &Secrets, ended: Duration) {
        let trial = trial_name(&result.id);
        for ex in &result.setup {
            record_exchange(&mut self.setup, ex);
        }
        // Each request placed at the run's start plus the time of the requests before it (the
        // gaps between them are the harness's own, well below a slice).
        let mut at = ended.saturating_sub(result.elapsed);
        for step in &result.steps {
            for ex in &step.exchanges {
                if ex.response.is_ok() {
                    let key = endpoint_key(&ex.method, &ex.url);
                    self.timeline.record(&key, at, ex.elapsed);
                }
                at += ex.elapsed;
            }
            self.record_step(&trial, step, secrets);
        }
        match &result.outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Ignored(_) => self.ignored += 1,
            Outcome::Failed => {
                let checks_failed = result
                    .steps
                    .iter()
                    .any(|s| s.checks.iter().any(|c| !c.passed()));
                if checks_failed {
                    self.failed_checks += 1;
                } else {
                    self.failed_errors += 1;
                }
            }
        }
        if let Some(error) = &result.setup_error {
            let key = FailureKey {
                scenario: trial,
                step: 0,
                label: "setup".into(),
                what: "error".into(),
            };
            self.failure(key, &result.rules, error, false, secrets);
        }
    }

    fn record_step(&mut self, trial: &str, step: &StepResult, secrets: &Secrets) {
        let mut total = std::time::Duration::ZERO;
        for ex in &step.exchanges {
            total += ex.elapsed;
            record_exchange(&mut self.endpoints, ex);
        }
        self.steps
            .entry((trial.to_string(), step.index, step.label.clone()))
            .or_default()
            .record(total);
        let key = |what: &str| FailureKey {
            scenario: trial.to_string(),
            step: step.index,
            label: step.label.clone(),
            what: what.to_string(),
        };
        if let Some(error) = &step.error {
            self.failure(key("error"), &[], error, false, secrets);
        }
        for check in &step.checks {
            if let Some(message) = &check.failure {
                self.failure(key(&check.what), &check.rules, message, true, secrets);
            }
        }
    }

    fn failure(
        &mut self,
        key: FailureKey,
        rules: &[String],
        message: &str,
        conformance: bool,
        secrets: &Secrets,
    ) {
        self.failures
            .entry(key)
            .or_insert_with(|| FailureStats {
                count: 0,
                rules: rules.to_vec(),
                // Redacting compiles the run's secret patterns: done once per failure kind.
                example: secrets.redact(message),
                conformance,
            })
            .count += 1;
    }

    /// Every request sent: the measured endpoints' and the setup traffic's.
    pub fn requests(&self) -> u64 {
        self.measured_requests() + self.setup_requests()
    }

    /// Requests of the measured endpoints (the scenarios' steps).
    pub fn measured_requests(&self) -> u64 {
        self.endpoints.values().map(|e| e.requests).sum()
    }

    /// Requests of the setup traffic (identities created and deleted through the admin API).
    pub fn setup_requests(&self) -> u64 {
        self.setup.values().map(|e| e.requests).sum()
    }

    /// Transport errors plus 5xx answers, over every endpoint, setup included.
    pub fn errors(&self) -> u64 {
        self.endpoints
            .values()
            .chain(self.setup.values())
            .map(|e| e.transport_errors + e.server_errors)
            .sum()
    }

    /// Scenario runs that failed (a check, or an error).
    pub fn failed(&self) -> u64 {
        self.failed_checks + self.failed_errors
    }
}

/// Counts one request under its endpoint key in `endpoints`.
fn record_exchange(endpoints: &mut BTreeMap<String, EndpointStats>, ex: &Exchange) {
    let e = endpoints
        .entry(endpoint_key(&ex.method, &ex.url))
        .or_default();
    e.requests += 1;
    match &ex.response {
        Ok(r) => {
            e.latency.record(ex.elapsed);
            if r.status >= 500 {
                e.server_errors += 1;
            }
        }
        Err(_) => e.transport_errors += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_keys_group_routes() {
        assert_eq!(
            endpoint_key(
                "GET",
                "http://auth.openapp.test:4433/self-service/login?flow=8a1e8c2e-0d6f-4a53-9d0c-2f1f7b0f5a11"
            ),
            "GET auth.openapp.test/self-service/login"
        );
        assert_eq!(
            endpoint_key(
                "DELETE",
                "http://127.0.0.1:1/admin/sessions/8a1e8c2e-0d6f-4a53-9d0c-2f1f7b0f5a11"
            ),
            "DELETE 127.0.0.1/admin/sessions/{id}"
        );
        assert_eq!(
            endpoint_key(
                "GET",
                "http://api.openapp.test:9/api/v1/auth/kratos-identity"
            ),
            "GET api.openapp.test/api/v1/auth/kratos-identity"
        );
        assert_eq!(endpoint_key("GET", "not a url"), "GET not a url");
        assert_eq!(endpoint_key("GET", "http://[::1]:80/x/"), "GET [::1]/x/");
        assert_eq!(endpoint_key("GET", "http://Host.Test"), "GET host.test");
    }
}
