//! Asserts a scenario's contract-level view ([`crate::report::snapshot`]) against its insta
//! snapshot: one per scenario, named after its file (`snapshots/core/r09_….snap`), for `run` and
//! the `cargo test` target alike. insta stays the engine (its file format and comparison,
//! [`file`]); what a difference writes is decided here, in one place:
//!
//! - `--update-snapshots`: the new view replaces the `.snap` file (refused when `CI` is set).
//! - `INSTA_UPDATE` as insta reads it: `always`/`1`/`force` write the `.snap`, `new` a
//!   `.snap.new`, `unseen` a `.snap.new` for a changed snapshot and a `.snap` for a new one,
//!   `no` nothing.
//! - Otherwise (`auto`) a `.snap.new` pending file for `cargo insta review`, only for the
//!   conforming embedded stack outside CI: a fault run's differences are expected-wrong, a
//!   benign switch must not change anything, and an external or containers run checks a
//!   deployment against the contract, so none of them writes into the snapshot folder.
//!
//! The binary never runs another program for this and prints no insta box and no cargo-only
//! advice; a failure's text says what was written and what to do next, on a fault run never
//! that a snapshot could be accepted.

use crate::report::changes::SnapshotChange;
use std::path::{Path, PathBuf};

mod file;
#[cfg(test)]
mod tests;

use crate::settings::{env, is_ci};
use crate::switches::{SwitchKind, Switches, find};
use crate::targets::TargetKind;
use file::{matches, pending_path, stored, write};

/// What to do with snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Compare; a missing or different snapshot fails the trial.
    Assert,
    /// Compare, and write the new snapshot when it differs (never in CI).
    Update,
    /// Do not look at snapshots.
    Off,
}

/// `INSTA_UPDATE`, read as insta reads it (unset or empty is `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstaUpdate {
    /// A pending `.snap.new` locally, nothing in CI (here: only for the conforming stack).
    #[default]
    Auto,
    /// `always` or `1`: write the `.snap` file.
    Always,
    /// `force`: write the `.snap` file, even when it matches.
    Force,
    /// `new`: write a `.snap.new` pending file.
    New,
    /// `unseen`: a `.snap` for a new snapshot, a `.snap.new` for a changed one.
    Unseen,
    /// `no`: write nothing.
    No,
}

impl InstaUpdate {
    /// The variable's value from the environment; `Err` names the values insta accepts.
    pub fn from_env() -> Result<Self, String> {
        Self::parse(env("INSTA_UPDATE").as_deref())
    }

    /// A value of the variable (`None`: unset or empty).
    fn parse(value: Option<&str>) -> Result<Self, String> {
        Ok(match value {
            None | Some("auto") => Self::Auto,
            Some("always" | "1") => Self::Always,
            Some("force") => Self::Force,
            Some("new") => Self::New,
            Some("unseen") => Self::Unseen,
            Some("no") => Self::No,
            Some(other) => {
                return Err(format!(
                    "INSTA_UPDATE=`{other}` is not one of auto, always, 1, force, new, unseen, no"
                ));
            }
        })
    }
}

/// Whose exchange a run's views show: decides whether a difference may leave a pending file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViewSource {
    /// The conforming embedded stack: the developer's loop.
    #[default]
    Reference,
    /// The embedded stack with a fault (or load) switch on: differences are expected-wrong.
    Fault,
    /// The embedded stack with benign (or fidelity) switches only: it must not differ at all.
    Benign,
    /// A deployment (external or containers target), checked against the contract.
    Deployment,
}

impl ViewSource {
    /// The source of a run on a target of `kind` with these switches on.
    pub fn of(kind: TargetKind, switches: &Switches) -> Self {
        let breaks = |name: &str| {
            find(name).is_some_and(|s| matches!(s.kind, SwitchKind::Fault | SwitchKind::Load))
        };
        match kind {
            TargetKind::External | TargetKind::Containers => Self::Deployment,
            TargetKind::Embedded if switches.names().any(breaks) => Self::Fault,
            TargetKind::Embedded if !switches.is_empty() => Self::Benign,
            TargetKind::Embedded => Self::Reference,
        }
    }
}

/// Where snapshots live and what to do with them.
#[derive(Debug, Clone)]
pub struct SnapshotConfig {
    /// The snapshot directory (profile subfolders mirror `scenarios/`).
    pub dir: PathBuf,
    /// Assert, update or off.
    pub mode: SnapshotMode,
    /// `INSTA_UPDATE` when the configuration was read.
    pub insta_update: InstaUpdate,
    /// The `cargo test` target runs the suite (its hints may name `cargo insta review`).
    pub under_cargo_test: bool,
}

impl SnapshotConfig {
    /// The settings for `dir` and `mode`, with `INSTA_UPDATE` from the environment; `Err` says
    /// what is wrong with it (a bad setting).
    pub fn new(dir: PathBuf, mode: SnapshotMode) -> Result<Self, String> {
        Ok(Self {
            dir,
            mode,
            insta_update: InstaUpdate::from_env()?,
            under_cargo_test: false,
        })
    }

