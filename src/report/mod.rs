//! Reporters: pure functions of the run's results.
//!
//! - [`human`]: the failure transcript printed for a failing trial (and reused as JUnit
//!   failure text).
//! - [`junit`], [`json`], [`html`]: files written after the run (`--junit`, `--json`,
//!   `--html`), each a function of [`RunInfo`] and the [`Record`]s of the trials that ran,
//!   rendered as one fragment per scenario and a document around them.
//! - `parts`: under nextest, each test process's fragments as a part of the run, merged
//!   into one file per report.
//!
//! Every string that reaches a report goes through the trial's
//! [`Secrets`](crate::redact::Secrets) (and the cookie and JSON redactors), so no cookie value,
//! token, password or API key is written.

pub mod changes;
mod format;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
mod parts;
mod picture;
mod record;
pub mod snapshot;
pub mod verdict;
mod write;

pub use parts::{Merged, NextestRun};
pub use write::{ReportError, ReportPaths};

pub use record::{
    Record, RunInfo, Summary, escape, first_failure, outcome_word, sorted, without_credentials,
};

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::fixtures::{failing, ignored, passing};
    use super::*;

    #[test]
    fn summary_counts_outcomes() {
        let records = vec![passing(), failing(), ignored()];
        assert_eq!(
            Summary::of(&records),
            Summary {
                total: 3,
                passed: 1,
                failed: 1,
                ignored: 1
            }
        );
    }

    #[test]
    fn records_are_sorted_by_id() {
        let records = vec![passing(), failing(), ignored()];
        let ids: Vec<&str> = sorted(&records)
            .iter()
            .map(|r| r.result.id.as_str())
            .collect();
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(ids, expected);
    }

    #[test]
    fn first_failure_names_the_check_its_rules_and_hides_secrets() {
        let line = first_failure(&failing()).unwrap();
        assert!(line.contains("step 2"), "{line}");
        assert!(line.contains("[R9]"), "{line}");
        assert!(!line.contains(super::fixtures::CANARY), "{line}");
        assert_eq!(first_failure(&passing()), None);
    }

    /// A step with `within`: every report carries every attempt and the verdict, and no
    /// secret.
    #[test]
    fn every_report_shows_every_attempt_and_the_verdict() {
        let record = super::fixtures::retried();
        let verdict = "still failing after 3 attempts in 1.2s (within 1s: \
                       OPENAPP_CONFORMANCE_REVOCATION_WITHIN=1s)";
        let verbose = verdict::Style {
            verbose: true,
            ..Default::default()
        };
        let transcript = verdict::failure_output(&record, &verbose);
        assert!(
            transcript.contains(&format!("replay <old> cookie — FAILED ({verdict})")),
            "{transcript}"
        );
        for n in 1..=3 {
            assert!(
                transcript.contains(&format!("(attempt {n} of 3)")),
                "{transcript}"
            );
        }
        let line = first_failure(&record).unwrap();
        assert!(line.ends_with(&format!(" — {verdict}")), "{line}");
        let records = [record];
        let json: serde_json::Value =
            serde_json::from_str(&json::render(&super::fixtures::info(), &records)).unwrap();
        let step = &json["scenarios"][0]["steps"][1];
        assert_eq!(step["exchanges"].as_array().unwrap().len(), 3);
        assert_eq!(step["attempts"]["count"], 3);
        assert_eq!(step["attempts"]["final_from"], 2);
        assert_eq!(step["attempts"]["within_ms"], 1000);
        assert_eq!(step["attempts"]["verdict"], verdict);
        assert_eq!(
            json["scenarios"][0]["steps"][0]["attempts"],
            serde_json::Value::Null
        );
        let html = html::render(&super::fixtures::info(), &records);
        assert!(
            html.contains(&format!(
                "replay &lt;old&gt; cookie — FAILED ({})",
                escape(verdict)
            )),
            "{html}"
        );
        assert_eq!(html.matches("(attempt ").count(), 3, "{html}");
        let xml = junit::render(&super::fixtures::info(), &records);
        assert!(xml.contains(&escape(verdict)), "{xml}");
        for text in [transcript, json.to_string(), html, xml] {
            super::fixtures::assert_no_secret(&text);
        }
    }

    #[test]
    fn escape_handles_markup_and_control_characters() {
        assert_eq!(
            escape("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{FFFD}"
        );
    }

    #[test]
    fn urls_lose_their_credentials() {
        let u = url::Url::parse("https://user:pw@staging.example.com/x").unwrap();
        assert_eq!(without_credentials(&u), "https://staging.example.com/x");
    }
}
