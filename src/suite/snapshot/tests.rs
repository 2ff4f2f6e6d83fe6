//! Tests of the snapshot policy: who writes what, and what each failure says.

use super::*;

const VIEW: &str = "step 1: [default] POST /auth/logout\n  POST [api]/auth/logout\n    status: 204\n    body: empty\n";

/// The changed lines of a unified diff (`-`/`+` lines, headers and markers excluded).
fn changes(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| {
            (l.starts_with('-') && !l.starts_with("---"))
                || (l.starts_with('+') && !l.starts_with("+++"))
        })
        .collect()
}

/// A snapshot folder in a temporary directory holding `core/one.snap` with [`VIEW`].
fn folder(mode: SnapshotMode, insta_update: InstaUpdate) -> (tempfile::TempDir, SnapshotConfig) {
    let dir = tempfile::tempdir().unwrap();
    let config = SnapshotConfig {
        dir: dir.path().to_path_buf(),
        mode,
        insta_update,
        under_cargo_test: false,
    };
    write(&config.path_of("core/one"), "core/one", VIEW).unwrap();
    (dir, config)
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

/// A stored snapshot as insta reads it back (without the trailing newline of the view)
/// against a view that differs in one line: the diff shows that line only, and no
/// `\ No newline at end of file` marker.
#[test]
fn a_one_line_change_diffs_only_that_line() {
    let (_dir, config) = folder(SnapshotMode::Assert, InstaUpdate::Auto);
    let old = stored(&config.path_of("core/one")).unwrap();
    assert!(diff(&old, VIEW).is_empty(), "{}", diff(&old, VIEW));
    let shown = diff(&old, &VIEW.replace("204", "200"));
    assert!(!shown.contains("No newline"), "{shown}");
    assert_eq!(changes(&shown), ["-    status: 204", "+    status: 200"]);
    // The last line changed: still one line each way.
    let shown = diff(&old, &VIEW.replace("empty", "null"));
    assert!(!shown.contains("No newline"), "{shown}");
    assert_eq!(changes(&shown), ["-    body: empty", "+    body: null"]);
}

/// Only the conforming stack outside CI writes a pending file on its own; an explicit
/// request (`--update-snapshots`, `INSTA_UPDATE`) is honoured for every source.
#[test]
fn who_writes_what() {
    use InstaUpdate::*;
    use ViewSource::*;
    let config = |mode, insta_update| SnapshotConfig {
        dir: PathBuf::new(),
        mode,
        insta_update,
        under_cargo_test: false,
    };
    let assert = |u| config(SnapshotMode::Assert, u);
    for source in [Reference, Fault, Benign, Deployment] {
        for ci in [false, true] {
            let auto = if source == Reference && !ci {
                Write::Pending
            } else {
                Write::Nothing
            };
            assert_eq!(
                assert(Auto).write_for(source, true, ci),
                auto,
                "{source:?} {ci}"
            );
            let update = config(SnapshotMode::Update, Auto);
            assert_eq!(update.write_for(source, true, ci), Write::Snapshot);
            assert_eq!(assert(Always).write_for(source, true, ci), Write::Snapshot);
            assert_eq!(assert(Force).write_for(source, true, ci), Write::Snapshot);
            assert_eq!(assert(New).write_for(source, false, ci), Write::Pending);
            assert_eq!(assert(Unseen).write_for(source, true, ci), Write::Pending);
            assert_eq!(assert(Unseen).write_for(source, false, ci), Write::Snapshot);
            assert_eq!(assert(No).write_for(source, true, ci), Write::Nothing);
        }
    }
}

/// A fault run and a deployment run leave the folder untouched and say so; the fault's
/// text never suggests accepting the view, and no text names cargo in the binary.
#[test]
fn fault_and_deployment_runs_write_nothing() {
    let (dir, config) = folder(SnapshotMode::Assert, InstaUpdate::Auto);
    let changed = VIEW.replace("204", "200");
    let before = files(dir.path());
    let fault = check(&config, ViewSource::Fault, "core/one", &changed).unwrap_err();
    let missing = check(&config, ViewSource::Fault, "core/two", VIEW).unwrap_err();
    let deployment = check(&config, ViewSource::Deployment, "core/one", &changed).unwrap_err();
    assert_eq!(files(dir.path()), before);
    for text in [&fault, &missing] {
        assert!(text.contains("nothing was written"), "{text}");
        assert!(text.contains("a fault switch is on"), "{text}");
        for word in ["accept", "--update-snapshots", "cargo", "hint"] {
            assert!(!text.contains(word), "`{word}` in: {text}");
        }
    }
    assert!(
        fault.contains("-    status: 204\n+    status: 200"),
        "{fault}"
    );
    assert!(missing.contains("is missing"), "{missing}");
    assert!(
        deployment.contains("the difference is the deployment's"),
        "{deployment}"
    );
    assert!(!deployment.contains("cargo"), "{deployment}");
    // A benign run writes nothing either, and does not offer to accept.
    let benign = check(&config, ViewSource::Benign, "core/one", &changed).unwrap_err();
    assert!(!benign.contains("accept"), "{benign}");
    assert_eq!(files(dir.path()), before);
    // Matching views pass and touch nothing.
    check(&config, ViewSource::Fault, "core/one", VIEW).unwrap();
    assert_eq!(files(dir.path()), before);
}

/// `INSTA_UPDATE=new` writes a pending file in insta's format even on a fault run (but
/// still offers no acceptance); `--update-snapshots` replaces the snapshot and removes a
/// stale pending file; the pending file of a passing snapshot is removed.
#[test]
fn explicit_requests_write() {
    let (dir, config) = folder(SnapshotMode::Assert, InstaUpdate::New);
    let changed = VIEW.replace("204", "200");
    let text = check(&config, ViewSource::Fault, "core/one", &changed).unwrap_err();
    let pending = pending_path(&config.path_of("core/one"));
    assert!(text.contains(&format!("this run's view is in {}", pending.display())));
    assert!(!text.contains("accept"), "{text}");
    assert!(matches(&stored(&pending).unwrap(), &changed));
    assert_eq!(files(dir.path()), ["core/one.snap", "core/one.snap.new"]);

    let update = SnapshotConfig {
        mode: SnapshotMode::Update,
        ..config.clone()
    };
    check(&update, ViewSource::Deployment, "core/one", &changed).unwrap();
    assert_eq!(files(dir.path()), ["core/one.snap"]);
    assert!(matches(
        &stored(&config.path_of("core/one")).unwrap(),
        &changed
    ));

    write(&pending, "core/one", VIEW).unwrap();
    check(&config, ViewSource::Reference, "core/one", &changed).unwrap();
    assert_eq!(files(dir.path()), ["core/one.snap"]);
}

#[test]
fn hints_name_the_right_tool() {
    let (_dir, mut config) = folder(SnapshotMode::Assert, InstaUpdate::Auto);
    let pending = Path::new("snapshots/core/one.snap.new");
    let binary = hint(&config, ViewSource::Reference, Some(pending));
    assert!(
        binary.contains("openapp-conformance run --update-snapshots"),
        "{binary}"
    );
    assert!(!binary.contains("cargo"), "{binary}");
    config.under_cargo_test = true;
    let cargo = hint(&config, ViewSource::Reference, Some(pending));
    assert!(cargo.contains("cargo insta review"), "{cargo}");
    assert!(!cargo.contains("cargo insta test"), "{cargo}");
}

#[test]
fn view_sources() {
    assert_eq!(InstaUpdate::default(), InstaUpdate::Auto);
    assert_eq!(
        ViewSource::of(TargetKind::Embedded, &Switches::none()),
        ViewSource::Reference
    );
    let fault = Switches::parse("sign-out-missing").unwrap();
    let benign = Switches::parse("clear-netscape-style").unwrap();
    assert_eq!(
        ViewSource::of(TargetKind::Embedded, &fault),
        ViewSource::Fault
    );
    assert_eq!(
        ViewSource::of(TargetKind::Embedded, &benign),
        ViewSource::Benign
    );
    for kind in [TargetKind::External, TargetKind::Containers] {
        assert_eq!(
            ViewSource::of(kind, &Switches::none()),
            ViewSource::Deployment
        );
    }
}

#[test]
fn insta_update_is_read_as_insta_reads_it() {
    use InstaUpdate::*;
    for (value, expected) in [
        (None, Auto),
        (Some("auto"), Auto),
        (Some("always"), Always),
        (Some("1"), Always),
        (Some("force"), Force),
        (Some("new"), New),
        (Some("unseen"), Unseen),
        (Some("no"), No),
    ] {
        assert_eq!(InstaUpdate::parse(value), Ok(expected), "{value:?}");
    }
    let bad = InstaUpdate::parse(Some("yes")).unwrap_err();
    assert!(
        bad.starts_with("INSTA_UPDATE=`yes` is not one of auto,"),
        "{bad}"
    );
}
