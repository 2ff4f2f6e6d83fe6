//! Architecture rules of the crate, checked on its source text.
//!
//! Data flows one way: scenario files are parsed and validated (`scenario`), bound into a
//! plan, run (`run`) and reported (`report`). Two rules keep it that way:
//!
//! - `no_import_cycles_between_files`: no circle between files. Every `.rs` file under `src/`
//!   is a node; every path of the crate's own it writes (`use` declarations, `crate::…`,
//!   `super::…`, `self::…` paths in code) is an edge to the file of the longest module prefix
//!   of that path (re-exports are not followed). A strongly connected component of more than
//!   one file fails the test, listing each import inside it as `file:line -> file (path)`.
//! - `run_never_sees_the_scenario_file_model_or_toml`: `run/` consumes the resolved plan,
//!   never the TOML file model: no file under `src/run/` names `crate::scenario`, the `toml`
//!   crate or `Spanned`.
//! - `containers_go_through_testcontainers`: outside the containers target's one bollard
//!   module (`src/targets/containers/engine/`), no file names the `bollard` crate or calls a
//!   bollard container lifecycle method (`create_container`, `start_container`,
//!   `remove_container`, …): containers are created, started and removed by testcontainers.
//!
//! Test code is left out: inline `#[cfg(test)] mod … { … }` blocks and files declared by
//! `#[cfg(test)] mod name;` (with their subtrees). So is `src/main.rs`, which only calls the
//! library. The checker reads files only (std only, no link to the library): `lex` blanks
//! comments and literals and drops test blocks, `paths` finds the written paths, `graph`
//! resolves them and finds the cycles. `checker` tests it on small in-memory crates.

mod checker;
mod docker;
mod graph;
mod lex;
mod paths;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use docker::{BOLLARD_MODULE, docker_rule_violations};
use graph::{Crate, cycle_report, display};
use lex::{Tok, Token};

/// Every `.rs` file under the crate's `src/`, keyed by its path relative to the crate root.
fn real_sources() -> BTreeMap<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = BTreeMap::new();
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text =
                    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let relative = path.strip_prefix(root).expect("under the crate root");
                sources.insert(relative.to_path_buf(), text);
            }
        }
    }
    sources
}

/// What files under `src/run/` must not name: `file:line: path (why)`, sorted.
fn run_rule_violations(krate: &Crate) -> Vec<String> {
    let mut found: Vec<(PathBuf, usize, String)> = Vec::new();
    for r in krate.references() {
        if r.from.starts_with("src/run") && r.target.first().is_some_and(|s| s == "scenario") {
            let why = format!("{} (resolves into {})", r.text, display(&r.to));
            found.push((r.from, r.line, why));
        }
    }
    for (path, file) in krate.files.iter().filter(|(p, _)| p.starts_with("src/run")) {
        for p in file.paths.iter().filter(|p| p.first_name() == Some("toml")) {
            found.push((
                path.clone(),
                p.line,
                format!("{} (the toml crate)", p.text()),
            ));
        }
        for Token { line, .. } in file
            .tokens
            .iter()
            .filter(|t| t.tok == Tok::Ident("Spanned".into()))
        {
            found.push((path.clone(), *line, "Spanned (a TOML span)".to_string()));
        }
    }
    found.sort();
    found.dedup();
    found
        .into_iter()
        .map(|(path, line, why)| format!("{}:{line}: {why}", display(&path)))
        .collect()
}

#[test]
fn no_import_cycles_between_files() {
    let cycles = Crate::from_sources(&real_sources()).cycles();
    assert!(cycles.is_empty(), "{}", cycle_report(&cycles));
}

#[test]
fn run_never_sees_the_scenario_file_model_or_toml() {
    let violations = run_rule_violations(&Crate::from_sources(&real_sources()));
    assert!(
        violations.is_empty(),
        "{} reference(s) from src/run/ to the scenario file model or TOML; run/ consumes the \
         resolved Plan only:\n{}\n",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn containers_go_through_testcontainers() {
    let violations = docker_rule_violations(&Crate::from_sources(&real_sources()));
    assert!(
        violations.is_empty(),
        "{} direct use(s) of bollard outside {BOLLARD_MODULE}/; create, start and remove \
         containers through testcontainers:\n{}\n",
        violations.len(),
        violations.join("\n")
    );
}
