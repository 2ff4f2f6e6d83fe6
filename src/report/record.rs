//! What reporters render: a trial's [`Record`], the run's [`RunInfo`] and [`Summary`], and the
//! small helpers every file format shares (ordering, outcome words, first failure, escaping).

use std::time::Duration;

use crate::redact::Secrets;
use crate::run::result::{Outcome, ScenarioResult};

/// One trial's result with the secrets it met, which reporters need to redact it.
#[derive(Debug, Clone)]
pub struct Record {
    /// What the trial did and concluded.
    pub result: ScenarioResult,
    /// Every secret the trial registered (passwords, tokens, captured cookie values…).
    pub secrets: Secrets,
    /// Why the contract-level snapshot did not match (a unified diff, or the missing
    /// snapshot's new view), when the checks passed but the snapshot failed the trial.
    pub snapshot_diff: Option<String>,
    /// The snapshot's changed lines, each with its rule, when a stored snapshot differed.
    pub snapshot_changes: Vec<super::changes::SnapshotChange>,
}

impl Record {
    /// Redacts a text with this trial's secrets (and the well-known token shapes).
    pub fn redact(&self, text: &str) -> String {
        self.secrets.redact(text)
    }

    /// The libtest trial name (`core::r01_…`).
    pub fn trial(&self) -> String {
        crate::plan::model::trial_name(&self.result.id)
    }
}

/// What a report says about the run as a whole.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// The target, e.g. `embedded (http://api.openapp.test:41234)`; never holds credentials.
    pub target: String,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// When the run started, as an RFC 3339 timestamp (UTC).
    pub started: String,
    /// The monotonic start, from which [`RunInfo::finished`] measures `elapsed`.
    pub clock: Option<std::time::Instant>,
    /// The signal that interrupted the run (`SIGINT`, `SIGTERM`), when one did: trials in
    /// flight were cut short and the others did not run, so the results are incomplete.
    pub interrupted: Option<String>,
    /// The fault and benign switches of the stack the run used, sorted.
    pub switches: Vec<String>,
    /// The origins the run reached, by role (`openapp_api`, `kratos_public`, `kratos_admin`),
    /// credentials left out.
    pub origins: Vec<(String, String)>,
    /// The generator seed of a generated run (explore); `None` for scenario runs.
    pub seed: Option<u64>,
    /// How to start a stack like the run's again, when it stopped with the run.
    pub restart: Option<String>,
}

/// Counts of outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Trials reported.
    pub total: usize,
    /// Trials that passed.
    pub passed: usize,
    /// Trials that failed.
    pub failed: usize,
    /// Trials ignored (a requirement the target lacks).
    pub ignored: usize,
}

impl Summary {
    /// Counts the outcomes of these records.
    pub fn of(records: &[Record]) -> Self {
        Self::of_words(records.iter().map(|r| outcome_word(&r.result.outcome)))
    }

    /// Counts outcomes given as [`outcome_word`]s (an unknown word counts in `total` only).
    pub fn of_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut s = Summary::default();
        for word in words {
            s.total += 1;
            match word {
                "passed" => s.passed += 1,
                "failed" => s.failed += 1,
                "ignored" => s.ignored += 1,
                _ => {}
            }
        }
        s
    }
}

/// The records sorted by scenario id, the order every report lists them in.
pub fn sorted(records: &[Record]) -> Vec<&Record> {
    let mut v: Vec<&Record> = records.iter().collect();
    v.sort_by(|a, b| a.result.id.cmp(&b.result.id));
    v
}

/// `passed`, `failed` or `ignored`.
pub fn outcome_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Ignored(_) => "ignored",
    }
}

/// The first failure of a record in one line (for JUnit's `message` and HTML rows): the
/// setup error, the step error, or the first failed check with its rules.
pub fn first_failure(record: &Record) -> Option<String> {
    let r = &record.result;
    let line = if let Some(e) = &r.setup_error {
        format!("setup failed: {e}")
    } else if let Some(diff) = record
        .snapshot_diff
        .as_ref()
        .filter(|_| r.steps.iter().all(|s| s.passed()))
    {
        diff.clone()
    } else {
        let step = r.steps.iter().find(|s| !s.passed())?;
        let attempts = step
            .verdict()
            .map(|v| format!(" — {v}"))
            .unwrap_or_default();
        if let Some(e) = &step.error {
            let first = e.lines().next().unwrap_or("");
            format!("step {} ({}): {first}{attempts}", step.index, step.label)
        } else {
            let c = step.checks.iter().find(|c| !c.passed())?;
            let failure = c.failure.as_deref().unwrap_or("");
            let first = failure.lines().next().unwrap_or("");
            format!(
                "step {} ({}): {} [{}]: {first}{attempts}",
                step.index,
                step.label,
                c.what,
                c.rules.join(","),
            )
        }
    };
    let first = line.lines().next().unwrap_or("").to_string();
    Some(record.redact(&first))
}

/// The placeholder of a character XML 1.0 cannot carry: U+FFFD, visible where it stood.
pub(super) const NOT_XML: char = '\u{FFFD}';

/// True for a character XML 1.0 cannot carry in any form (controls other than tab, line feed
/// and carriage return, and the non-characters U+FFFE and U+FFFF), or that it discourages (the
/// C1 controls).
fn not_xml(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && (c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// `text` with every character XML cannot carry replaced by [`NOT_XML`] (a response body or
/// header is server-controlled text: a report must stay well-formed whatever it holds).
pub(super) fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(not_xml) {
        text.chars()
            .map(|c| if not_xml(c) { NOT_XML } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Escapes text for XML and HTML (element content and double-quoted attributes), with the
/// characters XML cannot carry replaced ([`xml_safe`]).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in xml_safe(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A URL without user name and password, for describing a target.
pub fn without_credentials(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{failing, info, passing};
    use super::super::{html, json, junit};

    #[test]
    fn an_interrupted_run_is_marked_in_every_report_and_a_finished_one_is_not() {
        let records = [passing(), failing()];
        let finished = info();
        let interrupted = super::RunInfo {
            interrupted: Some("SIGTERM".into()),
            ..info()
        };
        let doc: serde_json::Value =
            serde_json::from_str(&json::render(&interrupted, &records)).unwrap();
        assert_eq!(doc["interrupted"], "SIGTERM");
        let doc: serde_json::Value =
            serde_json::from_str(&json::render(&finished, &records)).unwrap();
        assert!(doc["interrupted"].is_null(), "{doc}");
        let property = r#"<property name="interrupted" value="SIGTERM"/>"#;
        assert!(junit::render(&interrupted, &records).contains(property));
        assert!(!junit::render(&finished, &records).contains("interrupted"));
        let page = html::render(&interrupted, &records);
        assert!(page.contains("interrupted by SIGTERM"), "{page}");
        assert!(page.contains(r#"<div id="summary" data-outcome="interrupted">"#));
        let page = html::render(&finished, &records);
        assert!(!page.contains("interrupted by") && !page.contains(r#""interrupted">"#));
    }
}
