//! Evaluation of a step's expectations against its last response and the client's jar.
//! A failed check is a [`CheckResult`] with a failure text, never an error; texts name cookies,
//! attributes and value lengths, never values.

use serde_json::Value;

use super::result::{CheckResult, Exchange, Response};
use crate::cookie::{Lifetime, SetCookie, name_matches, parse_set_cookie};
use crate::scenario::model::{
    BodyClass, CookieCheck, Expect, HeaderCheck, JsonCheck, StatusExpect,
};
use crate::target::Endpoints;

/// What the checks need besides the response.
pub struct CheckInput<'a> {
    /// The step's last exchange (request headers tell which cookies were sent).
    pub exchange: &'a Exchange,
    /// Its response.
    pub response: &'a Response,
    /// Cookie names in the client's jar after the response.
    pub jar_names: &'a [String],
    /// The target's endpoints (cookie domain, SameSite, Secure expectation).
    pub endpoints: &'a Endpoints,
    /// Rules the checks enforce.
    pub rules: &'a [String],
    /// Renders `{{variables}}` in expected values.
    pub render: &'a dyn Fn(&str) -> Result<String, String>,
    /// The JSON body of an earlier named step, for `same_json_as`.
    pub earlier_json: Option<Option<&'a Value>>,
    /// Current unix time (for cookie lifetimes).
    pub now: i64,
}

struct Checks<'a> {
    input: &'a CheckInput<'a>,
    out: Vec<CheckResult>,
}

impl Checks<'_> {
    fn push(&mut self, what: String, failure: Option<String>) {
        self.out.push(CheckResult {
            what,
            rules: self.input.rules.to_vec(),
            failure,
        });
    }
}

/// Evaluates every expectation of a step.
pub fn check_step(expect: &Expect, input: &CheckInput<'_>) -> Vec<CheckResult> {
    let mut c = Checks {
        input,
        out: Vec::new(),
    };
    let resp = input.response;
    if let Some(status) = &expect.status {
        let ok = match status.get_ref() {
            StatusExpect::One(s) => resp.status == *s,
            StatusExpect::AnyOf(list) => list.contains(&resp.status),
        };
        let want = match status.get_ref() {
            StatusExpect::One(s) => s.to_string(),
            StatusExpect::AnyOf(l) => format!("one of {l:?}"),
        };
        c.push(
            format!("status {want}"),
            (!ok).then(|| format!("expected status {want}, got {}", resp.status)),
        );
    }
    if let Some(class) = expect.body {
        let failure = body_class_failure(class, &resp.body);
        c.push(format!("body is {}", body_class_name(class)), failure);
    }
    // Parsed only when a check reads it: most steps check status, body class and cookies.
    let json = if expect.json.is_empty() && expect.same_json_as.is_none() {
        None
    } else {
        resp.json()
    };
    for check in &expect.json {
        json_check(&mut c, check.get_ref(), json.as_ref());
    }
    for check in &expect.headers {
        header_check(&mut c, check.get_ref(), resp);
    }
    cookie_checks(&mut c, expect);
    if let (Some(same), Some(earlier)) = (&expect.same_json_as, input.earlier_json) {
        let same = same.get_ref();
        let default = ["/id", "/identity/id", "/active"].map(String::from);
        let paths: &[String] = if same.paths.is_empty() {
            &default
        } else {
            &same.paths
        };
        for p in paths {
            let (now, then) = (
                json.as_ref().and_then(|j| j.pointer(p)),
                earlier.and_then(|j| j.pointer(p)),
            );
            let failure = (now != then).then(|| {
                format!(
                    "`{p}` differs from step `{}`: {} here, {} there",
                    same.step.get_ref(),
                    show(now),
                    show(then)
                )
            });
            c.push(
                format!("same `{p}` as step `{}`", same.step.get_ref()),
                failure,
            );
        }
    }
    c.out
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "absent".into(),
        Some(Value::String(s)) if s.len() > 80 => format!("a string of {} chars", s.len()),
        Some(v) => v.to_string(),
    }
}

fn body_class_name(class: BodyClass) -> &'static str {
    match class {
        BodyClass::Null => "JSON null",
        BodyClass::Empty => "empty",
        BodyClass::Object => "a JSON object",
        BodyClass::Json => "JSON",
    }
}

