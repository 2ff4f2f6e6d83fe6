//! Rows for the cookie checks: `sets`, `clears`, `not_sets`, attribute checks and the jar.

use super::{HTTP, HTTPS, NO_DOMAIN, ROW, Row, STRICT, run};

/// Kratos's session cookie as a login sets it (with the cookie domain).
const SESSION_SET: &str = "ory_kratos_session=SessionValue01; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax";
/// The same, redacted as failure texts show it.
const SESSION_SHOWN: &str =
    "`ory_kratos_session=<14 chars>; Path=/; Domain=openapp.test; Max-Age=86399";
const HOST_SET: &str = "ory_kratos_session=SessionValue01; Path=/; HttpOnly";
const CLEAR_HOST: &str = r#"clears = ["ory_kratos_session@host"]"#;
const CLEAR_DOMAIN: &str = r#"clears = ["ory_kratos_session@domain"]"#;
const CLEARS_HOST: &[&str] = &["clears ory_kratos_session (host-only)"];
const CLEARS_DOMAIN: &[&str] = &["clears ory_kratos_session (Domain=openapp.test)"];
/// The failure of a `clears …@host` that found no clearing line.
const NOT_CLEARED_HOST: &[(&str, &str)] = &[(
    "clears ory_kratos_session (host-only)",
    "no Set-Cookie line clears ory_kratos_session (host-only); nearest line: `ory_kratos_session=<",
)];
const NOT_CLEARED_DOMAIN: &[(&str, &str)] = &[(
    "clears ory_kratos_session (Domain=openapp.test)",
    "no Set-Cookie line clears ory_kratos_session (Domain=openapp.test)",
)];

#[test]
fn sets() {
    run(&rows! {
        "NAME: any variant" {
            expect: r#"sets = ["ory_kratos_session"]"#, set_cookie: &[SESSION_SET],
            pass: &["sets ory_kratos_session"],
        },
        "NAME@domain on a Domain line" {
            expect: r#"sets = ["ory_kratos_session@domain"]"#, set_cookie: &[SESSION_SET],
            pass: &["sets ory_kratos_session (Domain=openapp.test)"],
        },
        "NAME@domain: Domain=.OpenApp.TEST is the cookie domain (dot dropped, case folded)" {
            expect: r#"sets = ["ory_kratos_session@domain"]"#,
            set_cookie: &["ory_kratos_session=SessionValue01; Path=/; Domain=.OpenApp.TEST"],
            pass: &["sets ory_kratos_session (Domain=openapp.test)"],
        },
        "NAME@host on a Domain line" {
            expect: r#"sets = ["ory_kratos_session@host"]"#, set_cookie: &[SESSION_SET],
            fail: &[("sets ory_kratos_session (host-only)",
                     "no Set-Cookie line sets ory_kratos_session (host-only); nearest line: `ory_kratos_session=<14 chars>; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax` (it has Domain=openapp.test)")],
        },
        "NAME@domain on a host-only line" {
            expect: r#"sets = ["ory_kratos_session@domain"]"#, set_cookie: &[HOST_SET],
            fail: &[("sets ory_kratos_session (Domain=openapp.test)", "no Set-Cookie line sets")],
        },
        "NAME@domain on another domain" {
            expect: r#"sets = ["ory_kratos_session@domain"]"#,
            set_cookie: &["ory_kratos_session=SessionValue01; Domain=api.openapp.test"],
            fail: &[("sets ory_kratos_session (Domain=openapp.test)", "Domain=api.openapp.test")],
        },
        "NAME@domain when the target has no cookie domain" {
            expect: r#"sets = ["ory_kratos_session@domain"]"#, set_cookie: &[SESSION_SET],
            target: NO_DOMAIN,
            fail: &[("sets ory_kratos_session (Domain=?)", "no Set-Cookie line sets")],
        },
        "an expired line does not set" {
            expect: r#"sets = ["ory_kratos_session"]"#,
            set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0"],
            fail: &[("sets ory_kratos_session", "nearest line: `ory_kratos_session=<0 chars>; Path=/; Max-Age=0` (it clears the cookie)")],
        },
        "no Set-Cookie line at all" {
            expect: r#"sets = ["ory_kratos_session"]"#,
            fail: &[("sets ory_kratos_session", "the response had no Set-Cookie line")],
        },
        "names are exact" {
            expect: r#"sets = ["ory_kratos_session"]"#,
            set_cookie: &["ory_kratos_session_v2=SessionValue02; Path=/"],
            fail: &[("sets ory_kratos_session", "the response had no line for ory_kratos_session, only for ory_kratos_session_v2")],
        },
        "a prefix* pattern (K1's CSRF cookie)" {
            expect: r#"sets = ["csrf_token_*@host"]"#,
            set_cookie: &["csrf_token_9f3a=CsrfValue0001; Path=/; HttpOnly"],
            pass: &["sets csrf_token_* (host-only)"],
        },
        "an unparsable line is ignored, and the summary says there was none" {
            expect: r#"sets = ["ory_kratos_session"]"#, set_cookie: &["SessionWithoutEquals"],
            fail: &[("sets ory_kratos_session", "the response had no Set-Cookie line")],
        },
    });
}

