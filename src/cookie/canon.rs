//! The canonical one-line form of a `Set-Cookie` line that snapshots and assertions compare:
//! equal for every spelling RFC 6265 treats as equivalent, different as soon as a browser would
//! store something else.

use super::parse::{Lifetime, SetCookie};
use super::pattern::name_matches;

/// What the target is configured to issue, so the canonical form can say "as configured"
/// instead of spelling out values that differ between targets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CanonContext {
    /// The configured cookie domain (`Domain=` value); shown as `[cookie-domain]`.
    pub cookie_domain: Option<String>,
    /// Whether cookies are expected to carry `Secure` (Kratos outside `--dev`).
    pub secure_expected: bool,
    /// The configured `SameSite` value, e.g. `Lax`; empty when nothing is configured.
    pub same_site: String,
    /// The CSRF cookie name this target's Kratos issues (a `*` suffix makes it a prefix
    /// pattern, see [`name_matches`]); shown as `[csrf-name]`.
    pub csrf_name: Option<String>,
}

/// The canonical form of `c` at `now_unix`.
///
/// A line that sets a cookie gives
/// `NAME; domain=D|host-only; path=P|[default]; secure=…; httponly=yes|no; samesite=…|unset; lifetime=persistent|session`,
/// a clearing line only `NAME; domain=…; path=…; lifetime=expired` (the other attributes do
/// not matter to a deletion). `secure=as-expected` and `samesite=as-configured` appear when the
/// line matches `ctx`; otherwise the actual value is shown.
pub fn canonical(c: &SetCookie, ctx: &CanonContext, now_unix: i64) -> String {
    let name = match &ctx.csrf_name {
        Some(pattern) if name_matches(pattern, &c.name) => "[csrf-name]",
        _ => &c.name,
    };
    let domain = match &c.domain {
        None => "host-only",
        Some(domain)
            if ctx
                .cookie_domain
                .as_deref()
                .is_some_and(|d| same_domain(d, domain)) =>
        {
            "[cookie-domain]"
        }
        Some(domain) => domain,
    };
    let path = c.path.as_deref().unwrap_or("[default]");
    let lifetime = match c.lifetime(now_unix) {
        Lifetime::Expired => {
            return format!("{name}; domain={domain}; path={path}; lifetime=expired");
        }
        Lifetime::Persistent => "persistent",
        Lifetime::Session => "session",
    };
    let secure = match c.secure {
        actual if actual == ctx.secure_expected => "as-expected",
        true => "yes",
        false => "no",
    };
    let http_only = if c.http_only { "yes" } else { "no" };
    let same_site = same_site(c.same_site.as_deref(), &ctx.same_site);
    format!(
        "{name}; domain={domain}; path={path}; secure={secure}; httponly={http_only}; samesite={same_site}; lifetime={lifetime}"
    )
}

/// The cookies the contract names (a `*` suffix is a prefix pattern, see [`name_matches`]).
pub const CONTRACT_COOKIES: &[&str] = &["ory_kratos_session", "csrf_token_*"];

/// The `Path` of the contract's cookies.
pub const CONTRACT_PATH: &str = "/";

/// Whether `c` is a clearing line (expired at `now_unix`) that cannot delete a cookie of the
/// contract as the contract places it: a cookie the contract does not name, or one of its
/// names at another `Path` than `/` (an absent `Path` included: its default is the request's
/// directory) or another `Domain` than host-only or `cookie_domain`. A browser holds no such
/// cookie the contract's own lines would leave, so the line is harmless: no check fails on it
/// and snapshots leave it out (the transcript still shows it). A line that *sets* a cookie is
/// never extra.
pub fn is_extra_clearing(c: &SetCookie, cookie_domain: Option<&str>, now_unix: i64) -> bool {
    if c.lifetime(now_unix) != Lifetime::Expired {
        return false;
    }
    let named = CONTRACT_COOKIES.iter().any(|p| name_matches(p, &c.name));
    let at_path = c.path.as_deref() == Some(CONTRACT_PATH);
    let in_domain = match &c.domain {
        None => true,
        Some(domain) => cookie_domain.is_some_and(|d| same_domain(d, domain)),
    };
    !(named && at_path && in_domain)
}

/// Compares a configured domain (which may be written with a leading dot or in any case)
/// with a parsed one.
fn same_domain(configured: &str, parsed: &str) -> bool {
    configured
        .strip_prefix('.')
        .unwrap_or(configured)
        .eq_ignore_ascii_case(parsed)
}

