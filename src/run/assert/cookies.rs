//! Cookie expectations: `sets`, `clears`, `not_sets`, attribute checks on the line that sets a
//! cookie, and the jar's state after the response. Texts name cookies, attributes and value
//! lengths, never values.

use super::input::Checks;
use crate::cite::Subject;
use crate::cookie::{
    CONTRACT_PATH, Lifetime, SetCookie, is_extra_clearing, name_matches, parse_set_cookie,
};
use crate::plan::model::{CookieCheck, Expectations};

/// Which variant of a cookie a `NAME@variant` reference means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Any,
    Host,
    Domain,
}

/// What a `sets` (or, `clearing`, a `clears`) check of `name` is about.
fn subject(clearing: bool, name: &str) -> Subject<'_> {
    if clearing {
        Subject::Clears(name)
    } else {
        Subject::Sets(name)
    }
}

fn split_ref(r: &str) -> (&str, Variant) {
    match r.rsplit_once('@') {
        Some((n, "host")) => (n, Variant::Host),
        Some((n, "domain")) => (n, Variant::Domain),
        _ => (r, Variant::Any),
    }
}

fn variant_matches(line: &SetCookie, v: Variant, cookie_domain: Option<&str>) -> bool {
    match v {
        Variant::Any => true,
        Variant::Host => line.domain.is_none(),
        Variant::Domain => line.domain.is_some() && line.domain.as_deref() == cookie_domain,
    }
}

fn variant_text(v: Variant, cookie_domain: Option<&str>) -> String {
    match v {
        Variant::Any => String::new(),
        Variant::Host => " (host-only)".into(),
        Variant::Domain => format!(" (Domain={})", cookie_domain.unwrap_or("?")),
    }
}

/// The one line of the response nearest to the line a `sets`/`clears` check of `name` wanted,
/// and how it differs (the transcript above shows every line): a line of that name that
/// differs in the fewest of variant and lifetime, else what the response had instead.
fn nearest(
    lines: &[SetCookie],
    name: &str,
    variant: Variant,
    clearing: bool,
    domain: Option<&str>,
    now: i64,
) -> String {
    let differences = |l: &SetCookie| {
        let mut why = Vec::new();
        if !variant_matches(l, variant, domain) {
            why.push(match &l.domain {
                None => "it is host-only".to_string(),
                Some(d) if variant == Variant::Host => format!("it has Domain={d}"),
                Some(d) => format!("its Domain is {d}"),
            });
        }
        let expired = l.lifetime(now) == Lifetime::Expired;
        if expired != clearing {
            why.push(if clearing {
                "it does not expire the cookie".to_string()
            } else {
                "it clears the cookie".to_string()
            });
        }
        why
    };
    let best = lines
        .iter()
        .filter(|l| name_matches(name, &l.name))
        .map(|l| (differences(l), l))
        .min_by_key(|(why, _)| why.len());
    match best {
        Some((why, line)) => format!("nearest line: `{}` ({})", line.redacted(), why.join(", ")),
        None if lines.is_empty() => "the response had no Set-Cookie line".to_string(),
        None => {
            let mut names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
            names.dedup();
            format!(
                "the response had no line for {name}, only for {}",
                names.join(", ")
            )
        }
    }
}

pub(super) fn cookie_checks(c: &mut Checks<'_>, expect: &Expectations) {
    let input = c.input;
    let reads_lines = !(expect.sets.is_empty()
        && expect.clears.is_empty()
        && expect.not_sets.is_empty()
        && expect.cookie.is_empty());
    let lines: Vec<SetCookie> = if reads_lines {
        input
            .response
            .set_cookies
            .iter()
            .filter_map(|l| parse_set_cookie(l).ok())
            .collect()
    } else {
        Vec::new()
    };
    let domain = input.endpoints.cookie_domain.as_deref();
    for (clearing, refs) in [(false, &expect.sets), (true, &expect.clears)] {
        for r in refs {
            let (pattern, variant) = split_ref(r);
            let verb = if clearing { "clears" } else { "sets" };
            // A clearing pattern covers every matching cookie the request carried (R11).
            let names: Vec<String> = if clearing && pattern.ends_with('*') {
                let mut sent: Vec<String> = input
                    .exchange
                    .sent_cookie_names()
                    .into_iter()
                    .filter(|n| name_matches(pattern, n))
                    .map(String::from)
                    .collect();
                sent.sort();
                sent.dedup();
                if sent.is_empty() {
                    // Nothing to clear; say so instead of dropping the check from reports.
                    let what = format!(
                        "{verb} {pattern}{} (the request carried none)",
                        variant_text(variant, domain)
                    );
                    c.push(subject(clearing, pattern), what, None);
                }
                sent
            } else {
                vec![pattern.to_string()]
            };
            for name in names {
                let found = lines.iter().any(|l| {
                    name_matches(&name, &l.name)
                        && variant_matches(l, variant, domain)
                        && (l.lifetime(input.now) == Lifetime::Expired) == clearing
                });
                let what = format!("{verb} {name}{}", variant_text(variant, domain));
                let failure = (!found).then(|| {
                    let near = nearest(&lines, &name, variant, clearing, domain, input.now);
                    format!("no Set-Cookie line {what}; {near}")
                });
                c.push(subject(clearing, &name), what, failure);
            }
        }
    }
    for name in &expect.not_sets {
        let bad: Vec<&SetCookie> = lines
            .iter()
            .filter(|l| name_matches(name, &l.name) && l.lifetime(input.now) != Lifetime::Expired)
            .collect();
        let failure =
            (!bad.is_empty()).then(|| format!("the response sets {name}: `{}`", bad[0].redacted()));
        c.push(
            Subject::NotSets(name),
            format!("does not set {name}"),
            failure,
        );
    }
    for check in &expect.cookie {
        attribute_check(c, check, &lines);
    }
    for (has, refs) in [(true, &expect.jar_has), (false, &expect.jar_lacks)] {
        for name in refs {
            let held: Vec<&String> = input
                .jar_names
                .iter()
                .filter(|n| name_matches(name, n))
                .collect();
            let failure = match (has, held.is_empty()) {
                (true, true) => Some(format!(
                    "the jar holds no {name}; it holds {:?}",
                    input.jar_names
                )),
                (false, false) => Some(format!("the jar still holds {held:?} after the response")),
                _ => None,
            };
            let about = if has {
                Subject::JarHolds(name)
            } else {
                Subject::JarLacks(name)
            };
            c.push(
                about,
                format!("jar {} {name}", if has { "holds" } else { "lacks" }),
                failure,
            );
        }
    }
}

