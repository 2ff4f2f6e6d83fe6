//! What decides a target ([`TargetKind`], [`TargetOptions`]) and a resolved [`Target`]: where
//! requests go, what the deployment can do ([`Capabilities`]),
//! and why a scenario cannot run there ([`Offer::missing`]).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::plan::model::Requirement;
use crate::settings::{Endpoints, Proxies, Timeouts, Tls};
use crate::switches::Switches;

/// Which deployment a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetKind {
    /// In-process Kratos emulator and reference OpenApp server (default).
    Embedded,
    /// Kratos and OpenApp images started on the local Docker engine.
    Containers,
    /// A running deployment given by `OPENAPP_BASE_URL` and friends.
    External,
}

impl TargetKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Embedded => "embedded",
            TargetKind::Containers => "containers",
            TargetKind::External => "external",
        }
    }
}

/// Everything that decides the target; filled from flags, else the environment.
#[derive(Debug, Clone, Default)]
pub struct TargetOptions {
    /// Explicit kind; default external when `OPENAPP_BASE_URL` is set, else embedded.
    pub kind: Option<TargetKind>,
    /// Fault and benign switches (embedded target only).
    pub switches: Switches,
    /// Login flow lifespan of the embedded Kratos (default 1 h).
    pub flow_lifespan: Option<Duration>,
    /// Request timeouts.
    pub timeouts: Timeouts,
    /// Accept any TLS certificate (`--insecure`).
    pub insecure: bool,
    /// Skip the checks made once before the first trial (`--no-preflight`).
    pub no_preflight: bool,
    /// Keep the identities trials create through the admin API (`--keep-identities`).
    pub keep_identities: bool,
    /// At most this many requests per second over the whole run (`--max-rps`).
    pub max_rps: Option<u32>,
    /// The stack behind an external target when a nextest setup script started it
    /// (`OPENAPP_CONFORMANCE_STACK`, see [`SetupStack`]).
    pub stack: Option<SetupStack>,
    /// `--browser-check`: headless Chromium confirms every jar after every step (issue 22).
    pub browser_check: bool,
}

/// The stack a nextest setup script started for a whole nextest run (`openapp-conformance
/// stack --nextest-setup`): the test processes reach it as an external target, and keep the
/// rules of the target it is (snapshot files, fault switches), read from
/// `OPENAPP_CONFORMANCE_STACK=<kind>[:<switch>,…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupStack {
    /// Embedded or containers.
    pub kind: TargetKind,
    /// The switches the stack was started with.
    pub switches: Switches,
}

impl SetupStack {
    /// The variable that names it.
    pub const VAR: &'static str = "OPENAPP_CONFORMANCE_STACK";

    /// The value of [`SetupStack::VAR`].
    pub fn to_value(&self) -> String {
        let names: Vec<&str> = self.switches.names().collect();
        if names.is_empty() {
            self.kind.as_str().to_string()
        } else {
            format!("{}:{}", self.kind.as_str(), names.join(","))
        }
    }

    /// Reads [`SetupStack::VAR`]; `Err` names the variable and what it expects.
    pub fn from_env() -> Result<Option<Self>, String> {
        let Some(value) = crate::settings::env(Self::VAR) else {
            return Ok(None);
        };
        let (kind, switches) = value.split_once(':').unwrap_or((&value, ""));
        let kind = match kind {
            "embedded" => TargetKind::Embedded,
            "containers" => TargetKind::Containers,
            _ => {
                return Err(format!(
                    "{}: `{value}` is not `embedded` or `containers`, optionally followed by `:` and switches",
                    Self::VAR
                ));
            }
        };
        let switches = Switches::parse(switches).map_err(|e| format!("{}: {e}", Self::VAR))?;
        Ok(Some(Self { kind, switches }))
    }
}

impl TargetOptions {
    /// The kind this run uses: the explicit one, else external when `OPENAPP_BASE_URL` is set,
    /// else embedded.
    pub fn kind_to_use(&self) -> TargetKind {
        self.kind
            .unwrap_or(if crate::settings::env("OPENAPP_BASE_URL").is_some() {
                TargetKind::External
            } else {
                TargetKind::Embedded
            })
    }
}

