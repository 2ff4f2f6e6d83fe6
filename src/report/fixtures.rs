//! Records for the reporters' unit tests: a passing, a failing and an ignored scenario whose
//! exchanges carry secrets in every place a transcript can hold one.

use std::time::Duration;

use super::record::Record;
use crate::redact::Secrets;
use crate::run::result::{
    Attempts, CheckResult, Exchange, Outcome, Response, ScenarioResult, StepResult,
};

/// A registered password that must never appear in any report.
pub(crate) const CANARY: &str = "Canary-Pa55word-7f3a9c";
/// A registered API key.
pub(crate) const API_KEY: &str = "Canary-ApiKey-51d0e2b8";
/// A cookie value nobody registered (removed by the cookie redactors alone).
pub(crate) const COOKIE_VALUE: &str = "CookieCanaryValue0a1b2c3d";
/// A session token nobody registered (removed by its `ory_st_` shape).
pub(crate) const SESSION_TOKEN: &str = "ory_st_CanaryToken9z8y7x";

/// Every secret of the fixtures.
pub(crate) const ALL: [&str; 4] = [CANARY, API_KEY, COOKIE_VALUE, SESSION_TOKEN];

fn secrets() -> Secrets {
    let s = Secrets::new();
    s.add("password", CANARY);
    s.add("api-key", API_KEY);
    s
}

fn result(id: &str, outcome: Outcome, steps: Vec<StepResult>) -> ScenarioResult {
    // A failing scenario had one more step, which did not run.
    let planned_steps = steps.len() + usize::from(outcome == Outcome::Failed);
    ScenarioResult {
        id: id.into(),
        name: format!("{id} <name> & co"),
        rules: vec!["R9".into(), "R10".into()],
        setup: Vec::new(),
        steps,
        planned_steps,
        setup_error: None,
        warnings: Vec::new(),
        outcome,
        elapsed: Duration::from_millis(12),
        resolve: vec!["api.openapp.test:8080:127.0.0.1".into()],
    }
}

fn login_exchange() -> Exchange {
    Exchange {
        purpose: "login: submit".into(),
        method: "POST".into(),
        url: "http://auth.openapp.test:8080/self-service/login?flow=1".into(),
        request_headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Cookie".into(), format!("csrf_token_ab={COOKIE_VALUE}")),
            ("X-Api-Key".into(), API_KEY.into()),
        ],
        request_body: Some(format!(
            r#"{{"method":"password","identifier":"a@example.test","password":"{CANARY}"}}"#
        )),
        response: Ok(Response {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            set_cookies: vec![format!(
                "ory_kratos_session={COOKIE_VALUE}; Path=/; Domain=openapp.test; HttpOnly"
            )],
            rejected_cookies: vec![],
            body: format!(r#"{{"session_token":"{SESSION_TOKEN}","password":"{CANARY}"}}"#)
                .into_bytes(),
        }),
        elapsed: Duration::from_millis(3),
    }
}

fn logout_exchange() -> Exchange {
    Exchange {
        purpose: "POST /auth/logout".into(),
        method: "POST".into(),
        url: "http://api.openapp.test:8080/api/v1/auth/logout".into(),
        request_headers: vec![(
            "Cookie".into(),
            format!("ory_kratos_session={COOKIE_VALUE}"),
        )],
        request_body: None,
        response: Ok(Response {
            status: 500,
            headers: vec![("content-type".into(), "text/plain".into())],
            set_cookies: vec![],
            rejected_cookies: vec![],
            body: format!("boom {CANARY}").into_bytes(),
        }),
        elapsed: Duration::from_millis(4),
    }
}

fn step(
    index: usize,
    label: &str,
    exchanges: Vec<Exchange>,
    failure: Option<String>,
) -> StepResult {
    StepResult {
        index,
        label: label.into(),
        client: "default".into(),
        exchanges,
        checks: vec![CheckResult {
            what: "status".into(),
            rules: vec!["R9".into()],
            failure,
            evaluated: true,
        }],
        error: None,
        notes: vec![],
        attempts: None,
        // The login (step 1) leaves the session cookie; later steps leave the jar empty.
        jar_after: if index == 1 {
            vec![crate::run::result::JarCookie {
                name: "ory_kratos_session".into(),
                domain: "openapp.test".into(),
                host_only: false,
            }]
        } else {
            vec![]
        },
        sdk: None,
        ..Default::default()
    }
}

/// A scenario whose two steps passed.
pub(crate) fn passing() -> Record {
    Record {
        result: result(
            "core/a_passing",
            Outcome::Passed,
            vec![
                step(1, "login alice", vec![login_exchange()], None),
                step(2, "logout", vec![logout_exchange()], None),
            ],
        ),
        secrets: secrets(),
        snapshot_diff: None,
        snapshot_changes: Vec::new(),
    }
}

/// A scenario whose second step failed (its failure text even quotes the password).
pub(crate) fn failing() -> Record {
    Record {
        result: result(
            "core/b_failing",
            Outcome::Failed,
            vec![
                step(1, "login alice", vec![login_exchange()], None),
                step(
                    2,
                    "logout",
                    vec![logout_exchange()],
                    Some(format!("expected 204, got 500 (body mentions {CANARY})")),
                ),
            ],
        ),
        secrets: secrets(),
        snapshot_diff: None,
        snapshot_changes: Vec::new(),
    }
}

