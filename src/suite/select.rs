//! Which scenarios a run takes: name filters, tags and skips, the same for `run`, `load` and
//! the `cargo test` target.

use crate::plan::model::{Scenario, trial_name};
use crate::scenario::ScenarioError;

/// A selection of trials: any filter (substring, or whole name with `exact`), any tag, no skip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Trial-name filters; empty selects every name.
    pub filters: Vec<String>,
    /// Filters match whole trial names.
    pub exact: bool,
    /// Tags, any of which selects a scenario; empty selects every tag.
    pub tags: Vec<String>,
    /// Substrings of trial names that drop a scenario.
    pub skip: Vec<String>,
    /// Name filters select invalid files too, as libtest's filters do (the `cargo test`
    /// target, where nextest asks each process for one trial by name). Off, an invalid file is
    /// kept whatever the name filters say.
    pub invalid_by_name: bool,
}

impl Selection {
    /// True when a trial of this name and these tags is selected.
    pub fn matches(&self, name: &str, tags: &[&str]) -> bool {
        let filtered = self.filters.is_empty()
            || self.filters.iter().any(|f| {
                if self.exact {
                    name == f
                } else {
                    name.contains(f.as_str())
                }
            });
        let tagged = self.tags.is_empty() || self.tags.iter().any(|t| tags.contains(&t.as_str()));
        let skipped = self.skip.iter().any(|s| name.contains(s.as_str()));
        filtered && tagged && !skipped
    }

    /// Keeps the selected scenarios. Invalid files have no tags to read, so a tag filter drops
    /// them; without one they are kept whatever the name filters say, so that a broken file is
    /// never silently skipped, unless `invalid_by_name` (then a name filter and skips apply).
    pub fn apply(&self, scenarios: &mut Vec<Scenario>, invalid: &mut Vec<(String, ScenarioError)>) {
        scenarios.retain(|s| self.matches(&trial_name(&s.id), &s.tags()));
        invalid.retain(|(id, _)| {
            let by_name = Selection {
                tags: Vec::new(),
                ..self.clone()
            };
            if self.invalid_by_name {
                self.tags.is_empty() && by_name.matches(&trial_name(id), &[])
            } else {
                self.tags.is_empty() || self.matches(&trial_name(id), &[])
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(filters: &[&str], exact: bool, tags: &[&str], skip: &[&str]) -> Selection {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        Selection {
            filters: v(filters),
            exact,
            tags: v(tags),
            skip: v(skip),
            invalid_by_name: false,
        }
    }

    #[test]
    fn filters_tags_and_skips_combine() {
        let name = "core::r10_logout_clears";
        assert!(sel(&[], false, &[], &[]).matches(name, &["core"]));
        assert!(sel(&["r10"], false, &[], &[]).matches(name, &["core"]));
        assert!(!sel(&["r10"], true, &[], &[]).matches(name, &["core"]));
        assert!(sel(&[name], true, &[], &[]).matches(name, &["core"]));
        assert!(!sel(&[], false, &["strict"], &[]).matches(name, &["core"]));
        assert!(sel(&[], false, &["strict", "core"], &[]).matches(name, &["core"]));
        assert!(!sel(&[], false, &[], &["logout"]).matches(name, &["core"]));
        assert!(!sel(&["r10"], false, &["core"], &["r10"]).matches(name, &["core"]));
    }

    #[test]
    fn name_filters_select_invalid_files_only_when_asked_to() {
        let bad = || {
            vec![(
                "core/broken".to_string(),
                ScenarioError::whole_file(
                    std::path::Path::new("scenarios/core/broken.toml"),
                    "unreadable",
                ),
            )]
        };
        let kept = |s: &Selection| {
            let mut invalid = bad();
            s.apply(&mut Vec::new(), &mut invalid);
            invalid.len()
        };
        let mut s = sel(&["core::r01"], true, &[], &[]);
        assert_eq!(kept(&s), 1, "run keeps a broken file whatever the filters");
        s.invalid_by_name = true;
        assert_eq!(
            kept(&s),
            0,
            "cargo test filters it by name, as libtest does"
        );
        s.filters = vec!["core::broken".into()];
        assert_eq!(kept(&s), 1);
        s.skip = vec!["broken".into()];
        assert_eq!(kept(&s), 0);
    }
}
