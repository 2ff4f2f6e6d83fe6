//! What changed between a stored snapshot view and this run's ([`super::snapshot`] owns the
//! view's format), said line by line for a person: which step and request, what changed in one
//! sentence ("the Domain= clearing line of ory_kratos_session is missing"), and the one rule
//! that line enforces ([`crate::cite`], the same mapping the checks use). A failure found only
//! by the snapshot is explained by these, not by the scenario's rule list.

use serde::{Deserialize, Serialize};

use crate::cite::{Route, Subject, cite};

/// One changed line (or a changed pair: the same line with another value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotChange {
    /// The step and request it belongs to, e.g. `step 6 POST [api]/auth/logout`.
    pub at: String,
    /// What changed, in one sentence.
    pub what: String,
    /// The rule the line enforces (empty when none maps and the scenario lists none).
    pub rule: String,
}

/// A line of the view with the step and request it sits under.
#[derive(Debug, Clone)]
struct Line<'a> {
    step: &'a str,
    request: &'a str,
    text: &'a str,
}

/// The changes from `old` (stored) to `new` (this run), citing rules with the help of the
/// scenario's `rules`.
pub fn changes(old: &str, new: &str, rules: &[String]) -> Vec<SnapshotChange> {
    let diff = similar::TextDiff::from_lines(old, new);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut old_ctx, mut new_ctx) = (("", ""), ("", ""));
    for change in diff.iter_all_changes() {
        let text = change.value().trim_end_matches(['\n', '\r']);
        let tag = change.tag();
        for (ctx, side) in [
            (&mut old_ctx, similar::ChangeTag::Delete),
            (&mut new_ctx, similar::ChangeTag::Insert),
        ] {
            if tag == side || tag == similar::ChangeTag::Equal {
                if text.starts_with("step ") {
                    *ctx = (text, "");
                } else if is_request(text) {
                    ctx.1 = text.trim();
                }
            }
        }
        match tag {
            similar::ChangeTag::Delete => removed.push(Line {
                step: old_ctx.0,
                request: old_ctx.1,
                text,
            }),
            similar::ChangeTag::Insert => added.push(Line {
                step: new_ctx.0,
                request: new_ctx.1,
                text,
            }),
            similar::ChangeTag::Equal => {}
        }
    }
    pair_up(removed, added, rules)
}

/// `  GET [api]/auth/whoami`: a request line of the view.
fn is_request(text: &str) -> bool {
    let t = text.trim_start();
    text.starts_with("  ")
        && !text.starts_with("    ")
        && t.split_once(' ')
            .is_some_and(|(m, _)| !m.is_empty() && m.chars().all(|c| c.is_ascii_uppercase()))
}

/// The key of a line (`status`, `body`, or a Set-Cookie line's name, variant and kind), by
/// which a removed and an added line are the same line changed.
fn key(text: &str) -> String {
    match cookie_line(text) {
        Some(c) => format!("cookie {} {} {}", c.name, c.host_only, c.clearing),
        None => text
            .trim()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// A `set-cookie line:` of the view, read back.
struct CookieLine<'a> {
    name: &'a str,
    host_only: bool,
    clearing: bool,
}

fn cookie_line(text: &str) -> Option<CookieLine<'_>> {
    let rest = text.trim().strip_prefix("set-cookie line: ")?;
    let mut parts = rest.split("; ");
    let name = parts.next()?;
    let attrs: Vec<&str> = parts.collect();
    Some(CookieLine {
        name,
        host_only: attrs.contains(&"domain=host-only"),
        clearing: attrs.contains(&"lifetime=expired"),
    })
}

impl CookieLine<'_> {
    /// `the Domain= clearing line of ory_kratos_session`.
    fn describe(&self) -> String {
        format!(
            "the {} {} line of {}",
            if self.host_only {
                "host-only"
            } else {
                "Domain="
            },
            if self.clearing { "clearing" } else { "setting" },
            self.shown_name()
        )
    }

    fn shown_name(&self) -> &str {
        if self.name == "[csrf-name]" {
            "the csrf_token_* cookie"
        } else {
            self.name
        }
    }

    fn subject(&self) -> Subject<'_> {
        let name = if self.name == "[csrf-name]" {
            "csrf_token_*"
        } else {
            self.name
        };
        if self.clearing {
            Subject::Clears(name)
        } else {
            Subject::Sets(name)
        }
    }
}

