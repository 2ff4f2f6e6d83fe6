//! The human-readable failure transcript: every exchange of the scenario up to the failing
//! step (method, URL, relevant headers, status, every `Set-Cookie` line, a body excerpt; every
//! attempt of a step with `within`, whose line says how its attempts went), then
//! the failed expectations with their rules and a `curl` command that reproduces the failing
//! request. Values of cookies, tokens, passwords and API keys never appear.

use std::fmt::Write;

use crate::cookie::parse_set_cookie;
use crate::redact::{Secrets, redact_cookie_header, redact_form, redact_json};
use crate::run::result::{Exchange, Outcome, ScenarioResult, StepResult};

const BODY_EXCERPT: usize = 600;

/// Request headers whose values are secrets, with the `$ENV_VAR` the curl line uses instead.
fn secret_header(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "x-api-key" => Some("$OPENAPP_API_KEY"),
        "authorization" => Some("Bearer $OPENAPP_API_KEY"),
        "x-session-token" => Some("$KRATOS_SESSION_TOKEN"),
        _ => None,
    }
}

/// Renders the transcript of a failed (or any) scenario run.
pub fn render_failure(result: &ScenarioResult, secrets: &Secrets) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {} — {} (rules {})",
        result.id,
        result.name,
        result.rules.join(", ")
    );
    if let Some(e) = &result.setup_error {
        let _ = writeln!(out, "  setup failed: {e}");
    }
    for w in &result.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    for step in &result.steps {
        render_step(&mut out, step, secrets);
    }
    if let Some(step) = result.steps.last().filter(|s| !s.passed())
        && let Some(ex) = step.exchanges.last()
    {
        let _ = writeln!(
            out,
            "  reproduce the failing request:\n    {}",
            curl_command(ex, &result.resolve, secrets)
        );
    }
    if let Outcome::Ignored(reason) = &result.outcome {
        let _ = writeln!(out, "  ignored: {reason}");
    }
    secrets.redact(&out)
}

/// One step of the transcript: its exchanges, notes, error and checks.
pub(super) fn render_step(out: &mut String, step: &StepResult, secrets: &Secrets) {
    let verdict = if step.passed() { "ok" } else { "FAILED" };
    let attempts = step
        .verdict()
        .map(|v| format!(" ({v})"))
        .unwrap_or_default();
    let group = step
        .parallel
        .as_ref()
        .map(|g| format!("[parallel {g}] "))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  step {} {group}[{}] {} — {verdict}{attempts}",
        step.index, step.client, step.label
    );
    for ex in &step.exchanges {
        render_exchange(out, ex, secrets);
    }
    for note in &step.notes {
        let _ = writeln!(out, "    note: {note}");
    }
    if let Some(e) = &step.error {
        let _ = writeln!(out, "    error: {e}");
    }
    for c in &step.checks {
        match &c.failure {
            None if !c.evaluated => {
                let _ = writeln!(out, "    – {}", c.what);
            }
            None => {
                let _ = writeln!(out, "    ✓ {}", c.what);
            }
            Some(f) => {
                let _ = writeln!(out, "    ✗ {} [{}]: {f}", c.what, c.rules.join(","));
            }
        }
    }
}

fn render_exchange(out: &mut String, ex: &Exchange, secrets: &Secrets) {
    let _ = writeln!(out, "    > {} {}   ({})", ex.method, ex.url, ex.purpose);
    for (name, value) in &ex.request_headers {
        let _ = writeln!(out, "      {name}: {}", shown_request_header(name, value));
    }
    if let Some(body) = &ex.request_body {
        let _ = writeln!(out, "      body: {}", excerpt(body.as_bytes(), secrets));
    }
    match &ex.response {
        Err(e) => {
            let _ = writeln!(out, "    < no response: {e}");
        }
        Ok(resp) => {
            let _ = writeln!(out, "    < {} ({:.0?})", resp.status, ex.elapsed);
            for (name, value) in &resp.headers {
                if ["content-type", "location", "www-authenticate"].contains(&name.as_str()) {
                    let _ = writeln!(out, "      {name}: {value}");
                }
            }
            for line in &resp.set_cookies {
                let _ = writeln!(out, "      set-cookie: {}", shown_set_cookie(line));
            }
            for (line, reason) in &resp.rejected_cookies {
                let name = line.split('=').next().unwrap_or("?");
                let _ = writeln!(
                    out,
                    "      ! the cookie jar refused the Set-Cookie line for `{name}`: {reason}"
                );
            }
            if !resp.body.is_empty() {
                let _ = writeln!(out, "      body: {}", excerpt(&resp.body, secrets));
            }
        }
    }
}