/// `as-configured`, `unset`, the recognised value in one spelling, or
/// `unrecognized(<as written>)` (which browsers treat like `unset`, but a snapshot should show).
fn same_site(actual: Option<&str>, configured: &str) -> String {
    let Some(actual) = actual else {
        return "unset".to_owned();
    };
    if !configured.is_empty() && actual.eq_ignore_ascii_case(configured) {
        return "as-configured".to_owned();
    }
    ["Strict", "Lax", "None"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(actual))
        .map_or_else(|| format!("unrecognized({actual})"), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::parse_set_cookie;

    const NOW: i64 = 1_764_581_355; // 2025-12-01, before the 2026 expiry used below.

    fn ctx() -> CanonContext {
        CanonContext {
            cookie_domain: Some("openapp.test".into()),
            secure_expected: false,
            same_site: "Lax".into(),
            csrf_name: Some("csrf_token_2383528f".into()),
        }
    }

    fn canon(line: &str) -> String {
        canonical(
            &parse_set_cookie(line).unwrap_or_else(|e| panic!("{line}: {e}")),
            &ctx(),
            NOW,
        )
    }

    fn assert_all_equal(lines: &[&str]) {
        let first = canon(lines[0]);
        for line in &lines[1..] {
            assert_eq!(
                canon(line),
                first,
                "{line}\nis not equivalent to\n{}",
                lines[0]
            );
        }
    }

    #[test]
    fn renders_a_kratos_login_cookie() {
        assert_eq!(
            canon(
                "ory_kratos_session=abc; Path=/; Domain=openapp.test; Expires=Tue, 01 Dec 2026 09:29:15 GMT; Max-Age=86399; HttpOnly; SameSite=Lax"
            ),
            "ory_kratos_session; domain=[cookie-domain]; path=/; secure=as-expected; httponly=yes; samesite=as-configured; lifetime=persistent"
        );
        assert_eq!(
            canon("csrf_token_2383528f=x; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"),
            "[csrf-name]; domain=host-only; path=/; secure=as-expected; httponly=yes; samesite=as-configured; lifetime=persistent"
        );
    }

    #[test]
    fn renders_clearing_lines_briefly() {
        assert_eq!(
            canon(
                "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0; HttpOnly; SameSite=Lax"
            ),
            "ory_kratos_session; domain=[cookie-domain]; path=/; lifetime=expired"
        );
        assert_eq!(
            canon("ory_kratos_session=; Max-Age=0"),
            "ory_kratos_session; domain=host-only; path=[default]; lifetime=expired"
        );
    }

    #[test]
    fn shows_values_that_differ_from_the_context() {
        assert_eq!(
            canon("s=v; Domain=other.test; Path=/a; Secure; SameSite=strict"),
            "s; domain=other.test; path=/a; secure=yes; httponly=no; samesite=Strict; lifetime=session"
        );
        assert_eq!(
            canon("s=v; SameSite=Lx"),
            "s; domain=host-only; path=[default]; secure=as-expected; httponly=no; samesite=unrecognized(Lx); lifetime=session"
        );
        let strict = CanonContext {
            secure_expected: true,
            ..ctx()
        };
        let c = parse_set_cookie("s=v; Path=/").unwrap_or_else(|e| panic!("{e}"));
        assert!(canonical(&c, &strict, NOW).contains("secure=no;"));
        let no_config = CanonContext::default();
        assert!(canonical(&c, &no_config, NOW).contains("samesite=unset;"));
    }

    #[test]
    fn equivalent_setting_lines_are_equal() {
        assert_all_equal(&[
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax",
            // attribute order
            "ory_kratos_session=abc; HttpOnly; SameSite=Lax; Max-Age=86399; Domain=openapp.test; Path=/",
            // attribute-name case and whitespace
            "ory_kratos_session = abc ;path=/;DOMAIN=openapp.test;max-age=86399;httponly;samesite=Lax",
            // leading dot and upper-case domain
            "ory_kratos_session=abc; Path=/; Domain=.OpenApp.Test; Max-Age=86399; HttpOnly; SameSite=Lax",
            // SameSite value case
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=lax",
            // a different value and lifetime spelled with Expires
            "ory_kratos_session=zzzzzz; Path=/; Domain=openapp.test; Expires=Tue, 01 Dec 2026 09:29:15 GMT; HttpOnly; SameSite=Lax",
            // overridden attributes (last wins)
            "ory_kratos_session=abc; Path=/x; Path=/; Domain=openapp.test; Max-Age=0; Max-Age=5; HttpOnly; SameSite=Strict; SameSite=Lax",
            // unknown attributes and an invalid Expires are ignored
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax; Priority=High; Expires=never",
        ]);
    }

    #[test]
    fn equivalent_clearing_lines_are_equal() {
        assert_all_equal(&[
            "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0",
            "ory_kratos_session=deleted; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "ory_kratos_session=deleted; path=/; domain=.openapp.test; expires=Thursday, 01-Jan-1970 00:00:01 GMT",
            "ory_kratos_session=xyz; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; SameSite=Lax",
            "ory_kratos_session=; Max-Age=-1; Secure; Domain=OPENAPP.TEST; Path=/",
            "ory_kratos_session=; Path=/; Domain=openapp.test; Expires=Tue, 01 Dec 2026 09:29:15 GMT; Max-Age=0",
            "ory_kratos_session=; Path=/; Domain=openapp.test; Expires=Thu Jan  1 00:00:00 1970",
        ]);
    }

    #[test]
    fn non_equivalent_lines_differ() {
        let base = "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax";
        let others = [
            "ory_kratos_session=abc; Path=/api; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax",
            "ory_kratos_session=abc; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax",
            "ory_kratos_session=abc; Path=/; Domain=auth.openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax",
            "ory_kratos_session=abc; Path=/; Max-Age=86399; HttpOnly; SameSite=Lax",
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; SameSite=Lax",
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Strict",
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly",
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax; Secure",
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; HttpOnly; SameSite=Lax",
            "ory_kratos_session=abc; Path=/; Domain=openapp.test; Max-Age=0; HttpOnly; SameSite=Lax",
            "other_session=abc; Path=/; Domain=openapp.test; Max-Age=86399; HttpOnly; SameSite=Lax",
        ];
        let expected = canon(base);
        for line in others {
            assert_ne!(canon(line), expected, "{line}");
        }
        let clear = "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0";
        let not_clearing = [
            "ory_kratos_session=; Path=/; Domain=openapp.test; Expires=Tue, 01 Dec 2026 09:29:15 GMT",
            "ory_kratos_session=; Path=/; Domain=openapp.test",
            "ory_kratos_session=; Path=/; Max-Age=0",
            "ory_kratos_session=; Path=/x; Domain=openapp.test; Max-Age=0",
            "ory_kratos_session=; Domain=openapp.test; Max-Age=0",
        ];
        for line in not_clearing {
            assert_ne!(canon(line), canon(clear), "{line}");
        }
    }

    #[test]
    fn csrf_name_may_be_a_prefix_pattern() {
        let ctx = CanonContext {
            csrf_name: Some("csrf_token_*".into()),
            ..ctx()
        };
        let c = parse_set_cookie("csrf_token_abc=v; Max-Age=0").unwrap_or_else(|e| panic!("{e}"));
        assert!(canonical(&c, &ctx, NOW).starts_with("[csrf-name];"));
        let c = parse_set_cookie("csrf_other=v; Max-Age=0").unwrap_or_else(|e| panic!("{e}"));
        assert!(canonical(&c, &ctx, NOW).starts_with("csrf_other;"));
    }

    /// Clearing lines outside the contract's Path and Domains are extra; setting lines and the
    /// contract's own clearing lines (any spelling) are not.
    #[test]
    fn extra_clearing_lines() {
        let extra = |line: &str, domain: Option<&str>| {
            is_extra_clearing(
                &parse_set_cookie(line).unwrap_or_else(|e| panic!("{e}")),
                domain,
                NOW,
            )
        };
        let d = Some("openapp.test");
        for line in [
            "ory_kratos_session=; Path=/; Max-Age=0",
            "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0",
            "ory_kratos_session=deleted; path=/; domain=.OpenApp.Test; expires=Thu, 01-Jan-1970 00:00:00 GMT",
            "csrf_token_ab=; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        ] {
            assert!(!extra(line, d), "{line}");
        }
        for line in [
            "openapp_pref=; Path=/; Max-Age=0",
            "ory_kratos_session=; Path=/api; Max-Age=0",
            "ory_kratos_session=; Max-Age=0",
            "ory_kratos_session=; Path=/; Domain=api.openapp.test; Max-Age=0",
            "csrf_token_ab=; Path=/api/v1; Domain=openapp.test; Max-Age=0",
        ] {
            assert!(extra(line, d), "{line}");
        }
        // Without a cookie domain every Domain= line is another domain.
        assert!(extra(
            "ory_kratos_session=; Path=/; Domain=openapp.test; Max-Age=0",
            None
        ));
        // Setting lines are never extra, wherever they are.
        for line in [
            "ory_kratos_session=v; Path=/api; Max-Age=60",
            "ory_kratos_session=v; Domain=other.test",
            "openapp_pref=compact; Path=/",
        ] {
            assert!(!extra(line, d), "{line}");
        }
    }

    #[test]
    fn configured_domain_may_have_a_leading_dot() {
        let ctx = CanonContext {
            cookie_domain: Some(".OpenApp.test".into()),
            ..ctx()
        };
        let c = parse_set_cookie("a=v; Domain=openapp.test; Max-Age=0")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            canonical(&c, &ctx, NOW),
            "a; domain=[cookie-domain]; path=[default]; lifetime=expired"
        );
    }
}
