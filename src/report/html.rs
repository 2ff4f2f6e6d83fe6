//! The HTML report (`--html FILE`): one self-contained page (inline CSS, no script, no
//! external asset) with the run's verdict and counts, a table row per scenario, and per
//! scenario its steps (with how the attempts of a step with `within` went): each request
//! (method, URL, redacted headers, body excerpt; every attempt), status,
//! every `Set-Cookie` line (values replaced by their length), the checks with their rules,
//! and for a failing step the `curl` command that reproduces it; then any snapshot diff.
//! Failing scenarios are open.
//!
//! Rows and sections carry `data-outcome="passed|failed|ignored"` so tools can read them; the
//! summary's is `interrupted` for a run a signal ended.

use std::fmt::Write;

use serde_json::{Value, json};

use super::format::Format;
use super::human::{curl_command, excerpt, shown_request_header, shown_set_cookie};
use super::picture;
use super::record::{Record, RunInfo, Summary, escape, first_failure, outcome_word};
use super::verdict::Verdict;
use crate::run::result::{Exchange, Outcome, StepResult};

const STYLE: &str = include_str!("html.css");

/// The HTML report as a [`Format`]: a scenario's fragment is its table row and its section,
/// both rendered (`{"row": …, "section": …}`).
pub(super) const FORMAT: Format = Format {
    kind: "HTML",
    fragment,
    assemble,
};

/// Renders the page.
pub fn render(info: &RunInfo, records: &[Record]) -> String {
    FORMAT.render(info, records)
}

fn fragment(record: &Record) -> Value {
    let (mut row, mut section) = (String::new(), String::new());
    table_row(&mut row, record);
    self::section(&mut section, record);
    json!({ "row": row, "section": section, "outcome": outcome_word(&record.result.outcome) })
}

/// The page around the scenarios' rows and sections, sorted by id.
fn assemble(info: &RunInfo, s: &Summary, fragments: &[Value]) -> String {
    // Failing scenarios first, then the others, each group in id order.
    let mut ordered: Vec<&Value> = fragments.iter().collect();
    ordered.sort_by_key(|f| f["outcome"] != "failed");
    let part = |key: &str| {
        ordered
            .iter()
            .filter_map(move |f| f[key].as_str())
            .collect::<String>()
    };
    let verdict = match (&info.interrupted, s.failed) {
        (Some(_), _) => "interrupted",
        (None, 0) => "passed",
        (None, _) => "failed",
    };
    let interrupted = info.interrupted.as_deref().map_or(String::new(), |signal| {
        format!(" · interrupted by {}", escape(signal))
    });
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>openapp-conformance: {} passed, {} failed</title>\n<style>\n{STYLE}</style>\n\
         </head>\n<body>\n<h1>openapp-conformance report</h1>\n\
         <div class=\"meta\">target {} · started {} · {:.2} s{interrupted}</div>\n",
        s.passed,
        s.failed,
        escape(&info.target),
        escape(&info.started),
        info.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "<div id=\"summary\" data-outcome=\"{verdict}\"><span class=\"verdict {verdict}\">{}</span>\
         <span class=\"count total\">{} scenario{}</span>\
         <span class=\"count passed\">{} passed</span>\
         <span class=\"count failed\">{} failed</span>\
         <span class=\"count ignored\">{} ignored</span></div>",
        verdict.to_uppercase(),
        s.total,
        if s.total == 1 { "" } else { "s" },
        s.passed,
        s.failed,
        s.ignored
    );
    out.push_str(
        "<h2>Scenarios</h2>\n<table id=\"scenarios\">\n<thead><tr><th>outcome</th><th>trial</th>\
         <th>scenario</th><th>rules</th><th>time</th><th>first failure or reason</th></tr></thead>\n<tbody>\n",
    );
    out.push_str(&part("row"));
    out.push_str("</tbody>\n</table>\n<h2>Steps</h2>\n");
    out.push_str(&part("section"));
    out.push_str("</body>\n</html>\n");
    out
}

/// `text` cut to at most `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// The anchor of a scenario's section.
fn anchor(record: &Record) -> String {
    format!("s-{}", record.result.id.replace(['/', ':'], "-"))
}

fn table_row(out: &mut String, record: &Record) {
    let r = &record.result;
    let word = outcome_word(&r.outcome);
    let why = match (&r.outcome, Verdict::of(record)) {
        (Outcome::Ignored(reason), _) => escape(&record.redact(reason)),
        (_, Some(v)) => format!(
            "<span class=\"line\">✗ {}</span><span class=\"line\">{}</span>",
            escape(&v.headline()),
            escape(&shorten(&v.got, 160))
        ),
        _ => escape(&first_failure(record).unwrap_or_default()),
    };
    let _ = writeln!(
        out,
        "<tr class=\"{word}\" data-outcome=\"{word}\" data-trial=\"{trial}\">\
         <td><span class=\"badge {word}\">{}</span></td>\
         <td><a href=\"#{}\"><code>{trial}</code></a></td><td>{}</td><td class=\"rules\">{}</td>\
         <td class=\"time\">{} ms</td><td class=\"why\">{}</td></tr>",
        word.to_uppercase(),
        anchor(record),
        escape(&record.redact(&r.name)),
        escape(&r.rules.join(", ")),
        r.elapsed.as_millis(),
        why,
        trial = escape(&record.trial()),
    );
}

