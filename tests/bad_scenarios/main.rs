//! The broken-scenario corpus as a `cargo test` target (`harness = false`): one libtest-mimic
//! trial per `*.toml` file of this folder, named after the file's stem, so a failure names the
//! file and the others still run. Each file is copied alone into a temporary folder and
//! `openapp-conformance run --scenarios DIR` must exit 2, print the position and message of the
//! file's `.expected` line on stderr, and never panic. A last trial, `corpus_is_complete`, keeps
//! the corpus from shrinking unnoticed.
//!
//! `cargo test --test bad_scenarios -- bad_regex` (or `cargo nextest run --test bad_scenarios
//! bad_regex`) runs one file. The parser's own check of the `.expected` first lines is the unit
//! test `every_bad_scenario_fails_with_its_expected_first_line` (src/scenario/parse/tests.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use libtest_mimic::{Arguments, Failed, Trial};

/// The fewest files the corpus may hold.
const MIN_FILES: usize = 15;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_scenarios");
    let files = corpus_files(&corpus);
    let count = files.as_ref().map_or(0, Vec::len);
    let mut trials: Vec<Trial> = files
        .as_ref()
        .map(|files| {
            files
                .iter()
                .map(|file| {
                    let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
                    let file = file.clone();
                    Trial::test(stem, move || check(&file))
                })
                .collect()
        })
        .unwrap_or_default();
    trials.push(Trial::test("corpus_is_complete", move || match files {
        Err(e) => Err(e.into()),
        Ok(_) if count < MIN_FILES => Err(format!(
            "only {count} broken files in {} (at least {MIN_FILES} expected)",
            corpus.display()
        )
        .into()),
        Ok(_) => Ok(()),
    }));
    libtest_mimic::run(&args, trials).exit_code()
}

/// The corpus's `*.toml` files, sorted.
fn corpus_files(corpus: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(corpus).map_err(|e| format!("cannot read {}: {e}", corpus.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// One broken file: `run` exits 2 with the expected position and message, without a panic.
fn check(file: &Path) -> Result<(), Failed> {
    let expected_file = file.with_extension("expected");
    let expected = std::fs::read_to_string(&expected_file)
        .map_err(|e| format!("cannot read {}: {e}", expected_file.display()))?;
    // The expected line names the corpus path; the run names the copy's path.
    let position_and_message = expected
        .trim_end()
        .split_once(".toml:")
        .ok_or_else(|| {
            format!(
                "{}: no `.toml:` in `{}`",
                expected_file.display(),
                expected.trim_end()
            )
        })?
        .1;

    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let name = file.file_name().unwrap();
    std::fs::copy(file, dir.path().join(name))
        .map_err(|e| format!("cannot copy {}: {e}", file.display()))?;
    let out = Command::new(env!("CARGO_BIN_EXE_openapp-conformance"))
        .args(["run", "--scenarios"])
        .arg(dir.path())
        .env("CI", "true")
        .output()
        .map_err(|e| format!("cannot run openapp-conformance: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);

    if out.status.code() != Some(2) {
        return Err(format!(
            "{}: exit code {:?}, expected Some(2):\n{stderr}",
            file.display(),
            out.status.code()
        )
        .into());
    }
    if !stderr.contains(position_and_message) {
        return Err(format!(
            "{}: stderr lacks `{position_and_message}`:\n{stderr}",
            file.display()
        )
        .into());
    }
    if stderr.contains("panicked") {
        return Err(format!("{}: {stderr}", file.display()).into());
    }
    Ok(())
}
