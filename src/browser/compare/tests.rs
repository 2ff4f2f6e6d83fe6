//! Fake jars, one per compared attribute: each makes [`compare`] report exactly the expected
//! difference, classified, with both jars shown side by side.

use std::slice::from_ref;

use super::view::normalise_same_site;
use super::*;

/// When every line of these tests was delivered.
const T0: f64 = 1_780_000_000.0;
const DAY: f64 = 86_400.0;
const SECRET: &str = "s3cr3t-session-value";

fn url(s: &str) -> Url {
    Url::parse(s).expect("a test URL")
}

fn delivered(line: &str, at: &str) -> Delivered {
    Delivered {
        line: line.to_owned(),
        url: url(at),
        at: T0,
    }
}

/// A host-only session cookie of `openapp.test` at `/`, no flags.
fn cookie(name: &str, value: &str) -> CookieView {
    CookieView::from_browser(&BrowserCookie {
        name,
        value,
        domain: "openapp.test",
        path: "/",
        secure: false,
        http_only: false,
        same_site: None,
        session: true,
        expires: -1.0,
    })
}

fn session() -> CookieView {
    cookie("ory_kratos_session", SECRET)
}

/// The one difference `compare` finds, after checking that `side_by_side` shows every cookie
/// of both jars, marks the row, and never shows a value or a whole hash.
fn only_difference(ours: &[CookieView], theirs: &[CookieView], lines: &[Delivered]) -> Difference {
    let mut found = compare(ours, theirs, lines);
    let table = side_by_side(ours, theirs);
    println!("{table}");
    assert_eq!(found.len(), 1, "{found:#?}\n{table}");
    for c in ours.iter().chain(theirs) {
        assert!(table.contains(&c.cell()), "{table}");
        assert!(!table.contains(&c.value_hash), "{table}");
    }
    assert!(table.starts_with("  the jar"), "{table}");
    assert!(table.contains("| chromium"), "{table}");
    assert!(table.lines().any(|l| l.starts_with('!')), "{table}");
    assert!(
        !table.contains(SECRET) && !table.contains("other-value"),
        "{table}"
    );
    let debug = format!("{lines:?}");
    assert!(!debug.contains("=abc"), "{debug}");
    let difference = found.remove(0);
    assert!(!difference.to_string().contains(SECRET), "{difference}");
    difference
}

/// [`only_difference`], which must be an engine difference on `attribute`.
fn engine(
    ours: &[CookieView],
    theirs: &[CookieView],
    lines: &[Delivered],
    attribute: Attribute,
) -> Difference {
    let difference = only_difference(ours, theirs, lines);
    assert_eq!(difference.kind, Kind::EngineDifference, "{difference}");
    assert_eq!(difference.attribute, attribute, "{difference}");
    difference
}

/// [`only_difference`], which must be browser policy for `reason`; its one-line description.
fn policy(
    ours: &[CookieView],
    theirs: &[CookieView],
    lines: &[Delivered],
    reason: &'static str,
) -> String {
    let difference = only_difference(ours, theirs, lines);
    assert_eq!(
        difference.kind,
        Kind::BrowserPolicy { reason },
        "{difference}"
    );
    difference.to_string()
}

#[test]
fn identical_jars_show_no_difference() {
    let jar = [session(), cookie("csrf_token_abc", "other-value")];
    assert_eq!(compare(&jar, &jar, &[]), []);
    let table = side_by_side(&jar, &jar);
    assert!(!table.lines().any(|l| l.starts_with('!')), "{table}");
    assert_eq!(table.lines().count(), 3, "{table}");
}

#[test]
fn a_jar_that_keeps_a_cleared_cookie_fails() {
    let lines = [
        delivered(
            "ory_kratos_session=abc; Path=/",
            "https://openapp.test/self-service/login",
        ),
        delivered(
            "ory_kratos_session=; Path=/; Max-Age=0",
            "https://openapp.test/auth/logout",
        ),
    ];
    let d = engine(&[session()], &[], &lines, Attribute::Presence);
    assert_eq!(
        d.to_string(),
        "ory_kratos_session: the jar keeps it, chromium cleared it"
    );
}

#[test]
fn a_jar_that_ignores_domain_fails() {
    let line = "ory_kratos_session=abc; Path=/; Domain=openapp.test";
    let ours = CookieView {
        domain: "app.openapp.test".into(),
        ..session()
    };
    let theirs = CookieView {
        host_only: false,
        ..session()
    };
    let lines = [delivered(line, "https://app.openapp.test/login")];
    let d = engine(&[ours], from_ref(&theirs), &lines, Attribute::Domain);
    assert_eq!(
        d.to_string(),
        "ory_kratos_session: domain is host-only app.openapp.test in the jar, \
         domain openapp.test in chromium"
    );
    // Set from the domain itself: the same domain, host-only in the jar only.
    let lines = [delivered(line, "https://openapp.test/login")];
    engine(&[session()], &[theirs], &lines, Attribute::Domain);
}

