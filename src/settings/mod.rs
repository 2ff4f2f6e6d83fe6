//! Plain data every layer shares, and nothing else: [`Endpoints`] and [`Resolve`] (where
//! requests go), durations with their defaults and [`Timeouts`], TLS trust settings ([`Tls`]),
//! proxies from the environment ([`Proxies`]), the run-wide request-rate limit
//! ([`RateLimit`]), the environment helper, and the process plumbing (the tokio runtime, the
//! shutdown signal). A leaf: it imports nothing of the crate, so the scenario, plan, run,
//! target, embedded and report layers can all depend on it.

mod durations;
mod endpoints;
mod env;
mod process;
mod proxy;
mod rate;
mod tls;

pub use durations::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_FLOW_LIFESPAN, DEFAULT_REQUEST_TIMEOUT, Timeouts,
    parse_duration,
};
pub use endpoints::{Endpoints, Resolve};
pub use env::{env, is_ci};
pub use process::{RuntimeError, cpus, runtime, unix_now, wait_for_shutdown};
pub use proxy::Proxies;
pub use rate::RateLimit;
pub use tls::{CA_CERT_VAR, INSECURE_WARNING, Tls, install_crypto_provider, load_ca};
