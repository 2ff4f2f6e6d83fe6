//! The emulator's state: configuration, switches, clock and the in-memory store, shared by
//! every handler (each handler file adds its methods in its own `impl KratosEmulator`).

use std::sync::{Arc, Mutex, MutexGuard};

use time::OffsetDateTime;

use url::Url;

use super::clock::{Clock, SystemClock};
use super::config::KratosConfig;
use super::store::Store;
use crate::switches::Switches;

/// The host of the foreign origin that the fault `kratos-flow-urls-foreign-origin` writes into
/// flow URLs: another loopback address, where nothing of the stack listens.
pub const FOREIGN_HOST: &str = "127.0.0.2";

/// `url` with its host replaced by [`FOREIGN_HOST`] and its port kept (the default port made
/// explicit).
fn foreign(url: &str) -> Option<String> {
    let mut u = Url::parse(url).ok()?;
    let port = u.port_or_known_default();
    u.set_host(Some(FOREIGN_HOST)).ok()?;
    u.set_port(port).ok()?;
    Some(u.to_string())
}

/// One emulated Kratos: configuration, switches, clock and in-memory state.
pub struct KratosEmulator {
    pub(super) config: KratosConfig,
    pub(super) switches: Switches,
    clock: Arc<dyn Clock>,
    pub(super) csrf_cookie_name: String,
    store: Mutex<Store>,
}

impl std::fmt::Debug for KratosEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KratosEmulator")
            .field("public_base_url", &self.config.public_base_url.as_str())
            .field("switches", &self.switches)
            .finish_non_exhaustive()
    }
}

impl KratosEmulator {
    /// An emulator on the wall clock.
    pub fn new(config: KratosConfig, switches: Switches) -> Arc<Self> {
        Self::with_clock(config, switches, Arc::new(SystemClock))
    }

    /// An emulator on the given clock (tests move an [`OffsetClock`](super::clock::OffsetClock) to expire
    /// flows).
    pub fn with_clock(
        config: KratosConfig,
        switches: Switches,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        Arc::new(Self {
            csrf_cookie_name: config.csrf_cookie_name(),
            config,
            switches,
            clock,
            store: Mutex::new(Store::default()),
        })
    }

    /// The configuration this emulator runs with.
    pub fn config(&self) -> &KratosConfig {
        &self.config
    }

    /// A URL a flow hands out (`ui.action`, `logout_url`, a 410's `redirect_to` and `api`):
    /// `<public base>` joined with `path`. With the K7 fault `kratos-flow-urls-foreign-origin`
    /// its host is [`FOREIGN_HOST`] instead (same scheme, port and path), as from a Kratos whose
    /// `serve.public.base_url` names another origin than the one clients use.
    pub(crate) fn flow_url(&self, path: &str) -> String {
        let url = self.config.public_url(path);
        if !self.switches.on("kratos-flow-urls-foreign-origin") {
            return url;
        }
        foreign(&url).unwrap_or(url)
    }

    /// The current time of the emulator's clock.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The state, locked (a poisoned lock is taken over: every write leaves it consistent).
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}