#[test]
fn a_jar_that_ignores_path_fails() {
    let theirs = CookieView {
        path: "/auth".into(),
        ..session()
    };
    let lines = [delivered(
        "ory_kratos_session=abc; Path=/auth",
        "https://openapp.test/login",
    )];
    let d = engine(&[session()], &[theirs], &lines, Attribute::Path);
    assert_eq!(
        d.to_string(),
        "ory_kratos_session: path is / in the jar, /auth in chromium"
    );
}

#[test]
fn a_jar_that_drops_http_only_fails() {
    let theirs = CookieView {
        http_only: true,
        ..session()
    };
    let d = engine(&[session()], &[theirs], &[], Attribute::HttpOnly);
    assert_eq!(
        d.to_string(),
        "ory_kratos_session: httponly is absent in the jar, set in chromium"
    );
}

#[test]
fn a_jar_that_drops_secure_over_https_fails() {
    let theirs = CookieView {
        secure: true,
        ..session()
    };
    let lines = [delivered(
        "ory_kratos_session=abc; Path=/; Secure",
        "https://openapp.test/",
    )];
    engine(&[session()], &[theirs], &lines, Attribute::Secure);
}

#[test]
fn a_jar_that_misreads_an_expiry_form_fails() {
    let at = |expires| CookieView {
        expires,
        ..session()
    };
    let persistent = at(Some(T0 + DAY));
    let d = engine(&[at(None)], from_ref(&persistent), &[], Attribute::Lifetime);
    assert_eq!(
        d.to_string(),
        "ory_kratos_session: session or persistent is session in the jar, \
         until 2026-05-29T20:26:40Z in chromium"
    );
    engine(
        &[at(Some(T0 + DAY + 2.5))],
        from_ref(&persistent),
        &[],
        Attribute::Expiry,
    );
    engine(
        &[at(Some(T0 + DAY - 60.0))],
        from_ref(&persistent),
        &[],
        Attribute::Expiry,
    );
    // Within 2 s is the same expiry.
    assert_eq!(
        compare(&[at(Some(T0 + DAY + 1.9))], from_ref(&persistent), &[]),
        []
    );
    assert_eq!(compare(&[at(Some(T0 + DAY - 2.0))], &[persistent], &[]), []);
}

#[test]
fn a_different_same_site_fails() {
    let with = |s: &str| CookieView {
        same_site: normalise_same_site(s),
        ..session()
    };
    let d = engine(&[session()], &[with("lax")], &[], Attribute::SameSite);
    assert_eq!(
        d.to_string(),
        "ory_kratos_session: samesite is unspecified in the jar, Lax in chromium"
    );
    engine(&[with("Strict")], &[with("LAX")], &[], Attribute::SameSite);
    assert_eq!(compare(&[with("none")], &[with("None")], &[]), []);
}

#[test]
fn a_different_value_fails_by_hash() {
    let theirs = cookie("ory_kratos_session", "other-value");
    let d = engine(&[session()], from_ref(&theirs), &[], Attribute::Value);
    assert_eq!(d.ours, format!("#{}", &session().value_hash[..8]));
    assert_eq!(d.theirs, format!("#{}", &theirs.value_hash[..8]));
}

#[test]
fn a_cookie_only_one_side_holds_fails() {
    let csrf = cookie("csrf_token_abc", "other-value");
    let d = engine(
        &[session()],
        &[session(), csrf.clone()],
        &[],
        Attribute::Presence,
    );
    assert_eq!(
        d.to_string(),
        "csrf_token_abc: the jar does not hold it, chromium keeps it"
    );
    let d = engine(&[session(), csrf], &[session()], &[], Attribute::Presence);
    assert_eq!(
        d.to_string(),
        "csrf_token_abc: the jar keeps it, chromium does not hold it"
    );
}

