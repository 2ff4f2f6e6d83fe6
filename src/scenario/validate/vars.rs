//! Which `{{variables}}` a step may use, and checks of the templates that use them.
//!
//! Defined before a step: the built-ins `cookie_domain`, `kratos_public_url` and
//! `identity.NAME.{id,identifier,
//! password}` for each declared identity, and every `capture` key of an earlier step. A step's
//! own captures are not visible anywhere in that step, and those of a parallel group nowhere in
//! the group (its steps run at the same time): they are defined once the group has run.

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::template;
use crate::scenario::error::did_you_mean;

use super::values::{IDENTITY_FIELDS, list};

/// The built-in variable holding the target's cookie domain.
pub const COOKIE_DOMAIN: &str = "cookie_domain";

/// The built-in variable holding the target's configured Kratos public URL, without a trailing
/// slash (K7: flow URLs start with it).
pub const KRATOS_PUBLIC_URL: &str = "kratos_public_url";

/// The variables in scope at one step of a scenario.
pub(super) struct Scope<'f> {
    /// Declared identity names.
    identities: BTreeSet<&'f str>,
    /// Captures of the steps before the current one.
    defined: BTreeSet<&'f str>,
    /// Captures of the current step.
    own: BTreeSet<&'f str>,
    /// Captures of the earlier steps of the current parallel group, with the group's label.
    in_group: BTreeMap<&'f str, &'f str>,
    /// Every capture key of the scenario with the index of the first step that captures it.
    first_capture: BTreeMap<&'f str, usize>,
}

