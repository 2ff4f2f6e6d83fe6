//! One test (or a few) per semantic check; messages are asserted on the first error line.

use crate::scenario::fixtures::{GET, first_error, ok, parse_str, step_error, with_steps};

#[test]
fn a_scenario_needs_steps() {
    assert_eq!(
        first_error("name = \"n\"\nrules = [\"R1\"]\n"),
        "t.toml:1:1: no steps, expected at least one `[[step]]` with a `request`, `login` or `logout`"
    );
}

#[test]
fn a_step_needs_exactly_one_action() {
    assert_eq!(
        step_error("[[step]]\nname = \"x\"\n"),
        "t.toml:5:1: step has no action, expected exactly one of `request`, `login`, `logout`, \
         `sdk`, `clear_jar` or `wait`"
    );
    assert_eq!(
        step_error(&format!(
            "[[step]]\n{GET}\nlogin = {{ identity = \"alice\" }}\n"
        )),
        "t.toml:7:9: step has both `request` and `login`, expected exactly one of `request`, \
         `login` or `logout` (split it into two steps)"
    );
}

#[test]
fn rules_exist_and_at_least_one_is_cited() {
    let base = |rules: &str| format!("name = \"n\"\nrules = {rules}\n[[step]]\n{GET}\n");
    assert_eq!(
        first_error(&base("[]")),
        "t.toml:1:1: no rules, expected at least one contract rule id in `rules` (for example \
         `rules = [\"R1\"]`)"
    );
    assert_eq!(
        first_error(&base("[\"R1\", \"R99\"]")),
        "t.toml:2:16: unknown rule id `R99`, expected a contract rule id such as `R1` or `K1` \
         (did you mean `R9`?)"
    );
    assert!(first_error(&base("[\"r10\"]")).ends_with("(did you mean `R10`?)"));
    assert!(first_error(&base("[\"R1\", \"R1\"]")).ends_with("duplicate rule id `R1`"));
}

#[test]
fn step_rules_are_known_and_among_the_scenarios() {
    assert!(
        step_error(&format!("[[step]]\nrules = [\"R2\"]\n{GET}\n")).ends_with(
            "step rule `R2` is not among the scenario's `rules`, expected a subset of them"
        )
    );
    assert!(
        step_error(&format!("[[step]]\nrules = [\"X1\"]\n{GET}\n"))
            .contains("unknown rule id `X1`")
    );
}

#[test]
fn tags_are_lowercase_words_with_at_most_one_profile() {
    let base =
        |tags: &str| format!("name = \"n\"\nrules = [\"R1\"]\ntags = {tags}\n[[step]]\n{GET}\n");
    assert_eq!(
        first_error(&base("[\"Core\"]")),
        "t.toml:3:9: invalid tag `Core`, expected lowercase letters, digits, `_` and `-`"
    );
    assert_eq!(
        first_error(&base("[\"core\", \"x\", \"strict\"]")),
        "t.toml:3:22: tags `core` and `strict` both name a profile, expected at most one of \
         `core` and `strict`"
    );
    assert!(first_error(&base("[\"a\", \"a\"]")).ends_with("duplicate tag `a`"));
    assert!(first_error(&base("[\"\"]")).contains("invalid tag ``"));
}

#[test]
fn a_strict_rule_needs_the_strict_tag() {
    let text =
        format!("name = \"n\"\nrules = [\"R1\", \"R8\"]\ntags = [\"core\"]\n[[step]]\n{GET}\n");
    assert_eq!(
        first_error(&text),
        "t.toml:2:16: rule `R8` belongs to the strict profile, so the scenario must be tagged \
         `strict` (add `\"strict\"` to `tags`)"
    );
    let tagged = text.replace("[\"core\"]", "[\"strict\"]");
    assert!(parse_str(&tagged).is_ok());
}

#[test]
fn names_are_not_empty_and_step_names_unique() {
    assert!(
        first_error(&format!(
            "name = \" \"\nrules = [\"R1\"]\n[[step]]\n{GET}\n"
        ))
        .ends_with("empty scenario name, expected a short description")
    );
    assert_eq!(
        step_error(&format!(
            "[[step]]\nname = \"a\"\n{GET}\n[[step]]\nname = \"a\"\n{GET}\n"
        )),
        "t.toml:9:8: duplicate step name `a`, already used by step 1"
    );
    assert!(step_error(&format!("[[step]]\nname = \"\"\n{GET}\n")).contains("empty step name"));
}

