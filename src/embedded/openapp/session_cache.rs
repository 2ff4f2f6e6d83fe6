//! Fault `session-cache-ttl`: the gateway keeps each session it resolved at Kratos for
//! [`SESSION_CACHE_TTL`], keyed by the request's `ory_kratos_session` cookie, as Oathkeeper's
//! `cookie_session` authenticator does with its `cache` enabled. A cookie replayed right after
//! logout still resolves until its entry expires: R16 fails unless the run allows revocation
//! that long (`OPENAPP_CONFORMANCE_REVOCATION_WITHIN`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a resolved session stays cached (short, so the self-test stays fast).
pub(crate) const SESSION_CACHE_TTL: Duration = Duration::from_secs(1);

/// Resolved sessions by cache key, with the time they were resolved.
#[derive(Debug, Default)]
pub(crate) struct SessionCache {
    entries: Mutex<HashMap<String, (Instant, Arc<Value>)>>,
}

impl SessionCache {
    /// The session cached for this `Cookie` header, if resolved less than
    /// [`SESSION_CACHE_TTL`] ago. A hit does not extend the entry's life.
    pub(crate) fn get(&self, cookie: &str) -> Option<Arc<Value>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&key(cookie))
            .filter(|(at, _)| at.elapsed() < SESSION_CACHE_TTL)
            .map(|(_, session)| Arc::clone(session))
    }

    /// Caches the session Kratos resolved for this `Cookie` header, dropping expired entries.
    pub(crate) fn put(&self, cookie: &str, session: Arc<Value>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, (at, _)| at.elapsed() < SESSION_CACHE_TTL);
        entries.insert(key(cookie), (Instant::now(), session));
    }
}

/// The `ory_kratos_session` pairs of a `Cookie` header (other cookies do not change who the
/// caller is), else the whole header.
fn key(cookie: &str) -> String {
    let session: Vec<&str> = cookie
        .split(';')
        .map(str::trim)
        .filter(|pair| pair.starts_with("ory_kratos_session="))
        .collect();
    if session.is_empty() {
        cookie.trim().to_string()
    } else {
        session.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_key_is_the_session_cookie_whatever_else_is_sent() {
        let cache = SessionCache::default();
        cache.put(
            "csrf_token_ab=1; ory_kratos_session=S1",
            Arc::new(json!({ "id": "s1" })),
        );
        let hit = cache.get("ory_kratos_session=S1").expect("a hit");
        assert_eq!(hit["id"], "s1");
        assert!(cache.get("ory_kratos_session=S2").is_none());
        assert!(cache.get("csrf_token_ab=1").is_none());
        assert_eq!(key(" a=1 "), "a=1");
    }
}
