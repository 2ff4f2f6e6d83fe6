//! The machine-readable report (`--json FILE`): one JSON document with the run's summary and,
//! per scenario, its outcome, ignore reason, steps (each exchange's method, URL, status or
//! transport error, redacted `Set-Cookie` lines, elapsed time) and checks (rules, failure).
//!
//! Shape (version 1):
//! ```text
//! { "version": 1, "target", "started", "elapsed_ms", "interrupted" (null or the signal),
//!   "switches": [names], "origins": { role: origin }, "seed" (null but for explore),
//!   "reproduce" (null, or how to start a stack like the run's, which stopped with it),
//!   "summary": { "total", "passed", "failed", "ignored" },
//!   "scenarios": [ { "id", "trial", "name", "rules", "outcome", "ignored_reason",
//!                    "setup_error", "snapshot_diff", "first_failure", "elapsed_ms",
//!                    "verdict": null | { "rule", "text", "expected", "got", "step" },
//!                    "reproduce": null | { "run", "curl" (null when no request failed) },
//!     "steps": [ { "index", "label", "client", "passed", "error", "notes", "attempts",
//!       "parallel": null or the step's parallel group, "started_ms", "finished_ms" (offsets
//!              from the scenario's start: the steps of a group overlap),
//!       "sdk": null, or what the caller of an SDK step got (`null`, `a session`, `()`,
//!              `auth error (…)`),
//!       "jar": [ { "name", "domain", "host_only" } ] (the contract cookies after the step),
//!       "exchanges": [ { "purpose", "method", "url", "status", "error", "elapsed_ms",
//!                        "set_cookies" } ],
//!       "checks": [ { "what", "rules" (one id), "passed", "evaluated", "failure" } ] } ] } ] }
//! ```
//! `attempts` is `null` except on a step with `expect.within`: `{ "count", "elapsed_ms",
//! "within_ms", "source", "final_from", "verdict" }`, where `final_from` is the index in
//! `exchanges` of the final attempt's first exchange (every attempt's exchanges are listed).

use serde_json::{Value, json};

use super::format::Format;
use super::human::shown_set_cookie;
use super::record::{Record, RunInfo, Summary, first_failure, outcome_word};
use super::verdict::{Verdict, failing_curl};
use crate::contract::rule;
use crate::run::result::{Exchange, Outcome, StepResult};

/// The report's format version, bumped on incompatible changes.
pub const VERSION: u32 = 1;

/// The JSON report as a [`Format`]: a scenario's fragment is its entry in `scenarios`.
pub(super) const FORMAT: Format = Format {
    kind: "JSON",
    fragment: scenario,
    assemble,
};

/// Renders the JSON document (pretty-printed).
pub fn render(info: &RunInfo, records: &[Record]) -> String {
    FORMAT.render(info, records)
}