#[test]
fn methods_statuses_and_paths() {
    assert_eq!(
        step_error("[[step]]\nrequest = { method = \"get\", path = \"/\" }\n"),
        "t.toml:6:22: unknown method `get`, expected one of `GET`, `HEAD`, `POST`, `PUT`, \
         `PATCH`, `DELETE` or `OPTIONS` (did you mean `GET`?)"
    );
    assert_eq!(
        step_error(&format!("[[step]]\n{GET}\nexpect.status = 99\n")),
        "t.toml:7:17: invalid status `99`, expected a status code from 100 to 599"
    );
    assert!(
        step_error(&format!("[[step]]\n{GET}\nexpect.status = [200, 600]\n"))
            .contains("invalid status `600`")
    );
    assert!(
        step_error(&format!("[[step]]\n{GET}\nexpect.status = []\n")).contains("empty status list")
    );
    assert!(
        step_error("[[step]]\nrequest = { method = \"GET\", path = \"auth\" }\n")
            .ends_with("invalid request path `auth`, expected a path starting with `/`")
    );
    ok("[[step]]\nrequest = { method = \"GET\", path = \"{{cookie_domain}}/x\" }\n");
}

#[test]
fn regexes_compile_and_pointers_are_rfc_6901() {
    assert_eq!(
        step_error(&format!(
            "[[step]]\n{GET}\nexpect.json = [{{ path = \"/id\", matches = \"(\" }}]\n"
        )),
        "t.toml:7:42: invalid regex `(`: unclosed group"
    );
    assert!(
        step_error(&format!(
            "[[step]]\n{GET}\nexpect.headers = [{{ name = \"x\", matches = \"[\" }}]\n"
        ))
        .contains("invalid regex `[`")
    );
    assert_eq!(
        step_error(&format!(
            "[[step]]\n{GET}\nexpect.json = [{{ path = \"id\", exists = true }}]\n"
        )),
        "t.toml:7:25: invalid json pointer `id`, expected `\"\"` (the whole body) or a pointer \
         starting with `/` (did you mean `/id`?)"
    );
    assert!(
        step_error(&format!(
            "[[step]]\n{GET}\ncapture.x = {{ json = \"id\" }}\n"
        ))
        .contains("invalid json pointer `id`")
    );
    assert!(step_error(&format!(
        "[[step]]\nname = \"a\"\n{GET}\n[[step]]\n{GET}\nexpect.same_json_as = {{ step = \"a\", paths = [\"x\"] }}\n"
    ))
    .contains("invalid json pointer `x`"));
}

#[test]
fn checks_must_check_something() {
    assert!(step_error(&format!("[[step]]\n{GET}\nexpect.json = [{{ path = \"/id\" }}]\n"))
        .ends_with("json check on `/id` checks nothing, expected one of `equals`, `not_equals`, `exists` or `matches`"));
    assert!(
        step_error(&format!(
            "[[step]]\n{GET}\nexpect.headers = [{{ name = \"x\" }}]\n"
        ))
        .contains("header check on `x` checks nothing")
    );
}

#[test]
fn identities_referenced_by_login_and_templates_exist() {
    assert_eq!(
        step_error("[[step]]\nlogin = { identity = \"alcie\" }\n"),
        "t.toml:6:22: unknown identity `alcie`, expected an identity declared under \
         `identities` (did you mean `alice`?)"
    );
    assert!(
        step_error("[[step]]\nrequest = { method = \"GET\", path = \"/{{identity.bob.id}}\" }\n")
            .contains("unknown identity `bob` in `{{identity.bob.id}}`")
    );
    assert!(first_error("name = \"n\"\nrules = [\"R1\"]\nidentities = { \"a.b\" = {} }\n[[step]]\nlogin = { identity = \"a.b\" }\n")
        .contains("invalid identity name `a.b`"));
}

#[test]
fn clients_are_default_or_declared() {
    assert_eq!(
        step_error(&format!("[[step]]\nclient = \"c22\"\n{GET}\n")),
        "t.toml:6:10: unknown client `c22`, expected `default` or a client declared in \
         `clients` (did you mean `c2`?)"
    );
    ok(&format!(
        "[[step]]\nclient = \"c2\"\n{GET}\n[[step]]\nclient = \"default\"\n{GET}\n"
    ));
    assert!(
        first_error(&format!(
            "name = \"n\"\nrules = [\"R1\"]\nclients = [\"a\", \"a\"]\n[[step]]\n{GET}\n"
        ))
        .ends_with("duplicate client `a`")
    );
    assert!(
        first_error(&format!(
            "name = \"n\"\nrules = [\"R1\"]\nclients = [\"1a\"]\n[[step]]\n{GET}\n"
        ))
        .contains("invalid client name `1a`")
    );
}