#[test]
fn clearing_lines_that_count() {
    run(&rows! {
        "Max-Age=0" { expect: CLEAR_HOST, set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0"], pass: CLEARS_HOST },
        "Max-Age=-1" { expect: CLEAR_HOST, set_cookie: &["ory_kratos_session=; Path=/; Max-Age=-1"], pass: CLEARS_HOST },
        "Expires at the epoch, RFC 1123" {
            expect: CLEAR_HOST, pass: CLEARS_HOST,
            set_cookie: &["ory_kratos_session=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
        },
        "Expires at the epoch, Netscape form" {
            expect: CLEAR_HOST, pass: CLEARS_HOST,
            set_cookie: &["ory_kratos_session=deleted; Path=/; Expires=Thursday, 01-Jan-1970 00:00:00 GMT"],
        },
        "Expires at the epoch, asctime form" {
            expect: CLEAR_HOST, pass: CLEARS_HOST,
            set_cookie: &["ory_kratos_session=deleted; Path=/; Expires=Thu Jan  1 00:00:00 1970"],
        },
        "an empty value with both Max-Age=0 and an epoch Expires" {
            expect: CLEAR_HOST, pass: CLEARS_HOST,
            set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
        },
        "Expires one second ago" {
            expect: CLEAR_HOST, pass: CLEARS_HOST,
            set_cookie: &["ory_kratos_session=; Expires=Mon, 01 Dec 2025 09:29:14 GMT"],
        },
        "Expires exactly now" {
            expect: CLEAR_HOST, pass: CLEARS_HOST,
            set_cookie: &["ory_kratos_session=; Expires=Mon, 01 Dec 2025 09:29:15 GMT"],
        },
        "Max-Age=0 wins over a future Expires" {
            expect: CLEAR_HOST, pass: CLEARS_HOST,
            set_cookie: &["ory_kratos_session=; Path=/; Expires=Tue, 01 Dec 2026 09:29:15 GMT; Max-Age=0"],
        },
        "no Path (the default path)" {
            expect: CLEAR_HOST, pass: CLEARS_HOST, set_cookie: &["ory_kratos_session=; Max-Age=0"],
        },
        // By the code, not by R12: a browser would keep a `Path=/` cookie after this line.
        "another Path still counts: the check ignores Path (R12's match is left to jar_lacks)" {
            expect: CLEAR_HOST, pass: CLEARS_HOST, set_cookie: &["ory_kratos_session=; Path=/api; Max-Age=0"],
        },
        "@domain: Domain=openapp.test" {
            expect: CLEAR_DOMAIN, pass: CLEARS_DOMAIN,
            set_cookie: &["ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0"],
        },
        "@domain: a leading dot is the same domain (RFC 6265 §5.2.3)" {
            expect: CLEAR_DOMAIN, pass: CLEARS_DOMAIN,
            set_cookie: &["ory_kratos_session=; Path=/; Domain=.openapp.test; Max-Age=0"],
        },
        "NAME without a variant: any domain counts" {
            expect: r#"clears = ["ory_kratos_session"]"#, pass: &["clears ory_kratos_session"],
            set_cookie: &["ory_kratos_session=; Domain=other.test; Max-Age=0"],
        },
        "extra clearing lines (another Path, another Domain, an unnamed cookie) beside both variants" {
            expect: r#"clears = ["ory_kratos_session@host", "ory_kratos_session@domain"]"#,
            set_cookie: &["openapp_pref=; Path=/; Max-Age=0", "ory_kratos_session=; Path=/api; Max-Age=0",
                          "ory_kratos_session=; Path=/; Domain=api.openapp.test; Max-Age=0",
                          "ory_kratos_session=; Path=/; Max-Age=0", "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0"],
            pass: &["clears ory_kratos_session (host-only)", "clears ory_kratos_session (Domain=openapp.test)"],
        },
        "both variants, one line each (R10)" {
            expect: r#"clears = ["ory_kratos_session@host", "ory_kratos_session@domain"]"#,
            set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0", "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0"],
            pass: &["clears ory_kratos_session (host-only)", "clears ory_kratos_session (Domain=openapp.test)"],
        },
    });
}

#[test]
fn clearing_lines_that_do_not_count() {
    run(&rows! {
        "a future Expires" {
            expect: CLEAR_HOST, fail: NOT_CLEARED_HOST,
            set_cookie: &["ory_kratos_session=deleted; Path=/; Expires=Tue, 01 Dec 2026 09:29:15 GMT"],
        },
        "a positive Max-Age wins over an epoch Expires" {
            expect: CLEAR_HOST, fail: NOT_CLEARED_HOST,
            set_cookie: &["ory_kratos_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60"],
        },
        "an unparsable Expires and a malformed Max-Age are ignored: a session cookie" {
            expect: CLEAR_HOST, fail: NOT_CLEARED_HOST,
            set_cookie: &["ory_kratos_session=; Path=/; Expires=yesterday; Max-Age=0x"],
        },
        "@host: a Domain line is the other variant" {
            expect: CLEAR_HOST, fail: NOT_CLEARED_HOST,
            set_cookie: &["ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0"],
        },
        "@domain: a host-only line is the other variant" {
            expect: CLEAR_DOMAIN, fail: NOT_CLEARED_DOMAIN,
            set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0"],
        },
        "@domain: another domain" {
            expect: CLEAR_DOMAIN, fail: NOT_CLEARED_DOMAIN,
            set_cookie: &["ory_kratos_session=; Path=/; Domain=api.openapp.test; Max-Age=0"],
        },
        "@domain when the target has no cookie domain" {
            expect: CLEAR_DOMAIN, target: NO_DOMAIN,
            set_cookie: &["ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0"],
            fail: &[("clears ory_kratos_session (Domain=?)", "no Set-Cookie line clears")],
        },
        "both variants asked, only host-only cleared" {
            expect: r#"clears = ["ory_kratos_session@host", "ory_kratos_session@domain"]"#,
            set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0"],
            pass: CLEARS_HOST, fail: NOT_CLEARED_DOMAIN,
        },
        "a setting line is no clearing line" {
            expect: CLEAR_DOMAIN, set_cookie: &[SESSION_SET],
            fail: &[("clears ory_kratos_session (Domain=openapp.test)", SESSION_SHOWN)],
        },
    });
}

/// A request carrying two CSRF cookies and the session.
const CARRIED: &str = "csrf_token_aa11=CsrfValueAA11; ory_kratos_session=SessionValue01; csrf_token_bb22=CsrfValueBB22";

#[test]
fn clearing_every_csrf_cookie_carried() {
    run(&rows! {
        "two carried, one cleared: the other is named" {
            expect: r#"clears = ["csrf_token_*@host"]"#, cookie: Some(CARRIED),
            set_cookie: &["csrf_token_aa11=; Path=/; Max-Age=0"],
            pass: &["clears csrf_token_aa11 (host-only)"],
            fail: &[("clears csrf_token_bb22 (host-only)", "no Set-Cookie line clears csrf_token_bb22 (host-only)")],
        },
        "two carried, both cleared in both variants (R11)" {
            expect: r#"clears = ["csrf_token_*@host", "csrf_token_*@domain"]"#, cookie: Some(CARRIED),
            set_cookie: &["csrf_token_aa11=; Path=/; Max-Age=0", "csrf_token_bb22=; Path=/; Max-Age=0",
                          "csrf_token_aa11=; Path=/; Domain=openapp.test; Max-Age=0",
                          "csrf_token_bb22=; Path=/; Domain=openapp.test; Max-Age=0"],
            pass: &["clears csrf_token_aa11 (host-only)", "clears csrf_token_bb22 (host-only)",
                    "clears csrf_token_aa11 (Domain=openapp.test)", "clears csrf_token_bb22 (Domain=openapp.test)"],
        },
        "the request carried none" {
            expect: r#"clears = ["csrf_token_*@host"]"#, cookie: Some("ory_kratos_session=SessionValue01"),
            pass: &["clears csrf_token_* (host-only) (the request carried none)"],
        },
        "no Cookie header at all" {
            expect: r#"clears = ["csrf_token_*@domain"]"#,
            pass: &["clears csrf_token_* (Domain=openapp.test) (the request carried none)"],
        },
        "a cookie carried twice (both variants in the jar) is checked once" {
            expect: r#"clears = ["csrf_token_*@host"]"#,
            cookie: Some("csrf_token_aa11=CsrfValueAA11; csrf_token_aa11=CsrfValueAA12"),
            set_cookie: &["csrf_token_aa11=; Path=/; Max-Age=0"],
            pass: &["clears csrf_token_aa11 (host-only)"],
        },
        "clearing a cookie the request did not carry does not help" {
            expect: r#"clears = ["csrf_token_*@host"]"#, cookie: Some("csrf_token_aa11=CsrfValueAA11"),
            set_cookie: &["csrf_token_cc33=; Path=/; Max-Age=0"],
            fail: &[("clears csrf_token_aa11 (host-only)", "the response had no line for csrf_token_aa11, only for csrf_token_cc33")],
        },
        "an exact name does not look at the request" {
            expect: r#"clears = ["csrf_token_aa11"]"#,
            fail: &[("clears csrf_token_aa11", "no Set-Cookie line clears csrf_token_aa11; the response had no Set-Cookie line")],
        },
    });
}

#[test]
fn not_sets() {
    run(&rows! {
        "no line" { expect: r#"not_sets = ["ory_kratos_session"]"#, pass: &["does not set ory_kratos_session"] },
        "a setting line" {
            expect: r#"not_sets = ["ory_kratos_session"]"#, set_cookie: &[SESSION_SET],
            fail: &[("does not set ory_kratos_session", "the response sets ory_kratos_session: `ory_kratos_session=<14 chars>; Path=/; Domain=openapp.test")],
        },
        "a session cookie without attributes sets" {
            expect: r#"not_sets = ["ory_kratos_session"]"#, set_cookie: &["ory_kratos_session=SessionValue01"],
            fail: &[("does not set ory_kratos_session", "`ory_kratos_session=<14 chars>`")],
        },
        "clearing lines (Max-Age=0, epoch Expires) do not set" {
            expect: r#"not_sets = ["ory_kratos_session"]"#,
            set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0", "ory_kratos_session=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
            pass: &["does not set ory_kratos_session"],
        },
        "extra clearing lines at another Path or Domain do not set" {
            expect: r#"not_sets = ["ory_kratos_session", "csrf_token_*"]"#,
            set_cookie: &["ory_kratos_session=; Path=/api; Max-Age=0", "ory_kratos_session=; Domain=api.openapp.test; Max-Age=0",
                          "csrf_token_aa11=; Path=/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
            pass: &["does not set ory_kratos_session", "does not set csrf_token_*"],
        },
        "an exact name does not match a longer one" {
            expect: r#"not_sets = ["ory_kratos_session"]"#, set_cookie: &["ory_kratos_session_v2=SessionValue02"],
            pass: &["does not set ory_kratos_session"],
        },
        "prefix*: a matching cookie" {
            expect: r#"not_sets = ["csrf_token_*"]"#, set_cookie: &["csrf_token_9f3a=CsrfValue0001; Path=/"],
            fail: &[("does not set csrf_token_*", "the response sets csrf_token_*: `csrf_token_9f3a=<13 chars>; Path=/`")],
        },
        "prefix*: a name without the prefix's last character" {
            expect: r#"not_sets = ["csrf_token_*"]"#, set_cookie: &["csrf_token=CsrfValue0001"],
            pass: &["does not set csrf_token_*"],
        },
    });
}

const ATTRS: &str = "cookie ory_kratos_session attributes";
/// K4's checks on the session cookie.
const K4: &str = r#"cookie = [{ name = "ory_kratos_session", path = "/", httponly = true, samesite = "as-configured", secure = "as-expected", lifetime = "persistent" }]"#;

/// A `cookie` check on the session cookie with these attributes (an inline-table body).
macro_rules! attrs {
    ($kv:literal) => {
        concat!(r#"cookie = [{ name = "ory_kratos_session", "#, $kv, " }]")
    };
}

#[test]
fn cookie_attributes() {
    run(&rows! {
        "K4 over http" { expect: K4, set_cookie: &[SESSION_SET], pass: &[ATTRS] },
        "K4 over https: Secure is missing" {
            expect: K4, set_cookie: &[SESSION_SET], target: HTTPS,
            fail: &[(ATTRS, "Secure should be present (Kratos public URL is https)")],
        },
        "K4 over https with Secure" {
            expect: K4, target: HTTPS, pass: &[ATTRS],
            set_cookie: &["ory_kratos_session=SessionValue01; Path=/; Max-Age=86399; HttpOnly; Secure; SameSite=Lax"],
        },
        "secure as-expected: Secure over http is wrong" {
            expect: attrs!(r#"secure = "as-expected""#),
            set_cookie: &["ory_kratos_session=SessionValue01; Secure"],
            fail: &[(ATTRS, "Secure should be absent (Kratos public URL is http)")],
        },
        "secure yes over http (literal, whatever the scheme)" {
            expect: attrs!(r#"secure = "yes""#), target: HTTP, pass: &[ATTRS],
            set_cookie: &["ory_kratos_session=SessionValue01; Secure"],
        },
        "secure no over https" {
            expect: attrs!(r#"secure = "no""#), target: HTTPS, set_cookie: &[HOST_SET], pass: &[ATTRS],
        },
        "secure yes without Secure" {
            expect: attrs!(r#"secure = "yes""#), set_cookie: &[HOST_SET],
            fail: &[(ATTRS, "Secure should be present (Kratos public URL is http)")],
        },
        "domain host-only" { expect: attrs!(r#"domain = "host-only""#), set_cookie: &[HOST_SET], pass: &[ATTRS] },
        "domain host-only on a Domain line" {
            expect: attrs!(r#"domain = "host-only""#), set_cookie: &[SESSION_SET],
            fail: &[(ATTRS, "domain should be host-only, is openapp.test")],
        },
        "domain cookie-domain" { expect: attrs!(r#"domain = "cookie-domain""#), set_cookie: &[SESSION_SET], pass: &[ATTRS] },
        "domain cookie-domain: Domain=.OPENAPP.test is it" {
            expect: attrs!(r#"domain = "cookie-domain""#), pass: &[ATTRS],
            set_cookie: &["ory_kratos_session=SessionValue01; Domain=.OPENAPP.test"],
        },
        "domain cookie-domain on a host-only line" {
            expect: attrs!(r#"domain = "cookie-domain""#), set_cookie: &[HOST_SET],
            fail: &[(ATTRS, "domain should be cookie-domain, is host-only")],
        },
        "domain cookie-domain without a cookie domain means host-only (K1)" {
            expect: attrs!(r#"domain = "cookie-domain""#), set_cookie: &[HOST_SET], target: NO_DOMAIN,
            pass: &[ATTRS],
        },
        "domain cookie-domain without a cookie domain: a Domain line is wrong" {
            expect: attrs!(r#"domain = "cookie-domain""#), set_cookie: &[SESSION_SET], target: NO_DOMAIN,
            fail: &[(ATTRS, "domain should be cookie-domain, is openapp.test")],
        },
        "domain literal, with a leading dot" {
            expect: attrs!(r#"domain = ".openapp.test""#), set_cookie: &[SESSION_SET], pass: &[ATTRS],
        },
        "domain literal, another domain" {
            expect: attrs!(r#"domain = "other.test""#), set_cookie: &[SESSION_SET],
            fail: &[(ATTRS, "domain should be other.test, is openapp.test")],
        },
        // Surprising: `cookie-domain` and `@domain` compare case-folded, a literal does not.
        "domain literal in upper case does not match (the parsed domain is lower-cased, the literal is not)" {
            expect: attrs!(r#"domain = "OpenApp.Test""#), set_cookie: &[SESSION_SET],
            fail: &[(ATTRS, "domain should be OpenApp.Test, is openapp.test")],
        },
        "path: another, absent, relative (= default)" {
            expect: r#"cookie = [{ name = "a_cookie", path = "/" }, { name = "b_cookie", path = "/" }, { name = "c_cookie", path = "/" }]"#,
            set_cookie: &["a_cookie=CookieValueA; Path=/api", "b_cookie=CookieValueB", "c_cookie=CookieValueC; Path=api"],
            fail: &[("cookie a_cookie attributes", "Path should be /, is /api"),
                    ("cookie b_cookie attributes", "Path should be /, is absent"),
                    ("cookie c_cookie attributes", "Path should be /, is absent")],
        },
        "httponly true and false" {
            expect: r#"cookie = [{ name = "a_cookie", httponly = true }, { name = "b_cookie", httponly = false }]"#,
            set_cookie: &["a_cookie=CookieValueA", "b_cookie=CookieValueB; httponly"],
            fail: &[("cookie a_cookie attributes", "HttpOnly should be present"),
                    ("cookie b_cookie attributes", "HttpOnly should be absent")],
        },
        "samesite as-configured is case-insensitive" {
            expect: attrs!(r#"samesite = "as-configured""#), target: STRICT, pass: &[ATTRS],
            set_cookie: &["ory_kratos_session=SessionValue01; SameSite=strict"],
        },
        "samesite as-configured Strict on a Lax line" {
            expect: attrs!(r#"samesite = "as-configured""#), target: STRICT, set_cookie: &[SESSION_SET],
            fail: &[(ATTRS, "SameSite should be Strict, is Lax")],
        },
        "samesite literal, any case" {
            expect: attrs!(r#"samesite = "lax""#), set_cookie: &[SESSION_SET], pass: &[ATTRS],
        },
        "samesite literal on a line without SameSite" {
            expect: attrs!(r#"samesite = "None""#), set_cookie: &[HOST_SET],
            fail: &[(ATTRS, "SameSite should be None, is absent")],
        },
        "lifetime persistent (Max-Age, future Expires) and session" {
            expect: r#"cookie = [{ name = "a_cookie", lifetime = "persistent" }, { name = "b_cookie", lifetime = "persistent" }, { name = "c_cookie", lifetime = "session" }]"#,
            set_cookie: &["a_cookie=CookieValueA; Max-Age=60", "b_cookie=CookieValueB; Expires=Tue, 01 Dec 2026 09:29:15 GMT", "c_cookie=CookieValueC"],
            pass: &["cookie a_cookie attributes", "cookie b_cookie attributes", "cookie c_cookie attributes"],
        },
        "lifetime wrong both ways" {
            expect: r#"cookie = [{ name = "a_cookie", lifetime = "persistent" }, { name = "b_cookie", lifetime = "session" }]"#,
            set_cookie: &["a_cookie=CookieValueA", "b_cookie=CookieValueB; Max-Age=60"],
            fail: &[("cookie a_cookie attributes", "lifetime should be persistent, is session"),
                    ("cookie b_cookie attributes", "lifetime should be session, is persistent")],
        },
        "lifetime expired: each line of the name is checked, clearing or not" {
            expect: attrs!(r#"lifetime = "expired""#),
            set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0", SESSION_SET],
            pass: &[ATTRS], fail: &[(ATTRS, "lifetime should be expired, is persistent")],
        },
        "lifetime expired with no line of that name fails (it used to vanish from the report)" {
            expect: attrs!(r#"lifetime = "expired""#), set_cookie: &["other=OtherValue1"],
            fail: &[(ATTRS, "no Set-Cookie line clears ory_kratos_session at Path=/, host-only or Domain=openapp.test")],
        },
        "lifetime expired: extra clearing lines (another Path, another Domain, no Path) are not checked" {
            expect: attrs!(r#"lifetime = "expired", path = "/", httponly = true"#),
            set_cookie: &["ory_kratos_session=; Path=/api; Max-Age=0",
                          "ory_kratos_session=; Path=/; Domain=api.openapp.test; Max-Age=0",
                          "ory_kratos_session=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                          "ory_kratos_session=; Path=/; Max-Age=0; HttpOnly",
                          "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0; HttpOnly"],
            pass: &[ATTRS, ATTRS],
        },
        "lifetime expired: only extra clearing lines, none where the contract's cookie is" {
            expect: attrs!(r#"lifetime = "expired""#),
            set_cookie: &["ory_kratos_session=; Path=/api/v1; Max-Age=0",
                          "ory_kratos_session=; Path=/api/v1; Domain=openapp.test; Max-Age=0"],
            fail: &[(ATTRS, "no Set-Cookie line clears ory_kratos_session at Path=/, host-only or Domain=openapp.test; the response had `ory_kratos_session=<0 chars>; Path=/api/v1; Max-Age=0`")],
        },
        "lifetime expired without a cookie domain: a Domain= clearing line is extra" {
            expect: attrs!(r#"lifetime = "expired", httponly = true"#), target: NO_DOMAIN,
            set_cookie: &["ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0",
                          "ory_kratos_session=; Path=/; Max-Age=0; HttpOnly"],
            pass: &[ATTRS],
        },
        "lifetime expired: a line setting the cookie at another Path is no extra clearing line" {
            expect: attrs!(r#"lifetime = "expired""#),
            set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0", "ory_kratos_session=SessionValue01; Path=/api; Max-Age=60"],
            pass: &[ATTRS], fail: &[(ATTRS, "lifetime should be expired, is persistent")],
        },
        "no line sets the cookie" {
            expect: K4, set_cookie: &["ory_kratos_session=; Path=/; Max-Age=0"],
            fail: &[(ATTRS, "no Set-Cookie line sets ory_kratos_session")],
        },
        "several problems in one failure" {
            expect: attrs!(r#"path = "/", httponly = true, secure = "yes""#),
            set_cookie: &["ory_kratos_session=SessionValue01; Path=/x"],
            fail: &[(ATTRS, "`ory_kratos_session=<14 chars>; Path=/x`: Path should be /, is /x; HttpOnly should be present; Secure should be present")],
        },
        "a prefix* name checks every line it matches" {
            expect: r#"cookie = [{ name = "csrf_token_*", httponly = true }]"#,
            set_cookie: &["csrf_token_aa11=CsrfValueAA11; HttpOnly", "csrf_token_bb22=CsrfValueBB22"],
            pass: &["cookie csrf_token_aa11 attributes"],
            fail: &[("cookie csrf_token_bb22 attributes", "`csrf_token_bb22=<13 chars>`: HttpOnly should be present")],
        },
        "both variants set: one result per line, under the same name" {
            expect: attrs!(r#"domain = "cookie-domain""#), set_cookie: &[HOST_SET, SESSION_SET],
            pass: &[ATTRS], fail: &[(ATTRS, "domain should be cookie-domain, is host-only")],
        },
    });
}

#[test]
fn jar() {
    run(&rows! {
        "jar_has exact and prefix*" {
            expect: r#"jar_has = ["ory_kratos_session", "csrf_token_*"]"#,
            jar: &["csrf_token_aa11", "ory_kratos_session"],
            pass: &["jar holds ory_kratos_session", "jar holds csrf_token_*"],
        },
        "jar_has: missing, the jar's names are listed" {
            expect: r#"jar_has = ["ory_kratos_session", "csrf_token_*"]"#, jar: &["ory_kratos_session_v2"],
            fail: &[("jar holds ory_kratos_session", r#"the jar holds no ory_kratos_session; it holds ["ory_kratos_session_v2"]"#),
                    ("jar holds csrf_token_*", "the jar holds no csrf_token_*")],
        },
        "jar_lacks: absent, exact names do not match longer ones" {
            expect: r#"jar_lacks = ["ory_kratos_session", "csrf_token_*"]"#, jar: &["ory_kratos_session_v2", "csrf_token"],
            pass: &["jar lacks ory_kratos_session", "jar lacks csrf_token_*"],
        },
        "jar_lacks: still held (R12)" {
            expect: r#"jar_lacks = ["ory_kratos_session", "csrf_token_*"]"#,
            jar: &["ory_kratos_session", "csrf_token_aa11", "csrf_token_bb22"],
            fail: &[("jar lacks ory_kratos_session", r#"the jar still holds ["ory_kratos_session"] after the response"#),
                    ("jar lacks csrf_token_*", r#"the jar still holds ["csrf_token_aa11", "csrf_token_bb22"]"#)],
        },
    });
}
