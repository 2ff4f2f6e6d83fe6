//! Targets: where a run's requests go, and what the deployment can do.
//!
//! A [`Target`] is resolved once per run from the command line and the environment: the
//! embedded stack (default), containers, or an external deployment (staging). It holds the
//! endpoints ([`Endpoints`]), the capabilities scenarios may require ([`Capabilities`]) and,
//! for the embedded stack, the guard that keeps the servers alive.

mod config;
pub mod containers;
mod error;
mod model;

pub use config::{offer_from_settings, resolve_target};
pub use error::TargetError;
pub use model::{Capabilities, Offer, SetupStack, Target, TargetKind, TargetOptions, TestIdentity};

pub use crate::settings::{
    Endpoints, INSECURE_WARNING, Resolve, Timeouts, Tls, install_crypto_provider, load_ca,
};
