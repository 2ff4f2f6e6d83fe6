//! The rules of the OpenApp Auth (browser session) contract that the harness checks, as data.
//!
//! The ids and profiles mirror `docs/auth-contract.md` (R1–R20, K1–K8). Scenario files
//! cite these ids; an id that is not listed here is a validation error.

/// The profile a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Documented behaviour (doc, spec, sdk, kratos).
    Core,
    /// Hardening a careful operator expects; not written down by OpenApp.
    Strict,
}

/// One rule of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Rule id, for example `R10`.
    pub id: &'static str,
    /// One-line summary.
    pub title: &'static str,
    /// `core` or `strict`.
    pub profile: Profile,
}

const fn core(id: &'static str, title: &'static str) -> Rule {
    Rule {
        id,
        title,
        profile: Profile::Core,
    }
}

const fn strict(id: &'static str, title: &'static str) -> Rule {
    Rule {
        id,
        title,
        profile: Profile::Strict,
    }
}

/// Every rule of the contract, in document order.
pub const RULES: &[Rule] = &[
    core(
        "R1",
        "anonymous is not an error: whoami, session and kratos-identity answer 200 null",
    ),
    core(
        "R2",
        "one payload, three paths: whoami, session and kratos-identity agree",
    ),
    core(
        "R3",
        "session shape: the Kratos session of the identity that logged in, and of no one else",
    ),
    core(
        "R4",
        "a bad API key is 401 with the OpenApp error object, on X-API-Key and on Bearer",
    ),
    core("R5", "an API key alone is not a browser session: 200 null"),
    core(
        "R6",
        "provisioned identity: the probe answers 204 with an empty body",
    ),
    core("R7", "anonymous or unprovisioned: the probe answers 401"),
    strict(
        "R8",
        "the probe reads only the gateway: a client-sent X-User is stripped",
    ),
    core("R9", "logout and sign-out answer 204 with an empty body"),
    core(
        "R10",
        "logout clears ory_kratos_session host-only and with Domain=",
    ),
    core(
        "R11",
        "logout clears every csrf_token_* cookie of the request, both variants",
    ),
    strict(
        "R12",
        "the clearing lines really clear: the jar holds no session or csrf cookie after",
    ),
    core(
        "R13",
        "logged out means logged out: null and 401 afterwards",
    ),
    core(
        "R14",
        "logout is idempotent: 204 with clearing lines without a session",
    ),
    core("R15", "sign-out is logout: R9-R14 hold for /auth/sign-out"),
    strict(
        "R16",
        "server-side revocation: a replayed pre-logout cookie resolves to no session",
    ),
    core(
        "K1",
        "browser flow init returns a flow with a csrf_token node and sets the CSRF cookie once",
    ),
    core(
        "K2",
        "CSRF is enforced on the browser flow submit (a form post: 303 to the error UI)",
    ),
    core(
        "K3",
        "a wrong password is a 400 flow (a form post: 303 back to it) with message 4000006 and no session",
    ),
    core(
        "K4",
        "login success sets ory_kratos_session (HttpOnly, Path=/, SameSite) and answers the session",
    ),
    core(
        "K5",
        "API flow: session_token and session, no cookie; the token works on whoami",
    ),
    core(
        "K6",
        "with a cookie domain, the session cookie reaches the OpenApp API host",
    ),
    core(
        "K7",
        "flow URLs stay on the configured public URL; credentials go only to their own origin",
    ),
    strict(
        "R18",
        "session answers are private: introspection and probe answers carry Cache-Control private or no-store",
    ),
    strict(
        "R19",
        "logout and sign-out change state on POST only: GET and HEAD leave the session alive",
    ),
    core(
        "R17",
        "a forwarded session cookie beside a valid API key acts as that user, logout included",
    ),
    strict(
        "R20",
        "every cookie the server sets is one a browser keeps as set",
    ),
    core(
        "K8",
        "a login attempt in a jar that holds a live session leaves that session alone: the browser flow init answers 400 session_already_available (a 303 for an HTML client), changes no cookie, and the session stays live",
    ),
];

/// Looks a rule up by id (exact, case-sensitive: `R10`).
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_complete() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 28);
        assert!(rule("R16").is_some());
        assert!(rule("K6").is_some());
        assert!(rule("K7").is_some());
        assert_eq!(rule("K8").map(|r| r.profile), Some(Profile::Core));
        assert_eq!(rule("R17").map(|r| r.profile), Some(Profile::Core));
        assert!(rule("R99").is_none());
        assert_eq!(rule("R18").map(|r| r.profile), Some(Profile::Strict));
        assert_eq!(rule("R19").map(|r| r.profile), Some(Profile::Strict));
        assert!(rule("r1").is_none());
    }

    /// The "Rules at a glance" table of docs/auth-contract.md lists exactly these rules, with
    /// these profiles and one-line texts, in this order.
    #[test]
    fn the_one_line_texts_are_the_documents() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/auth-contract.md"),
        )
        .unwrap();
        let table = doc
            .split("## Rules at a glance")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("the Rules at a glance section");
        let rows: Vec<(String, String, String)> = table
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| id "))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                (cells[0].into(), cells[1].into(), cells[2..].join(" | "))
            })
            .collect();
        let ours: Vec<(String, String, String)> = RULES
            .iter()
            .map(|r| {
                let profile = match r.profile {
                    Profile::Core => "core",
                    Profile::Strict => "strict",
                };
                (r.id.into(), profile.into(), r.title.into())
            })
            .collect();
        assert_eq!(rows, ours);
    }
}
