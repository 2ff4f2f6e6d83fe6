//! An in-process emulator of Ory Kratos v1.3.1 (public and admin APIs, `--dev` by default)
//! that answers like the wire captures in `tests/golden/kratos/v1.3.1/`: statuses, header
//! names and order, `Set-Cookie` lines, JSON key order, time formats and error texts.
//!
//! It covers browser and API login flows with the password method, CSRF cookies and masked
//! tokens, sessions (`/sessions/whoami`), browser and API logout, stored self-service errors,
//! health, and the admin identity and session routes. The fault switches K1–K8, the
//! benign `kratos-extra-fields` and the `kratos-fidelity-*` switches of [`crate::switches`]
//! change it at the documented points.
//!
//! Layout: [`config`] (the config keys), [`config_file`] (reading a `kratos.yml` with
//! Kratos's environment overrides), [`cli`] (`openapp-conformance kratos serve|migrate`),
//! [`tls`] (the public API over TLS), [`clock`] (injectable time), `wire` (Go wire details),
//! `csrf` (nosurf), `store` (in-memory rows), `emulator` (the [`KratosEmulator`] state),
//! `identities`, `sessions`, `flows`, `login`, `submit`, `logout`, `errorx`, `admin`
//! (handlers), and `routes` (the routers). How faithful it is, and the known differences:
//! `docs/kratos-emulator.md`; the golden replay: `tests/kratos_golden/`.

mod admin;
pub mod cli;
pub mod clock;
pub mod config;
pub mod config_file;
mod csrf;
mod emulator;
mod errors;
mod errorx;
mod flows;
mod identities;
mod login;
mod logout;
mod request;
mod routes;
mod sessions;
mod store;
mod submit;
pub mod tls;
mod wire;

#[cfg(test)]
mod tests;

pub use clock::{Clock, OffsetClock, SystemClock};
pub use config::{KratosConfig, SessionCookieConfig};
pub use emulator::{FOREIGN_HOST, KratosEmulator};