/// A pre-provisioned test identity given by the environment.
#[derive(Clone)]
pub struct TestIdentity {
    /// Login identifier (email).
    pub identifier: String,
    /// Password (a secret).
    pub password: String,
}

impl std::fmt::Debug for TestIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestIdentity")
            .field("identifier", &self.identifier)
            .finish_non_exhaustive()
    }
}

/// What the target offers beyond its endpoints.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// A valid OpenApp API key.
    pub api_key: Option<String>,
    /// A provisioned identity (used when there is no admin API).
    pub provisioned: Option<TestIdentity>,
    /// An unprovisioned identity (used when there is no admin API).
    pub unprovisioned: Option<TestIdentity>,
}

/// A resolved target, shared by all trials of a run.
pub struct Target {
    /// Which kind of target.
    pub kind: TargetKind,
    /// Where requests go.
    pub endpoints: Endpoints,
    /// What it can do.
    pub caps: Capabilities,
    /// Request timeouts.
    pub timeouts: Timeouts,
    /// How long the target took to come up, when it was started for this run (containers).
    pub cold_start: Option<Duration>,
    /// How HTTPS peers are trusted.
    pub tls: Tls,
    /// The proxies requests go through (`HTTPS_PROXY` and friends; external target only).
    pub proxies: Proxies,
    /// Keeps the embedded stack (or containers) alive for the run.
    pub(crate) _guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("kind", &self.kind)
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

impl Target {
    /// What this target can give a scenario.
    pub fn offer(&self) -> Offer {
        Offer {
            admin: self.endpoints.kratos_admin.is_some(),
            api_key: self.caps.api_key.is_some(),
            provisioned: self.caps.provisioned.is_some(),
            unprovisioned: self.caps.unprovisioned.is_some(),
            cookie_domain: self.endpoints.cookie_domain.is_some(),
        }
    }

    /// Why a scenario with these requirements cannot run here, or `None` when it can.
    pub fn missing(&self, reqs: &BTreeSet<Requirement>) -> Option<String> {
        self.offer().missing(reqs)
    }
}

/// What a target can give a scenario, as far as its requirements go: known from the settings
/// alone for an external target ([`crate::targets::offer_from_settings`]), which is how a
/// listing (nextest's) can mark unmet scenarios ignored before any trial runs, and from the
/// resolved [`Target`] when a trial starts. Both go through [`Offer::missing`], so the two
/// verdicts cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// The Kratos admin API (`KRATOS_ADMIN_URL`): fresh identities of any kind.
    pub admin: bool,
    /// A valid OpenApp API key.
    pub api_key: bool,
    /// A pre-provisioned test identity.
    pub provisioned: bool,
    /// A pre-created unprovisioned test identity.
    pub unprovisioned: bool,
    /// A cookie domain (given or derived).
    pub cookie_domain: bool,
}

impl Offer {
    /// Why a scenario with these requirements cannot run here, or `None` when it can.
    pub fn missing(&self, reqs: &BTreeSet<Requirement>) -> Option<String> {
        let admin = self.admin;
        for req in reqs {
            let reason = match req {
                Requirement::KratosAdmin if !admin => {
                    "needs the Kratos admin API: set KRATOS_ADMIN_URL"
                }
                Requirement::ApiKey if !self.api_key => {
                    "needs a valid API key: set OPENAPP_API_KEY"
                }
                Requirement::ProvisionedIdentity if !admin && !self.provisioned => {
                    "needs a provisioned identity: set OPENAPP_TEST_IDENTIFIER and OPENAPP_TEST_PASSWORD (or KRATOS_ADMIN_URL)"
                }
                Requirement::UnprovisionedIdentity if !admin && !self.unprovisioned => {
                    "needs an unprovisioned identity: set OPENAPP_TEST_UNPROVISIONED_IDENTIFIER and OPENAPP_TEST_UNPROVISIONED_PASSWORD (or KRATOS_ADMIN_URL)"
                }
                Requirement::FreshIdentities if !admin => {
                    "needs several identities of one kind: set KRATOS_ADMIN_URL so the harness can create them"
                }
                Requirement::CookieDomain if !self.cookie_domain => {
                    "needs a cookie domain: set OPENAPP_COOKIE_DOMAIN"
                }
                _ => continue,
            };
            return Some(reason.to_string());
        }
        None
    }
}
