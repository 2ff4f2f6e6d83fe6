//! `--max-rps`: one request-rate limit shared by every client of a run, so a shared staging
//! environment sees at most N requests per second whatever the concurrency.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Spaced slots: request k of the run is sent no earlier than `start + k / rate`. A request
/// that finds the next slot in the past takes it at once, so the limit never lets a burst
/// above the rate build up after an idle spell beyond one request.
#[derive(Debug)]
pub struct RateLimit {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimit {
    /// At most `per_second` requests per second (at least 1).
    pub fn new(per_second: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(None),
        }
    }

    /// Waits for this request's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = next.filter(|n| *n > now).unwrap_or(now);
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_spaced_by_the_interval() {
        let limit = RateLimit::new(100);
        let start = Instant::now();
        for _ in 0..11 {
            limit.wait().await;
        }
        // 11 requests: the first at once, then 10 intervals of 10 ms (a sleep never ends early).
        assert!(start.elapsed() >= Duration::from_millis(100));
    }
}
