//! Which one rule a check or a snapshot line enforces (issue 20): every ✗ line and every changed
//! snapshot line cites exactly one rule of [`crate::contract::RULES`], chosen by what was
//! checked and on which route, not the scenario's whole rule list.
//!
//! Each [`Subject`] on a [`Route`] has an ordered list of the rules it can enforce; the rule
//! cited is the first of those the step lists (its `rules`, which disambiguate, for example R1
//! from R13 for a `null` body), else the first of the list (a `lifecycle` scenario that does not
//! list R10 still fails its `Domain=` clearing line under R10), else the step's first rule.

use crate::contract::{Rule, rule};

/// The Auth API or Kratos route an exchange went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/auth/whoami`, `/auth/session`, `/auth/kratos-identity`.
    Introspection,
    /// `/auth/provisioned`.
    Provisioned,
    /// `/auth/logout`.
    Logout,
    /// `/auth/sign-out`: whatever fails there fails R15 ("R9–R14 hold for sign-out").
    SignOut,
    /// Kratos's `/self-service/login/browser` or `/api` (flow init).
    LoginInit,
    /// Kratos's `/self-service/login?flow=…` (submit).
    LoginSubmit,
    /// Anything else (admin API, `/status`…).
    Other,
}

impl Route {
    /// The route of a URL or a path (`http://h/api/v1/auth/logout`, `[api]/auth/logout`).
    pub fn of(url_or_path: &str) -> Route {
        let path = url_or_path.split(['?', '#']).next().unwrap_or_default();
        let path = path.trim_end_matches('/');
        if ["/auth/whoami", "/auth/session", "/auth/kratos-identity"]
            .iter()
            .any(|p| path.ends_with(p))
        {
            Route::Introspection
        } else if path.ends_with("/auth/provisioned") {
            Route::Provisioned
        } else if path.ends_with("/auth/logout") {
            Route::Logout
        } else if path.ends_with("/auth/sign-out") {
            Route::SignOut
        } else if path.ends_with("/self-service/login/browser")
            || path.ends_with("/self-service/login/api")
        {
            Route::LoginInit
        } else if path.ends_with("/self-service/login") {
            Route::LoginSubmit
        } else {
            Route::Other
        }
    }
}