/// A request header's value as reports show it: cookie values replaced by their length,
/// secret headers (API key, bearer, session token) by their length, others as sent.
pub fn shown_request_header(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("cookie") {
        redact_cookie_header(value)
    } else if secret_header(name).is_some() {
        format!("[{} chars]", value.len())
    } else {
        value.to_string()
    }
}

/// A `Set-Cookie` line as reports show it: the value replaced by its length, attributes kept.
pub fn shown_set_cookie(line: &str) -> String {
    parse_set_cookie(line)
        .map(|c| c.redacted())
        .unwrap_or_else(|e| format!("(unparsable: {e})"))
}

/// A redacted, shortened body.
pub fn excerpt(body: &[u8], secrets: &Secrets) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => redact_json(&v).to_string(),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            redact_form(&text).unwrap_or_else(|| text.into_owned())
        }
    };
    let text = secrets.redact(&text);
    if text.chars().count() > BODY_EXCERPT {
        let cut: String = text.chars().take(BODY_EXCERPT).collect();
        format!("{cut}… ({} bytes)", body.len())
    } else {
        text
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A copy-pasteable curl command for an exchange; secrets become `$ENV_VAR` references.
pub fn curl_command(ex: &Exchange, resolve: &[String], secrets: &Secrets) -> String {
    let mut parts = vec![
        "curl -sS -i".to_string(),
        format!("-X {}", ex.method),
        shell_quote(&secrets.redact(&ex.url)),
    ];
    let authority = url::Url::parse(&ex.url).ok().map(|u| {
        format!(
            "{}:{}:",
            u.host_str().unwrap_or(""),
            u.port_or_known_default().unwrap_or(0)
        )
    });
    for r in resolve
        .iter()
        .filter(|r| authority.as_deref().is_some_and(|a| r.starts_with(a)))
    {
        parts.push(format!("--resolve {r}"));
    }
    for (name, value) in &ex.request_headers {
        let shown = if name.eq_ignore_ascii_case("cookie") {
            let names: Vec<String> = crate::cookie::header_names(value)
                .map(|n| format!("{n}=${}", env_name(n)))
                .collect();
            names.join("; ")
        } else if let Some(var) = secret_header(name) {
            var.to_string()
        } else {
            secrets.redact(value)
        };
        // Double quotes so the $VARS expand; the values here hold no secrets.
        parts.push(format!("-H \"{name}: {}\"", shown.replace('"', "\\\"")));
    }
    if let Some(body) = &ex.request_body {
        parts.push(format!("--data-raw {}", shell_quote(&secrets.redact(body))));
    }
    parts.join(" ")
}

/// The `$COOKIE_…` variable a curl command uses for a cookie.
pub(super) fn env_name(cookie: &str) -> String {
    let upper: String = cookie
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("COOKIE_{}", upper.chars().take(40).collect::<String>())
}

#[cfg(test)]
mod tests {
    //! Snapshots of the transcripts of the fixture records (in `src/report/snapshots/`; review
    //! changes with `cargo insta review`, or `INSTA_UPDATE=always` then read the `.snap` files).
    //! The fixtures are deterministic (fixed durations, ports and ids), so no filter is needed.

    use super::super::fixtures::{ALL, failing, ignored, invalid_file, passing, setup_failed};
    use super::*;
    use crate::report::Record;

    /// The record's transcript, checked to hold none of the fixture secrets.
    fn transcript(record: &Record) -> String {
        let text = render_failure(&record.result, &record.secrets);
        for secret in ALL {
            assert!(!text.contains(secret), "`{secret}` leaked into:\n{text}");
        }
        super::super::fixtures::assert_no_secret(&text);
        text
    }

    #[test]
    fn the_failing_transcript() {
        let text = transcript(&failing());
        assert!(text.contains("reproduce the failing request:"), "{text}");
        insta::assert_snapshot!("failing_transcript", text);
    }

    #[test]
    fn the_setup_failure_transcript() {
        insta::assert_snapshot!("setup_failed_transcript", transcript(&setup_failed()));
    }

    #[test]
    fn the_invalid_file_transcript() {
        insta::assert_snapshot!("invalid_file_transcript", transcript(&invalid_file()));
    }

    #[test]
    fn the_ignored_transcript() {
        insta::assert_snapshot!("ignored_transcript", transcript(&ignored()));
    }

    #[test]
    fn the_passing_transcript_has_no_reproduction() {
        let text = transcript(&passing());
        assert!(!text.contains("reproduce"), "{text}");
        insta::assert_snapshot!("passing_transcript", text);
    }
}
