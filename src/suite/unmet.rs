//! Scenarios the target cannot run, told in one closing line after libtest's summary: how
//! many of the run's trials ended ignored (or failed, under `--require-all`) and which
//! settings would let them run, taken from their ignore reasons
//! ([`Offer::missing`], the reasons the trials themselves give): the fewest settings that cover
//! them all, the setting that lets the most run first (`KRATOS_ADMIN_URL` stands in for the
//! test identities, so it usually leads).

use crate::plan::model::Scenario;
use crate::targets::Offer;

/// The ignore reason of every selected scenario the target cannot run, and how many were
/// selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Unmet {
    reasons: Vec<String>,
    selected: usize,
}

impl Unmet {
    /// What `offer` (the target's, from its settings; `None` for a target that offers
    /// everything) leaves `scenarios` short of.
    pub(super) fn of(scenarios: &[Scenario], offer: Option<Offer>) -> Self {
        let reasons = match offer {
            Some(offer) => scenarios
                .iter()
                .filter_map(|s| offer.missing(&s.requirements))
                .collect(),
            None => Vec::new(),
        };
        Self {
            reasons,
            selected: scenarios.len(),
        }
    }

    /// The closing line, or `None` when every scenario could run: e.g. `19 of 28 scenarios
    /// ignored, this target lacks what they need: set KRATOS_ADMIN_URL (18); OPENAPP_API_KEY
    /// (1) …`, each setting with the number of those scenarios it lets run.
    pub(super) fn closing_line(&self, require_all: bool) -> Option<String> {
        if self.reasons.is_empty() {
            return None;
        }
        let mut left: Vec<Vec<&str>> = self.reasons.iter().map(|r| alternatives(r)).collect();
        let mut settings = Vec::new();
        while !left.is_empty() {
            let mut candidates: Vec<&str> = left.iter().flatten().copied().collect();
            candidates.sort_unstable();
            candidates.dedup();
            let covered = |c: &str| left.iter().filter(|alts| alts.contains(&c)).count();
            let best = candidates
                .into_iter()
                .max_by(|a, b| covered(a).cmp(&covered(b)).then(b.cmp(a)))
                .unwrap_or_default();
            settings.push(format!("{best} ({})", covered(best)));
            left.retain(|alts| !alts.contains(&best));
        }
        let (verdict, advice) = if require_all {
            ("failed (--require-all)", "")
        } else {
            (
                "ignored",
                "; --require-all (OPENAPP_CONFORMANCE_REQUIRE_ALL) makes this a failure",
            )
        };
        Some(format!(
            "{} of {} scenario{} {verdict}, this target lacks what they need: set {}{advice}",
            self.reasons.len(),
            self.selected,
            if self.selected == 1 { "" } else { "s" },
            settings.join("; "),
        ))
    }
}

/// The settings a reason names: what follows its `set ` (`OPENAPP_TEST_IDENTIFIER and
/// OPENAPP_TEST_PASSWORD (or KRATOS_ADMIN_URL)`), without a trailing explanation.
fn settings_of(reason: &str) -> &str {
    let after = reason.split_once("set ").map_or(reason, |(_, s)| s);
    after.split(" so ").next().unwrap_or(after).trim()
}

/// The ways a reason offers, each of which lets its scenario run: `A and B (or C)` gives
/// `A and B` and `C`.
fn alternatives(reason: &str) -> Vec<&str> {
    let settings = settings_of(reason);
    match settings.split_once(" (or ") {
        Some((first, other)) => vec![first, other.trim_end_matches(')')],
        None => vec![settings],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unmet(reasons: &[&str], selected: usize) -> Unmet {
        Unmet {
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            selected,
        }
    }

    #[test]
    fn the_line_names_the_settings_of_the_most_scenarios_first() {
        let admin = "needs the Kratos admin API: set KRATOS_ADMIN_URL";
        let fresh = "needs several identities of one kind: set KRATOS_ADMIN_URL so the harness can create them";
        let key = "needs a valid API key: set OPENAPP_API_KEY";
        let user = "needs a provisioned identity: set OPENAPP_TEST_IDENTIFIER and OPENAPP_TEST_PASSWORD (or KRATOS_ADMIN_URL)";
        let line = unmet(&[key, admin, fresh, user, user], 28)
            .closing_line(false)
            .unwrap();
        assert_eq!(
            line,
            "5 of 28 scenarios ignored, this target lacks what they need: set KRATOS_ADMIN_URL (4); OPENAPP_API_KEY (1); --require-all (OPENAPP_CONFORMANCE_REQUIRE_ALL) makes this a failure"
        );
        let users = unmet(&[user, key, user], 3).closing_line(false).unwrap();
        assert!(
            users.contains("set KRATOS_ADMIN_URL (2); OPENAPP_API_KEY (1);"),
            "a tie goes to the first in alphabetical order: {users}"
        );
        let strict = unmet(&[key], 2).closing_line(true).unwrap();
        assert!(
            strict.starts_with("1 of 2 scenarios failed (--require-all)"),
            "{strict}"
        );
        assert_eq!(unmet(&[], 28).closing_line(false), None);
    }

    #[test]
    fn every_reason_an_offer_gives_names_a_setting() {
        let none = Offer {
            admin: false,
            api_key: false,
            provisioned: false,
            unprovisioned: false,
            cookie_domain: false,
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let scenarios = crate::plan::load_dir(&root)
            .expect("scenarios load")
            .scenarios;
        let got = Unmet::of(&scenarios, Some(none));
        assert!(!got.reasons.is_empty());
        let variable =
            regex::Regex::new(r"^[A-Z][A-Z_]+[A-Z]( and [A-Z_]+ \(or KRATOS_ADMIN_URL\))?$")
                .unwrap();
        for reason in &got.reasons {
            assert!(variable.is_match(settings_of(reason)), "{reason}");
        }
        assert_eq!(Unmet::of(&scenarios, None).closing_line(false), None);
    }
}