/// What a check (or a snapshot line) is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// The status code; the expected one when there is one.
    Status(Option<u16>),
    /// A body that is (or should be) JSON `null`.
    BodyNull,
    /// An empty body.
    BodyEmpty,
    /// A JSON body, its shape or a field of it.
    BodyJson,
    /// The same fields as an earlier answer.
    SameJson,
    /// A response header, by lower-case name.
    Header(&'a str),
    /// A `Set-Cookie` line that clears the named cookie.
    Clears(&'a str),
    /// A `Set-Cookie` line that sets the named cookie (or its attributes).
    Sets(&'a str),
    /// The `Domain=` attribute alone of the line that sets the named cookie (an attribute
    /// check with only `domain`): for the session cookie, K6's.
    CookieDomain(&'a str),
    /// No line may set the named cookie.
    NotSets(&'a str),
    /// The jar holds the named cookie after the response.
    JarHolds(&'a str),
    /// The jar no longer holds the named cookie.
    JarLacks(&'a str),
    /// What the caller of an SDK step got (`expect.sdk`).
    Sdk,
    /// Anything else (a capture, a step error).
    Other,
}

fn is_session(name: &str) -> bool {
    name.starts_with("ory_kratos_session") || name == "ory_session*"
}

/// The rules `subject` on `route` can enforce, most specific first.
fn candidates(subject: Subject<'_>, route: Route) -> &'static [&'static str] {
    use Route::*;
    use Subject::*;
    match (subject, route) {
        (
            Status(_) | BodyNull | BodyEmpty | BodyJson | Clears(_) | NotSets(_) | JarLacks(_)
            | Sdk,
            SignOut,
        ) => &["R15"],
        (Status(Some(204)), Provisioned) => &["R6", "R8", "R17"],
        (Status(_), Provisioned) => &["R7", "R13", "R8", "R4", "R6", "R17"],
        (Status(Some(401)), Introspection) => &["R4"],
        (Status(_), Introspection) => &["R1", "R13", "R5", "R3", "R2", "K5", "R16", "R4", "R17"],
        (Status(Some(204)), Logout) => &["R9", "R14", "R15", "R17"],
        (Sdk, Introspection) => &["R5", "R17", "R3", "R2", "R4", "R13", "R16", "R1"],
        (Sdk, Provisioned) => &["R6", "R7", "R17", "R4", "R13"],
        (Sdk, Logout) => &["R9", "R17", "R4"],
        (Status(_), Logout) => &["R19", "R9", "R14", "R15"],
        (Status(_), LoginInit) => &["K1", "K8", "K7"],
        (Status(_), LoginSubmit) => &["K4", "K2", "K3", "K5"],
        // A step that lists both says `null` after a session (R13) for the body, while its
        // status is anonymous's (R1).
        (BodyNull, _) => &["R13", "R1", "R5", "R16", "R17"],
        (BodyEmpty, Provisioned) => &["R6"],
        (BodyEmpty, _) => &["R9", "R14", "R15"],
        (BodyJson, Introspection) => &["R3", "R2", "K5", "R1", "R13", "R17"],
        (BodyJson, Provisioned) => &["R7", "R4"],
        (BodyJson, LoginInit) => &["K1", "K8", "K7"],
        (BodyJson, LoginSubmit) => &["K4", "K3", "K5", "K2"],
        (BodyJson, Logout) => &["R9"],
        (SameJson, _) => &["R2", "R3", "R17"],
        (Header("cache-control"), _) => &["R18"],
        // A form post's `303` goes to `return_to` (K4), back to the login UI's flow (K3) or to
        // the error UI (K2); the init's to the login UI with a flow (K1).
        (Header("location"), LoginSubmit) => &["K7", "K3", "K2", "K4"],
        (Header("location"), LoginInit) => &["K7", "K1"],
        (Header("location"), _) => &["K7"],
        (Clears(name), _) if is_session(name) => &["R10", "R14", "R15", "R19"],
        (Clears(_), _) => &["R11", "R14", "R15", "R19"],
        (CookieDomain(name), _) if is_session(name) => &["K6", "R20"],
        (CookieDomain(_), _) => &["K1", "R20"],
        (JarHolds(name), LoginInit) if is_session(name) => &["K8", "K4", "K6", "R20"],
        (JarHolds(_), Logout | SignOut) => &["R19", "K4", "K6", "R20"],
        (Sets(name), _) | (JarHolds(name), _) if is_session(name) => &["K4", "K6", "R20"],
        (Sets(_), _) | (JarHolds(_), _) => &["K1", "R20"],
        (NotSets(_), LoginSubmit) => &["K3", "K5", "K2"],
        (NotSets(_), LoginInit) => &["K5", "K1", "K8"],
        (NotSets(_), Logout) => &["R19", "R10", "R11"],
        (JarLacks(_), Logout) => &["R12"],
        (JarLacks(_), LoginSubmit) => &["K3", "K2"],
        (JarLacks(_), _) => &["R12", "R19", "R20"],
        _ => &[],
    }
}

/// The one rule `subject` on `route` enforces, given the rules the step lists (see the module
/// doc); `None` only when the step lists none and no rule maps.
pub fn cite(subject: Subject<'_>, route: Route, step_rules: &[String]) -> Option<&'static Rule> {
    let mapped = candidates(subject, route);
    mapped
        .iter()
        .find(|id| step_rules.iter().any(|r| r == *id))
        .or(mapped.first())
        .and_then(|id| rule(id))
        .or_else(|| step_rules.iter().find_map(|id| rule(id)))
}

/// [`cite`] as the list a check carries: exactly one id, or none.
pub fn cite_ids(subject: Subject<'_>, route: Route, step_rules: &[String]) -> Vec<String> {
    cite(subject, route, step_rules)
        .map(|r| vec![r.id.to_string()])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn id(subject: Subject<'_>, route: Route, rules: &[&str]) -> &'static str {
        cite(subject, route, &ids(rules)).map_or("none", |r| r.id)
    }

    #[test]
    fn routes_are_read_from_urls_and_snapshot_paths() {
        let cases = [
            ("http://a:1/api/v1/auth/whoami", Route::Introspection),
            ("[api]/auth/kratos-identity", Route::Introspection),
            ("[api]/auth/sign-out", Route::SignOut),
            ("[api]/auth/logout", Route::Logout),
            ("[api]/auth/provisioned/", Route::Provisioned),
            (
                "[kratos-public]/self-service/login/browser",
                Route::LoginInit,
            ),
            ("http://k/self-service/login?flow=1", Route::LoginSubmit),
            ("[kratos-admin]/admin/identities", Route::Other),
        ];
        for (url, route) in cases {
            assert_eq!(Route::of(url), route, "{url}");
        }
    }

    #[test]
    fn a_check_cites_its_own_rule_not_the_scenarios_list() {
        let lifecycle = ["K4", "R2", "R3", "R6", "R9", "R13"];
        assert_eq!(
            id(
                Subject::Clears("ory_kratos_session"),
                Route::Logout,
                &lifecycle
            ),
            "R10"
        );
        assert_eq!(
            id(Subject::Clears("csrf_token_ab"), Route::Logout, &lifecycle),
            "R11"
        );
        assert_eq!(
            id(Subject::BodyNull, Route::Introspection, &lifecycle),
            "R13"
        );
        assert_eq!(id(Subject::BodyNull, Route::Introspection, &["R1"]), "R1");
        assert_eq!(
            id(
                Subject::Status(Some(204)),
                Route::Provisioned,
                &["R9", "R13"]
            ),
            "R6"
        );
        assert_eq!(
            id(
                Subject::Status(Some(401)),
                Route::Provisioned,
                &["R9", "R13"]
            ),
            "R13"
        );
        assert_eq!(
            id(
                Subject::Clears("ory_kratos_session"),
                Route::Logout,
                &["R14"]
            ),
            "R14"
        );
        assert_eq!(
            id(
                Subject::Header("cache-control"),
                Route::Introspection,
                &["R18"]
            ),
            "R18"
        );
        assert_eq!(
            id(Subject::Header("location"), Route::LoginSubmit, &["K3"]),
            "K3"
        );
        assert_eq!(
            id(Subject::Header("location"), Route::LoginSubmit, &["K2"]),
            "K2"
        );
        assert_eq!(
            id(Subject::Header("location"), Route::LoginSubmit, &["K7"]),
            "K7"
        );
        assert_eq!(id(Subject::Other, Route::Other, &["K7", "R1"]), "K7");
        assert_eq!(id(Subject::Other, Route::Other, &[]), "none");
    }

    #[test]
    fn every_mapped_id_is_a_rule_of_the_contract() {
        let names = ["ory_kratos_session", "csrf_token_x"];
        let routes = [
            Route::Introspection,
            Route::Provisioned,
            Route::Logout,
            Route::SignOut,
            Route::LoginInit,
            Route::LoginSubmit,
            Route::Other,
        ];
        for route in routes {
            let mut subjects = vec![
                Subject::Status(None),
                Subject::Status(Some(204)),
                Subject::Status(Some(401)),
                Subject::BodyNull,
                Subject::BodyEmpty,
                Subject::BodyJson,
                Subject::SameJson,
                Subject::Header("cache-control"),
                Subject::Header("location"),
            ];
            for name in names {
                subjects.extend([
                    Subject::Clears(name),
                    Subject::Sets(name),
                    Subject::NotSets(name),
                    Subject::JarHolds(name),
                    Subject::JarLacks(name),
                ]);
            }
            for subject in subjects {
                for id in candidates(subject, route) {
                    assert!(rule(id).is_some(), "{subject:?} on {route:?} maps to {id}");
                }
            }
        }
    }
}