#[test]
fn a_request_has_at_most_one_body() {
    assert_eq!(
        step_error(
            "[[step]]\nrequest = { method = \"POST\", path = \"/\", json = {}, body = \"x\" }\n"
        ),
        "t.toml:6:60: request has both `json` and `body`, expected at most one of `json`, `form` or `body`"
    );
    assert!(step_error("[[step]]\nrequest = { method = \"POST\", path = \"/\", form = { a = \"1\" }, body = \"x\" }\n")
        .contains("request has both `form` and `body`"));
}

#[test]
fn cookie_expectations_are_well_formed() {
    let with = |expect: &str| step_error(&format!("[[step]]\n{GET}\n{expect}\n"));
    assert!(with("expect.cookie = [{ name = \"a\", lifetime = \"forever\" }]")
        .ends_with("invalid `lifetime` value `forever`, expected one of `persistent`, `session` or `expired`"));
    assert!(
        with("expect.cookie = [{ name = \"a\", secure = \"true\" }]")
            .contains("invalid `secure` value `true`")
    );
    assert!(
        with("expect.cookie = [{ name = \"a\", samesite = \"lox\" }]")
            .ends_with("(did you mean `Lax`?)")
    );
    assert!(with("expect.cookie = [{ name = \"a b\" }]").contains("invalid cookie name `a b`"));
    assert!(
        with("expect.cookie = [{ name = \"a\", path = \"x\" }]")
            .contains("invalid cookie path `x`")
    );
    assert_eq!(
        with("expect.sets = [\"ory_kratos_session@hst\"]"),
        "t.toml:7:16: invalid cookie scope `@hst` in `ory_kratos_session@hst`, expected `NAME`, \
         `NAME@host` or `NAME@domain` (did you mean `host`?)"
    );
    assert!(with("expect.clears = [\"a b\"]").contains("invalid cookie name `a b`"));
    assert!(with("expect.jar_lacks = [\"a@host\"]").contains("invalid cookie name `a@host`"));
    assert!(with("expect.not_sets = [\"*\"]").contains("invalid cookie name `*`"));
    assert!(with("expect.jar_has = [\"\"]").contains("invalid cookie name ``"));
}

#[test]
fn captures_have_exactly_one_source_and_a_good_name() {
    let with = |capture: &str| step_error(&format!("[[step]]\n{GET}\n{capture}\n"));
    assert_eq!(
        with("capture.x = { json = \"/id\", header = \"X-Id\" }"),
        "t.toml:7:13: capture `x` has `json` and `header`, expected exactly one source: `json`, \
         `header`, `cookie` or `ui_node`"
    );
    assert!(with("capture.x = { secret = true }").contains("capture `x` has none"));
    assert!(with("capture.cookie_domain = { json = \"/x\" }").contains("would hide a built-in"));
    assert!(with("capture.\"1x\" = { json = \"/x\" }").contains("invalid capture name `1x`"));
    assert!(with("capture.x = { cookie = \"a*\" }").contains("invalid cookie name `a*`"));
    assert!(with("capture.x = { ui_node = \"\" }").contains("empty `ui_node`"));
}

/// K2, K3 on the browser-form path: a flow or error id is a query parameter of `Location`.
#[test]
fn a_capture_query_reads_a_header_and_names_a_parameter() {
    let with = |capture: &str| format!("[[step]]\n{GET}\n{capture}\n");
    ok(&with(
        "capture.flow = { header = \"location\", query = \"flow\" }",
    ));
    assert_eq!(
        step_error(&with("capture.x = { json = \"/id\", query = \"flow\" }")),
        "t.toml:7:37: capture `x` has `query` without `header`, expected `query` next to a \
         URL-valued `header` (`{ header = \"location\", query = \"flow\" }`)"
    );
    assert!(
        step_error(&with(
            "capture.x = { header = \"location\", query = \" \" }"
        ))
        .contains("capture `x` has an empty `query`")
    );
}