impl<'f> Scope<'f> {
    /// A scope before the first step. `captures` lists each step's capture keys, in order.
    pub(super) fn new(
        identities: impl IntoIterator<Item = &'f str>,
        captures: &[Vec<&'f str>],
    ) -> Self {
        let mut first_capture = BTreeMap::new();
        for (index, keys) in captures.iter().enumerate() {
            for key in keys {
                first_capture.entry(*key).or_insert(index);
            }
        }
        Self {
            identities: identities.into_iter().collect(),
            defined: BTreeSet::new(),
            own: BTreeSet::new(),
            in_group: BTreeMap::new(),
            first_capture,
        }
    }

    /// Enters a step whose own capture keys are `own`.
    pub(super) fn enter(&mut self, own: impl IntoIterator<Item = &'f str>) {
        self.own = own.into_iter().collect();
    }

    /// Leaves the current step: its captures (and those of the parallel group it ends) become
    /// visible to the steps after it.
    pub(super) fn leave(&mut self) {
        let own = std::mem::take(&mut self.own);
        self.defined.extend(own);
        let group = std::mem::take(&mut self.in_group);
        self.defined.extend(group.into_keys());
    }

    /// Leaves a step of parallel group `group` that the next step continues: its captures
    /// stay invisible until the group ends.
    pub(super) fn leave_in_group(&mut self, group: &'f str) {
        for own in std::mem::take(&mut self.own) {
            self.in_group.insert(own, group);
        }
    }

    /// Checks every placeholder of `s`: well-formed, and each variable defined.
    pub(super) fn check_template(&self, s: &str) -> Result<(), String> {
        for (_, name) in template::placeholders(s)? {
            self.check_variable(name)?;
        }
        Ok(())
    }

    /// Checks every string anywhere inside a TOML value (array items, table values).
    pub(super) fn check_value(&self, value: &toml::Value) -> Result<(), String> {
        match value {
            toml::Value::String(s) => self.check_template(s),
            toml::Value::Array(items) => items.iter().try_for_each(|v| self.check_value(v)),
            toml::Value::Table(table) => table.values().try_for_each(|v| self.check_value(v)),
            _ => Ok(()),
        }
    }

    fn check_variable(&self, name: &str) -> Result<(), String> {
        if let Some(rest) = name.strip_prefix("identity.") {
            return self.check_identity_variable(name, rest);
        }
        if let Some(group) = self.in_group.get(name) {
            return Err(format!(
                "variable `{name}` is captured by another step of parallel group `{group}`, \
                 which runs at the same time, so it is not defined until the group has run"
            ));
        }
        if name == COOKIE_DOMAIN || name == KRATOS_PUBLIC_URL || self.defined.contains(name) {
            return Ok(());
        }
        if self.own.contains(name) {
            return Err(format!(
                "variable `{name}` is captured by this step, so it is not defined until the \
                 step after it"
            ));
        }
        if self.first_capture.contains_key(name) {
            return Err(format!(
                "variable `{name}` is used before the step that captures it"
            ));
        }
        let builtins = self.identity_variables();
        let known = self
            .defined
            .iter()
            .copied()
            .chain(builtins.iter().map(String::as_str))
            .chain([COOKIE_DOMAIN, KRATOS_PUBLIC_URL]);
        Err(format!(
            "undefined variable `{name}`, expected `{COOKIE_DOMAIN}`, `{KRATOS_PUBLIC_URL}`, \
             `identity.NAME.id|identifier|password` or a `capture` of an earlier step{}",
            did_you_mean(name, known)
        ))
    }

    fn check_identity_variable(&self, name: &str, rest: &str) -> Result<(), String> {
        let Some((identity, field)) = rest.split_once('.') else {
            return Err(format!(
                "invalid identity variable `{name}`, expected `identity.NAME.FIELD` with FIELD \
                 one of {}",
                list(IDENTITY_FIELDS)
            ));
        };
        if !self.identities.contains(identity) {
            let declared = if self.identities.is_empty() {
                " (no identities are declared)".to_string()
            } else {
                did_you_mean(identity, self.identities.iter().copied())
            };
            return Err(format!(
                "unknown identity `{identity}` in `{{{{{name}}}}}`, expected an identity \
                 declared under `identities`{declared}"
            ));
        }
        if !IDENTITY_FIELDS.contains(&field) {
            return Err(format!(
                "unknown identity field `{field}` in `{{{{{name}}}}}`, expected one of {}{}",
                list(IDENTITY_FIELDS),
                did_you_mean(field, IDENTITY_FIELDS.iter().copied())
            ));
        }
        Ok(())
    }

    fn identity_variables(&self) -> Vec<String> {
        self.identities
            .iter()
            .flat_map(|i| {
                IDENTITY_FIELDS
                    .iter()
                    .map(move |f| format!("identity.{i}.{f}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope<'a>(captures: &'a [Vec<&'a str>]) -> Scope<'a> {
        Scope::new(["alice"], captures)
    }

    #[test]
    fn builtins_are_always_defined() {
        let s = scope(&[]);
        assert!(
            s.check_template("{{cookie_domain}}/{{identity.alice.id}}")
                .is_ok()
        );
        assert!(s.check_template("{{ identity.alice.password }}").is_ok());
        assert!(s.check_template("no variables").is_ok());
    }

    #[test]
    fn identity_variables_name_declared_identities_and_known_fields() {
        let s = scope(&[]);
        let err = s.check_template("{{identity.alcie.id}}").unwrap_err();
        assert!(
            err.starts_with("unknown identity `alcie` in `{{identity.alcie.id}}`"),
            "{err}"
        );
        assert!(err.ends_with("(did you mean `alice`?)"), "{err}");
        let err = s.check_template("{{identity.alice.email}}").unwrap_err();
        assert!(err.starts_with("unknown identity field `email`"), "{err}");
        assert!(
            s.check_template("{{identity.alice}}")
                .unwrap_err()
                .contains("identity.NAME.FIELD")
        );
        let none = Scope::new([], &[]);
        assert!(
            none.check_template("{{identity.bob.id}}")
                .unwrap_err()
                .contains("no identities")
        );
    }

    #[test]
    fn captures_are_visible_only_after_their_step() {
        let captures = vec![vec![], vec!["flow_id"], vec![]];
        let mut s = scope(&captures);
        s.enter([]);
        let err = s.check_template("/x?flow={{flow_id}}").unwrap_err();
        assert_eq!(
            err,
            "variable `flow_id` is used before the step that captures it"
        );
        s.leave();
        s.enter(["flow_id"]);
        assert!(
            s.check_template("{{flow_id}}")
                .unwrap_err()
                .contains("captured by this step")
        );
        s.leave();
        s.enter([]);
        assert!(s.check_template("{{flow_id}}").is_ok());
    }

    #[test]
    fn a_groups_captures_are_visible_only_after_the_group() {
        let captures = vec![vec!["a"], vec!["b"], vec![]];
        let mut s = scope(&captures);
        s.enter(["a"]);
        s.leave_in_group("p1");
        s.enter(["b"]);
        let err = s.check_template("{{a}}").unwrap_err();
        assert!(
            err.starts_with("variable `a` is captured by another step of parallel group `p1`"),
            "{err}"
        );
        s.leave();
        s.enter([]);
        assert!(s.check_template("{{a}}{{b}}").is_ok());
    }

    #[test]
    fn undefined_variables_get_a_suggestion() {
        let captures = vec![vec!["flow_id"]];
        let mut s = scope(&captures);
        s.enter(["flow_id"]);
        s.leave();
        let err = s.check_template("{{flowid}}").unwrap_err();
        assert!(err.starts_with("undefined variable `flowid`"), "{err}");
        assert!(err.ends_with("(did you mean `flow_id`?)"), "{err}");
        assert!(
            s.check_template("{{cookie_domian}}")
                .unwrap_err()
                .contains("`cookie_domain`?")
        );
    }

    #[test]
    fn values_are_checked_at_any_depth() {
        let s = scope(&[]);
        let value: toml::Value = toml::from_str("a = { b = [1, \"{{nope}}\"] }").unwrap();
        assert!(s.check_value(&value).unwrap_err().contains("`nope`"));
        let value: toml::Value = toml::from_str("a = { b = [1, \"{{cookie_domain}}\"] }").unwrap();
        assert!(s.check_value(&value).is_ok());
        assert!(
            s.check_value(&toml::Value::String("{{x".into()))
                .unwrap_err()
                .starts_with("unclosed")
        );
    }
}
