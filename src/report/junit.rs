//! The JUnit XML report (`--junit FILE`), written with quick-junit: one `<testcase>` per scenario, named by its trial
//! name and classed by its directory (`openapp-conformance.core`). A failing scenario carries
//! a `<failure>` whose message is its first failure and whose text is the human failure
//! transcript (and any snapshot diff); an ignored one carries `<skipped>` with the reason.
//! An interrupted run carries the property `interrupted` (the signal's name).

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::format::Format;
use super::record::{Record, RunInfo, Summary, first_failure, xml_safe};
use super::verdict::{Style, failure_output};
use crate::run::result::Outcome;

/// The name of the suite and the prefix of every class name.
const SUITE: &str = "openapp-conformance";

/// The JUnit report as a [`Format`]: a scenario's fragment is its [`Case`].
pub(super) const FORMAT: Format = Format {
    kind: "JUnit",
    fragment,
    assemble,
};

/// Renders the JUnit XML document with quick-junit (the writer nextest uses). Every text is
/// made [`xml_safe`] first: quick-junit drops C0 controls but would pass U+FFFE and U+FFFF,
/// which no XML parser accepts.
pub fn render(info: &RunInfo, records: &[Record]) -> String {
    FORMAT.render(info, records)
}

/// One `<testcase>`, redacted and XML-safe: what a scenario contributes to the document.
#[derive(Debug, Serialize, Deserialize)]
struct Case {
    name: String,
    classname: String,
    time: Duration,
    /// `passed`, `skipped` or `failed`.
    status: String,
    /// The skip reason or the first failure.
    message: Option<String>,
    /// The failure transcript.
    text: Option<String>,
}

fn fragment(record: &Record) -> Value {
    let r = &record.result;
    let (status, message, text) = match &r.outcome {
        Outcome::Passed => ("passed", None, None),
        Outcome::Ignored(reason) => ("skipped", Some(record.redact(reason)), None),
        Outcome::Failed => (
            "failed",
            Some(first_failure(record).unwrap_or_else(|| "failed".into())),
            Some(failure_output(
                record,
                &Style {
                    verbose: true,
                    ..Style::default()
                },
            )),
        ),
    };
    let class = r.id.split('/').next().filter(|_| r.id.contains('/'));
    let case = Case {
        name: xml_safe(&record.trial()).into_owned(),
        classname: class.map_or(SUITE.to_string(), |c| format!("{SUITE}.{c}")),
        time: r.elapsed,
        status: status.into(),
        message: message.map(|m| xml_safe(&m).into_owned()),
        text: text.map(|t| xml_safe(&t).into_owned()),
    };
    serde_json::to_value(case).unwrap_or_default()
}

fn assemble(info: &RunInfo, _: &Summary, cases: &[Value]) -> String {
    let time = Duration::from_secs_f64(info.elapsed.as_secs_f64());
    let mut suite = TestSuite::new(SUITE);
    suite.set_time(time);
    if let Ok(started) = chrono::DateTime::parse_from_rfc3339(&info.started) {
        suite.set_timestamp(started);
    }
    suite.add_property(Property::new("target", xml_safe(&info.target)));
    if let Some(signal) = &info.interrupted {
        suite.add_property(Property::new("interrupted", xml_safe(signal)));
    }
    suite.add_test_cases(
        cases
            .iter()
            .filter_map(|c| Case::deserialize(c).ok())
            .map(testcase),
    );
    let mut report = Report::new(SUITE);
    report.set_time(time);
    report.add_test_suite(suite);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- the JUnit report could not be written: {e} -->\n"))
}