fn section(out: &mut String, record: &Record) {
    let r = &record.result;
    let word = outcome_word(&r.outcome);
    let open = if r.outcome == Outcome::Failed {
        " open"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<details class=\"scenario {word}\" id=\"{}\" data-outcome=\"{word}\"{open}>\
         <summary><span class=\"badge {word}\">{}</span> <code>{}</code> — {}</summary>",
        anchor(record),
        word.to_uppercase(),
        escape(&record.trial()),
        escape(&record.redact(&r.name))
    );
    if let Outcome::Ignored(reason) = &r.outcome {
        let _ = writeln!(out, "<p>ignored: {}</p>", escape(&record.redact(reason)));
    }
    if let Some(v) = Verdict::of(record) {
        let _ = writeln!(
            out,
            "<div class=\"verdict-box\" data-rule=\"{}\"><strong>✗ {}</strong><br>expected: {}<br>got: {}</div>",
            escape(&v.rule),
            escape(&v.headline()),
            escape(&v.expected),
            escape(&v.got)
        );
    }
    if !r.steps.is_empty() || !r.setup.is_empty() {
        let _ = writeln!(
            out,
            "<div class=\"pictures\"><div class=\"picture\"><h3>sequence</h3>{}</div>\
             <div class=\"picture\"><h3>jar after each step</h3>{}</div></div>",
            picture::sequence(record),
            picture::jar_timeline(record)
        );
    }
    if let Some(e) = &r.setup_error {
        let _ = writeln!(
            out,
            "<pre class=\"error\">setup failed: {}</pre>",
            escape(&record.redact(e))
        );
    }
    for step in &r.steps {
        render_step(out, record, step);
    }
    if let Some(diff) = &record.snapshot_diff {
        render_diff(out, &record.redact(diff));
    }
    out.push_str("</details>\n");
}

/// A snapshot mismatch, removed lines red and added lines green.
fn render_diff(out: &mut String, diff: &str) {
    out.push_str("<div class=\"step failed\"><h3>snapshot</h3><pre class=\"diff\">");
    for line in diff.lines() {
        let class = if line.starts_with("+++") || line.starts_with("---") {
            "head"
        } else if line.starts_with('+') {
            "add"
        } else if line.starts_with('-') {
            "del"
        } else if line.starts_with("@@") {
            "head"
        } else {
            "same"
        };
        let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
    }
    out.push_str("</pre></div>\n");
}

