//! What every entry point does before it runs anything: take the selected plan scenarios of a
//! directory ([`select`]) and connect to the target ([`connect`]). `run`, the `cargo test`
//! target and `load` all go through these two.

use std::path::Path;
use std::sync::Arc;

use url::Url;

use super::select::Selection;
use crate::plan::model::Scenario;
use crate::plan::{Loaded, load_dir};
use crate::redact::Secrets;
use crate::run::client::{ClientFactory, Outgoing};
use crate::run::origins::{Destination, foreign_flow_url};
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

/// Resolves the target (starting the embedded stack or containers on the current runtime),
/// builds its client factory and, unless `no_preflight`, runs the preflight (below); warns on
/// stderr when TLS is not verified (`--insecure`).
pub async fn connect(opts: &TargetOptions) -> Result<Connected, TargetError> {
    let target = resolve_target(opts).await?;
    if target.tls.insecure {
        eprintln!("{INSECURE_WARNING}");
    }
    let factory = ClientFactory::for_target(&target);
    if !opts.no_preflight {
        preflight(&target, &factory).await?;
    }
    Ok(Connected {
        target: Arc::new(target),
        factory,
    })
}

/// What is checked once before the first trial, so that one misconfiguration is one message
/// (exit code 3) rather than a failure in every trial. Today: K7, one browser login flow is
/// initialised (no credential is sent) and its `ui.action` must be on the configured Kratos
/// public origin. A flow that cannot be initialised is left to the trials, which report it.
async fn preflight(target: &Target, factory: &ClientFactory) -> Result<(), TargetError> {
    let public = &target.endpoints.kratos_public;
    let Ok(url) = public.join("self-service/login/browser") else {
        return Ok(());
    };
    let Ok(client) = factory.browser("preflight", &Secrets::new()) else {
        return Ok(());
    };
    let exchange = client
        .send(Outgoing::get(
            "preflight: initialise a login flow",
            Destination::KratosPublic,
            url,
        ))
        .await;
    let action = exchange
        .response
        .ok()
        .and_then(|r| r.json())
        .and_then(|j| j.pointer("/ui/action")?.as_str().map(str::to_string))
        .and_then(|a| Url::parse(&a).ok());
    match action.and_then(|a| foreign_flow_url(&target.endpoints, &a)) {
        Some(message) => Err(TargetError::Setup {
            target: target.kind.as_str(),
            message,
        }),
        None => Ok(()),
    }
}