fn testcase(case: Case) -> TestCase {
    let status = match case.status.as_str() {
        "skipped" => {
            let mut status = TestCaseStatus::skipped();
            if let Some(message) = case.message {
                status.set_message(message);
            }
            status
        }
        "failed" => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(case.message.unwrap_or_else(|| "failed".into()))
                .set_type("conformance")
                .set_description(case.text.unwrap_or_default());
            status
        }
        _ => TestCaseStatus::success(),
    };
    let mut testcase = TestCase::new(case.name, status);
    testcase.set_classname(case.classname).set_time(case.time);
    testcase
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{
        assert_no_secret, failing, ignored, info, passing, snapshot_changed,
    };
    use super::*;

    fn doc() -> String {
        render(&info(), &[failing(), passing(), ignored()])
    }

    #[test]
    fn one_testcase_per_scenario_with_counts() {
        let xml = doc();
        assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
        assert!(
            xml.contains(r#"tests="3" skipped="1" failures="1" errors="0" time="0.120""#),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<testcase name="core::a_passing" classname="openapp-conformance.core" time="0.012"/>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<skipped message="needs the Kratos admin API: set KRATOS_ADMIN_URL"/>"#
            ),
            "{xml}"
        );
        assert!(xml.contains(
            r#"<property name="target" value="embedded (http://api.openapp.test:8080/)"/>"#
        ));
    }

    #[test]
    fn failure_carries_first_failure_and_the_transcript() {
        let xml = doc();
        let failure = xml
            .split("<failure ")
            .nth(1)
            .and_then(|f| f.split("</failure>").next())
            .expect("a failure element");
        assert!(
            failure.starts_with(r#"message="step 2 (logout): status [R9]: expected 204, got 500"#),
            "{failure}"
        );
        assert!(
            failure.contains("reproduce the failing request"),
            "{failure}"
        );
        assert!(
            failure.contains("set-cookie: ory_kratos_session=&lt;25 chars&gt;"),
            "{failure}"
        );
    }

    #[test]
    fn a_snapshot_mismatch_is_a_failure_with_its_diff() {
        let xml = render(&info(), &[snapshot_changed()]);
        assert!(
            xml.contains(
                r#"<failure message="snapshot snapshots/core/d.snap differs:" type="conformance">"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains("+set-cookie: b &lt;cleared&gt; [password]"),
            "{xml}"
        );
        assert_no_secret(&xml);
    }

    #[test]
    fn no_secret_reaches_the_xml() {
        assert_no_secret(&doc());
    }

    /// Server-controlled text (a body, a header) may hold anything: the file stays XML.
    #[test]
    fn characters_xml_forbids_become_a_visible_placeholder_and_the_file_parses() {
        let nasty = "nul\u{0} bell\u{7} esc\u{1b}[31mred\u{1b}[0m c1\u{85} nonchars\u{FFFE}\u{FFFF} tab\tok";
        let mut record = failing();
        record.result.setup_error = Some(nasty.to_string());
        record.result.name = format!("named {nasty}");
        let xml = render(&info(), &[record]);
        if let Err(e) = roxmltree::Document::parse(&xml) {
            panic!("not XML: {e}\n{xml}");
        }
        let report = quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit reads it");
        assert_eq!(report.tests, 1);
        assert!(
            xml.contains("nul\u{FFFD} bell\u{FFFD} esc\u{FFFD}[31mred"),
            "{xml}"
        );
        assert!(xml.contains("nonchars\u{FFFD}\u{FFFD} tab"), "{xml}");
        // The parser does catch what the placeholders replace.
        let raw = xml.replacen("nonchars\u{FFFD}", "nonchars\u{FFFF}", 1);
        assert!(
            roxmltree::Document::parse(&raw).is_err(),
            "U+FFFF must not parse"
        );
    }

    #[test]
    fn the_document_is_well_formed_enough() {
        let xml = doc();
        assert!(xml.starts_with("<?xml"));
        assert_eq!(xml.matches("<testsuite ").count(), 1);
        assert_eq!(xml.matches("</testcase>").count(), 2, "{xml}");
        assert!(xml.trim_end().ends_with("</testsuites>"));
        assert!(!xml.contains("<name>"), "names are escaped: {xml}");
    }
}
