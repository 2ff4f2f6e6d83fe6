//! The run-wide ledger of identities created through the admin API and not deleted yet. An
//! identity is written down *before* its creation request is sent (by its identifier, the
//! only name it has then), so that a trial dropped while that request is in flight still
//! leaves a trace the cleanup can follow (`credentials_identifier` lookup).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use url::Url;

/// One identity the run may have created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The admin API it was created through.
    pub admin: Url,
    /// Its id, once the admin API answered with it.
    pub id: Option<String>,
}

/// Identifier (email) → what is known of the identity.
#[derive(Debug, Default)]
pub struct IdentityLedger(Mutex<BTreeMap<String, Created>>);

impl IdentityLedger {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Created>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// About to create the identity `identifier` through `admin`.
    pub fn creating(&self, identifier: &str, admin: &Url) {
        self.lock().insert(
            identifier.to_string(),
            Created {
                admin: admin.clone(),
                id: None,
            },
        );
    }

    /// The admin API created `identifier` with this id.
    pub fn created(&self, identifier: &str, id: &str) {
        if let Some(entry) = self.lock().get_mut(identifier) {
            entry.id = Some(id.to_string());
        }
    }

    /// The identity is gone (deleted, or never created).
    pub fn forget(&self, identifier: &str) {
        self.lock().remove(identifier);
    }

    /// The entry of `identifier`, if it is pending.
    pub fn get(&self, identifier: &str) -> Option<Created> {
        self.lock().get(identifier).cloned()
    }

    /// Every pending entry.
    pub fn pending(&self) -> Vec<(String, Created)> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// How many entries are pending.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Is nothing pending?
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}