/// Describes what a body is, for failure texts.
pub fn describe_body(body: &[u8]) -> String {
    if body.is_empty() {
        return "an empty body".into();
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Null) => "JSON null".into(),
        Ok(Value::Object(m)) if m.is_empty() => "an empty JSON object {}".into(),
        Ok(Value::Object(m)) => format!(
            "a JSON object with keys {:?}",
            m.keys().take(8).collect::<Vec<_>>()
        ),
        Ok(other) => format!("JSON {}", show(Some(&other))),
        Err(_) => format!("{} bytes that are not JSON", body.len()),
    }
}

fn body_class_failure(class: BodyClass, body: &[u8]) -> Option<String> {
    let parsed = match class {
        BodyClass::Empty => None,
        _ => serde_json::from_slice::<Value>(body).ok(),
    };
    let ok = match class {
        BodyClass::Empty => body.is_empty(),
        BodyClass::Null => parsed == Some(Value::Null),
        BodyClass::Object => matches!(parsed, Some(Value::Object(_))),
        BodyClass::Json => parsed.is_some(),
    };
    (!ok).then(|| {
        format!(
            "expected {}, got {}",
            body_class_name(class),
            describe_body(body)
        )
    })
}

/// Converts a TOML value to JSON, rendering `{{variables}}` in strings.
pub fn toml_to_json(
    v: &toml::Value,
    render: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => Value::String(render(s)?),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| toml_to_json(x, render))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, x)| Ok((k.clone(), toml_to_json(x, render)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

fn json_check(c: &mut Checks<'_>, check: &JsonCheck, json: Option<&Value>) {
    let path = check.path.get_ref();
    let found = json.and_then(|j| j.pointer(path));
    if let Some(exists) = check.exists {
        let failure = (found.is_some() != exists).then(|| {
            if exists {
                format!("`{path}` is absent")
            } else {
                format!("`{path}` is present: {}", show(found))
            }
        });
        c.push(
            format!(
                "json `{path}` {}",
                if exists { "exists" } else { "is absent" }
            ),
            failure,
        );
    }
    for (negate, want) in [(false, &check.equals), (true, &check.not_equals)] {
        let Some(want) = want else { continue };
        let what = format!(
            "json `{path}` {} {}",
            if negate { "differs from" } else { "equals" },
            want
        );
        let failure = match toml_to_json(want, c.input.render) {
            Err(e) => Some(e),
            Ok(want) => {
                let equal = found == Some(&want);
                (equal == negate).then(|| {
                    if negate {
                        format!(
                            "`{path}` must differ from {} but equals it",
                            show(Some(&want))
                        )
                    } else {
                        format!(
                            "`{path}`: expected {}, got {}",
                            show(Some(&want)),
                            show(found)
                        )
                    }
                })
            }
        };
        c.push(what, failure);
    }
    if let Some(re) = &check.matches {
        let what = format!("json `{path}` matches /{}/", re.get_ref());
        let failure = match (regex::Regex::new(re.get_ref()), found) {
            (Err(e), _) => Some(format!("invalid regex: {e}")),
            (Ok(re), Some(Value::String(s))) if re.is_match(s) => None,
            (Ok(_), other) => Some(format!("`{path}` is {}", show(other))),
        };
        c.push(what, failure);
    }
}

/// A header value as failure texts may show it: cookie values become their length.
fn shown_header(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("set-cookie") {
        parse_set_cookie(value)
            .map_or_else(|_| format!("<{} chars>", value.len()), |c| c.redacted())
    } else if name.eq_ignore_ascii_case("cookie") {
        crate::redact::redact_cookie_header(value)
    } else {
        value.to_string()
    }
}

fn header_check(c: &mut Checks<'_>, check: &HeaderCheck, resp: &Response) {
    let name = &check.name;
    let value = resp.header(name);
    let shown = value.map(|v| shown_header(name, v));
    if let Some(exists) = check.exists {
        let failure = (value.is_some() != exists).then(|| {
            format!(
                "header `{name}` is {}",
                if exists { "absent" } else { "present" }
            )
        });
        c.push(
            format!(
                "header `{name}` {}",
                if exists { "present" } else { "absent" }
            ),
            failure,
        );
    }
    if let Some(want) = &check.equals {
        let failure = match (c.input.render)(want) {
            Err(e) => Some(e),
            Ok(want) => (value != Some(want.as_str())).then(|| {
                format!(
                    "header `{name}`: expected `{}`, got {}",
                    shown_header(name, &want),
                    shown
                        .as_ref()
                        .map_or("nothing".into(), |v| format!("`{v}`"))
                )
            }),
        };
        c.push(format!("header `{name}` equals `{want}`"), failure);
    }
    if let Some(re) = &check.matches {
        let failure = match (regex::Regex::new(re.get_ref()), value) {
            (Err(e), _) => Some(format!("invalid regex: {e}")),
            (Ok(r), Some(v)) if r.is_match(v) => None,
            (Ok(_), _) => Some(format!(
                "header `{name}` is {}",
                shown.as_ref().map_or("absent".into(), |v| format!("`{v}`"))
            )),
        };
        c.push(
            format!("header `{name}` matches /{}/", re.get_ref()),
            failure,
        );
    }
}

/// Which variant of a cookie a `NAME@variant` reference means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Any,
    Host,
    Domain,
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

/// The cookie names the request carried, from its recorded `Cookie` header.
fn request_cookie_names(ex: &Exchange) -> Vec<String> {
    ex.request_headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| {
            v.split(';')
                .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim().to_string()))
        })
        .collect()
}

