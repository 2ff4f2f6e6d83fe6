//! Loads a scenario directory straight into plan scenarios: [`crate::scenario::load_dir`]
//! (read, parse, validate every file) then [`resolve`](super::resolve::resolve) each.

use std::path::Path;

use super::model::Scenario;
use super::resolve::resolve;
use crate::scenario::{LoadError, ScenarioError, load_dir as load_files};

/// The plan scenarios of a directory, and the files that could not be loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Resolved scenarios, sorted by id.
    pub scenarios: Vec<Scenario>,
    /// `(id, error)` for every invalid file, sorted by id.
    pub errors: Vec<(String, ScenarioError)>,
}

/// Loads every `*.toml` under `root` (see [`crate::scenario::load_dir`]) and resolves each
/// valid file; a file that does not resolve joins the errors.
pub fn load_dir(root: &Path) -> Result<Loaded, LoadError> {
    let files = load_files(root)?;
    let mut loaded = Loaded {
        scenarios: Vec::with_capacity(files.scenarios.len()),
        errors: files.errors,
    };
    for file in &files.scenarios {
        match resolve(file) {
            Ok(s) => loaded.scenarios.push(s),
            Err(e) => loaded.errors.push((file.id.clone(), e)),
        }
    }
    loaded.errors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(loaded)
}