/// The document around the scenarios' entries, sorted by id.
fn assemble(info: &RunInfo, s: &Summary, scenarios: &[Value]) -> String {
    let doc = json!({
        "version": VERSION,
        "target": info.target,
        "started": info.started,
        "elapsed_ms": info.elapsed.as_millis() as u64,
        "interrupted": info.interrupted,
        "switches": info.switches,
        "origins": info.origins.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<serde_json::Map<String, Value>>(),
        "seed": info.seed,
        "reproduce": info.restart,
        "summary": {
            "total": s.total,
            "passed": s.passed,
            "failed": s.failed,
            "ignored": s.ignored,
        },
        "scenarios": scenarios,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string())
}

fn scenario(record: &Record) -> Value {
    let r = &record.result;
    let red = |s: &str| record.redact(s);
    let ignored = match &r.outcome {
        Outcome::Ignored(reason) => Some(red(reason)),
        _ => None,
    };
    json!({
        "id": r.id,
        "trial": record.trial(),
        "name": red(&r.name),
        "rules": r.rules,
        "outcome": outcome_word(&r.outcome),
        "ignored_reason": ignored,
        "setup_error": r.setup_error.as_deref().map(red),
        "snapshot_diff": record.snapshot_diff.as_deref().map(red),
        "first_failure": first_failure(record),
        "verdict": Verdict::of(record).map(|v| json!({
            "rule": v.rule,
            "text": rule(&v.rule).map(|r| r.title),
            "expected": v.expected,
            "got": v.got,
            "step": v.step,
        })),
        "reproduce": (r.outcome == Outcome::Failed).then(|| json!({
            "run": format!("openapp-conformance run --exact {}", record.trial()),
            "curl": failing_curl(record),
        })),
        "elapsed_ms": r.elapsed.as_millis() as u64,
        "steps": r.steps.iter().map(|st| step(record, st)).collect::<Vec<_>>(),
    })
}

fn step(record: &Record, st: &StepResult) -> Value {
    let red = |s: &str| record.redact(s);
    json!({
        "index": st.index,
        "label": red(&st.label),
        "client": st.client,
        "parallel": st.parallel,
        "started_ms": st.started.as_millis() as u64,
        "finished_ms": st.finished.as_millis() as u64,
        "passed": st.passed(),
        "error": st.error.as_deref().map(red),
        "notes": st.notes.iter().map(|n| red(n)).collect::<Vec<_>>(),
        "attempts": st.attempts.as_ref().map(|a| json!({
            "count": a.count,
            "elapsed_ms": a.elapsed.as_millis() as u64,
            "within_ms": a.within.as_millis() as u64,
            "source": a.source,
            "final_from": a.final_from,
            "verdict": st.verdict(),
        })),
        "exchanges": st.exchanges.iter().map(|ex| exchange(record, ex)).collect::<Vec<_>>(),
        "sdk": st.sdk.as_ref().map(|o| red(&o.describe(true))),
        "jar": st.jar_after.iter().map(|c| json!({
            "name": c.name,
            "domain": c.domain,
            "host_only": c.host_only,
        })).collect::<Vec<_>>(),
        "checks": st.checks.iter().map(|c| json!({
            "what": red(&c.what),
            "rules": c.rules,
            "passed": c.passed(),
            "evaluated": c.evaluated,
            "failure": c.failure.as_deref().map(red),
        })).collect::<Vec<_>>(),
    })
}

fn exchange(record: &Record, ex: &Exchange) -> Value {
    let red = |s: &str| record.redact(s);
    let (status, error, set_cookies) = match &ex.response {
        Ok(resp) => (
            Some(resp.status),
            None,
            resp.set_cookies
                .iter()
                .map(|l| red(&shown_set_cookie(l)))
                .collect(),
        ),
        Err(e) => (None, Some(red(e)), Vec::new()),
    };
    json!({
        "purpose": red(&ex.purpose),
        "method": ex.method,
        "url": red(&ex.url),
        "status": status,
        "error": error,
        "elapsed_ms": ex.elapsed.as_millis() as u64,
        "set_cookies": set_cookies,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{
        assert_no_secret, failing, ignored, info, passing, snapshot_changed,
    };
    use super::*;

    fn doc() -> (String, Value) {
        let text = render(&info(), &[failing(), passing(), ignored()]);
        let value = serde_json::from_str(&text).expect("valid JSON");
        (text, value)
    }

    #[test]
    fn summary_and_outcomes() {
        let (_, v) = doc();
        assert_eq!(v["version"], 1);
        assert_eq!(
            v["summary"],
            json!({"total": 3, "passed": 1, "failed": 1, "ignored": 1})
        );
        let outcomes: Vec<&str> = v["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["passed", "failed", "ignored"]);
        assert_eq!(
            v["scenarios"][2]["ignored_reason"],
            "needs the Kratos admin API: set KRATOS_ADMIN_URL"
        );
        assert_eq!(v["scenarios"][0]["ignored_reason"], Value::Null);
    }

    #[test]
    fn steps_carry_exchanges_and_checks() {
        let (_, v) = doc();
        let failed = &v["scenarios"][1];
        assert_eq!(failed["trial"], "core::b_failing");
        assert_eq!(failed["rules"], json!(["R9", "R10"]));
        let step = &failed["steps"][1];
        assert_eq!(step["passed"], false);
        assert_eq!(step["exchanges"][0]["method"], "POST");
        assert_eq!(
            step["exchanges"][0]["url"],
            "http://api.openapp.test:8080/api/v1/auth/logout"
        );
        assert_eq!(step["exchanges"][0]["status"], 500);
        assert_eq!(step["checks"][0]["rules"], json!(["R9"]));
        assert_eq!(
            step["checks"][0]["failure"],
            "expected 204, got 500 (body mentions [password])"
        );
        assert_eq!(
            failed["steps"][0]["exchanges"][0]["set_cookies"][0],
            "ory_kratos_session=<25 chars>; Path=/; Domain=openapp.test; HttpOnly"
        );
    }

    #[test]
    fn a_snapshot_mismatch_carries_its_diff() {
        let text = render(&info(), &[snapshot_changed(), passing()]);
        let v: Value = serde_json::from_str(&text).unwrap();
        let diff = v["scenarios"][1]["snapshot_diff"].as_str().unwrap();
        assert!(
            diff.contains("+set-cookie: b <cleared> [password]"),
            "{diff}"
        );
        assert_eq!(v["scenarios"][0]["snapshot_diff"], Value::Null);
        assert_no_secret(&text);
    }

    #[test]
    fn the_run_says_its_switches_origins_and_how_to_reproduce() {
        let info = RunInfo {
            switches: vec!["logout-no-domain-variant".into()],
            origins: vec![(
                "kratos_public".into(),
                "http://auth.openapp.test:4433/".into(),
            )],
            restart: Some(
                "openapp-conformance serve --json --fault logout-no-domain-variant".into(),
            ),
            ..info()
        };
        let v: Value = serde_json::from_str(&render(&info, &[failing(), passing()])).unwrap();
        assert_eq!(v["switches"], json!(["logout-no-domain-variant"]));
        assert_eq!(
            v["origins"]["kratos_public"],
            "http://auth.openapp.test:4433/"
        );
        assert_eq!(v["seed"], Value::Null);
        assert!(v["reproduce"].as_str().unwrap().contains("serve --json"));
        let failed = &v["scenarios"][1];
        assert_eq!(failed["verdict"]["rule"], "R9");
        assert_eq!(
            failed["verdict"]["text"],
            "logout and sign-out answer 204 with an empty body"
        );
        assert_eq!(failed["verdict"]["step"], 2);
        assert_eq!(
            failed["reproduce"]["run"],
            "openapp-conformance run --exact core::b_failing"
        );
        assert!(
            failed["reproduce"]["curl"]
                .as_str()
                .unwrap()
                .starts_with("curl ")
        );
        assert_eq!(v["scenarios"][0]["verdict"], Value::Null);
        assert_eq!(v["scenarios"][0]["reproduce"], Value::Null);
        assert_eq!(failed["steps"][1]["checks"][0]["evaluated"], true);
    }

    #[test]
    fn no_secret_reaches_the_json() {
        assert_no_secret(&doc().0);
    }
}