    /// The `.snap` file of a scenario id (`core/r09_x` → `DIR/core/r09_x.snap`).
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.snap"))
    }

    /// What a run from `source` writes for a snapshot that differs (or, with `force`, matches);
    /// `exists`: the `.snap` file is there; `ci`: the environment says CI.
    fn write_for(&self, source: ViewSource, exists: bool, ci: bool) -> Write {
        if self.mode == SnapshotMode::Update {
            return Write::Snapshot;
        }
        match self.insta_update {
            InstaUpdate::Always | InstaUpdate::Force => Write::Snapshot,
            InstaUpdate::New => Write::Pending,
            InstaUpdate::Unseen if exists => Write::Pending,
            InstaUpdate::Unseen => Write::Snapshot,
            InstaUpdate::No => Write::Nothing,
            InstaUpdate::Auto if source == ViewSource::Reference && !ci => Write::Pending,
            InstaUpdate::Auto => Write::Nothing,
        }
    }
}

/// What a difference writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    /// The `.snap` file itself: the trial passes.
    Snapshot,
    /// A `.snap.new` beside it, for review.
    Pending,
    /// Nothing: the snapshot folder is left as it is.
    Nothing,
}

/// Checks (or updates) the snapshot of scenario `id` against this run's `view`, from a run of
/// `source`; `Err` holds the readable failure.
pub fn check(
    config: &SnapshotConfig,
    source: ViewSource,
    id: &str,
    view: &str,
) -> Result<(), String> {
    if config.mode == SnapshotMode::Off {
        return Ok(());
    }
    let path = config.path_of(id);
    let pending = pending_path(&path);
    let old = stored(&path);
    let writes = config.write_for(source, old.is_some(), is_ci());
    if let Some(old) = &old
        && matches(old, view)
    {
        if writes != Write::Nothing {
            // A pending file of an earlier run is stale now (insta removes it too).
            let _ = std::fs::remove_file(&pending);
        }
        if config.insta_update == InstaUpdate::Force && writes == Write::Snapshot {
            write(&path, id, view)?;
        }
        return Ok(());
    }
    let wrote = match writes {
        Write::Snapshot => {
            write(&path, id, view)?;
            let _ = std::fs::remove_file(&pending);
            return Ok(());
        }
        Write::Pending => {
            write(&pending, id, view)?;
            Some(pending.as_path())
        }
        Write::Nothing => None,
    };
    let shown = path.display();
    let body = match &old {
        Some(old) => format!("snapshot {shown} differs:\n{}", diff(old, view)),
        None => format!("snapshot {shown} is missing; this run's view:\n{view}"),
    };
    Err(format!("{body}\n{}", hint(config, source, wrote)))
}

/// The lines of the stored snapshot of `id` that this run's `view` changed, each with the rule
/// it enforces ([`crate::report::changes`]); empty when nothing is stored.
pub fn changes(
    config: &SnapshotConfig,
    id: &str,
    view: &str,
    rules: &[String],
) -> Vec<SnapshotChange> {
    match stored(&config.path_of(id)) {
        Some(old) => crate::report::changes::changes(
            &with_final_newline(&old),
            &with_final_newline(view),
            rules,
        ),
        None => Vec::new(),
    }
}

/// What the failure says after the diff: what was written, and what to do next (never, on a
/// fault run, that the snapshot could be accepted; never cargo-only advice from the binary).
fn hint(config: &SnapshotConfig, source: ViewSource, wrote: Option<&Path>) -> String {
    let written = match wrote {
        Some(p) => format!("this run's view is in {}; ", p.display()),
        None => "nothing was written; ".to_string(),
    };
    let accept = if config.under_cargo_test {
        "review it with `cargo insta review`, or accept it with `OPENAPP_CONFORMANCE_UPDATE_SNAPSHOTS=1 cargo test`"
    } else {
        "accept it with `openapp-conformance run --update-snapshots`"
    };
    match source {
        ViewSource::Fault => format!(
            "({written}a fault switch is on: the fault is expected to change this exchange, and a fault run's view is never a snapshot)"
        ),
        ViewSource::Benign => format!(
            "({written}benign switches must leave every snapshot as it is: this difference is a defect of the switch or of the snapshot view)"
        ),
        ViewSource::Deployment => format!(
            "({written}every conforming server gives this snapshot, so the difference is the deployment's; if the contract itself changed, {accept} against the embedded stack)"
        ),
        ViewSource::Reference if wrote.is_none() && is_ci() => format!(
            "(hint: CI never writes snapshots; run the suite locally, {accept}, and commit the file)"
        ),
        ViewSource::Reference => format!("(hint: {written}{accept})"),
    }
}

/// A unified diff of the stored snapshot and this run's view. insta gives the stored text
/// back without the view's trailing newline, so both end in exactly one newline first:
/// otherwise every diff would also show its last line as changed, with a
/// `\ No newline at end of file` marker.
fn diff(old: &str, new: &str) -> String {
    let (old, new) = (with_final_newline(old), with_final_newline(new));
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header("stored snapshot", "this run")
        .to_string()
}

/// `text` ending in exactly one newline (an empty text stays empty).
fn with_final_newline(text: &str) -> String {
    let body = text.trim_end_matches(['\n', '\r']);
    if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    }
}