/// A browser-form login ends on a bodiless 303: body checks and captures are errors there.
#[test]
fn a_browser_form_login_reads_no_body() {
    let login = "login = { identity = \"alice\", flow = \"browser-form\" }";
    ok(&format!(
        "[[step]]\n{login}\nexpect.status = 303\nexpect.sets = [\"ory_kratos_session\"]\n\
         capture.s = {{ cookie = \"ory_kratos_session\" }}\n"
    ));
    assert_eq!(
        step_error(&format!(
            "[[step]]\n{login}\nexpect.json = [{{ path = \"/session/id\", exists = true }}]\n"
        )),
        "t.toml:7:16: json check on a `browser-form` login: the login ends on Kratos's 303 to \
         return_to, which has no body, expected no `json` (read the session in a later step: \
         `GET /sessions/whoami` on `kratos-public`, or `/auth/whoami`)"
    );
    assert!(
        step_error(&format!(
            "[[step]]\n{login}\ncapture.s = {{ json = \"/session/id\" }}\n"
        ))
        .contains("capture `s` reads the body of a `browser-form` login")
    );
    assert!(
        step_error(&format!(
            "[[step]]\nname = \"a\"\n{GET}\n[[step]]\n{login}\n\
             expect.same_json_as = {{ step = \"a\" }}\n"
        ))
        .contains("`same_json_as` on a `browser-form` login")
    );
    // The other login flows still read their JSON answer.
    ok(
        "[[step]]\nlogin = { identity = \"alice\" }\nexpect.json = [{ path = \"/session/id\", exists = true }]\n",
    );
}

#[test]
fn same_json_as_names_an_earlier_step() {
    let later = format!(
        "[[step]]\n{GET}\nexpect.same_json_as = {{ step = \"b\" }}\n[[step]]\nname = \"b\"\n{GET}\n"
    );
    assert_eq!(
        step_error(&later),
        "t.toml:7:32: step `b` comes later, expected an earlier step's `name`"
    );
    let own = format!("[[step]]\nname = \"b\"\n{GET}\nexpect.same_json_as = {{ step = \"b\" }}\n");
    assert!(step_error(&own).contains("cannot compare with itself"));
    let unknown = format!(
        "[[step]]\nname = \"whoami\"\n{GET}\n[[step]]\n{GET}\nexpect.same_json_as = {{ step = \"whaomi\" }}\n"
    );
    assert!(step_error(&unknown).ends_with(
        "unknown step `whaomi`, expected the `name` of an earlier step (did you mean `whoami`?)"
    ));
}

#[test]
fn api_logout_and_session_token_need_an_api_login_of_the_same_client() {
    assert_eq!(
        step_error(
            "[[step]]\nlogin = { identity = \"alice\" }\n[[step]]\nlogout = { flow = \"api\" }\n"
        ),
        "t.toml:8:10: api logout needs a session token, expected an earlier step with \
         `login = { identity = \"…\", flow = \"api\" }` for client `default`"
    );
    let token = "request = { method = \"GET\", path = \"/\", session_token = true }";
    assert!(step_error(&format!(
        "[[step]]\nclient = \"c2\"\nlogin = {{ identity = \"alice\", flow = \"api\" }}\n[[step]]\n{token}\n"
    ))
    .contains("`session_token = true` needs a session token"));
    ok(&format!(
        "[[step]]\nlogin = {{ identity = \"alice\", flow = \"api\" }}\n[[step]]\n{token}\n[[step]]\nlogout = {{ flow = \"api\" }}\n"
    ));
    ok("[[step]]\nlogout = {}\n");
}

#[test]
fn variables_are_defined_before_use() {
    let capture = "capture.flow = { json = \"/id\" }";
    // Used in its own step's request.
    let own = format!(
        "[[step]]\nrequest = {{ method = \"GET\", path = \"/{{{{flow}}}}\" }}\n{capture}\n"
    );
    assert_eq!(
        step_error(&own),
        "t.toml:6:36: variable `flow` is captured by this step, so it is not defined until the step after it"
    );
    // Used before the step that captures it, in each place templates may appear.
    let before = |request: &str, expect: &str| {
        step_error(&format!(
            "[[step]]\n{request}\n{expect}\n[[step]]\n{GET}\n{capture}\n"
        ))
    };
    let used_before = "variable `flow` is used before the step that captures it";
    for (request, expect) in [
        (
            "request = { method = \"GET\", path = \"/\", headers = { X = \"{{flow}}\" } }",
            "",
        ),
        (
            "request = { method = \"GET\", path = \"/\", json = { a = [{ b = \"{{flow}}\" }] } }",
            "",
        ),
        (
            "request = { method = \"GET\", path = \"/\", form = { a = \"{{flow}}\" } }",
            "",
        ),
        (
            "request = { method = \"GET\", path = \"/\", body = \"{{flow}}\" }",
            "",
        ),
        (
            GET,
            "expect.json = [{ path = \"/id\", equals = \"{{flow}}\" }]",
        ),
        (
            GET,
            "expect.json = [{ path = \"/id\", not_equals = { a = \"{{flow}}\" } }]",
        ),
        (
            GET,
            "expect.headers = [{ name = \"x\", equals = \"{{flow}}\" }]",
        ),
    ] {
        let err = before(request, expect);
        assert!(err.ends_with(used_before), "{request} {expect}: {err}");
    }
    ok(&format!(
        "[[step]]\n{GET}\n{capture}\n[[step]]\nrequest = {{ method = \"GET\", path = \"/{{{{ flow }}}}\" }}\n"
    ));
    assert!(
        step_error("[[step]]\nrequest = { method = \"GET\", path = \"/{{nothing}}\" }\n")
            .contains("undefined variable `nothing`")
    );
}

