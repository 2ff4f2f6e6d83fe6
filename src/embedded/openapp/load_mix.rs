//! The load switch `whoami-latest-session-under-load`: a session mix-up only load shows.
//!
//! Once the server is busy (at least [`BUSY_RATE`] requests within one second, or
//! [`BUSY_IN_FLIGHT`] requests in flight at once; and for [`BUSY_HOLD`] after), whoami answers
//! the most recently resolved session of another request still in flight, as a server that
//! keeps "the current session" in one shared slot would. A single user never has two requests
//! in flight, and the whole default suite sends a fraction of [`BUSY_RATE`], so neither ever
//! sees it. The in-flight criterion keeps load mode catching it on a slow or shared machine,
//! where the rate stays low but requests pile up.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Requests within one second that make the server busy: several times what the whole
/// default suite sends to the OpenApp server, a fraction of what `load` sends.
pub(crate) const BUSY_RATE: u32 = 200;

/// Requests in flight at once that make the server busy: more than the suite's default test
/// threads put there on a small machine, fewer than `load -c 24` keeps there on a slow one.
pub(crate) const BUSY_IN_FLIGHT: u32 = 8;

/// How long the server stays busy after a busy second.
pub(crate) const BUSY_HOLD: Duration = Duration::from_secs(1);

/// The requests in flight and how busy the server is.
#[derive(Debug, Default)]
pub(crate) struct LoadMix {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Start of the current one-second window and the requests that entered in it.
    window: Option<(Instant, u32)>,
    busy_until: Option<Instant>,
    /// Resolution order → session, for the requests in flight that resolved one.
    sessions: BTreeMap<u64, Arc<Value>>,
    next: u64,
    /// Requests entered and not yet dropped.
    in_flight: u32,
}

/// One request in flight; its session leaves the shared state when it drops.
#[derive(Debug)]
pub(crate) struct InFlight<'a> {
    mix: &'a LoadMix,
    key: Option<u64>,
}

impl LoadMix {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a request; the guard keeps it in flight.
    pub(crate) fn enter(&self) -> InFlight<'_> {
        let now = Instant::now();
        let mut state = self.state();
        let (start, count) = match state.window {
            Some((start, count)) if now.duration_since(start) < Duration::from_secs(1) => {
                (start, count + 1)
            }
            _ => (now, 1),
        };
        state.window = Some((start, count));
        state.in_flight += 1;
        if count >= BUSY_RATE || state.in_flight >= BUSY_IN_FLIGHT {
            state.busy_until = Some(now + BUSY_HOLD);
        }
        InFlight {
            mix: self,
            key: None,
        }
    }

    /// The most recently resolved session of another request in flight (another session
    /// than `own`), only while the server is busy.
    pub(crate) fn latest_other(&self, own: &Value) -> Option<Arc<Value>> {
        let state = self.state();
        if state.busy_until.is_none_or(|until| Instant::now() >= until) {
            return None;
        }
        state
            .sessions
            .values()
            .rev()
            .find(|s| s.get("id") != own.get("id"))
            .cloned()
    }
}

impl InFlight<'_> {
    /// Records the session this request resolved.
    pub(crate) fn resolved(&mut self, session: &Arc<Value>) {
        let mut state = self.mix.state();
        state.next += 1;
        let key = state.next;
        state.sessions.insert(key, Arc::clone(session));
        self.key = Some(key);
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut state = self.mix.state();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(key) = self.key {
            state.sessions.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(id: &str) -> Arc<Value> {
        Arc::new(json!({ "id": id, "identity": { "id": format!("identity-{id}") } }))
    }

    #[test]
    fn another_requests_session_only_when_busy() {
        let mix = LoadMix::default();
        let (alice, bob) = (session("s-alice"), session("s-bob"));
        let mut a = mix.enter();
        a.resolved(&alice);
        let mut b = mix.enter();
        b.resolved(&bob);
        assert_eq!(mix.latest_other(&alice), None, "overlapping, but not busy");
        for _ in 2..BUSY_RATE {
            drop(mix.enter());
        }
        assert_eq!(mix.latest_other(&alice).unwrap()["id"], "s-bob", "busy");
        assert_eq!(mix.latest_other(&bob).unwrap()["id"], "s-alice");
        drop(b);
        assert_eq!(mix.latest_other(&alice), None, "busy, but alone");
        drop(a);
        assert!(mix.state().sessions.is_empty());
        assert_eq!(mix.state().in_flight, 0);
    }

    #[test]
    fn many_requests_in_flight_make_the_server_busy() {
        let mix = LoadMix::default();
        let (alice, bob) = (session("s-alice"), session("s-bob"));
        let mut a = mix.enter();
        a.resolved(&alice);
        let mut b = mix.enter();
        b.resolved(&bob);
        let mut others: Vec<_> = (2..BUSY_IN_FLIGHT - 1).map(|_| mix.enter()).collect();
        assert_eq!(mix.latest_other(&alice), None, "one short of busy");
        others.push(mix.enter());
        assert_eq!(mix.latest_other(&alice).unwrap()["id"], "s-bob", "busy");
    }
}
