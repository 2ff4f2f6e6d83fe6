//! What runs inside the project's container images (built by `scripts/build-images.sh`):
//! the `reference` subcommand, the reference OpenApp server configured by environment alone
//! ([`reference`]), and the `healthcheck` subcommand, a tiny HTTP probe for compose health
//! checks in `FROM scratch` images that have no shell and no curl ([`healthcheck`]).
//!
//! The Kratos emulator image runs the emulator's own `kratos` subcommand instead
//! ([`crate::embedded::kratos`]).

pub mod healthcheck;
pub mod reference;

/// The listen address of the reference server when `OPENAPP_LISTEN` is not set.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";
/// The API prefix when `OPENAPP_API_PREFIX` is not set.
pub const DEFAULT_API_PREFIX: &str = "/api/v1";
