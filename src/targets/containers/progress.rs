//! Startup progress of the containers target, on standard error when it is a terminal.

use std::io::IsTerminal;
use std::time::Instant;

/// Prints timestamped progress lines when enabled.
#[derive(Debug, Clone)]
pub struct Progress {
    enabled: bool,
    start: Instant,
}

impl Progress {
    /// Enabled when standard error is a terminal.
    pub fn on_terminal() -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            start: Instant::now(),
        }
    }

    /// One line, `containers [  1.2s] message`, when enabled.
    pub fn line(&self, message: impl std::fmt::Display) {
        if self.enabled {
            eprintln!(
                "containers [{:5.1}s] {message}",
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

/// `text` on one line: runs of whitespace, newlines included, become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
