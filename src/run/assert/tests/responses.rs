//! Rows for the checks on a response's status, body, JSON, headers and `same_json_as`.

use super::{ROW, Row, run};

/// A body for the JSON-pointer rows.
const BODY: &str = r#"{"id":"u-1","identity":{"id":"i-9","traits":{"email":"a@example.test"}},"active":true,"a/b":1,"m~n":2,"a":{"b":3},"list":[10,20],"none":null}"#;

#[test]
fn status_and_body_class() {
    run(&rows! {
        "status: the one expected value" {
            expect: "status = 204", status: 204, pass: &["status 204"],
        },
        "status: another value" {
            expect: "status = 204", status: 200,
            fail: &[("status 204", "expected status 204, got 200")],
        },
        "status: any-of list, a member" {
            expect: "status = [200, 204]", status: 204, pass: &["status one of [200, 204]"],
        },
        "status: any-of list, not a member" {
            expect: "status = [200, 204]", status: 401,
            fail: &[("status one of [200, 204]", "expected status one of [200, 204], got 401")],
        },
        "status: a 5xx is a plain mismatch (the runner annotates it, not check_step)" {
            expect: "status = 204", status: 502, body: "upstream down",
            fail: &[("status 204", "expected status 204, got 502")],
        },
        "after a failed status the other checks are not evaluated, in one line" {
            expect: "status = 204\nbody = \"empty\"\nclears = [\"ory_kratos_session\"]", status: 500,
            body: "oops",
            fail: &[("status 204", "expected status 204, got 500")],
            pass: &["not evaluated (status check failed): body is empty; clears ory_kratos_session"],
        },
        "status and body class together" {
            expect: "status = 204\nbody = \"empty\"", status: 204,
            pass: &["status 204", "body is empty"],
        },
        "body null: the literal" {
            expect: r#"body = "null""#, body: "null", pass: &["body is JSON null"],
        },
        "body null: with whitespace around it" {
            expect: r#"body = "null""#, body: " \n null \r\n", pass: &["body is JSON null"],
        },
        "body null: {} is not null" {
            expect: r#"body = "null""#, body: "{}",
            fail: &[("body is JSON null", "expected JSON null, got an empty JSON object {}")],
        },
        "body null: an empty body is not null" {
            expect: r#"body = "null""#,
            fail: &[("body is JSON null", "expected JSON null, got an empty body")],
        },
        "body null: non-JSON bytes" {
            expect: r#"body = "null""#, body: "null!",
            fail: &[("body is JSON null", "got 5 bytes that are not JSON")],
        },
        "body empty: zero bytes" {
            expect: r#"body = "empty""#, pass: &["body is empty"],
        },
        "body empty: null is not empty" {
            expect: r#"body = "empty""#, body: "null",
            fail: &[("body is empty", "expected empty, got JSON null")],
        },
        "body empty: whitespace is not empty" {
            expect: r#"body = "empty""#, body: " ",
            fail: &[("body is empty", "got 1 bytes that are not JSON")],
        },
        "body empty: an object is described by its keys" {
            expect: r#"body = "empty""#, body: r#"{"id":"s-1","active":true}"#,
            fail: &[("body is empty", r#"got a JSON object with keys ["id", "active"]"#)],
        },
        "body object: {}" {
            expect: r#"body = "object""#, body: "{}", pass: &["body is a JSON object"],
        },
        "body object: null is not an object" {
            expect: r#"body = "object""#, body: "null",
            fail: &[("body is a JSON object", "expected a JSON object, got JSON null")],
        },
        "body object: an array is not an object" {
            expect: r#"body = "object""#, body: "[1,2]",
            fail: &[("body is a JSON object", "got JSON [1,2]")],
        },
        "body json: a JSON string" {
            expect: r#"body = "json""#, body: r#""text""#, pass: &["body is JSON"],
        },
        "body json: null is JSON" {
            expect: r#"body = "json""#, body: "null", pass: &["body is JSON"],
        },
        "body json: non-JSON bytes" {
            expect: r#"body = "json""#, body: "<html>oops</html>",
            fail: &[("body is JSON", "expected JSON, got 17 bytes that are not JSON")],
        },
        "body json: an empty body is not JSON" {
            expect: r#"body = "json""#,
            fail: &[("body is JSON", "expected JSON, got an empty body")],
        },
    });
}

#[test]
fn json_pointers() {
    run(&rows! {
        "equals: a literal string" {
            expect: r#"json = [{ path = "/id", equals = "u-1" }]"#, body: BODY,
            pass: &[r#"json `/id` equals "u-1""#],
        },
        "equals: a {{variable}}, rendered" {
            expect: r#"json = [{ path = "/id", equals = "{{user_id}}" }]"#, body: BODY,
            pass: &[r#"json `/id` equals "{{user_id}}""#],
        },
        "equals: a rendered variable that differs" {
            expect: r#"json = [{ path = "/identity/id", equals = "{{ user_id }}" }]"#, body: BODY,
            fail: &[(r#"json `/identity/id` equals "{{ user_id }}""#,
                     r#"`/identity/id`: expected "u-1", got "i-9""#)],
        },
        "equals: an undefined variable fails the check" {
            expect: r#"json = [{ path = "/id", equals = "{{nobody}}" }]"#, body: BODY,
            fail: &[(r#"json `/id` equals "{{nobody}}""#, "undefined variable `nobody`")],
        },
        "equals: bool, array and table values, nested pointers" {
            expect: r#"json = [
                { path = "/active", equals = true },
                { path = "/list", equals = [10, 20] },
                { path = "/list/1", equals = 20 },
                { path = "/identity/traits", equals = { email = "a@example.test" } },
                { path = "/identity/traits/email", equals = "a@example.test" },
            ]"#,
            body: BODY,
            pass: &["json `/active` equals true", "json `/list` equals [10, 20]",
                    "json `/list/1` equals 20",
                    r#"json `/identity/traits` equals { email = "a@example.test" }"#,
                    r#"json `/identity/traits/email` equals "a@example.test""#],
        },
        "equals: an absent pointer" {
            expect: r#"json = [{ path = "/missing", equals = 1 }]"#, body: BODY,
            fail: &[("json `/missing` equals 1", "`/missing`: expected 1, got absent")],
        },
        // serde_json compares numbers by representation.
        "equals: the TOML float 10.0 is not the JSON integer 10" {
            expect: r#"json = [{ path = "/list/0", equals = 10.0 }]"#, body: BODY,
            fail: &[("json `/list/0` equals 10.0", "`/list/0`: expected 10.0, got 10")],
        },
        "equals: a body that is not JSON has no values" {
            expect: r#"json = [{ path = "/id", equals = "u-1" }]"#, body: "<html>",
            fail: &[(r#"json `/id` equals "u-1""#, "got absent")],
        },
        "equals: the whole-body pointer \"\"" {
            expect: r#"json = [{ path = "", equals = { id = "u-1", active = true } }]"#,
            body: r#"{"id":"u-1","active":true}"#,
            // The `what` shows the TOML table, whose keys TOML sorts.
            pass: &[r#"json `` equals { active = true, id = "u-1" }"#],
        },
        "escaped pointers: ~1 is a slash, ~0 a tilde; /a/b is nested" {
            expect: r#"json = [
                { path = "/a~1b", equals = 1 },
                { path = "/m~0n", equals = 2 },
                { path = "/a/b", equals = 3 },
            ]"#,
            body: BODY,
            pass: &["json `/a~1b` equals 1", "json `/m~0n` equals 2", "json `/a/b` equals 3"],
        },
        "not_equals: a different value" {
            expect: r#"json = [{ path = "/identity/id", not_equals = "{{user_id}}" }]"#, body: BODY,
            pass: &[r#"json `/identity/id` differs from "{{user_id}}""#],
        },
        "not_equals: the same value" {
            expect: r#"json = [{ path = "/id", not_equals = "{{user_id}}" }]"#, body: BODY,
            fail: &[(r#"json `/id` differs from "{{user_id}}""#,
                     r#"`/id` must differ from "u-1" but equals it"#)],
        },
        "not_equals: an absent pointer differs from anything" {
            expect: r#"json = [{ path = "/missing", not_equals = "u-1" }]"#, body: BODY,
            pass: &[r#"json `/missing` differs from "u-1""#],
        },
        "exists: true and false, a JSON null is present" {
            expect: r#"json = [
                { path = "/id", exists = true },
                { path = "/none", exists = true },
                { path = "/list/2", exists = false },
            ]"#,
            body: BODY,
            pass: &["json `/id` exists", "json `/none` exists", "json `/list/2` is absent"],
        },
        "exists: wrong both ways" {
            expect: r#"json = [{ path = "/nope", exists = true }, { path = "/active", exists = false }]"#,
            body: BODY,
            fail: &[("json `/nope` exists", "`/nope` is absent"),
                    ("json `/active` is absent", "`/active` is present: true")],
        },
        "exists: the whole body of a non-JSON response is absent" {
            expect: r#"json = [{ path = "", exists = true }]"#, body: "oops",
            fail: &[("json `` exists", "`` is absent")],
        },
        "matches: a string, unanchored" {
            expect: r#"json = [{ path = "/identity/traits/email", matches = "@example\\.test" }]"#,
            body: BODY, pass: &[r"json `/identity/traits/email` matches /@example\.test/"],
        },
        "matches: a non-string, an absent value, an invalid regex" {
            expect: r#"json = [
                { path = "/active", matches = "true" },
                { path = "/nope", matches = ".*" },
                { path = "/id", matches = "(" },
            ]"#,
            body: BODY,
            fail: &[("json `/active` matches /true/", "`/active` is true"),
                    ("json `/nope` matches /.*/", "`/nope` is absent"),
                    ("json `/id` matches /(/", "invalid regex")],
        },
        "one entry with every check gives one result each" {
            expect: r#"json = [{ path = "/id", exists = true, equals = "u-1", not_equals = "u-2", matches = "^u-" }]"#,
            body: BODY,
            pass: &["json `/id` exists", r#"json `/id` equals "u-1""#,
                    r#"json `/id` differs from "u-2""#, "json `/id` matches /^u-/"],
        },
    });
}

/// `body = "empty"` also reads the framing headers: they are what is left of a body the HTTP
/// client dropped after a 204 (R6, R9, R15).
#[test]
fn empty_body_framing() {
    const EMPTY: &str = r#"body = "empty""#;
    const WHAT: &str = "body is empty";
    run(&rows! {
        "204 without framing headers" {
            expect: EMPTY, status: 204, pass: &[WHAT],
        },
        "204 with Content-Length: 0 (tolerated on purpose)" {
            expect: EMPTY, status: 204, headers: &[("content-length", "0")], pass: &[WHAT],
        },
        "204 with Content-Length: 2 and no bytes: the client dropped a body" {
            expect: EMPTY, status: 204, headers: &[("content-length", "2")],
            fail: &[(WHAT, "an empty body framed with `Content-Length: 2`")],
        },
        "204 with two Content-Length lines, one of them not 0" {
            expect: EMPTY, status: 204, headers: &[("content-length", "0"), ("content-length", "7")],
            fail: &[(WHAT, "`Content-Length: 0, 7`")],
        },
        "204 with Transfer-Encoding" {
            expect: EMPTY, status: 204, headers: &[("transfer-encoding", "chunked")],
            fail: &[(WHAT, "a 204 with `Transfer-Encoding: chunked`")],
        },
        "200 with a chunked empty body is still empty" {
            expect: EMPTY, status: 200, headers: &[("transfer-encoding", "chunked")], pass: &[WHAT],
        },
        "a HEAD answer's Content-Length describes the GET answer's body" {
            expect: EMPTY, method: "HEAD", status: 200,
            headers: &[("content-length", "68"), ("transfer-encoding", "chunked")], pass: &[WHAT],
        },
        "body bytes are reported first" {
            expect: EMPTY, status: 204, body: "{}", headers: &[("content-length", "2")],
            fail: &[(WHAT, "expected empty, got an empty JSON object {}")],
        },
    });
}

/// Response headers for the header rows (the `Set-Cookie` lines are added per row).
const HEADERS: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("x-request-id", "req-f-2"),
];
/// Two `Set-Cookie` lines, recorded as two `set-cookie` headers.
const TWO_LINES: &[&str] = &[
    "ory_kratos_session=SessionValue01; Path=/; HttpOnly",
    "csrf_token_ab=CsrfValue0002; Path=/",
];

#[test]
fn headers() {
    run(&rows! {
        "exists: names are case-insensitive" {
            expect: r#"headers = [{ name = "Content-Type", exists = true }, { name = "Location", exists = false }]"#,
            headers: HEADERS,
            pass: &["header `Content-Type` present", "header `Location` absent"],
        },
        "exists: wrong both ways" {
            expect: r#"headers = [{ name = "Location", exists = true }, { name = "X-Request-Id", exists = false }]"#,
            headers: HEADERS,
            fail: &[("header `Location` present", "header `Location` is absent"),
                    ("header `X-Request-Id` absent", "header `X-Request-Id` is present")],
        },
        "equals: any-case name, exact value, a rendered variable" {
            expect: r#"headers = [
                { name = "CONTENT-TYPE", equals = "application/json" },
                { name = "x-request-id", equals = "req-{{flow_id}}" },
            ]"#,
            headers: HEADERS,
            pass: &["header `CONTENT-TYPE` equals `application/json`",
                    "header `x-request-id` equals `req-{{flow_id}}`"],
        },
        "equals: values are case-sensitive; absent is nothing" {
            expect: r#"headers = [
                { name = "content-type", equals = "application/JSON" },
                { name = "location", equals = "/" },
            ]"#,
            headers: HEADERS,
            fail: &[("header `content-type` equals `application/JSON`",
                     "header `content-type`: expected `application/JSON`, got `application/json`"),
                    ("header `location` equals `/`", "expected `/`, got nothing")],
        },
        "matches: match, mismatch, absent, invalid regex" {
            expect: r#"headers = [
                { name = "X-Request-ID", matches = "^req-" },
                { name = "x-request-id", matches = "^id-" },
                { name = "location", matches = "." },
                { name = "content-type", matches = "[" },
            ]"#,
            headers: HEADERS,
            pass: &["header `X-Request-ID` matches /^req-/"],
            fail: &[("header `x-request-id` matches /^id-/", "header `x-request-id` is `req-f-2`"),
                    ("header `location` matches /./", "header `location` is absent"),
                    ("header `content-type` matches /[/", "invalid regex")],
        },
        "Set-Cookie: a failed equals shows both lines redacted" {
            expect: r#"headers = [{ name = "Set-Cookie", exists = true }, { name = "Set-Cookie", equals = "ory_kratos_session=other; Path=/" }]"#,
            set_cookie: TWO_LINES,
            pass: &["header `Set-Cookie` present"],
            fail: &[("header `Set-Cookie` equals `ory_kratos_session=other; Path=/`",
                     "expected `ory_kratos_session=<5 chars>; Path=/`, got `ory_kratos_session=<14 chars>; Path=/; HttpOnly`")],
        },
        // Surprising: `Response::header` returns the first of several `set-cookie` headers.
        "Set-Cookie: a header check reads only the first line" {
            expect: r#"headers = [{ name = "set-cookie", matches = "^csrf_token_" }]"#,
            set_cookie: TWO_LINES,
            fail: &[("header `set-cookie` matches /^csrf_token_/",
                     "header `set-cookie` is `ory_kratos_session=<14 chars>; Path=/; HttpOnly`")],
        },
        "Set-Cookie: a line without `=` is shown as its length" {
            expect: r#"headers = [{ name = "set-cookie", equals = "a=b" }]"#,
            set_cookie: &["SessionWithoutEquals"],
            fail: &[("header `set-cookie` equals `a=b`", "got `<20 chars>`")],
        },
    });
}

/// The R18 check of `scenarios/strict/r18_session_answers_are_private.toml`: `private` (not
/// the field-qualified `private="…"`) or `no-store` as one directive of the combined field.
const PRIVATE: &str =
    r#"headers = [{ name = "cache-control", matches = '(?i)(^|,)\s*(private|no-store)\s*(,|$)' }]"#;
const PRIVATE_WHAT: &str =
    r"header `cache-control` matches /(?i)(^|,)\s*(private|no-store)\s*(,|$)/";

#[test]
fn cache_control_private_or_no_store() {
    run(&rows! {
        "what Kratos's whoami sends" {
            expect: PRIVATE, headers: &[("cache-control", "private, no-cache, no-store, must-revalidate")],
            pass: &[PRIVATE_WHAT],
        },
        "private alone" {
            expect: PRIVATE, headers: &[("cache-control", "private")], pass: &[PRIVATE_WHAT],
        },
        "directives are case-insensitive, spaces optional" {
            expect: PRIVATE, headers: &[("cache-control", "max-age=0,NO-STORE")], pass: &[PRIVATE_WHAT],
        },
        "no-cache alone allows storing: fails" {
            expect: PRIVATE, headers: &[("cache-control", "no-cache")],
            fail: &[(PRIVATE_WHAT, "header `cache-control` is `no-cache`")],
        },
        "public with max-age=0: fails" {
            expect: PRIVATE, headers: &[("cache-control", "public, max-age=0, must-revalidate")],
            fail: &[(PRIVATE_WHAT, "is `public, max-age=0, must-revalidate`")],
        },
        "a field-qualified private leaves the rest shareable: fails" {
            expect: PRIVATE, headers: &[("cache-control", r#"private="set-cookie", max-age=60"#)],
            fail: &[(PRIVATE_WHAT, "is `private=\"set-cookie\", max-age=60`")],
        },
        "a directive that merely contains the word: fails" {
            expect: PRIVATE, headers: &[("cache-control", "x-private-ish, no-store-later")],
            fail: &[(PRIVATE_WHAT, "is `x-private-ish, no-store-later`")],
        },
        "absent: fails" {
            expect: PRIVATE, headers: HEADERS,
            fail: &[(PRIVATE_WHAT, "header `cache-control` is absent")],
        },
        "several lines are one field, as a cache combines them" {
            expect: PRIVATE,
            headers: &[("cache-control", "no-cache"), ("content-type", "application/json"),
                       ("cache-control", "private")],
            pass: &[PRIVATE_WHAT],
        },
        "several lines: equals sees the combined value" {
            expect: r#"headers = [{ name = "cache-control", equals = "no-cache, max-age=0" }]"#,
            headers: &[("cache-control", "no-cache"), ("cache-control", "max-age=0")],
            pass: &["header `cache-control` equals `no-cache, max-age=0`"],
        },
    });
}

const SESSION: &str = r#"{"id":"s-1","identity":{"id":"i-9"},"active":true}"#;
const SAME: &str = r#"same_json_as = { step = "login" }"#;

#[test]
fn same_json_as() {
    run(&rows! {
        "default pointers /id, /identity/id, /active agree" {
            expect: SAME, body: SESSION, earlier: Some(Some(SESSION)),
            pass: &["same `/id` as step `login`", "same `/identity/id` as step `login`",
                    "same `/active` as step `login`"],
        },
        "default pointers, two differ" {
            expect: SAME, body: SESSION,
            earlier: Some(Some(r#"{"id":"s-2","identity":{"id":"i-9"},"active":false}"#)),
            pass: &["same `/identity/id` as step `login`"],
            fail: &[("same `/id` as step `login`", r#"`/id` differs from step `login`: "s-1" here, "s-2" there"#),
                    ("same `/active` as step `login`", "`/active` differs from step `login`: true here, false there")],
        },
        "explicit paths replace the defaults; absent on both sides agrees" {
            expect: r#"same_json_as = { step = "login", paths = ["/identity/id", "/authenticated_at"] }"#,
            body: SESSION, earlier: Some(Some(r#"{"id":"other","identity":{"id":"i-9"}}"#)),
            pass: &["same `/identity/id` as step `login`", "same `/authenticated_at` as step `login`"],
        },
        "the earlier step's body was not JSON" {
            expect: SAME, body: SESSION, earlier: Some(None),
            fail: &[("same `/id` as step `login`", r#""s-1" here, absent there"#),
                    ("same `/identity/id` as step `login`", r#""i-9" here, absent there"#),
                    ("same `/active` as step `login`", "true here, absent there")],
        },
        // Surprising: R2 "same identity" passes when neither response has one.
        "neither body is JSON: absent equals absent, so every check passes" {
            expect: SAME, status: 204, earlier: Some(None),
            pass: &["same `/id` as step `login`", "same `/identity/id` as step `login`",
                    "same `/active` as step `login`"],
        },
        "a long string is shown by its length" {
            expect: r#"same_json_as = { step = "login", paths = ["/id"] }"#,
            body: r#"{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#, earlier: Some(Some(r#"{"id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}"#)),
            fail: &[("same `/id` as step `login`", "a string of 90 chars here, a string of 90 chars there")],
        },
    });
}
