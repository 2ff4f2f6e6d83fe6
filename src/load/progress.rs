//! Progress of a load run on stderr: a bar redrawn in place on a terminal, a plain line every
//! few seconds otherwise (CI logs), or nothing.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counters the progress display reads while the run goes on.
#[derive(Debug, Default)]
pub struct Live {
    /// Requests sent by finished iterations.
    pub requests: AtomicU64,
    /// Finished scenario runs.
    pub iterations: AtomicU64,
    /// Finished scenario runs that failed.
    pub failed: AtomicU64,
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    /// A bar redrawn in place (a terminal).
    Bar,
    /// A line every few seconds.
    Lines,
    /// Nothing.
    Quiet,
}

const BAR_TICK: Duration = Duration::from_millis(200);
const LINE_EVERY: Duration = Duration::from_secs(5);
const BAR_WIDTH: usize = 24;

/// Draws progress for one run.
#[derive(Debug)]
pub struct Progress {
    style: ProgressStyle,
    duration: Option<Duration>,
    iterations: Option<u64>,
    next_line: Duration,
}

impl Progress {
    /// A display for a run bounded by `duration` and/or `iterations`.
    pub fn new(style: ProgressStyle, duration: Option<Duration>, iterations: Option<u64>) -> Self {
        Self {
            style,
            duration,
            iterations,
            next_line: LINE_EVERY,
        }
    }

    /// A bar when stderr is a terminal, else plain lines.
    pub fn auto_style() -> ProgressStyle {
        if std::io::stderr().is_terminal() {
            ProgressStyle::Bar
        } else {
            ProgressStyle::Lines
        }
    }

    /// How often [`Progress::tick`] should be called.
    pub fn tick_interval(&self) -> Duration {
        match self.style {
            ProgressStyle::Bar => BAR_TICK,
            _ => Duration::from_secs(1),
        }
    }

    /// The share of the run done, 0–1, by time or by count, whichever is further.
    fn fraction(&self, at: Duration, done: u64) -> f64 {
        let by_time = self
            .duration
            .map_or(0.0, |d| at.as_secs_f64() / d.as_secs_f64().max(1e-9));
        let by_count = self
            .iterations
            .map_or(0.0, |n| done as f64 / (n.max(1)) as f64);
        by_time.max(by_count).min(1.0)
    }

    /// Redraws (bar) or prints a line when one is due.
    pub fn tick(&mut self, at: Duration, live: &Live) {
        match self.style {
            ProgressStyle::Quiet => {}
            ProgressStyle::Bar => {
                let line = self.bar(at, live);
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r{line}\x1b[K");
                let _ = err.flush();
            }
            ProgressStyle::Lines => {
                if at >= self.next_line {
                    self.next_line += LINE_EVERY;
                    eprintln!("load: {}", summary(at, live));
                }
            }
        }
    }

    /// Ends the display: the bar's line is finished, lines get a last one.
    pub fn finish(&mut self, at: Duration, live: &Live) {
        match self.style {
            ProgressStyle::Quiet => {}
            ProgressStyle::Bar => eprintln!("\r{}\x1b[K", self.bar(at, live)),
            ProgressStyle::Lines => eprintln!("load: done: {}", summary(at, live)),
        }
    }

    fn bar(&self, at: Duration, live: &Live) -> String {
        let done = live.iterations.load(Ordering::Relaxed);
        let filled = (self.fraction(at, done) * BAR_WIDTH as f64).round() as usize;
        format!(
            "[{}{}] {}",
            "#".repeat(filled),
            " ".repeat(BAR_WIDTH - filled.min(BAR_WIDTH)),
            summary(at, live)
        )
    }
}

/// `12.0s  60000 requests (5000/s)  6000 runs  0 failed`.
fn summary(at: Duration, live: &Live) -> String {
    let requests = live.requests.load(Ordering::Relaxed);
    let secs = at.as_secs_f64();
    let rate = if secs > 0.0 {
        requests as f64 / secs
    } else {
        0.0
    };
    format!(
        "{secs:.1}s  {requests} requests ({rate:.0}/s)  {} runs  {} failed",
        live.iterations.load(Ordering::Relaxed),
        live.failed.load(Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_takes_the_further_bound() {
        let p = Progress::new(
            ProgressStyle::Quiet,
            Some(Duration::from_secs(10)),
            Some(100),
        );
        assert!((p.fraction(Duration::from_secs(5), 10) - 0.5).abs() < 1e-9);
        assert!((p.fraction(Duration::from_secs(1), 80) - 0.8).abs() < 1e-9);
        assert_eq!(p.fraction(Duration::from_secs(30), 0), 1.0);
    }

    #[test]
    fn bar_and_summary_show_the_counters() {
        let live = Live::default();
        live.requests.store(500, Ordering::Relaxed);
        live.iterations.store(50, Ordering::Relaxed);
        let p = Progress::new(ProgressStyle::Bar, Some(Duration::from_secs(2)), None);
        let bar = p.bar(Duration::from_secs(1), &live);
        assert!(bar.starts_with(&format!("[{}{}]", "#".repeat(12), " ".repeat(12))));
        assert!(bar.contains("500 requests (500/s)") && bar.contains("50 runs"));
    }
}
