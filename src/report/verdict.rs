//! The failure, first and short (issue 20): what a failing trial prints. Three lines of verdict
//! (the check that failed with its own rule id and the rule's one-line text, what was expected,
//! what came back), then the failing exchange only, then a reproduction a person can run.
//! `--verbose` adds the whole transcript ([`super::human`]). A failure found only by the
//! snapshot is explained by its changed lines, each with its rule ([`super::changes`]).

use std::fmt::Write;

use super::human::{curl_command, env_name, render_failure, shown_set_cookie};
use super::record::Record;
use crate::cite::{Route, Subject, cite};
use crate::contract::rule;
use crate::run::result::StepResult;

/// How a failing trial's output is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Style {
    /// The whole transcript of every step after the verdict (`--verbose`).
    pub verbose: bool,
    /// ANSI colour on the verdict line (a terminal without `NO_COLOR`).
    pub color: bool,
    /// How to start a stack like this run's again, when the run's own stack is gone with it
    /// (`openapp-conformance serve --fault …` for the embedded stack); `None` for a target that
    /// stays up (external).
    pub restart: Option<String>,
}

/// The verdict of a failing trial: the one rule, what was expected and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The rule id (empty when nothing maps and the scenario lists no rule).
    pub rule: String,
    /// What was expected, and where.
    pub expected: String,
    /// What came back.
    pub got: String,
    /// The failing step's 1-based index, when a step failed.
    pub step: Option<usize>,
}

impl Verdict {
    /// The verdict of a failed record; `None` for one that did not fail.
    pub fn of(record: &Record) -> Option<Verdict> {
        let r = &record.result;
        let red = |s: &str| record.redact(s);
        if let Some(e) = &r.setup_error {
            return Some(Verdict {
                rule: r.rules.first().cloned().unwrap_or_default(),
                expected: "the scenario's setup (identities, target) to succeed".into(),
                got: red(e.lines().next().unwrap_or_default()),
                step: None,
            });
        }
        if let Some(step) = r.steps.iter().find(|s| !s.passed()) {
            let at = format!("step {} [{}] {}", step.index, step.client, red(&step.label));
            if let Some(e) = &step.error {
                let route = step
                    .exchanges
                    .last()
                    .map_or(Route::Other, |x| Route::of(&x.url));
                let rule = cite(Subject::Other, route, &r.rules);
                return Some(Verdict {
                    rule: rule.map_or(String::new(), |r| r.id.to_string()),
                    expected: format!("{at} to complete"),
                    got: red(e),
                    step: Some(step.index),
                });
            }
            let check = step.checks.iter().find(|c| !c.passed())?;
            return Some(Verdict {
                rule: check.rules.first().cloned().unwrap_or_default(),
                expected: format!("{} — {at}", red(&check.what)),
                got: red(check.failure.as_deref().unwrap_or_default()),
                step: Some(step.index),
            });
        }
        let diff = record.snapshot_diff.as_deref()?;
        Some(match record.snapshot_changes.first() {
            Some(change) => Verdict {
                rule: change.rule.clone(),
                expected: format!("{} as in the stored snapshot", change.at),
                got: red(&change.what),
                step: step_number(&change.at),
            },
            None => Verdict {
                rule: r.rules.first().cloned().unwrap_or_default(),
                expected: "a stored snapshot of this scenario".into(),
                got: red(diff.lines().next().unwrap_or_default()),
                step: None,
            },
        })
    }

    /// `R10 logout clears ory_kratos_session host-only and with Domain=`.
    pub fn headline(&self) -> String {
        match rule(&self.rule) {
            Some(rule) => format!("{} {}", rule.id, rule.title),
            None => "no rule".to_string(),
        }
    }
}

