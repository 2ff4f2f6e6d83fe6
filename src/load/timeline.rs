//! Latency over time, per endpoint: the run cut into at most [`MAX_SLICES`] equal time slices,
//! each holding the count, sum and maximum of the latencies that fell in it. When the run
//! outgrows the slices, their width doubles and neighbours merge, so memory stays bounded by
//! the number of endpoints whatever the run's length (a 10 s run has slices of 160 ms, an hour
//! slices of about 41 s).

use std::collections::BTreeMap;
use std::time::Duration;

/// Slices per endpoint at most.
const MAX_SLICES: usize = 120;
/// The width of a slice at the start of a run.
const FIRST_WIDTH: Duration = Duration::from_millis(10);

/// Latencies of one time slice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Slice {
    /// Latencies recorded.
    pub count: u64,
    /// Their sum, in microseconds.
    pub sum_us: u64,
    /// The largest, in microseconds.
    pub max_us: u64,
}

impl Slice {
    /// The mean latency in milliseconds (0 for an empty slice).
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_us as f64 / self.count as f64 / 1000.0
        }
    }

    fn merge(&mut self, other: Slice) {
        self.count += other.count;
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
        self.max_us = self.max_us.max(other.max_us);
    }
}

/// Per endpoint key, its slices since the start of the run.
#[derive(Debug, Clone)]
pub struct Timeline {
    width: Duration,
    series: BTreeMap<String, Vec<Slice>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self {
            width: FIRST_WIDTH,
            series: BTreeMap::new(),
        }
    }
}

impl Timeline {
    /// Records a latency of `key` for a request sent `at` after the start of the run.
    pub fn record(&mut self, key: &str, at: Duration, latency: Duration) {
        let mut index = self.index(at);
        while index >= MAX_SLICES {
            self.coarsen();
            index = self.index(at);
        }
        let series = match self.series.get_mut(key) {
            Some(series) => series,
            None => self.series.entry(key.to_string()).or_default(),
        };
        if series.len() <= index {
            series.resize(index + 1, Slice::default());
        }
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        series[index].merge(Slice {
            count: 1,
            sum_us: us,
            max_us: us,
        });
    }

    fn index(&self, at: Duration) -> usize {
        (at.as_micros() / self.width.as_micros().max(1)) as usize
    }

    /// Doubles the width: slices 2i and 2i+1 become slice i.
    fn coarsen(&mut self) {
        self.width *= 2;
        for series in self.series.values_mut() {
            let merged = series
                .chunks(2)
                .map(|pair| {
                    let mut s = pair[0];
                    if let Some(next) = pair.get(1) {
                        s.merge(*next);
                    }
                    s
                })
                .collect();
            *series = merged;
        }
    }

    /// The width of a slice: slice i covers `[i·width, (i+1)·width)` after the start.
    pub fn width(&self) -> Duration {
        self.width
    }

    /// Every endpoint's slices, by key.
    pub fn series(&self) -> &BTreeMap<String, Vec<Slice>> {
        &self.series
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_keeps_at_most_max_slices_with_every_latency() {
        let mut t = Timeline::default();
        let ms = Duration::from_millis;
        t.record("GET a", ms(5), ms(2));
        t.record("GET a", ms(15), ms(4));
        assert_eq!(t.series()["GET a"].len(), 2);
        for i in 0..10_000 {
            t.record("GET b", ms(i), ms(1));
        }
        assert!(t.width() >= ms(10_000) / MAX_SLICES as u32);
        for series in t.series().values() {
            assert!(series.len() <= MAX_SLICES);
        }
        let b: u64 = t.series()["GET b"].iter().map(|s| s.count).sum();
        assert_eq!(b, 10_000);
        let a = &t.series()["GET a"][0];
        assert_eq!((a.count, a.max_us), (2, 4000));
        assert!((a.mean_ms() - 3.0).abs() < 1e-9);
    }
}
