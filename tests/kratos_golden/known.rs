//! The known differences between the emulator and Kratos v1.3.1, in one list. Each entry
//! matches by scenario file, optionally step name and field prefix; its `id` must appear in
//! `docs/kratos-emulator.md` with the reason it is harmless. A difference that matches no
//! entry fails the replay, and so does an entry that no longer matches anything.

use crate::replay::Diff;

/// One accepted difference.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KnownDifference {
    /// A short stable name, quoted in `docs/kratos-emulator.md`.
    pub id: &'static str,
    /// The scenario file stem.
    pub scenario: &'static str,
    /// The step name (`None`: every step of the scenario).
    pub step: Option<&'static str>,
    /// A prefix of the field (`None`: every field).
    pub field: Option<&'static str>,
    /// Why the emulator differs and why it does not matter.
    pub reason: &'static str,
}

/// Every known difference.
pub(crate) const KNOWN_DIFFERENCES: &[KnownDifference] = &[KnownDifference {
    id: "no-self-service-registration",
    scenario: "18_registration_api",
    step: None,
    field: None,
    reason: "the emulator does not implement self-service registration: the harness creates identities through the admin API, and no scenario registers",
}];

impl KnownDifference {
    /// Does this entry cover `diff`?
    pub(crate) fn covers(&self, diff: &Diff) -> bool {
        diff.scenario == self.scenario
            && self.step.is_none_or(|s| s == diff.step)
            && self.field.is_none_or(|f| diff.diff.field.starts_with(f))
    }
}

/// The entry that covers `diff`, if any.
pub(crate) fn known(diff: &Diff) -> Option<&'static KnownDifference> {
    KNOWN_DIFFERENCES.iter().find(|k| k.covers(diff))
}
