//! Test fixtures shared by the scenario module's unit tests.

use std::path::Path;

use super::{ScenarioError, model::ScenarioFile, parse};

/// A valid scenario that uses every key of the format.
pub(super) const FULL: &str = r#"
name = "every feature of the format"
description = "Parses without error; exercises every key."
tags = ["strict", "logout", "cookie-domain_2"]
rules = ["R2", "R3", "R4", "R10", "R12", "K1", "K5"]
requires = ["cookie_domain", "kratos_admin"]
clients = ["other", "native"]

[identities]
alice = { provisioned = true }
bob = { provisioned = false }
carol = {}

[[step]]
name = "init"
request = { method = "GET", to = "kratos-public", path = "/self-service/login/browser" }
expect.status = 200
expect.body = "object"
expect.within = { setting = "flow_within", default = "1500ms" }
expect.json = [
  { path = "/id", exists = true },
  { path = "/ui/action", matches = "^https?://" },
  { path = "/type", equals = "browser" },
  { path = "/state", not_equals = ["error", 1] },
]
expect.sets = ["csrf_token_*@host", "csrf_token_*", "csrf_token_*@domain"]
expect.not_sets = ["ory_kratos_session"]
expect.jar_has = ["csrf_token_*"]
expect.cookie = [
  { name = "csrf_token_*", domain = "host-only", path = "/", httponly = true, secure = "as-expected", samesite = "lax", lifetime = "session" },
]
capture.flow_id = { json = "/id" }
capture.csrf = { ui_node = "csrf_token", secret = true }
capture.csrf_cookie = { cookie = "csrf_token_abc" }
capture.trace = { header = "X-Request-Id", secret = false }

[[step]]
name = "submit"
rules = ["K1"]
[step.request]
method = "POST"
to = "kratos-public"
path = "/self-service/login?flow={{ flow_id }}"
headers = { Accept = "application/json", X-Trace = "{{trace}}" }
json = { method = "password", csrf_token = "{{csrf}}", identifier = "{{identity.alice.identifier}}", password = "{{identity.alice.password}}", nested = { list = ["{{cookie_domain}}", 1, true] } }
cookies = [{ name = "csrf_token_seed", value = "x", scope = "host-only", path = "/" }, { name = "extra" }]
[step.expect]
status = [200, 422]
headers = [
  { name = "Content-Type", matches = "json" },
  { name = "X-Trace", equals = "{{trace}}" },
  { name = "X-Absent", exists = false },
]

[[step]]
login = { identity = "alice" }

[[step]]
name = "whoami"
request = { method = "GET", path = "/auth/whoami", api_key = { key = "invalid", via = "bearer" } }
expect = { status = 401, body = "json", json = [{ path = "", exists = true }, { path = "/identity/id", equals = "{{identity.alice.id}}" }] }

[[step]]
name = "session"
client = "default"
request = { method = "GET", to = "origin", path = "/api/v1/auth/session" }
expect.same_json_as = { step = "whoami", paths = ["/id", "/a~1b"] }

[[step]]
client = "other"
login = { identity = "bob", flow = "browser" }

[[step]]
client = "other"
request = { method = "PUT", to = "kratos-admin", path = "/admin/identities/{{identity.bob.id}}", form = { a = "{{cookie_domain}}", b = "2" } }

[[step]]
client = "other"
request = { method = "DELETE", path = "/x", body = "raw {{flow_id}}", api_key = { key = "valid" } }
expect.body = "null"

[[step]]
client = "native"
login = { identity = "carol", flow = "api" }

[[step]]
client = "native"
request = { method = "PATCH", path = "/auth/whoami", session_token = true }
expect.body = "empty"

[[step]]
client = "native"
logout = { flow = "api" }

[[step]]
logout = {}
expect.clears = ["ory_kratos_session@host", "ory_kratos_session@domain", "csrf_token_*"]
expect.jar_lacks = ["ory_kratos_session", "csrf_token_*"]
expect.cookie = [{ name = "ory_kratos_session", domain = "cookie-domain", lifetime = "expired", secure = "no", samesite = "as-configured" }]

[[step]]
request = { method = "HEAD", path = "/a" }

[[step]]
request = { method = "OPTIONS", path = "/b" }
"#;

/// Parses `text` as `t.toml`.
pub(super) fn parse_str(text: &str) -> Result<ScenarioFile, ScenarioError> {
    parse(Path::new("t.toml"), text)
}

/// The first line of the error of parsing `text` (which must be invalid).
#[track_caller]
pub(super) fn first_error(text: &str) -> String {
    match parse_str(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string().lines().next().unwrap_or_default().to_string(),
    }
}

/// A minimal valid header followed by `steps`.
pub(super) fn with_steps(steps: &str) -> String {
    format!(
        "name = \"n\"\nrules = [\"R1\"]\nidentities = {{ alice = {{}} }}\nclients = [\"c2\"]\n{steps}"
    )
}

/// A step that GETs whoami (the validation tests' filler action).
pub(super) const GET: &str = "request = { method = \"GET\", path = \"/auth/whoami\" }";

/// The first error line of a scenario with the standard header and `steps`.
#[track_caller]
pub(super) fn step_error(steps: &str) -> String {
    first_error(&with_steps(steps))
}

/// Asserts that the standard header and `steps` make a valid scenario.
#[track_caller]
pub(super) fn ok(steps: &str) {
    if let Err(e) = parse_str(&with_steps(steps)) {
        panic!("expected valid, got {e}");
    }
}
