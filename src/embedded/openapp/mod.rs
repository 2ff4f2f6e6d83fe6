//! Reference OpenApp server and its gateway: the six Auth routes and `/status` under the API
//! prefix, conforming to the contract by default, with the OpenApp fault and benign switches
//! of [`crate::switches`].
//!
//! The main type is [`OpenAppServer`]. Every request passes the gateway (`gateway.rs`): it
//! drops a client's `X-User`, validates API keys, resolves the browser session at Kratos over
//! HTTP (public `sessions/whoami`, admin `admin/sessions/{id}` for revocation) and sets
//! `X-User` for identities provisioned by the convention of the reference stack
//! (`identity.metadata_public.openapp_user_id`). The handlers (`handlers.rs`) answer from what
//! the gateway established. Kratos is only ever reached over HTTP, so the same server runs
//! against the emulator and against a real Kratos.

mod api_key;
mod cookies;
mod error;
mod gateway;
mod handlers;
mod kratos_client;
mod layout;
mod load_mix;
mod memory;
mod routes;
mod server;
mod session_cache;
#[cfg(test)]
mod tests;

pub use api_key::generate_api_key;
pub use server::{OpenAppConfig, OpenAppServer};