fn attribute_check(c: &mut Checks<'_>, check: &CookieCheck, lines: &[SetCookie]) {
    let input = c.input;
    let name = &check.name;
    let domain_only = check.domain.is_some()
        && check.path.is_none()
        && check.httponly.is_none()
        && check.secure.is_none()
        && check.samesite.is_none()
        && check.lifetime.is_none();
    let about = if domain_only {
        Subject::CookieDomain(name)
    } else {
        subject(check.lifetime.as_deref() == Some("expired"), name)
    };
    let setting: Vec<&SetCookie> = lines
        .iter()
        .filter(|l| name_matches(name, &l.name) && l.lifetime(input.now) != Lifetime::Expired)
        .collect();
    if setting.is_empty() && check.lifetime.as_deref() != Some("expired") {
        c.push(
            about,
            format!("cookie {name} attributes"),
            Some(format!("no Set-Cookie line sets {name}")),
        );
        return;
    }
    let candidates: Vec<&SetCookie> = if check.lifetime.as_deref() == Some("expired") {
        // Every line of the name, except extra clearing lines: those at another Path or
        // Domain than the contract's cookie delete nothing it needs deleted, and are harmless.
        let domain = input.endpoints.cookie_domain.as_deref();
        let checked: Vec<&SetCookie> = lines
            .iter()
            .filter(|l| name_matches(name, &l.name) && !is_extra_clearing(l, domain, input.now))
            .collect();
        if checked.is_empty() {
            let place = match domain {
                Some(d) => format!("Path={CONTRACT_PATH}, host-only or Domain={d}"),
                None => format!("Path={CONTRACT_PATH}, host-only"),
            };
            let had: Vec<String> = lines
                .iter()
                .filter(|l| name_matches(name, &l.name))
                .map(|l| format!("`{}`", l.redacted()))
                .collect();
            let had = if had.is_empty() {
                "none of that name".to_string()
            } else {
                had.join(", ")
            };
            c.push(
                about,
                format!("cookie {name} attributes"),
                Some(format!(
                    "no Set-Cookie line clears {name} at {place}; the response had {had}"
                )),
            );
            return;
        }
        checked
    } else {
        setting
    };
    for line in candidates {
        let mut problems = Vec::new();
        let ep = input.endpoints;
        if let Some(want) = &check.domain {
            let ok = match want.as_str() {
                "host-only" => line.domain.is_none(),
                // With no cookie domain configured the cookie is host-only (K1).
                "cookie-domain" => line.domain == ep.cookie_domain,
                literal => line.domain.as_deref() == Some(literal.trim_start_matches('.')),
            };
            if !ok {
                problems.push(format!(
                    "domain should be {want}, is {}",
                    line.domain.as_deref().unwrap_or("host-only")
                ));
            }
        }
        if let Some(want) = &check.path
            && line.path.as_deref() != Some(want.as_str())
        {
            problems.push(format!(
                "Path should be {want}, is {}",
                line.path.as_deref().unwrap_or("absent")
            ));
        }
        if let Some(want) = check.httponly
            && line.http_only != want
        {
            problems.push(format!(
                "HttpOnly should be {}",
                if want { "present" } else { "absent" }
            ));
        }
        if let Some(want) = &check.secure {
            let expected = match want.as_str() {
                "as-expected" => ep.secure_expected(),
                other => other == "yes",
            };
            if line.secure != expected {
                problems.push(format!(
                    "Secure should be {} (Kratos public URL is {})",
                    if expected { "present" } else { "absent" },
                    ep.kratos_public.scheme()
                ));
            }
        }
        if let Some(want) = &check.samesite {
            let want = if want == "as-configured" {
                ep.same_site.as_str()
            } else {
                want.as_str()
            };
            if !line
                .same_site
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(want))
            {
                problems.push(format!(
                    "SameSite should be {want}, is {}",
                    line.same_site.as_deref().unwrap_or("absent")
                ));
            }
        }
        if let Some(want) = &check.lifetime {
            let is = match line.lifetime(input.now) {
                Lifetime::Expired => "expired",
                Lifetime::Persistent => "persistent",
                Lifetime::Session => "session",
            };
            if is != want {
                problems.push(format!("lifetime should be {want}, is {is}"));
            }
        }
        let failure = (!problems.is_empty())
            .then(|| format!("`{}`: {}", line.redacted(), problems.join("; ")));
        c.push(about, format!("cookie {} attributes", line.name), failure);
    }
}
