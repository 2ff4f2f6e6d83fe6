//! State the conforming server never keeps and four faults need: the most recent session per
//! identity (`whoami-other-identity`), per-connection answer caching
//! (`auth-cache-per-connection`), the sessions of the requests in flight
//! (`whoami-latest-session-under-load`, in [`super::load_mix`]) and the gateway's session
//! cache (`session-cache-ttl`, in [`super::session_cache`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::load_mix::LoadMix;
use super::session_cache::SessionCache;

/// How long `auth-cache-per-connection` keeps an answer.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(60);

/// The routes whose answers the per-connection cache holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CachedRoute {
    /// `GET /auth/whoami`.
    Whoami,
    /// `GET /auth/provisioned`.
    Provisioned,
}

/// Per-connection answers with the time they were cached.
type ConnectionCache = HashMap<(SocketAddr, CachedRoute), (Instant, Arc<Value>)>;

/// The fault memories behind their locks.
#[derive(Debug, Default)]
pub(crate) struct FaultMemory {
    recent: Mutex<RecentSessions>,
    cache: Mutex<ConnectionCache>,
    /// `whoami-latest-session-under-load`.
    pub(crate) load_mix: LoadMix,
    /// `session-cache-ttl`.
    pub(crate) sessions: SessionCache,
}

#[derive(Debug, Default)]
struct RecentSessions {
    seq: u64,
    by_identity: HashMap<String, (u64, Arc<Value>)>,
}

impl FaultMemory {
    /// Remembers `session` as the most recent one of its identity.
    pub(crate) fn record_session(&self, session: &Arc<Value>) {
        let Some(identity) = identity_id(session) else {
            return;
        };
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent.seq += 1;
        let seq = recent.seq;
        recent
            .by_identity
            .insert(identity.to_string(), (seq, Arc::clone(session)));
    }

    /// The most recently seen session of any identity other than `session`'s.
    pub(crate) fn other_identity_session(&self, session: &Value) -> Option<Arc<Value>> {
        let own = identity_id(session);
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent
            .by_identity
            .iter()
            .filter(|(id, _)| Some(id.as_str()) != own)
            .max_by_key(|(_, (seq, _))| *seq)
            .map(|(_, (_, s))| Arc::clone(s))
    }

    /// A cached answer of `route` for the connection `peer`, if younger than [`CACHE_TTL`].
    pub(crate) fn cached(&self, peer: SocketAddr, route: CachedRoute) -> Option<Arc<Value>> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .get(&(peer, route))
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, v)| Arc::clone(v))
    }

    /// Caches an answer of `route` for `peer`, dropping expired entries on the way.
    pub(crate) fn cache(&self, peer: SocketAddr, route: CachedRoute, answer: Arc<Value>) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        cache.insert((peer, route), (Instant::now(), answer));
    }
}

/// `identity.id` of a Kratos session.
pub(crate) fn identity_id(session: &Value) -> Option<&str> {
    session.pointer("/identity/id").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(id: &str, identity: &str) -> Arc<Value> {
        Arc::new(json!({ "id": id, "identity": { "id": identity } }))
    }

    #[test]
    fn other_identity_is_the_most_recent_foreign_one() {
        let memory = FaultMemory::default();
        let alice = session("s1", "alice");
        memory.record_session(&alice);
        assert_eq!(memory.other_identity_session(&alice), None);
        memory.record_session(&session("s2", "bob"));
        memory.record_session(&session("s3", "carol"));
        memory.record_session(&session("s4", "alice"));
        let other = memory.other_identity_session(&alice).unwrap();
        assert_eq!(other["id"], "s3");
    }

    #[test]
    fn cache_is_per_peer_and_route() {
        let memory = FaultMemory::default();
        let a: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:1001".parse().unwrap();
        memory.cache(a, CachedRoute::Whoami, Arc::new(json!({ "id": "s1" })));
        assert!(memory.cached(a, CachedRoute::Whoami).is_some());
        assert!(memory.cached(a, CachedRoute::Provisioned).is_none());
        assert!(memory.cached(b, CachedRoute::Whoami).is_none());
    }
}
