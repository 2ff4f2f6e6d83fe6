//! The emulator's injectable clock, so flow and session expiry can be tested without sleeping.

use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

/// A source of "now" (UTC).
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that follows the wall clock plus an offset that tests can move forward.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset: Mutex<Duration>,
}

impl OffsetClock {
    /// A clock that starts at the wall clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves this clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *offset += by;
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> OffsetDateTime {
        let offset = *self.offset.lock().unwrap_or_else(|p| p.into_inner());
        OffsetDateTime::now_utc() + offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_moves_forward() {
        let clock = OffsetClock::new();
        let before = clock.now();
        clock.advance(Duration::from_secs(5));
        let after = clock.now();
        assert!(after - before >= time::Duration::seconds(5));
    }
}
