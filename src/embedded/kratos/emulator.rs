//! The emulator's state: configuration, switches, clock and the in-memory store, shared by
//! every handler (each handler file adds its methods in its own `impl KratosEmulator`).

use std::sync::{Arc, Mutex, MutexGuard};

use time::OffsetDateTime;

use super::clock::{Clock, SystemClock};
use super::config::KratosConfig;
use super::store::Store;
use crate::switches::Switches;

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

    /// The current time of the emulator's clock.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The state, locked (a poisoned lock is taken over: every write leaves it consistent).
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}