fn cookie_checks(c: &mut Checks<'_>, expect: &Expect) {
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
    let summary = || {
        if lines.is_empty() {
            "no Set-Cookie line".to_string()
        } else {
            lines
                .iter()
                .map(|l| format!("`{}`", l.redacted()))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    for (clearing, refs) in [(false, &expect.sets), (true, &expect.clears)] {
        for r in refs {
            let (pattern, variant) = split_ref(r.get_ref());
            let verb = if clearing { "clears" } else { "sets" };
            // A clearing pattern covers every matching cookie the request carried (R11).
            let names: Vec<String> = if clearing && pattern.ends_with('*') {
                request_cookie_names(input.exchange)
                    .into_iter()
                    .filter(|n| name_matches(pattern, n))
                    .collect()
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
                let failure = (!found)
                    .then(|| format!("no Set-Cookie line {what}; the response had {}", summary()));
                c.push(what, failure);
            }
        }
    }
    for r in &expect.not_sets {
        let name = r.get_ref();
        let bad: Vec<&SetCookie> = lines
            .iter()
            .filter(|l| name_matches(name, &l.name) && l.lifetime(input.now) != Lifetime::Expired)
            .collect();
        let failure =
            (!bad.is_empty()).then(|| format!("the response sets {name}: `{}`", bad[0].redacted()));
        c.push(format!("does not set {name}"), failure);
    }
    for check in &expect.cookie {
        attribute_check(c, check.get_ref(), &lines);
    }
    for (has, refs) in [(true, &expect.jar_has), (false, &expect.jar_lacks)] {
        for r in refs {
            let name = r.get_ref();
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
            c.push(
                format!("jar {} {name}", if has { "holds" } else { "lacks" }),
                failure,
            );
        }
    }
}

fn attribute_check(c: &mut Checks<'_>, check: &CookieCheck, lines: &[SetCookie]) {
    let input = c.input;
    let name = check.name.get_ref();
    let setting: Vec<&SetCookie> = lines
        .iter()
        .filter(|l| name_matches(name, &l.name) && l.lifetime(input.now) != Lifetime::Expired)
        .collect();
    if setting.is_empty() && check.lifetime.as_deref() != Some("expired") {
        c.push(
            format!("cookie {name} attributes"),
            Some(format!("no Set-Cookie line sets {name}")),
        );
        return;
    }
    let candidates: Vec<&SetCookie> = if check.lifetime.as_deref() == Some("expired") {
        lines
            .iter()
            .filter(|l| name_matches(name, &l.name))
            .collect()
    } else {
        setting
    };
    for line in candidates {
        let mut problems = Vec::new();
        let ep = input.endpoints;
        if let Some(want) = &check.domain {
            let ok = match want.as_str() {
                "host-only" => line.domain.is_none(),
                "cookie-domain" => line.domain.is_some() && line.domain == ep.cookie_domain,
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
        c.push(format!("cookie {} attributes", line.name), failure);
    }
}
