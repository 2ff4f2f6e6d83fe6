//! One snapshot file in insta's format, through insta's public API: [`insta::Snapshot::from_file`]
//! reads a stored `.snap`, insta's `TextSnapshotContents` normalises and compares
//! (`matches_latest`), and the files written here (`.snap`, and `.snap.new` pending files that
//! `cargo insta review` lists) are byte for byte what insta writes for the same metadata (a
//! test saves one through [`insta::Snapshot::save`] and compares).
//!
//! insta's assertion macro is not used: it runs `cargo metadata` to find the workspace (a
//! second program on every run, and a warning on machines without cargo), writes pending files
//! on its own terms and prints its summary box and cargo-only advice on stdout.

use std::path::{Path, PathBuf};

use insta::TextSnapshotKind;
use insta::internals::TextSnapshotContents;

/// The `source` every snapshot names (the file that asserts them), as insta records it.
const SOURCE: &str = "src/suite/snapshot.rs";

/// The stored snapshot's text (as insta reads it back), or `None` when the file is missing or
/// is not a snapshot (insta treats an unparsable file as missing too).
pub(super) fn stored(path: &Path) -> Option<String> {
    let snap = insta::Snapshot::from_file(path).ok()?;
    snap.contents().as_text().map(|t| t.to_string())
}

/// insta's comparison: the stored text matches this run's view once both are normalised.
pub(super) fn matches(stored: &str, view: &str) -> bool {
    let old = TextSnapshotContents::new(stored.to_string(), TextSnapshotKind::File);
    old.matches_latest(&TextSnapshotContents::new(
        view.to_string(),
        TextSnapshotKind::File,
    ))
}

/// The pending file of a snapshot file (`x.snap` → `x.snap.new`, insta's name).
pub(super) fn pending_path(path: &Path) -> PathBuf {
    path.with_extension("snap.new")
}

/// The full text of the snapshot file of scenario `id` holding `view`.
pub(super) fn file_text(id: &str, view: &str) -> String {
    let description = format!("contract-level view of scenario {id}");
    let contents = TextSnapshotContents::new(view.to_string(), TextSnapshotKind::File);
    format!(
        "---\nsource: {SOURCE}\ndescription: {}\n---\n{contents}\n",
        yaml_scalar(&description)
    )
}

/// Writes the snapshot file (or pending file) `path` of scenario `id`, creating its folder.
pub(super) fn write(path: &Path, id: &str, view: &str) -> Result<(), String> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|e| {
            format!(
                "cannot create the snapshot folder {}: {e}",
                folder.display()
            )
        })?;
    }
    std::fs::write(path, file_text(id, view))
        .map_err(|e| format!("cannot write the snapshot {}: {e}", path.display()))
}

/// `text` as a YAML scalar: plain when it is made of characters that never need quoting, else
/// double-quoted with JSON escapes (a valid YAML double-quoted scalar).
fn yaml_scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-./".contains(c))
        && !text.ends_with(' ');
    if plain {
        text.to_string()
    } else {
        serde_json::Value::from(text).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEW: &str = "step 1: [default] GET /auth/whoami\n  GET [api]/auth/whoami\n    status: 200\n    body: null\n";

    /// What we write is what insta writes: insta reads our file, and saving it again through
    /// insta's own writer gives the same bytes; the committed snapshots have that form too.
    #[test]
    fn files_are_byte_for_byte_insta_files() {
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("ours.snap");
        write(&ours, "core/r01_x", VIEW).unwrap();
        let snap = insta::Snapshot::from_file(&ours).unwrap();
        assert_eq!(
            snap.metadata().description(),
            Some("contract-level view of scenario core/r01_x")
        );
        assert_eq!(snap.metadata().source(), Some(SOURCE));
        let theirs = dir.path().join("theirs.snap");
        snap.save(&theirs).unwrap();
        assert_eq!(
            std::fs::read_to_string(&ours).unwrap(),
            std::fs::read_to_string(&theirs).unwrap()
        );
        let committed =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/core/r01_anonymous_is_null.snap");
        let text = std::fs::read_to_string(&committed).unwrap();
        let view = stored(&committed).unwrap();
        assert_eq!(file_text("core/r01_anonymous_is_null", &view), text);
    }

    #[test]
    fn unusual_ids_are_quoted_and_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.snap");
        let id = "core/x: y # \"z\"";
        write(&path, id, VIEW).unwrap();
        let snap = insta::Snapshot::from_file(&path).unwrap();
        assert_eq!(
            snap.metadata().description(),
            Some(format!("contract-level view of scenario {id}").as_str())
        );
        assert!(matches(&stored(&path).unwrap(), VIEW));
    }

    #[test]
    fn comparison_is_instas_normalised_one() {
        assert!(matches(VIEW.trim_end(), VIEW));
        assert!(matches(&VIEW.replace('\n', "\r\n"), VIEW));
        assert!(!matches(VIEW, &VIEW.replace("200", "401")));
    }

    #[test]
    fn missing_files_read_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(stored(&dir.path().join("none.snap")), None);
        assert_eq!(
            pending_path(Path::new("a/b.snap")),
            Path::new("a/b.snap.new")
        );
    }
}
