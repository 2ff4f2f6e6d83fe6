//! Loads a scenario directory straight into plan scenarios: [`crate::scenario::load_dir`]
//! (read, parse, validate every file) then [`resolve`](super::resolve::resolve) each, with the
//! named settings of the environment ([`load_dir`]) or given ones ([`load_dir_with`]).

use std::path::Path;

use super::model::Scenario;
use super::resolve::{ResolveError, resolve};
use super::settings::Settings;
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
/// valid file with the settings of the environment ([`Settings::from_env`]); see
/// [`load_dir_with`].
pub fn load_dir(root: &Path) -> Result<Loaded, LoadError> {
    load_dir_with(root, &Settings::from_env())
}

/// Loads and resolves every scenario under `root`, reading named settings from `settings`. A
/// file that does not resolve joins the errors; a setting with an invalid value is
/// [`LoadError::Setting`] (a configuration error: exit code 2).
pub fn load_dir_with(root: &Path, settings: &Settings) -> Result<Loaded, LoadError> {
    let files = load_files(root)?;
    let mut loaded = Loaded {
        scenarios: Vec::with_capacity(files.scenarios.len()),
        errors: files.errors,
    };
    for file in &files.scenarios {
        match resolve(file, settings) {
            Ok(s) => loaded.scenarios.push(s),
            Err(ResolveError::File(e)) => loaded.errors.push((file.id.clone(), e)),
            Err(ResolveError::Setting { path, source }) => {
                return Err(LoadError::Setting { path, source });
            }
        }
    }
    loaded.errors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(loaded)
}
