//! Evaluation of a step's expectations against its last response and the client's jar.
//! A failed check is a [`CheckResult`] with a failure text, never an error; texts name cookies,
//! attributes and value lengths, never values.

use serde_json::Value;

mod cookies;
mod input;
#[cfg(test)]
mod tests;

use cookies::cookie_checks;
pub use input::CheckInput;
use input::Checks;

use super::result::{CheckResult, Response, SdkOutcome};
use crate::cite::Subject;
use crate::cookie::parse_set_cookie;
use crate::plan::model::{
    BodyClass, Expectations, HeaderCheck, JsonCheck, SdkExpect, StatusExpect,
};

/// Evaluates every expectation of a step.
pub fn check_step(expect: &Expectations, input: &CheckInput<'_>) -> Vec<CheckResult> {
    let mut c = Checks {
        input,
        out: Vec::new(),
    };
    let resp = input.response;
    if let Some(status) = &expect.status {
        let ok = match status {
            StatusExpect::One(s) => resp.status == *s,
            StatusExpect::AnyOf(list) => list.contains(&resp.status),
        };
        let want = match status {
            StatusExpect::One(s) => s.to_string(),
            StatusExpect::AnyOf(l) => format!("one of {l:?}"),
        };
        let expected = match status {
            StatusExpect::One(s) => Some(*s),
            StatusExpect::AnyOf(_) => None,
        };
        c.push(
            Subject::Status(expected),
            format!("status {want}"),
            (!ok).then(|| format!("expected status {want}, got {}", resp.status)),
        );
    }
    // What an SDK caller got comes right after the status: it is what the caller sees first.
    if let Some(want) = expect.sdk {
        let failure = sdk_failure(want, input.sdk, resp.status);
        c.push(
            Subject::Sdk,
            format!("sdk returns {}", want.as_str()),
            failure,
        );
    }
    if let Some(class) = expect.body {
        let failure = body_class_failure(class, &resp.body).or_else(|| {
            (class == BodyClass::Empty)
                .then(|| empty_framing_failure(&input.exchange.method, resp))
                .flatten()
        });
        let subject = match class {
            BodyClass::Null => Subject::BodyNull,
            BodyClass::Empty => Subject::BodyEmpty,
            BodyClass::Object | BodyClass::Json => Subject::BodyJson,
        };
        c.push(
            subject,
            format!("body is {}", body_class_name(class)),
            failure,
        );
    }
    // Parsed only when a check reads it: most steps check status, body class and cookies.
    let json = if expect.json.is_empty() && expect.same_json_as.is_none() {
        None
    } else {
        resp.json()
    };
    for check in &expect.json {
        json_check(&mut c, check, json.as_ref());
    }
    for check in &expect.headers {
        header_check(&mut c, check, resp);
    }
    cookie_checks(&mut c, expect);
    if let (Some(same), Some(earlier)) = (&expect.same_json_as, input.earlier_json) {
        for p in &same.paths {
            let (now, then) = (
                json.as_ref().and_then(|j| j.pointer(p)),
                earlier.and_then(|j| j.pointer(p)),
            );
            let failure = (now != then).then(|| {
                format!(
                    "`{p}` differs from step `{}`: {} here, {} there",
                    same.step,
                    show(now),
                    show(then)
                )
            });
            c.push(
                Subject::SameJson,
                format!("same `{p}` as step `{}`", same.step),
                failure,
            );
        }
    }
    let status_failed = expect.status.is_some() && c.out.first().is_some_and(|s| !s.passed());
    if status_failed {
        not_evaluated(&mut c.out);
    }
    c.out
}

/// After a failed status check the step's other checks only echo it (a `500` sets no cookie):
/// they become one line that names them, neither passed nor failed.
fn not_evaluated(checks: &mut Vec<CheckResult>) {
    let rest = checks.split_off(1);
    if rest.is_empty() {
        return;
    }
    let names: Vec<String> = rest.into_iter().map(|c| c.what).collect();
    checks.push(CheckResult {
        what: format!("not evaluated (status check failed): {}", names.join("; ")),
        rules: Vec::new(),
        failure: None,
        evaluated: false,
    });
}

