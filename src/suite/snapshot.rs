//! Asserts a scenario's contract-level view ([`crate::report::snapshot`]) with insta: one
//! snapshot per scenario, named after its file (`snapshots/core/r09_….snap`), for `run` and the
//! `cargo test` target alike. insta decides what to write (`.snap.new` locally, nothing when
//! `CI` is set; `INSTA_UPDATE` and `cargo insta review` work as usual); `--update-snapshots`
//! accepts new snapshots directly for users without cargo-insta.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Once;

use crate::settings::is_ci;

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

/// Where snapshots live and what to do with them.
#[derive(Debug, Clone)]
pub struct SnapshotConfig {
    /// The snapshot directory (profile subfolders mirror `scenarios/`).
    pub dir: PathBuf,
    /// Assert, update or off.
    pub mode: SnapshotMode,
}

impl SnapshotConfig {
    /// The `.snap` file of a scenario id (`core/r09_x` → `DIR/core/r09_x.snap`).
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.snap"))
    }
}

/// Keeps insta's own panic message out of the (parallel, interleaving) output: the trial's
/// failure text carries a readable diff instead.
fn quiet_snapshot_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !msg.contains("snapshot assertion for") {
                previous(info);
            }
        }));
    });
}

/// The stored snapshot's contents, if the file exists.
fn stored(path: &Path) -> Option<String> {
    let snap = insta::Snapshot::from_file(path).ok()?;
    snap.contents().as_text().map(|t| t.to_string())
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

/// Checks (or updates) the snapshot of one scenario; `Err` holds the readable failure.
pub fn check(config: &SnapshotConfig, id: &str, content: &str) -> Result<(), String> {
    if config.mode == SnapshotMode::Off {
        return Ok(());
    }
    // insta reads a relative snapshot path as relative to this source file: make it absolute.
    let path = match std::path::absolute(config.path_of(id)) {
        Ok(p) => p,
        Err(e) => return Err(format!("cannot resolve the snapshot directory: {e}")),
    };
    let (folder, name) = match (path.parent(), path.file_stem().and_then(|s| s.to_str())) {
        (Some(f), Some(n)) => (f.to_path_buf(), n.to_string()),
        _ => return Err(format!("cannot name a snapshot file for `{id}`")),
    };
    quiet_snapshot_panics();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&folder);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!("contract-level view of scenario {id}"));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.as_str(), content));
    }));
    if outcome.is_ok() {
        return Ok(());
    }
    let new_path = path.with_extension("snap.new");
    if config.mode == SnapshotMode::Update
        && let Ok(new) = insta::Snapshot::from_file(&new_path)
        && new.save(&path).is_ok()
    {
        let _ = std::fs::remove_file(&new_path);
        return Ok(());
    }
    let shown = path.display();
    let body = match stored(&path) {
        Some(old) => format!("snapshot {shown} differs:\n{}", diff(&old, content)),
        None => format!("snapshot {shown} is missing; this run's view:\n{content}"),
    };
    let hint = if is_ci() {
        "(hint: CI never writes snapshots; update them locally with `cargo insta review` or `openapp-conformance run --update-snapshots` and commit them)"
    } else {
        "(hint: review with `cargo insta review`, or accept with `openapp-conformance run --update-snapshots`)"
    };
    Err(format!("{body}\n{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The changed lines of a unified diff (`-`/`+` lines, headers and markers excluded).
    fn changes(diff: &str) -> Vec<&str> {
        diff.lines()
            .filter(|l| {
                (l.starts_with('-') && !l.starts_with("---"))
                    || (l.starts_with('+') && !l.starts_with("+++"))
            })
            .collect()
    }

    /// A stored snapshot as insta reads it back (without the trailing newline of the view)
    /// against a view that differs in one line: the diff shows that line only, and no
    /// `\ No newline at end of file` marker.
    #[test]
    fn a_one_line_change_diffs_only_that_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.snap");
        let view = "step 1: [default] POST /auth/logout\n  POST [api]/auth/logout\n    status: 204\n    body: empty\n";
        std::fs::write(
            &path,
            format!("---\nsource: src/suite/snapshot.rs\ndescription: test\n---\n{view}"),
        )
        .unwrap();
        let old = stored(&path).unwrap();
        assert!(diff(&old, view).is_empty(), "{}", diff(&old, view));
        let new = view.replace("204", "200");
        let shown = diff(&old, &new);
        assert!(!shown.contains("No newline"), "{shown}");
        assert_eq!(
            changes(&shown),
            ["-    status: 204", "+    status: 200"],
            "{shown}"
        );
        // The last line changed: still one line each way.
        let new = view.replace("empty", "null");
        let shown = diff(&old, &new);
        assert!(!shown.contains("No newline"), "{shown}");
        assert_eq!(
            changes(&shown),
            ["-    body: empty", "+    body: null"],
            "{shown}"
        );
    }
}
