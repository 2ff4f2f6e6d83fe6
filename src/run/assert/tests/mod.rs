//! Table-driven tests of every check [`check_step`] makes: one row per rule and edge, naming
//! every check the row must produce, which of them fail and a piece of each failure text.
//!
//! Expectations are built only by [`expect`] (from the scenario files' TOML syntax) and inputs
//! only by [`response`], [`exchange`] and [`endpoints`], so a change of those types touches
//! one function each. Every row also proves that no cookie value it put on the wire (in a
//! `Set-Cookie` line or the request's `Cookie` header) appears in any check text.

use url::Url;

use super::{CheckInput, check_step};
use crate::plan::model::Expectations;
use crate::run::result::{Exchange, Response};
use crate::settings::Endpoints;

/// 2025-12-01T09:29:15Z: after the epoch, before the 2026 dates the rows use.
const NOW: i64 = 1_764_581_355;

/// The rules every row's checks enforce (carried into each result).
const RULES: [&str; 1] = ["R9"];

/// Variables `{{name}}` renders to.
const VARS: [(&str, &str); 2] = [("user_id", "u-1"), ("flow_id", "f-2")];

/// Builds an expectation from an `expect` table written as in a scenario file: the table
/// becomes one step of a scenario file (parsed, not validated, so a row may hold what
/// validation would refuse) which the plan resolves.
fn expect(toml_snippet: &str) -> Expectations {
    let text = format!(
        "name = \"t\"\nrules = [\"R0\"]\n[[step]]\nrequest = {{ method = \"GET\", path = \"/\" }}\n[step.expect]\n{toml_snippet}\n"
    );
    let file = toml::from_str(&text).unwrap_or_else(|e| panic!("bad expect {toml_snippet:?}: {e}"));
    let scenario = crate::scenario::Scenario::new("t.toml".into(), "t".into(), file);
    let plan = crate::plan::resolve(&scenario, &crate::plan::Settings::none()).expect("resolves");
    plan.steps.into_iter().next().expect("one step").expect
}

/// The target a row runs against.
#[derive(Clone, Copy)]
struct Target {
    /// Kratos's public URL is https (cookies are expected `Secure`).
    https: bool,
    /// The cookie domain `openapp.test` is configured.
    cookie_domain: bool,
    /// The configured SameSite.
    same_site: &'static str,
}

const HTTP: Target = Target {
    https: false,
    cookie_domain: true,
    same_site: "Lax",
};
const HTTPS: Target = Target {
    https: true,
    ..HTTP
};
const NO_DOMAIN: Target = Target {
    cookie_domain: false,
    ..HTTP
};
const STRICT: Target = Target {
    same_site: "Strict",
    ..HTTP
};

fn endpoints(t: Target) -> Endpoints {
    let url = |s: &str| Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    let scheme = if t.https { "https" } else { "http" };
    Endpoints {
        origin: url("http://api.openapp.test:8080"),
        api_prefix: "/api/v1".into(),
        kratos_public: url(&format!("{scheme}://auth.openapp.test:4433")),
        kratos_admin: None,
        cookie_domain: t.cookie_domain.then(|| "openapp.test".into()),
        same_site: t.same_site.into(),
        resolve: Vec::new(),
    }
}

/// One row: an expectation, what the server answered, and the checks that must result.
struct Row {
    label: &'static str,
    /// The request's method.
    method: &'static str,
    /// The step's `expect` table, in scenario TOML.
    expect: &'static str,
    status: u16,
    body: &'static str,
    /// Response headers other than `Set-Cookie`.
    headers: &'static [(&'static str, &'static str)],
    /// `Set-Cookie` lines (also listed among the response headers, as the client records them).
    set_cookie: &'static [&'static str],
    /// The request's `Cookie` header.
    cookie: Option<&'static str>,
    /// Cookie names in the jar after the response.
    jar: &'static [&'static str],
    target: Target,
    /// The earlier step's body for `same_json_as` (`Some(None)`: it was not JSON).
    earlier: Option<Option<&'static str>>,
    /// Checks that must pass, by `what`.
    pass: &'static [&'static str],
    /// Checks that must fail: `what` and a substring of the failure.
    fail: &'static [(&'static str, &'static str)],
}

const ROW: Row = Row {
    label: "",
    method: "POST",
    expect: "",
    status: 200,
    body: "",
    headers: &[],
    set_cookie: &[],
    cookie: None,
    jar: &[],
    target: HTTP,
    earlier: None,
    pass: &[],
    fail: &[],
};

/// `rows! { "label" { field: value, … }, … }`: an array of [`Row`]s, unnamed fields from [`ROW`].
macro_rules! rows {
    ($($label:literal { $($field:ident: $value:expr),* $(,)? }),* $(,)?) => {
        [$(Row { label: $label, $($field: $value,)* ..ROW }),*]
    };
}

mod cookies;
mod responses;
mod sdk;

fn response(row: &Row) -> Response {
    let mut headers: Vec<(String, String)> = row
        .headers
        .iter()
        .map(|(n, v)| ((*n).into(), (*v).into()))
        .collect();
    headers.extend(
        row.set_cookie
            .iter()
            .map(|l| ("set-cookie".into(), (*l).into())),
    );
    Response {
        status: row.status,
        headers,
        set_cookies: row.set_cookie.iter().map(|l| (*l).into()).collect(),
        rejected_cookies: Vec::new(),
        body: row.body.as_bytes().to_vec(),
    }
}

