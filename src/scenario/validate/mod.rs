//! Semantic checks of a deserialized scenario, each reported at the span of the offending value.
//!
//! [`validate`] returns every [`Issue`], earliest in the file first. The scenario-level checks
//! live here; steps are checked in `step` (actions, requests, captures), `no_exchange`
//! (`clear_jar` and `wait` steps), `parallel` (parallel groups) and `expect` (expectations),
//! single values in [`values`], `{{variables}}` in `vars`.

mod expect;
mod no_exchange;
mod parallel;
mod step;
pub mod values;
mod vars;

use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;

use crate::contract::{self, Profile};
use crate::scenario::error::did_you_mean;
use crate::scenario::model::ScenarioFile;

pub use vars::{COOKIE_DOMAIN, KRATOS_PUBLIC_URL};

/// The tag that selects the core profile.
pub const CORE_TAG: &str = "core";
/// The tag that selects the strict profile.
pub const STRICT_TAG: &str = "strict";

/// One semantic problem: where (a byte range of the file, or none for the file as a whole) and
/// what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Byte range of the offending value; `None` points at the start of the file.
    pub span: Option<Range<usize>>,
    /// Lowercase message saying what was expected.
    pub message: String,
}

/// Every semantic problem of `file`, ordered by position (file-level problems first).
pub fn validate(file: &ScenarioFile) -> Vec<Issue> {
    let mut v = Validator {
        file,
        issues: Vec::new(),
    };
    v.check_name();
    v.check_tags();
    v.check_rules();
    v.check_identities_and_clients();
    v.check_steps();
    v.issues
        .sort_by_key(|i| i.span.as_ref().map_or(0, |s| s.start));
    v.issues
}

/// Collects the issues of one file.
struct Validator<'f> {
    file: &'f ScenarioFile,
    issues: Vec<Issue>,
}

impl<'f> Validator<'f> {
    /// Records `message` at `span`.
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.issues.push(Issue {
            span: Some(span),
            message: message.into(),
        });
    }

    /// Records the error of `result`, if any, at `span`.
    fn check(&mut self, span: Range<usize>, result: Result<(), String>) {
        if let Err(message) = result {
            self.error(span, message);
        }
    }

    /// Records a problem of the file as a whole.
    fn file_error(&mut self, message: impl Into<String>) {
        self.issues.push(Issue {
            span: None,
            message: message.into(),
        });
    }

    fn check_name(&mut self) {
        let name = &self.file.name;
        if name.get_ref().trim().is_empty() {
            self.error(
                name.span(),
                "empty scenario name, expected a short description",
            );
        }
    }

    fn check_tags(&mut self) {
        let mut seen = BTreeSet::new();
        let mut profile_tag: Option<&str> = None;
        for tag in &self.file.tags {
            let t = tag.get_ref().as_str();
            if t.is_empty()
                || !t
                    .chars()
                    .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '-'))
            {
                self.error(
                    tag.span(),
                    format!("invalid tag `{t}`, expected lowercase letters, digits, `_` and `-`"),
                );
            } else if !seen.insert(t) {
                self.error(tag.span(), format!("duplicate tag `{t}`"));
            } else if matches!(t, CORE_TAG | STRICT_TAG) {
                if let Some(first) = profile_tag {
                    self.error(
                        tag.span(),
                        format!(
                            "tags `{first}` and `{t}` both name a profile, expected at most one \
                             of `{CORE_TAG}` and `{STRICT_TAG}`"
                        ),
                    );
                }
                profile_tag = Some(t);
            }
        }
    }

    fn check_rules(&mut self) {
        if self.file.rules.is_empty() {
            self.file_error(
                "no rules, expected at least one contract rule id in `rules` (for example \
                 `rules = [\"R1\"]`)",
            );
        }
        let strict_tagged = self.tags_contain(STRICT_TAG);
        let mut seen = BTreeSet::new();
        for id in &self.file.rules {
            let Some(rule) = self.rule(id) else { continue };
            if !seen.insert(rule.id) {
                self.error(id.span(), format!("duplicate rule id `{}`", rule.id));
            } else if rule.profile == Profile::Strict && !strict_tagged {
                self.error(
                    id.span(),
                    format!(
                        "rule `{}` belongs to the strict profile, so the scenario must be tagged \
                         `{STRICT_TAG}` (add `\"{STRICT_TAG}\"` to `tags`)",
                        rule.id
                    ),
                );
            }
        }
    }

    /// Looks up a cited rule id, reporting an unknown one.
    fn rule(&mut self, id: &Spanned<String>) -> Option<&'static contract::Rule> {
        let rule = contract::rule(id.get_ref());
        if rule.is_none() {
            self.error(
                id.span(),
                format!(
                    "unknown rule id `{}`, expected a contract rule id such as `R1` or `K1`{}",
                    id.get_ref(),
                    did_you_mean(id.get_ref(), contract::RULES.iter().map(|r| r.id))
                ),
            );
        }
        rule
    }

    fn check_identities_and_clients(&mut self) {
        for (name, spec) in &self.file.identities {
            if !is_simple_name(name) {
                self.error(
                    spec.span(),
                    format!(
                        "invalid identity name `{name}`, expected letters, digits, `_` and `-`, \
                         not starting with a digit"
                    ),
                );
            }
        }
        let mut seen = BTreeSet::new();
        for client in &self.file.clients {
            let c = client.get_ref().as_str();
            if !is_simple_name(c) {
                self.error(
                    client.span(),
                    format!(
                        "invalid client name `{c}`, expected letters, digits, `_` and `-`, not \
                         starting with a digit"
                    ),
                );
            } else if !seen.insert(c) {
                self.error(client.span(), format!("duplicate client `{c}`"));
            }
        }
    }

    fn tags_contain(&self, tag: &str) -> bool {
        self.file.tags.iter().any(|t| t.get_ref() == tag)
    }
}

/// `[A-Za-z_][A-Za-z0-9_-]*`: identity and client names (no `.`, so templates can name them).
fn is_simple_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

#[cfg(test)]
mod step_kind_tests;
#[cfg(test)]
mod tests;