/// `step 6 …` → 6.
fn step_number(at: &str) -> Option<usize> {
    at.strip_prefix("step ")?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// What a failing trial prints: the verdict, the failing exchange (or the snapshot's changed
/// lines), what did not run, and how to reproduce it; with `verbose`, the whole transcript.
pub fn failure_output(record: &Record, style: &Style) -> String {
    let mut out = String::new();
    let verdict = Verdict::of(record);
    if let Some(v) = &verdict {
        let head = format!("✗ {}", v.headline());
        if style.color {
            let _ = writeln!(out, "\x1b[1;31m{head}\x1b[0m");
        } else {
            let _ = writeln!(out, "{head}");
        }
        let _ = writeln!(out, "  expected: {}", v.expected);
        let _ = writeln!(out, "  got:      {}", v.got);
    }
    let r = &record.result;
    if style.verbose {
        out.push('\n');
        out.push_str(&render_failure(r, &record.secrets));
    } else if let Some(step) = r.steps.iter().find(|s| !s.passed()) {
        failing_exchange(&mut out, record, step, verdict.as_ref());
        reproduction(&mut out, record, step, style);
    } else if let Some(e) = r.setup_error.as_deref().filter(|e| e.contains('\n')) {
        let _ = writeln!(out, "{}", record.redact(e));
    }
    if let Some(diff) = &record.snapshot_diff {
        let diff = record.redact(diff);
        if style.verbose || record.snapshot_changes.is_empty() {
            let _ = write!(out, "\n{diff}");
        } else {
            // The changed lines say what the diff shows; its first and last lines say which
            // file and what was (not) written.
            let mut lines = diff.lines();
            let _ = writeln!(out, "  {}", lines.next().unwrap_or_default());
            for c in &record.snapshot_changes {
                let _ = writeln!(out, "    [{}] {}: {}", c.rule, c.at, record.redact(&c.what));
            }
            if let Some(last) = lines.last() {
                let _ = writeln!(out, "  {last}");
            }
        }
    }
    out
}

/// The failing step's final exchange, short: request line and the cookies it carried, status,
/// every `Set-Cookie` line; then the step's other failed or unevaluated checks (the verdict has
/// the first) and the steps that did not run.
fn failing_exchange(
    out: &mut String,
    record: &Record,
    step: &StepResult,
    verdict: Option<&Verdict>,
) {
    let red = |s: &str| record.redact(s);
    if let Some(attempts) = step.verdict() {
        let _ = writeln!(out, "  step {} — FAILED ({attempts})", step.index);
    }
    if let Some(ex) = step.final_exchanges().last() {
        let cookies: Vec<String> = ex.sent_cookie_names().into_iter().map(short_name).collect();
        let sent = if cookies.is_empty() {
            "no cookie".to_string()
        } else {
            format!("cookies {}", cookies.join(", "))
        };
        let _ = writeln!(out, "  > {} {}   ({sent})", ex.method, red(&ex.url));
        match &ex.response {
            Err(e) => {
                let _ = writeln!(out, "  < no response: {}", red(e));
            }
            Ok(resp) => {
                let _ = writeln!(out, "  < {} ({:.0?})", resp.status, ex.elapsed);
                // The lines of the cookies the failed checks name; the others folded into one
                // line (`--verbose` shows every line).
                let named = |line: &String| {
                    let name = line.split('=').next().unwrap_or_default().trim();
                    failing_checks_name(step, name)
                };
                let (shown, folded): (Vec<&String>, Vec<&String>) =
                    resp.set_cookies.iter().partition(|l| named(l));
                for line in shown {
                    let _ = writeln!(out, "    set-cookie: {}", red(&shown_set_cookie(line)));
                }
                if !folded.is_empty() {
                    let mut names: Vec<String> = folded
                        .iter()
                        .map(|l| short_name(l.split('=').next().unwrap_or_default().trim()))
                        .collect();
                    names.dedup();
                    let plural = if folded.len() == 1 { "" } else { "s" };
                    let _ = writeln!(
                        out,
                        "    (+{} more set-cookie line{plural}: {})",
                        folded.len(),
                        names.join(", ")
                    );
                }
            }
        }
    }
    let first = verdict.map(|v| v.got.as_str());
    for c in &step.checks {
        match &c.failure {
            Some(f) if Some(red(f).as_str()) != first => {
                let _ = writeln!(
                    out,
                    "  also ✗ {} [{}]: {}",
                    red(&c.what),
                    c.rules.join(","),
                    red(f)
                );
            }
            None if !c.evaluated => {
                let _ = writeln!(out, "  – {}", c.what);
            }
            _ => {}
        }
    }
    let planned = record.result.planned_steps;
    if planned > step.index {
        let not_run = if planned == step.index + 1 {
            format!("step {planned}")
        } else {
            format!("steps {}–{planned}", step.index + 1)
        };
        let _ = writeln!(out, "  {not_run}: not run (step {} failed)", step.index);
    }
}

/// Does a failed (or unevaluated) check of the step name this cookie, by name or by a
/// `prefix*` pattern?
fn failing_checks_name(step: &StepResult, cookie: &str) -> bool {
    step.checks
        .iter()
        .filter(|c| !c.passed() || !c.evaluated)
        .any(|c| {
            c.what.contains(cookie)
                || c.what
                    .split(|ch: char| ch.is_whitespace() || ch == '@' || ch == '(' || ch == ',')
                    .filter_map(|w| w.strip_suffix('*'))
                    .any(|prefix| !prefix.is_empty() && cookie.starts_with(prefix))
        })
}

/// A cookie name short enough to read: `csrf_token_94e8…` for a long generated one.
fn short_name(name: &str) -> String {
    const KEEP: usize = 15;
    if name.chars().count() > KEEP + 8 {
        format!("{}…", name.chars().take(KEEP).collect::<String>())
    } else {
        name.to_string()
    }
}

/// How to reproduce the failing request: against a stack that is gone with the run, the
/// scenario by name (the run's closing lines say how to start a stack that stays up); else the
/// curl command, and what its variables are and how to obtain them.
fn reproduction(out: &mut String, record: &Record, step: &StepResult, style: &Style) {
    if style.restart.is_some() {
        let _ = writeln!(
            out,
            "  reproduce: openapp-conformance run --exact {} against a stack that stays up (see the end of the output)",
            record.trial()
        );
        return;
    }
    let Some(ex) = step.exchanges.last() else {
        return;
    };
    let curl = curl_command(ex, &record.result.resolve, &record.secrets);
    let _ = writeln!(out, "  reproduce: {}", record.redact(&curl));
    let mut vars = Vec::new();
    for cookie in ex.sent_cookie_names() {
        vars.push(format!(
            "{}: the {cookie} cookie of client [{}] after its login (never printed: log in as the scenario's identity with a browser or `curl -c`, and copy it)",
            env_name(cookie),
            step.client
        ));
    }
    for (name, _) in &ex.request_headers {
        if name.eq_ignore_ascii_case("x-api-key") || name.eq_ignore_ascii_case("authorization") {
            vars.push("OPENAPP_API_KEY: the API key this run used".into());
        } else if name.eq_ignore_ascii_case("x-session-token") {
            vars.push("KRATOS_SESSION_TOKEN: the session_token of an API login (POST /self-service/login/api) as the scenario's identity".into());
        }
    }
    vars.dedup();
    for v in vars {
        let _ = writeln!(out, "    with {v}");
    }
}

/// The GitHub Actions annotation of a failing trial (`::error file=…,line=…,title=…::…`),
/// pointing at the failing step's `[[step]]` line of the scenario file (`line` 1 when the step
/// is unknown): GitHub shows it on the file in the pull request.
pub fn github_annotation(file: &str, line: usize, trial: &str, verdict: &Verdict) -> String {
    // Workflow-command escaping: data escapes %, CR and LF; properties also : and ,.
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    format!(
        "::error file={},line={line},title={}::{} — expected {}; got {}",
        prop(file),
        prop(&format!("{trial} failed")),
        data(&verdict.headline()),
        data(&verdict.expected),
        data(&verdict.got)
    )
}

/// The 1-based line of the `n`-th (1-based) `[[step]]` table of a scenario file's `text`.
pub fn step_line(text: &str, n: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[step]]"))
        .nth(n.checked_sub(1)?)
        .map(|(i, _)| i + 1)
}