/// Pairs each removed line with an added line of the same key under the same step, and says
/// what happened to each.
fn pair_up(
    removed: Vec<Line<'_>>,
    mut added: Vec<Line<'_>>,
    rules: &[String],
) -> Vec<SnapshotChange> {
    let mut out = Vec::new();
    for old in removed {
        let partner = added
            .iter()
            .position(|new| new.step == old.step && key(new.text) == key(old.text));
        let new = partner.map(|i| added.remove(i));
        let what = match (&new, cookie_line(old.text)) {
            (Some(new), Some(c)) => format!(
                "{} changed: `{}` is now `{}`",
                c.describe(),
                attrs(old.text),
                attrs(new.text)
            ),
            (None, Some(c)) => format!("{} is missing", c.describe()),
            (Some(new), None) => format!("`{}` is now `{}`", old.text.trim(), new.text.trim()),
            (None, None) => format!("`{}` is missing", old.text.trim()),
        };
        out.push(change(&old, what, rules));
    }
    for new in added {
        let what = match cookie_line(new.text) {
            Some(c) => format!("{} is new", c.describe()),
            None => format!("`{}` is new", new.text.trim()),
        };
        out.push(change(&new, what, rules));
    }
    out
}

/// A Set-Cookie view line's attributes after the name.
fn attrs(text: &str) -> &str {
    text.trim()
        .strip_prefix("set-cookie line: ")
        .and_then(|r| r.split_once("; "))
        .map_or(text.trim(), |(_, a)| a)
}

fn change(line: &Line<'_>, what: String, rules: &[String]) -> SnapshotChange {
    let route = Route::of(line.request);
    let text = line.text.trim();
    let cookie = cookie_line(text);
    let subject = match &cookie {
        Some(c) => c.subject(),
        None => match text.split_once(": ") {
            Some(("status", v)) => Subject::Status(v.trim().parse().ok()),
            Some(("body", "null")) => Subject::BodyNull,
            Some(("body", "empty")) => Subject::BodyEmpty,
            Some(("body", _)) => Subject::BodyJson,
            Some(("sdk returned", _)) => Subject::Sdk,
            _ => Subject::Other,
        },
    };
    let step = line.step.split(':').next().unwrap_or(line.step);
    let at = match line.request {
        "" => step.to_string(),
        request => format!("{step} {request}"),
    };
    SnapshotChange {
        at,
        what,
        rule: cite(subject, route, rules).map_or(String::new(), |r| r.id.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "\
step 1: [default] login alice (browser flow)
  POST [kratos-public]/self-service/login?flow=[uuid:1]
    status: 200
    set-cookie line: ory_kratos_session; domain=[cookie-domain]; path=/; lifetime=persistent
step 6: [default] POST /auth/logout
  POST [api]/auth/logout
    status: 204
    body: empty
    set-cookie line: [csrf-name]; domain=host-only; path=/; lifetime=expired
    set-cookie line: ory_kratos_session; domain=host-only; path=/; lifetime=expired
    set-cookie line: ory_kratos_session; domain=[cookie-domain]; path=/; lifetime=expired
step 7: [default] GET /auth/whoami
  GET [api]/auth/whoami
    status: 200
    body: null
";

    fn rules(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_missing_domain_clearing_line_cites_r10_not_the_scenarios_rules() {
        let new = OLD.replace(
            "    set-cookie line: ory_kratos_session; domain=[cookie-domain]; path=/; lifetime=expired\n",
            "",
        );
        let got = changes(OLD, &new, &rules(&["K4", "R2", "R3", "R6", "R9", "R13"]));
        assert_eq!(
            got,
            [SnapshotChange {
                at: "step 6 POST [api]/auth/logout".into(),
                what: "the Domain= clearing line of ory_kratos_session is missing".into(),
                rule: "R10".into(),
            }]
        );
    }

    #[test]
    fn a_changed_value_is_one_change_and_each_kind_maps_to_its_rule() {
        let new = OLD
            .replace("    status: 204\n", "    status: 500\n")
            .replace("    body: null\n", "    body: {\"id\": [uuid:1]}\n")
            .replace(
                "[csrf-name]; domain=host-only; path=/; lifetime=expired",
                "[csrf-name]; domain=host-only; path=/api; lifetime=expired",
            );
        let got = changes(OLD, &new, &rules(&["R9", "R13"]));
        let said: Vec<(&str, &str)> = got
            .iter()
            .map(|c| (c.rule.as_str(), c.what.as_str()))
            .collect();
        assert_eq!(
            said,
            [
                ("R9", "`status: 204` is now `status: 500`"),
                (
                    "R11",
                    "the host-only clearing line of the csrf_token_* cookie changed: `domain=host-only; path=/; lifetime=expired` is now `domain=host-only; path=/api; lifetime=expired`"
                ),
                ("R13", "`body: null` is now `body: {\"id\": [uuid:1]}`"),
            ]
        );
        assert_eq!(got[2].at, "step 7 GET [api]/auth/whoami");
    }

    #[test]
    fn a_new_line_is_named_new() {
        let new = OLD.replace(
            "    body: empty\n",
            "    body: empty\n    set-cookie line: ory_kratos_session; domain=[cookie-domain]; path=/; lifetime=persistent\n",
        );
        let got = changes(OLD, &new, &rules(&["R9"]));
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].what,
            "the Domain= setting line of ory_kratos_session is new"
        );
        assert_eq!(got[0].rule, "K4");
    }
}
