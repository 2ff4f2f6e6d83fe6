//! Checks of parallel groups (`parallel = "<group>"`): consecutive steps with the same label
//! start together and are joined before the next step. A group has at least two steps, all
//! consecutive (a label may not come back after another step), each on its own client (one
//! jar cannot run two steps at once), none with `expect.within` (a group runs each step once),
//! and no `same_json_as` naming another step of the group (its response may not have arrived).
//! `{{variables}}` captured in the group are refused in it by `vars`.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use crate::scenario::model::{DEFAULT_CLIENT, Step};

use super::Validator;

impl<'f> Validator<'f> {
    /// Checks every parallel group of the file.
    pub(super) fn check_groups(&mut self) {
        let steps = &self.file.steps;
        // Each label's first run of steps, as 1-based step numbers.
        let mut runs: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        let mut start = 0;
        while start < steps.len() {
            let Some(label) = &steps[start].get_ref().parallel else {
                start += 1;
                continue;
            };
            let l = label.get_ref().as_str();
            let end = (start..steps.len())
                .find(|&i| group_of(&steps[i]) != Some(l))
                .unwrap_or(steps.len());
            if l.trim().is_empty() {
                self.error(
                    label.span(),
                    "empty parallel group name, expected a short label such as `\"logins\"`",
                );
            } else if let Some((first, last)) = runs.get(l) {
                self.error(
                    label.span(),
                    format!(
                        "parallel group `{l}` comes back after another step (it ran as steps \
                         {first} to {last}), expected the steps of a group to be consecutive \
                         (give this group another name)"
                    ),
                );
            } else {
                if end - start < 2 {
                    self.error(
                        label.span(),
                        format!(
                            "parallel group `{l}` has one step, expected at least two \
                             consecutive steps with `parallel = \"{l}\"` (or no `parallel`)"
                        ),
                    );
                }
                runs.insert(l, (start + 1, end));
            }
            self.check_group_members(l, &steps[start..end], start + 1);
            start = end;
        }
    }

    /// The steps of one group (`first` is the number of the first): different clients, no
    /// `within`, no `same_json_as` naming a step of the group.
    fn check_group_members(&mut self, group: &str, members: &'f [Spanned<Step>], first: usize) {
        let mut clients: BTreeMap<&str, usize> = BTreeMap::new();
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (offset, member) in members.iter().enumerate() {
            let number = first + offset;
            let s = member.get_ref();
            let client = s
                .client
                .as_ref()
                .map_or(DEFAULT_CLIENT, |c| c.get_ref().as_str());
            if let Some(earlier) = clients.get(client) {
                let span = s
                    .client
                    .as_ref()
                    .map_or_else(|| label_span(member), Spanned::span);
                self.error(
                    span,
                    format!(
                        "steps {earlier} and {number} of parallel group `{group}` both use \
                         client `{client}`, expected a different client for each step of a \
                         group (one jar cannot run two steps at once)"
                    ),
                );
            } else {
                clients.insert(client, number);
            }
            if let Some(within) = &s.expect.within {
                self.error(
                    within.span(),
                    format!(
                        "`within` in parallel group `{group}`, expected no `within` in a group \
                         (its steps start together and run once: wait in a step after the group)"
                    ),
                );
            }
            if let Some(same) = &s.expect.same_json_as {
                let target = &same.get_ref().step;
                if let Some(other) = names.get(target.get_ref().as_str()) {
                    self.error(
                        target.span(),
                        format!(
                            "step `{}` (step {other}) is in the same parallel group `{group}`, \
                             so its response may not have arrived yet, expected a step before \
                             the group",
                            target.get_ref()
                        ),
                    );
                }
            }
            if let Some(name) = &s.name {
                names.insert(name.get_ref(), number);
            }
        }
    }
}

/// The group label of a step, if any.
fn group_of(step: &Spanned<Step>) -> Option<&str> {
    step.get_ref()
        .parallel
        .as_ref()
        .map(|p| p.get_ref().as_str())
}

/// The span of a step's `parallel` value (the step's when it has none).
fn label_span(step: &Spanned<Step>) -> Range<usize> {
    step.get_ref()
        .parallel
        .as_ref()
        .map_or_else(|| step.span(), Spanned::span)
}
