//! Memory of this process over a load run: resident set size now and its peak so far, read
//! from `/proc/self/status` (`VmRSS`, `VmHWM`). Elsewhere than Linux there are no samples.

use std::time::Duration;

/// One memory sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemorySample {
    /// Time since the run started.
    pub at: Duration,
    /// Resident set size, KiB.
    pub rss_kib: u64,
    /// Peak resident set size of the process so far, KiB.
    pub peak_kib: u64,
}

/// Reads the memory of this process now; `None` where `/proc/self/status` is unavailable.
pub fn sample_memory(at: Duration) -> Option<MemorySample> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status(&status, at)
}

/// `VmRSS` and `VmHWM` of a `/proc/<pid>/status` text.
fn parse_status(status: &str, at: Duration) -> Option<MemorySample> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(MemorySample {
        at,
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_and_peak() {
        let text = "Name:\tx\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t3\n";
        let s = parse_status(text, Duration::from_secs(2)).unwrap();
        assert_eq!((s.rss_kib, s.peak_kib), (10240, 20480));
        assert_eq!(parse_status("Name:\tx\n", Duration::ZERO), None);
    }
}