/// `expect.sdk`: what the SDK's caller got. An auth error passes only when the server really
/// answered 401 or 403 (the SDK also reports a malformed key as one, without any request).
pub(super) fn sdk_failure(
    want: SdkExpect,
    got: Option<&SdkOutcome>,
    status: u16,
) -> Option<String> {
    let Some(got) = got else {
        return Some("expected an SDK call, but the step made none".into());
    };
    let ok = match want {
        SdkExpect::Null => *got == SdkOutcome::Value(Value::Null),
        SdkExpect::Session => got.is_session(),
        SdkExpect::Unit => *got == SdkOutcome::Unit,
        SdkExpect::AuthError => {
            matches!(got, SdkOutcome::Error { kind, .. } if kind == "auth")
                && (status == 401 || status == 403)
        }
    };
    (!ok).then(|| {
        let wanted = match want {
            SdkExpect::Null => "null",
            SdkExpect::Session => "a session",
            SdkExpect::Unit => "()",
            SdkExpect::AuthError => "an auth error from a 401 or 403",
        };
        format!(
            "expected the SDK to return {wanted}, got {} (the server answered {status})",
            got.describe(true)
        )
    })
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

/// What the framing headers of a response whose body must be empty say, beyond the bytes the
/// HTTP client delivered. An HTTP client reads no body after a `204` whatever the headers
/// claim, so the headers are all that is left of a body a server tried to send: a
/// `Content-Length` must be absent or `0` (RFC 9110 §8.6 forbids it on a `204` entirely; `0`
/// is tolerated on purpose), and a `204` carries no `Transfer-Encoding` (§6.1; on another
/// status a chunked empty body is still empty). The answer to a `HEAD` is exempt: its
/// `Content-Length` and `Transfer-Encoding` describe the `GET` answer's body (§9.3.2).
fn empty_framing_failure(method: &str, resp: &Response) -> Option<String> {
    if method.eq_ignore_ascii_case("HEAD") {
        return None;
    }
    let lengths: Vec<&str> = resp.header_values("content-length").collect();
    if lengths.iter().any(|v| v.trim() != "0") {
        return Some(format!(
            "expected empty, got an empty body framed with `Content-Length: {}` (a body the HTTP stack dropped)",
            lengths.join(", ")
        ));
    }
    let encodings: Vec<&str> = resp.header_values("transfer-encoding").collect();
    (resp.status == 204 && !encodings.is_empty()).then(|| {
        format!(
            "expected empty, got a 204 with `Transfer-Encoding: {}` (a 204 has no body to encode)",
            encodings.join(", ")
        )
    })
}

/// A JSON value with `{{variables}}` rendered in every string.
pub fn render_json(
    v: &Value,
    render: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(render(s)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_json(x, render))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(t) => Value::Object(
            t.iter()
                .map(|(k, x)| Ok((k.clone(), render_json(x, render)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn json_check(c: &mut Checks<'_>, check: &JsonCheck, json: Option<&Value>) {
    let path = &check.path;
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
            Subject::BodyJson,
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
            want.shown
        );
        let failure = match render_json(&want.value, c.input.render) {
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
        c.push(Subject::BodyJson, what, failure);
    }
    if let Some(re) = &check.matches {
        let what = format!("json `{path}` matches /{re}/");
        let failure = match (compile(re, c.input.render), found) {
            (Err(e), _) => Some(e),
            (Ok(re), Some(Value::String(s))) if re.is_match(s) => None,
            (Ok(_), other) => Some(format!("`{path}` is {}", show(other))),
        };
        c.push(Subject::BodyJson, what, failure);
    }
}

/// Compiles a `matches` pattern whose `{{variables}}` match their values literally.
fn compile(
    re: &str,
    render: &dyn Fn(&str) -> Result<String, String>,
) -> Result<regex::Regex, String> {
    let re =
        crate::plan::template::render_regex(re, |name| render(&format!("{{{{{name}}}}}")).ok())?;
    cached_regex(&re)
}

/// The compiled pattern, from a process-wide cache: a load run checks the same patterns in
/// every iteration, and compiling one costs more than the request it checks. The cache holds
/// at most [`REGEX_CACHE`] patterns (then starts over), since patterns with per-trial values
/// rendered in are each used once.
fn cached_regex(pattern: &str) -> Result<regex::Regex, String> {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex, PoisonError};
    static CACHE: LazyLock<Mutex<HashMap<String, regex::Regex>>> = LazyLock::new(Mutex::default);
    if let Some(re) = CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(pattern)
    {
        return Ok(re.clone());
    }
    let re = regex::Regex::new(pattern).map_err(|e| format!("invalid regex: {e}"))?;
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= REGEX_CACHE {
        cache.clear();
    }
    cache.insert(pattern.to_owned(), re.clone());
    Ok(re)
}

/// How many compiled patterns [`cached_regex`] keeps.
const REGEX_CACHE: usize = 256;

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
    // A header sent on several lines is one field to a cache or a proxy: checks read all of
    // its lines joined (RFC 9110 §5.3). `Set-Cookie` lines cannot be joined: the first.
    let combined = if name.eq_ignore_ascii_case("set-cookie") {
        resp.header(name).map(str::to_string)
    } else {
        resp.combined_header(name)
    };
    let value = combined.as_deref();
    let lower = name.to_ascii_lowercase();
    let subject = Subject::Header(&lower);
    let shown = value.map(|v| shown_header(name, v));
    if let Some(exists) = check.exists {
        let failure = (value.is_some() != exists).then(|| {
            format!(
                "header `{name}` is {}",
                if exists { "absent" } else { "present" }
            )
        });
        c.push(
            subject,
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
        c.push(subject, format!("header `{name}` equals `{want}`"), failure);
    }
    if let Some(re) = &check.matches {
        let failure = match (compile(re, c.input.render), value) {
            (Err(e), _) => Some(e),
            (Ok(r), Some(v)) if r.is_match(v) => None,
            (Ok(_), _) => Some(format!(
                "header `{name}` is {}",
                shown.as_ref().map_or("absent".into(), |v| format!("`{v}`"))
            )),
        };
        c.push(subject, format!("header `{name}` matches /{re}/"), failure);
    }
}