#[test]
fn unclosed_templates_are_errors() {
    assert_eq!(
        step_error("[[step]]\nrequest = { method = \"GET\", path = \"/{{flow\" }\n"),
        "t.toml:6:36: unclosed `{{`, expected `}}` after the variable name"
    );
}

#[test]
fn seeded_cookies_and_headers_are_well_formed() {
    assert!(step_error("[[step]]\nrequest = { method = \"GET\", path = \"/\", cookies = [{ name = \"a*\" }] }\n")
        .contains("invalid cookie name `a*`, expected a cookie name"));
    assert!(step_error("[[step]]\nrequest = { method = \"GET\", path = \"/\", cookies = [{ name = \"a\", path = \"x\" }] }\n")
        .contains("invalid cookie path `x`"));
    assert!(step_error("[[step]]\nrequest = { method = \"GET\", path = \"/\", headers = { \"a b\" = \"1\" } }\n")
        .contains("invalid header name `a b`"));
}

#[test]
fn the_earliest_issue_in_the_file_is_reported_first() {
    let text = with_steps(
        "[[step]]\nrequest = { method = \"BAD\", path = \"/{{x}}\" }\nclient = \"zz\"\n",
    );
    let issues = super::validate(&toml::from_str(&text).unwrap());
    assert_eq!(issues.len(), 3, "{issues:?}");
    assert!(
        issues
            .windows(2)
            .all(|w| w[0].span.as_ref().unwrap().start <= w[1].span.as_ref().unwrap().start)
    );
    assert!(issues[0].message.starts_with("unknown method `BAD`"));
}

#[test]
fn within_is_a_bounded_duration_or_a_setting_with_a_default() {
    ok(&format!("[[step]]\n{GET}\nexpect.within = \"5s\"\n"));
    ok(&format!(
        "[[step]]\n{GET}\nexpect.within = {{ setting = \"revocation_within\", default = \"0s\" }}\n"
    ));
    assert_eq!(
        step_error(&format!("[[step]]\n{GET}\nexpect.within = \"5 s\"\n")),
        "t.toml:7:17: invalid duration `5 s`, expected a duration such as `0s`, `500ms`, `5s` or \
         `2m` (units ms, s, m, h), at most 10m"
    );
    assert!(
        step_error(&format!("[[step]]\n{GET}\nexpect.within = \"11m\"\n"))
            .starts_with("t.toml:7:17: invalid duration `11m`")
    );
    assert!(
        step_error(&format!(
            "[[step]]\n{GET}\nexpect.within = {{ setting = \"Revocation\", default = \"0s\" }}\n"
        ))
        .starts_with("t.toml:7:29: invalid setting name `Revocation`, expected lowercase")
    );
    assert!(
        step_error(&format!(
            "[[step]]\n{GET}\nexpect.within = {{ setting = \"r\", default = \"later\" }}\n"
        ))
        .starts_with("t.toml:7:44: invalid duration `later`")
    );
    assert_eq!(
        step_error(&format!(
            "[[step]]\n{GET}\nexpect.within = {{ setting = \"r\", defualt = \"0s\" }}\n"
        )),
        "t.toml:7:34: unknown field `defualt`, expected `setting` or `default` (did you mean \
         `default`?)"
    );
}

#[test]
fn within_only_on_a_get_request() {
    let post = "request = { method = \"POST\", path = \"/auth/logout\" }";
    assert_eq!(
        step_error(&format!("[[step]]\n{post}\nexpect.within = \"1s\"\n")),
        "t.toml:7:17: `within` sends the step again until its expectations hold, and only a GET \
         request may be sent again, but this step is a POST request (remove `within`, or wait \
         in a GET step after it)"
    );
    assert!(
        step_error("[[step]]\nlogin = { identity = \"alice\" }\nexpect.within = \"1s\"\n")
            .contains("but this step is a login")
    );
    assert!(
        step_error("[[step]]\nlogout = {}\nexpect.within = \"1s\"\n")
            .contains("but this step is a logout")
    );
}
