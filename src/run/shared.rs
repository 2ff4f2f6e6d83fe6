//! What every client of one run shares beyond endpoints and trust, for staging hygiene: the
//! proxies (`HTTPS_PROXY` and friends), the `--max-rps` limit every request waits on, and the
//! ledger of identities to delete (`--keep-identities` keeps them).

use url::Url;

use super::ledger::IdentityLedger;
use crate::settings::{Proxies, RateLimit};

/// The run's shared state, held by its [`super::client::ClientFactory`] and every client.
#[derive(Debug, Default)]
pub struct RunShared {
    proxies: Proxies,
    limit: Option<RateLimit>,
    keep_identities: bool,
    identities: IdentityLedger,
}

impl RunShared {
    /// The state of a run with these proxies, `--max-rps` and `--keep-identities`.
    pub fn new(proxies: Proxies, max_rps: Option<u32>, keep_identities: bool) -> Self {
        Self {
            proxies,
            limit: max_rps.map(RateLimit::new),
            keep_identities,
            identities: IdentityLedger::default(),
        }
    }

    /// The proxies of the run.
    pub fn proxies(&self) -> &Proxies {
        &self.proxies
    }

    /// The proxy a request to `url` goes through, if any.
    pub fn proxy_for(&self, url: &Url) -> Option<&Url> {
        self.proxies.for_url(url)
    }

    /// Waits for the next request slot of the run (`--max-rps`); at once without a limit.
    pub async fn rate_slot(&self) {
        if let Some(limit) = &self.limit {
            limit.wait().await;
        }
    }

    /// Does the run keep the identities it creates (`--keep-identities`)?
    pub fn keeps_identities(&self) -> bool {
        self.keep_identities
    }

    /// The identities created and not deleted yet.
    pub fn identities(&self) -> &IdentityLedger {
        &self.identities
    }
}