fn exchange(row: &Row, response: &Response) -> Exchange {
    Exchange {
        purpose: format!("{} /auth/logout", row.method),
        method: row.method.into(),
        url: "http://api.openapp.test:8080/api/v1/auth/logout".into(),
        request_headers: row
            .cookie
            .iter()
            .map(|c| ("Cookie".into(), (*c).into()))
            .collect(),
        request_body: None,
        response: Ok(response.clone()),
        elapsed: std::time::Duration::ZERO,
    }
}

fn render(s: &str) -> Result<String, String> {
    crate::plan::template::render(s, |name| {
        VARS.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_string())
    })
}

/// The cookie values a row puts on the wire; each must be distinctive (6+ characters) so that
/// finding it in a text means it leaked.
fn cookie_values(row: &Row) -> Vec<&'static str> {
    let from_lines = row.set_cookie.iter().map(|l| {
        let pair = l.split(';').next().unwrap_or(l);
        pair.split_once('=').map_or(pair, |(_, v)| v).trim()
    });
    let from_header = row.cookie.into_iter().flat_map(|h| {
        h.split(';')
            .filter_map(|p| p.split_once('=').map(|(_, v)| v.trim()))
    });
    from_lines
        .chain(from_header)
        .filter(|v| !v.is_empty() && *v != "deleted")
        .collect()
}

/// The checks the row produces, or everything wrong with them.
fn check_row(row: &Row) -> Result<(), String> {
    let values = cookie_values(row);
    if let Some(v) = values.iter().find(|v| v.len() < 6) {
        return Err(format!("cookie value {v:?} is too short to detect a leak"));
    }
    let response = response(row);
    let exchange = exchange(row, &response);
    let jar: Vec<String> = row.jar.iter().map(|n| (*n).to_string()).collect();
    let rules = RULES.map(String::from);
    let earlier = row
        .earlier
        .map(|b| b.map(|b| serde_json::from_str(b).unwrap_or_else(|e| panic!("{b}: {e}"))));
    let input = CheckInput {
        exchange: &exchange,
        response: &response,
        jar_names: &jar,
        endpoints: &endpoints(row.target),
        rules: &rules,
        render: &render,
        earlier_json: earlier.as_ref().map(Option::as_ref),
        now: NOW,
        sdk: None,
    };
    let results = check_step(&expect(row.expect), &input);
    let mut problems = Vec::new();
    let mut pass: Vec<&str> = row.pass.to_vec();
    let mut fail: Vec<(&str, &str)> = row.fail.to_vec();
    for r in &results {
        let claimed = match &r.failure {
            None => pass
                .iter()
                .position(|w| *w == r.what)
                .map(|i| pass.remove(i))
                .is_some(),
            Some(f) => fail
                .iter()
                .position(|(w, part)| *w == r.what && f.contains(part))
                .map(|i| fail.remove(i))
                .is_some(),
        };
        if !claimed {
            problems.push(format!("unexpected: {:?} -> {:?}", r.what, r.failure));
        }
        // Every check cites exactly one rule of the contract (issue 20); the line of checks a
        // failed status left unevaluated cites none.
        let cited = r.rules.len() == 1 && crate::contract::rule(&r.rules[0]).is_some();
        if cited != r.evaluated || (!r.evaluated && !r.rules.is_empty()) {
            problems.push(format!("{:?} carries rules {:?}", r.what, r.rules));
        }
        for text in std::iter::once(&r.what).chain(&r.failure) {
            if let Some(v) = values.iter().find(|v| text.contains(**v)) {
                problems.push(format!("cookie value {v:?} leaks into {text:?}"));
            }
        }
    }
    problems.extend(pass.iter().map(|w| format!("missing passing check {w:?}")));
    problems.extend(
        fail.iter()
            .map(|(w, p)| format!("missing failing check {w:?} ~ {p:?}")),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

/// Checks every row and reports all the wrong ones at once.
fn run(rows: &[Row]) {
    let wrong: Vec<String> = rows
        .iter()
        .filter_map(|row| {
            check_row(row)
                .err()
                .map(|e| format!("{}:\n  {e}", row.label))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} rows are wrong:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

/// The harness itself: a row whose outcome differs in any way is reported.
#[test]
fn a_wrong_row_is_reported() {
    const LINE: &[&str] = &["ory_kratos_session=SessionValue01; Path=/"];
    let wrong = rows! {
        "a failing check listed as passing" { expect: "status = 204", pass: &["status 204"] },
        "the wrong failure text" { expect: "status = 204", fail: &[("status 204", "got 500")] },
        "a check that does not happen" { expect: "status = 200", pass: &["status 200", "body is empty"] },
        "a check left out" { expect: "status = 200\nbody = \"empty\"", pass: &["status 200"] },
        "a check listed twice" { expect: "status = 200", pass: &["status 200", "status 200"] },
        "a cookie value in a text" {
            expect: r#"headers = [{ name = "set-cookie", equals = "ory_kratos_session=SessionValue01; Path=/" }]"#,
            set_cookie: LINE, pass: &["header `set-cookie` equals `ory_kratos_session=SessionValue01; Path=/`"],
        },
        "a cookie value too short to trace" { set_cookie: &["a=b"] },
    };
    for row in &wrong {
        assert!(check_row(row).is_err(), "{} was not reported", row.label);
    }
    let right =
        rows! { "right" { expect: "status = 200", set_cookie: LINE, pass: &["status 200"] } };
    run(&right);
}