fn render_step(out: &mut String, record: &Record, step: &StepResult) {
    let (class, verdict) = if step.passed() {
        ("passed", "ok")
    } else {
        ("failed", "FAILED")
    };
    let attempts = step
        .verdict()
        .map(|v| format!(" ({v})"))
        .unwrap_or_default();
    let group = step
        .parallel
        .as_ref()
        .map(|g| format!("[parallel {}] ", escape(g)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<div class=\"step {class}\"><h3>step {} {group}[{}] {} — {verdict}{}</h3>",
        step.index,
        escape(&step.client),
        escape(&record.redact(&step.label)),
        escape(&attempts)
    );
    for ex in &step.exchanges {
        render_exchange(out, record, ex);
    }
    for note in &step.notes {
        let _ = writeln!(out, "<p>note: {}</p>", escape(&record.redact(note)));
    }
    if let Some(e) = &step.error {
        let _ = writeln!(
            out,
            "<pre class=\"error\">{}</pre>",
            escape(&record.redact(e))
        );
    }
    if !step.checks.is_empty() {
        out.push_str("<ul class=\"checks\">\n");
        for c in &step.checks {
            let line = match &c.failure {
                None if !c.evaluated => format!("<li class=\"skipped\">{}</li>", escape(&c.what)),
                None => format!("<li class=\"ok\">{}</li>", escape(&c.what)),
                Some(f) => format!(
                    "<li class=\"bad\">{} [{}]: {}</li>",
                    escape(&c.what),
                    escape(&c.rules.join(",")),
                    escape(&record.redact(f))
                ),
            };
            let _ = writeln!(out, "{line}");
        }
        out.push_str("</ul>\n");
    }
    if !step.passed()
        && let Some(ex) = step.exchanges.last()
    {
        let curl = curl_command(ex, &record.result.resolve, &record.secrets);
        let _ = writeln!(
            out,
            "<p>reproduce the failing request:</p><pre class=\"curl\">{}</pre>",
            escape(&record.redact(&curl))
        );
    }
    out.push_str("</div>\n");
}

fn render_exchange(out: &mut String, record: &Record, ex: &Exchange) {
    let mut lines = format!(
        "<span class=\"req\">&gt; {} {}</span>   ({})\n",
        escape(&ex.method),
        escape(&record.redact(&ex.url)),
        escape(&record.redact(&ex.purpose))
    );
    for (name, value) in &ex.request_headers {
        let shown = record.redact(&shown_request_header(name, value));
        let _ = writeln!(lines, "  {}: {}", escape(name), escape(&shown));
    }
    if let Some(body) = &ex.request_body {
        let shown = excerpt(body.as_bytes(), &record.secrets);
        let _ = writeln!(lines, "  body: {}", escape(&shown));
    }
    match &ex.response {
        Err(e) => {
            let _ = writeln!(
                lines,
                "<span class=\"status none\">&lt; no response: {}</span>",
                escape(&record.redact(e))
            );
        }
        Ok(resp) => {
            let _ = writeln!(
                lines,
                "<span class=\"status s{}\">&lt; {}</span> ({} ms)",
                resp.status / 100,
                resp.status,
                ex.elapsed.as_millis()
            );
            for line in &resp.set_cookies {
                let shown = record.redact(&shown_set_cookie(line));
                let _ = writeln!(
                    lines,
                    "  <span class=\"cookie\">set-cookie: {}</span>",
                    escape(&shown)
                );
            }
            if !resp.body.is_empty() {
                let shown = excerpt(&resp.body, &record.secrets);
                let _ = writeln!(lines, "  body: {}", escape(&shown));
            }
        }
    }
    let _ = writeln!(out, "<div class=\"exchange\"><pre>{lines}</pre></div>");
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{
        assert_no_secret, failing, ignored, info, passing, snapshot_changed,
    };
    use super::*;

    fn page() -> String {
        render(&info(), &[failing(), passing(), ignored()])
    }

    #[test]
    fn self_contained_with_summary_and_a_row_per_scenario() {
        let html = page();
        assert!(html.starts_with("<!DOCTYPE html>"));
        for external in ["<script", "<link", "src=", "http-equiv", "@import", "url("] {
            assert!(!html.contains(external), "external asset `{external}`");
        }
        assert!(html.contains("<div id=\"summary\" data-outcome=\"failed\">"));
        assert!(html.contains("1 passed"));
        assert_eq!(html.matches("<tr class=").count(), 3);
        assert!(html.contains(
            "<tr class=\"failed\" data-outcome=\"failed\" data-trial=\"core::b_failing\">"
        ));
        assert!(
            html.contains("core/b_failing &lt;name&gt; &amp; co"),
            "names are escaped"
        );
    }

    #[test]
    fn steps_show_requests_statuses_cookies_and_failures() {
        let html = page();
        let failed = html
            .split("id=\"s-core-b_failing\"")
            .nth(1)
            .and_then(|s| s.split("</details>").next())
            .expect("the failing scenario's section");
        assert!(failed.contains("open>"), "failing sections are open");
        assert!(failed.contains("&gt; POST http://api.openapp.test:8080/api/v1/auth/logout"));
        assert!(failed.contains("<span class=\"status s5\">&lt; 500</span>"));
        assert!(failed.contains(
            "set-cookie: ory_kratos_session=&lt;25 chars&gt;; Path=/; Domain=openapp.test; HttpOnly"
        ));
        assert!(failed.contains(
            "<li class=\"bad\">status [R9]: expected 204, got 500 (body mentions [password])</li>"
        ));
        assert!(failed.contains("<pre class=\"curl\">curl "));
        assert!(failed.contains("--resolve api.openapp.test:8080:127.0.0.1"));
    }

    #[test]
    fn no_secret_reaches_the_page() {
        assert_no_secret(&page());
    }

    #[test]
    fn a_snapshot_diff_is_shown_and_named_in_the_row() {
        let html = render(&info(), &[snapshot_changed()]);
        assert!(html.contains("<pre class=\"diff\">"), "{html}");
        assert!(html.contains("<span class=\"del\">-set-cookie: a &lt;cleared&gt;</span>"));
        assert!(
            html.contains("<span class=\"add\">+set-cookie: b &lt;cleared&gt; [password]</span>")
        );
        assert!(html.contains("snapshot snapshots/core/d.snap differs:</span></td>"));
        assert_no_secret(&html);
    }

    #[test]
    fn an_empty_run_renders() {
        let html = render(&info(), &[]);
        assert!(html.contains("0 scenarios"));
        assert!(html.contains("data-outcome=\"passed\""));
    }
}