/// The curl command of a failed record's failing request (redacted, secrets as `$VARS`).
pub fn failing_curl(record: &Record) -> Option<String> {
    let step = record.result.steps.iter().find(|s| !s.passed())?;
    let ex = step.exchanges.last()?;
    Some(record.redact(&curl_command(ex, &record.result.resolve, &record.secrets)))
}

/// Said once after a run whose stack is gone and some trial failed: how to start one that
/// stays up and point `run` at it.
pub fn restart_hint(restart: &str) -> String {
    format!(
        "to reproduce a failure: start a stack that stays up, `{restart}` in another terminal, then run the trial with OPENAPP_BASE_URL, KRATOS_PUBLIC_URL, KRATOS_ADMIN_URL, OPENAPP_RESOLVE and OPENAPP_API_KEY set from its output"
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{
        assert_no_secret, failing, passing, setup_failed, snapshot_changed,
    };
    use super::*;
    use crate::report::changes::SnapshotChange;

    #[test]
    fn the_verdict_names_the_checks_own_rule_expected_and_got() {
        let v = Verdict::of(&failing()).unwrap();
        assert_eq!(v.rule, "R9");
        assert_eq!(
            v.headline(),
            "R9 logout and sign-out answer 204 with an empty body"
        );
        assert!(v.expected.starts_with("status — step 2 [default]"), "{v:?}");
        assert_eq!(v.got, "expected 204, got 500 (body mentions [password])");
        assert_eq!(v.step, Some(2));
        assert_eq!(Verdict::of(&passing()), None);
        assert_eq!(Verdict::of(&setup_failed()).unwrap().step, None);
    }

    #[test]
    fn the_short_output_is_verdict_failing_exchange_and_reproduction() {
        let text = failure_output(&failing(), &Style::default());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "✗ R9 logout and sign-out answer 204 with an empty body"
        );
        assert!(lines[1].starts_with("  expected: status"));
        assert!(lines[2].starts_with("  got:      expected 204, got 500"));
        assert!(lines[3].starts_with("  > POST http://api.openapp.test:8080/api/v1/auth/logout   (cookies ory_kratos_session"), "{text}");
        assert_eq!(lines[4], "  < 500 (4ms)");
        assert!(
            !text.contains("login alice"),
            "only the failing step: {text}"
        );
        assert!(text.contains("  step 3: not run (step 2 failed)"), "{text}");
        assert!(text.contains("  reproduce: curl "), "{text}");
        assert!(
            text.contains("with COOKIE_ORY_KRATOS_SESSION: the ory_kratos_session cookie"),
            "{text}"
        );
        assert_no_secret(&text);

        let verbose = failure_output(
            &failing(),
            &Style {
                verbose: true,
                ..Style::default()
            },
        );
        assert!(
            verbose.contains("  step 1 "),
            "the whole transcript: {verbose}"
        );
        let colored = failure_output(
            &failing(),
            &Style {
                color: true,
                ..Style::default()
            },
        );
        assert!(colored.starts_with("\x1b[1;31m✗ R9"));
    }

    #[test]
    fn a_github_annotation_points_at_the_failing_step() {
        let text = "name = \"x\"\n\n[[step]]\nlogin = {}\n\n[[step]]\nrequest = {}\n";
        assert_eq!(step_line(text, 2), Some(6));
        assert_eq!(step_line(text, 3), None);
        let v = Verdict::of(&failing()).unwrap();
        let line = github_annotation("scenarios/core/b.toml", 6, "core::b_failing", &v);
        assert!(line.starts_with("::error file=scenarios/core/b.toml,line=6,title=core%3A%3Ab_failing failed::R9 logout and sign-out answer 204 with an empty body — expected status — step 2"), "{line}");
        assert!(!line.contains('\n'));
        assert_no_secret(&line);
    }

    #[test]
    fn a_stopped_stack_says_how_to_start_one() {
        let style = Style {
            restart: Some("openapp-conformance serve --json --fault x".into()),
            ..Style::default()
        };
        let text = failure_output(&failing(), &style);
        assert!(text.contains("  reproduce: openapp-conformance run --exact core::b_failing against a stack that stays up"), "{text}");
        assert!(!text.contains("curl"), "{text}");
        assert!(
            restart_hint("openapp-conformance serve --json --fault x")
                .contains("`openapp-conformance serve --json --fault x` in another terminal")
        );
    }

    #[test]
    fn a_snapshot_only_failure_cites_its_changed_lines() {
        let mut record = snapshot_changed();
        record.snapshot_changes = vec![SnapshotChange {
            at: "step 6 POST [api]/auth/logout".into(),
            what: "the Domain= clearing line of ory_kratos_session is missing".into(),
            rule: "R10".into(),
        }];
        let v = Verdict::of(&record).unwrap();
        assert_eq!(v.rule, "R10");
        assert_eq!(v.step, Some(6));
        let text = failure_output(&record, &Style::default());
        assert!(
            text.starts_with("✗ R10 logout clears ory_kratos_session host-only and with Domain=\n")
        );
        assert!(
            text.contains("    [R10] step 6 POST [api]/auth/logout: the Domain= clearing line"),
            "{text}"
        );
        assert!(
            !text.contains("+++ this run"),
            "the diff only with --verbose: {text}"
        );
        assert_no_secret(&text);
    }
}
