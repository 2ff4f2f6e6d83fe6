//! What every entry point does before it runs anything: take the selected plan scenarios of a
//! directory ([`select`]) and connect to the target ([`connect`]). `run`, the `cargo test`
//! target and `load` all go through these two.

use std::path::Path;
use std::sync::Arc;

use super::select::Selection;
use crate::plan::model::Scenario;
use crate::plan::{Loaded, load_dir};
use crate::run::client::ClientFactory;
use crate::scenario::{LoadError, ScenarioError};
use crate::settings::INSECURE_WARNING;
use crate::targets::{Target, TargetError, TargetOptions, resolve_target};

/// The selected scenarios of a directory.
#[derive(Debug)]
pub struct Selected {
    /// Valid scenarios the selection keeps, sorted by id.
    pub scenarios: Vec<Scenario>,
    /// Invalid files the selection keeps (see [`Selection::apply`]), sorted by id.
    pub invalid: Vec<(String, ScenarioError)>,
    /// Scenario files found before selecting, valid or not.
    pub total: usize,
}

/// Loads, resolves and selects the scenarios under `dir`.
pub fn select(dir: &Path, selection: &Selection) -> Result<Selected, LoadError> {
    let Loaded {
        mut scenarios,
        errors: mut invalid,
    } = load_dir(dir)?;
    let total = scenarios.len() + invalid.len();
    selection.apply(&mut scenarios, &mut invalid);
    Ok(Selected {
        scenarios,
        invalid,
        total,
    })
}

/// A resolved target and the client factory its trials share.
#[derive(Debug, Clone)]
pub struct Connected {
    /// The target.
    pub target: Arc<Target>,
    /// Clients with the target's endpoints, timeouts and TLS trust.
    pub factory: ClientFactory,
}

/// Resolves the target (starting the embedded stack or containers on the current runtime) and
/// builds its client factory; warns on stderr when TLS is not verified (`--insecure`).
pub async fn connect(opts: &TargetOptions) -> Result<Connected, TargetError> {
    let target = resolve_target(opts).await?;
    if target.tls.insecure {
        eprintln!("{INSECURE_WARNING}");
    }
    let factory = ClientFactory::for_target(&target);
    Ok(Connected {
        target: Arc::new(target),
        factory,
    })
}
