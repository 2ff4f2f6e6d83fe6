//! `expect.within` (issue 18, eventually consistent gateways): a GET step whose expectations
//! do not hold yet is sent again, through the same client (its jar, as a browser would), after
//! waits of 50 ms doubling up to 1 s ([`Backoff`]), never past its deadline, until they hold
//! or the time is up. Only a GET request is ever sent again ([`may_repeat`]): validation
//! refuses `within` elsewhere, and a plan built without validation gets one attempt.

use std::time::Duration;

use super::result::Exchange;
use crate::plan::model::Action;

/// The wait before the second attempt.
pub(crate) const FIRST_WAIT: Duration = Duration::from_millis(50);
/// The longest wait between two attempts.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(1);

/// The waits between the attempts of one step: [`FIRST_WAIT`], doubling, at most
/// [`MAX_WAIT`], and never past the deadline (`limit` after the first send), so the last
/// attempt starts at the deadline at the latest.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    limit: Duration,
    next: Duration,
}

impl Backoff {
    /// The waits of a step with this `within`.
    pub(crate) fn new(limit: Duration) -> Self {
        Self {
            limit,
            next: FIRST_WAIT,
        }
    }

    /// How long to wait before the next attempt, `elapsed` after the first send; `None` when
    /// the deadline has passed (or a zero `within` allows one attempt).
    pub(crate) fn next_wait(&mut self, elapsed: Duration) -> Option<Duration> {
        let left = self.limit.checked_sub(elapsed).filter(|l| !l.is_zero())?;
        let wait = self.next.min(left);
        self.next = (self.next * 2).min(MAX_WAIT);
        Some(wait)
    }
}

/// Whether a step may be sent again: a GET request, which changes nothing at the server.
pub(crate) fn may_repeat(action: &Action) -> bool {
    match action {
        Action::Request(r) => r.method == "GET",
        Action::Sdk(c) => c.call.is_get(),
        Action::Login(_) | Action::Logout(_) | Action::ClearJar | Action::Wait(_) => false,
    }
}

/// Marks each exchange of a step tried more than once with its attempt
/// (`GET /auth/whoami (attempt 2 of 3)`); `starts` holds the index of each attempt's first
/// exchange, in order.
pub(crate) fn mark_attempts(exchanges: &mut [Exchange], starts: &[usize]) {
    if starts.len() < 2 {
        return;
    }
    let total = starts.len();
    for (n, &from) in starts.iter().enumerate() {
        let to = starts.get(n + 1).copied().unwrap_or(exchanges.len());
        for ex in exchanges.get_mut(from..to).unwrap_or_default() {
            ex.purpose = format!("{} (attempt {} of {total})", ex.purpose, n + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{Login, Logout, Request, Service};

    /// The waits when every attempt takes no time: the schedule itself.
    fn schedule(limit: Duration) -> Vec<Duration> {
        let mut backoff = Backoff::new(limit);
        let mut elapsed = Duration::ZERO;
        let mut waits = Vec::new();
        while let Some(wait) = backoff.next_wait(elapsed) {
            waits.push(wait);
            elapsed += wait;
            assert!(waits.len() < 1000, "no end");
        }
        waits
    }

    fn ms(list: &[u64]) -> Vec<Duration> {
        list.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn waits_double_from_50ms_up_to_1s_and_end_at_the_deadline() {
        assert_eq!(
            schedule(Duration::from_secs(5)),
            ms(&[50, 100, 200, 400, 800, 1000, 1000, 1000, 450])
        );
        assert_eq!(schedule(Duration::from_millis(120)), ms(&[50, 70]));
        for limit in [1, 49, 50, 999, 3000, 10_000] {
            let limit = Duration::from_millis(limit);
            let waits = schedule(limit);
            assert_eq!(waits.iter().sum::<Duration>(), limit, "{limit:?}");
            assert!(waits.iter().all(|w| *w <= MAX_WAIT && !w.is_zero()));
        }
    }

    #[test]
    fn a_zero_within_or_a_passed_deadline_allows_no_other_attempt() {
        assert_eq!(schedule(Duration::ZERO), Vec::<Duration>::new());
        let mut backoff = Backoff::new(Duration::from_secs(1));
        assert_eq!(backoff.next_wait(Duration::from_secs(2)), None);
        assert_eq!(backoff.next_wait(Duration::from_secs(1)), None);
        // A slow attempt: the wait is cut to what is left.
        assert_eq!(
            backoff.next_wait(Duration::from_millis(990)),
            Some(Duration::from_millis(10))
        );
    }

    fn request(method: &str) -> Action {
        Action::Request(Request {
            method: method.into(),
            to: Service::Api,
            path: "/auth/whoami".into(),
            headers: Vec::new(),
            body: None,
            api_key: None,
            session_token: false,
            cookies: Vec::new(),
        })
    }

    #[test]
    fn only_a_get_request_is_sent_again() {
        assert!(may_repeat(&request("GET")));
        for method in ["POST", "HEAD", "DELETE", "get"] {
            assert!(!may_repeat(&request(method)), "{method}");
        }
        assert!(!may_repeat(&Action::Login(Login {
            identity: "alice".into(),
            flow: Default::default()
        })));
        assert!(!may_repeat(&Action::Logout(Logout {
            flow: Default::default()
        })));
    }

    #[test]
    fn attempts_are_marked_only_when_there_are_several() {
        let ex = |purpose: &str| Exchange {
            purpose: purpose.into(),
            method: "GET".into(),
            url: "http://x/".into(),
            request_headers: Vec::new(),
            request_body: None,
            response: Err("x".into()),
            elapsed: Duration::ZERO,
        };
        let mut one = vec![ex("GET /a")];
        mark_attempts(&mut one, &[0]);
        assert_eq!(one[0].purpose, "GET /a");
        let mut three = vec![ex("GET /a"), ex("GET /a"), ex("GET /a")];
        mark_attempts(&mut three, &[0, 1, 2]);
        let purposes: Vec<&str> = three.iter().map(|e| e.purpose.as_str()).collect();
        assert_eq!(
            purposes,
            [
                "GET /a (attempt 1 of 3)",
                "GET /a (attempt 2 of 3)",
                "GET /a (attempt 3 of 3)"
            ]
        );
    }
}
