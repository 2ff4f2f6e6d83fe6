//! What every entry point does before it runs anything: take the selected plan scenarios of a
//! directory ([`select`]) and connect to the target ([`connect`]). `run`, the `cargo test`
//! target and `load` all go through these two.

use std::path::Path;
use std::sync::Arc;

use url::Url;

use super::preflight::preflight;
use super::select::Selection;
use crate::browser::check::BrowserCheck;
use crate::plan::model::Scenario;
use crate::plan::{Loaded, load_dir};
use crate::report::without_credentials;
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

/// Resolves the target (starting the embedded stack or containers on the current runtime),
/// builds its client factory (`--max-rps`, `--keep-identities`), prints the origin line
/// ([`origin_line`]) and, unless `no_preflight`, runs the [`preflight`]; warns on stderr when
/// TLS is not verified (`--insecure`).
pub async fn connect(opts: &TargetOptions) -> Result<Connected, TargetError> {
    let connected = announce(opts).await?;
    connected.preflight(opts).await?;
    Ok(connected)
}

/// The first half of [`connect`]: resolves the target, builds its client factory and prints
/// the origin line (and the `--insecure` warning), without the preflight.
pub(super) async fn announce(opts: &TargetOptions) -> Result<Connected, TargetError> {
    let target = resolve_target(opts).await?;
    if target.tls.insecure {
        eprintln!("{INSECURE_WARNING}");
    }
    let mut factory = ClientFactory::with_run(&target, opts.max_rps, opts.keep_identities);
    if opts.browser_check {
        let check = BrowserCheck::launch(&target.endpoints)
            .await
            .map_err(|message| TargetError::Browser { message })?;
        factory = factory.with_browser_check(check);
    }
    match &opts.stack {
        Some(stack) => eprintln!(
            "{} (the {} stack of nextest's setup script)",
            origin_line(&target, &factory),
            stack.to_value()
        ),
        None => eprintln!("{}", origin_line(&target, &factory)),
    }
    Ok(Connected {
        target: Arc::new(target),
        factory,
    })
}

impl Connected {
    /// The second half of [`connect`]: the [`preflight`], unless `opts.no_preflight`.
    pub async fn preflight(&self, opts: &TargetOptions) -> Result<(), TargetError> {
        if opts.no_preflight {
            return Ok(());
        }
        preflight(&self.target, &self.factory).await
    }
}

/// The one line naming the target and its origins, printed on stderr before the trials (never
/// under `--list`, which never connects): credentials in URLs left out, and the proxy each
/// origin goes through, if any.
pub fn origin_line(target: &Target, factory: &ClientFactory) -> String {
    let e = &target.endpoints;
    let show = |what: &str, url: &Url| {
        let mut part = format!("{what} {}", without_credentials(url).trim_end_matches('/'));
        if let Some(proxy) = factory.run().proxy_for(url) {
            let proxy = without_credentials(proxy);
            part.push_str(&format!(" (via proxy {})", proxy.trim_end_matches('/')));
        }
        part
    };
    let mut parts = vec![show("api", &api_url(e))];
    parts.push(show("kratos public", &e.kratos_public));
    if let Some(admin) = &e.kratos_admin {
        parts.push(show("kratos admin", admin));
    }
    format!("target: {} — {}", target.kind.as_str(), parts.join(" · "))
}

fn api_url(e: &crate::settings::Endpoints) -> Url {
    Url::parse(&e.api_base()).unwrap_or_else(|_| e.origin.clone())
}
