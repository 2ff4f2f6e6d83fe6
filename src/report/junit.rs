//! The JUnit XML report (`--junit FILE`): one `<testcase>` per scenario, named by its trial
//! name and classed by its directory (`openapp-conformance.core`). A failing scenario carries
//! a `<failure>` whose message is its first failure and whose text is the human failure
//! transcript (and any snapshot diff); an ignored one carries `<skipped>` with the reason.
//! An interrupted run carries the property `interrupted` (the signal's name).

use std::fmt::Write;

use super::record::{Record, RunInfo, Summary, escape, first_failure, sorted};
use crate::run::result::Outcome;

/// The name of the suite and the prefix of every class name.
const SUITE: &str = "openapp-conformance";

/// Renders the JUnit XML document.
pub fn render(info: &RunInfo, records: &[Record]) -> String {
    let s = Summary::of(records);
    let counts = format!(
        r#"tests="{}" failures="{}" errors="0" skipped="{}" time="{:.3}""#,
        s.total,
        s.failed,
        s.ignored,
        info.elapsed.as_secs_f64()
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, r#"<testsuites name="{SUITE}" {counts}>"#);
    let _ = writeln!(
        out,
        r#"  <testsuite name="{SUITE}" {counts} timestamp="{}">"#,
        escape(&info.started)
    );
    let interrupted = info.interrupted.as_deref().map_or(String::new(), |signal| {
        format!(
            "\n      <property name=\"interrupted\" value=\"{}\"/>",
            escape(signal)
        )
    });
    let _ = writeln!(
        out,
        "    <properties>\n      <property name=\"target\" value=\"{}\"/>{interrupted}\n    </properties>",
        escape(&info.target)
    );
    for record in sorted(records) {
        testcase(&mut out, record);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(out: &mut String, record: &Record) {
    let r = &record.result;
    let class = r.id.split('/').next().filter(|_| r.id.contains('/'));
    let classname = class.map_or(SUITE.to_string(), |c| format!("{SUITE}.{c}"));
    let _ = write!(
        out,
        r#"    <testcase name="{}" classname="{}" time="{:.3}""#,
        escape(&record.trial()),
        escape(&classname),
        r.elapsed.as_secs_f64()
    );
    match &r.outcome {
        Outcome::Passed => out.push_str("/>\n"),
        Outcome::Ignored(reason) => {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape(&record.redact(reason))
            );
        }
        Outcome::Failed => {
            let message = first_failure(record).unwrap_or_else(|| "failed".into());
            let text = record.failure_text();
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"conformance\">{}</failure>\n    </testcase>",
                escape(&message),
                escape(&text)
            );
        }
    }
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
            xml.contains(r#"tests="3" failures="1" errors="0" skipped="1" time="0.120""#),
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