/// A scenario the target could not run.
pub(crate) fn ignored() -> Record {
    Record {
        result: result(
            "strict/c_ignored",
            Outcome::Ignored("needs the Kratos admin API: set KRATOS_ADMIN_URL".into()),
            vec![],
        ),
        secrets: secrets(),
        snapshot_diff: None,
        snapshot_changes: Vec::new(),
    }
}

/// A scenario whose identity setup failed before its first step (the admin API's answer even
/// quotes the password).
pub(crate) fn setup_failed() -> Record {
    let mut result = result("core/e_setup_failed", Outcome::Failed, vec![]);
    result.setup_error = Some(format!(
        "creating identity `alice`: the admin API answered 400: password `{CANARY}` is too common"
    ));
    Record {
        result,
        secrets: secrets(),
        snapshot_diff: None,
        snapshot_changes: Vec::new(),
    }
}

/// The parse error of [`invalid_file`], rendered as the parser renders one (file, position,
/// message, caret).
const PARSE_ERROR: &str = r#"scenarios/core/f_invalid.toml:10:42: invalid regex `^[0-9a-f-{36}$`: unclosed character class
   |
10 | expect.json = [{ path = "/id", matches = "^[0-9a-f-{36}$" }]
   |                                          ^"#;

/// An invalid scenario file, recorded as the runner records one (`record_invalid` in
/// src/suite/trials.rs): no rules, no steps, the parse error as the setup error.
pub(crate) fn invalid_file() -> Record {
    let id = "core/f_invalid";
    Record {
        result: ScenarioResult {
            id: id.into(),
            name: format!("{id} (invalid scenario file)"),
            rules: Vec::new(),
            setup: Vec::new(),
            steps: Vec::new(),
            planned_steps: 0,
            setup_error: Some(format!("invalid scenario file:\n{PARSE_ERROR}")),
            warnings: Vec::new(),
            outcome: Outcome::Failed,
            elapsed: Duration::ZERO,
            resolve: Vec::new(),
        },
        secrets: Secrets::new(),
        snapshot_diff: None,
        snapshot_changes: Vec::new(),
    }
}

/// Run information for the fixtures.
pub(crate) fn info() -> super::RunInfo {
    super::RunInfo {
        target: "embedded (http://api.openapp.test:8080/)".into(),
        elapsed: Duration::from_millis(120),
        started: "2025-01-01T00:00:00Z".into(),
        clock: None,
        interrupted: None,
        ..Default::default()
    }
}

/// Panics when any fixture secret (raw, percent-encoded or base64) appears in `text`.
pub(crate) fn assert_no_secret(text: &str) {
    use base64::Engine;
    for secret in ALL {
        let forms = [
            secret.to_string(),
            form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            base64::engine::general_purpose::STANDARD.encode(secret),
        ];
        for form in forms {
            assert!(!text.contains(&form), "`{form}` leaked into:\n{text}");
        }
    }
}

/// A scenario whose checks passed but whose snapshot changed.
pub(crate) fn snapshot_changed() -> Record {
    Record {
        snapshot_diff: Some(format!(
            "snapshot snapshots/core/d.snap differs:\n--- stored snapshot\n+++ this run\n@@ -1,2 +1,2 @@\n status: 204\n-set-cookie: a <cleared>\n+set-cookie: b <cleared> {CANARY}\n"
        )),
        ..passing_as("core/d_snapshot_changed", Outcome::Failed)
    }
}

fn passing_as(id: &str, outcome: Outcome) -> Record {
    let mut r = passing();
    r.result.id = id.into();
    r.result.outcome = outcome;
    r
}

/// A scenario whose replay step (a GET with `within`) still failed after three attempts.
pub(crate) fn retried() -> Record {
    let attempt = |n: usize| Exchange {
        purpose: format!("GET /auth/whoami (attempt {n} of 3)"),
        method: "GET".into(),
        url: "http://api.openapp.test:8080/api/v1/auth/whoami".into(),
        request_headers: vec![(
            "Cookie".into(),
            format!("ory_kratos_session={COOKIE_VALUE}"),
        )],
        request_body: None,
        response: Ok(Response {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            set_cookies: vec![],
            rejected_cookies: vec![],
            body: format!(r#"{{"id":"s-{n}","token":"{SESSION_TOKEN}"}}"#).into_bytes(),
        }),
        elapsed: Duration::from_millis(2),
    };
    let mut replay = step(
        2,
        "replay <old> cookie",
        vec![attempt(1), attempt(2), attempt(3)],
        Some("expected null, got a JSON object".into()),
    );
    replay.attempts = Some(Attempts {
        count: 3,
        elapsed: Duration::from_millis(1234),
        within: Duration::from_secs(1),
        source: Some("OPENAPP_CONFORMANCE_REVOCATION_WITHIN=1s".into()),
        final_from: 2,
    });
    Record {
        result: result(
            "strict/g_retried",
            Outcome::Failed,
            vec![step(1, "login alice", vec![login_exchange()], None), replay],
        ),
        secrets: secrets(),
        snapshot_diff: None,
        snapshot_changes: Vec::new(),
    }
}