#[test]
fn the_cookie_header_compares_names_in_any_order() {
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let ours = names(&["ory_kratos_session", "csrf_token_abc"]);
    assert_eq!(
        compare_sent(&ours, &names(&["csrf_token_abc", "ory_kratos_session"])),
        None
    );
    assert_eq!(compare_sent(&[], &[]), None);
    let d =
        compare_sent(&ours, &names(&["csrf_token_abc", "csrf_token_def"])).expect("a name differs");
    assert_eq!(d.kind, Kind::EngineDifference);
    assert_eq!(d.attribute, Attribute::CookieHeader);
    assert_eq!(
        d.to_string(),
        "cookie header: the jar sends csrf_token_abc, ory_kratos_session, \
         chromium would send csrf_token_abc, csrf_token_def"
    );
    let d = compare_sent(&names(&["a"]), &[]).expect("chromium sends nothing");
    assert_eq!(d.theirs, "nothing");
}

#[test]
fn a_secure_cookie_set_over_http_is_browser_policy() {
    let ours = CookieView {
        secure: true,
        ..session()
    };
    let lines = [delivered(
        "ory_kratos_session=abc; Path=/; Secure",
        "http://openapp.test/login",
    )];
    let shown = policy(&[ours], &[], &lines, "Secure cookie set over http");
    assert_eq!(
        shown,
        "ory_kratos_session: the jar keeps it, chromium dropped it \
         (browser policy, R20: Secure cookie set over http)"
    );
}

#[test]
fn same_site_none_without_secure_is_browser_policy() {
    let ours = CookieView {
        same_site: Some("None".into()),
        ..session()
    };
    let line = "ory_kratos_session=abc; Path=/; SameSite=none";
    let lines = [delivered(line, "https://openapp.test/login")];
    policy(&[ours], &[], &lines, "SameSite=None without Secure");
}

#[test]
fn an_expiry_beyond_400_days_capped_is_browser_policy() {
    let at = |expires: f64| CookieView {
        expires: Some(expires),
        ..session()
    };
    let ours = [at(T0 + 1000.0 * DAY)];
    let line = format!("ory_kratos_session=abc; Path=/; Max-Age={}", 1000 * 86_400);
    let lines = [delivered(&line, "https://openapp.test/login")];
    let shown = policy(
        &ours,
        &[at(T0 + 400.0 * DAY + 1.0)],
        &lines,
        "expiry capped at 400 days",
    );
    assert!(
        shown.ends_with("(browser policy, R20: expiry capped at 400 days)"),
        "{shown}"
    );
    // The Expires form is capped the same way.
    let line = "ory_kratos_session=abc; Path=/; Expires=Sat, 01 Jan 2050 00:00:00 GMT";
    let lines = [delivered(line, "https://openapp.test/login")];
    policy(
        &[at(2_524_608_000.0)],
        &[at(T0 + 400.0 * DAY)],
        &lines,
        "expiry capped at 400 days",
    );
    // Not capped at 400 days from the delivery, or our jar not keeping what was asked: ours.
    let lines = [delivered(
        &format!("ory_kratos_session=abc; Max-Age={}", 1000 * 86_400),
        "https://openapp.test/",
    )];
    engine(&ours, &[at(T0 + 300.0 * DAY)], &lines, Attribute::Expiry);
    engine(
        &[at(T0 + 900.0 * DAY)],
        &[at(T0 + 400.0 * DAY)],
        &lines,
        Attribute::Expiry,
    );
}

#[test]
fn the_jar_and_the_browser_read_the_same_cookie_alike() {
    let line =
        "sid=abc; Domain=.OpenApp.test; Path=/auth; Secure; HttpOnly; SameSite=Lax; Max-Age=3600";
    let from = url("https://app.openapp.test/auth/login");
    let jar = CookieView::from_jar(&cookie_store::Cookie::parse(line, &from).expect("a cookie"));
    let now = Delivered::new(line, from).at;
    let browser = CookieView::from_browser(&BrowserCookie {
        name: "sid",
        value: "abc",
        domain: ".openapp.test",
        path: "/auth",
        secure: true,
        http_only: true,
        same_site: Some("Lax"),
        session: false,
        expires: now + 3600.0,
    });
    assert_eq!(compare(from_ref(&jar), from_ref(&browser), &[]), []);
    assert_eq!(
        (jar.domain.as_str(), jar.host_only),
        ("openapp.test", false)
    );
    assert_eq!(jar.value_hash, browser.value_hash);
    assert_eq!(jar.value_hash.len(), 64);
    let host_only =
        cookie_store::Cookie::parse("a=b", &url("http://Openapp.test/x/y")).expect("a cookie");
    let host_only = CookieView::from_jar(&host_only);
    assert_eq!(
        (host_only.domain.as_str(), host_only.path.as_str()),
        ("openapp.test", "/x")
    );
    assert!(host_only.host_only && host_only.expires.is_none() && host_only.same_site.is_none());
}
