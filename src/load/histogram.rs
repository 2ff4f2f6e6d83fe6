//! A fixed-size latency histogram: log-linear buckets (32 per power of two, so a reported
//! percentile is within about 1.6 % of the true value), in microseconds. Its size never
//! depends on how many values it holds, which keeps a long load run's memory flat.

use std::time::Duration;

/// Sub-buckets per power of two, as a power of two.
const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
/// Values are clamped below 2^40 µs (about 12.7 days).
const MAX_BITS: u32 = 40;
const BUCKETS: usize = ((MAX_BITS - SUB_BITS + 1) as usize) * SUB as usize;

/// Latencies recorded at microsecond resolution.
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u32; BUCKETS]>,
    count: u64,
    sum_us: u64,
    max_us: u64,
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count)
            .field("max_us", &self.max_us)
            .finish_non_exhaustive()
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: Box::new([0; BUCKETS]),
            count: 0,
            sum_us: 0,
            max_us: 0,
        }
    }
}

/// The bucket of a value: values below 2·SUB have their own bucket, larger ones share a
/// bucket with the values that agree on their top `SUB_BITS + 1` bits.
fn index(us: u64) -> usize {
    let us = us.min((1 << MAX_BITS) - 1);
    if us < SUB {
        return us as usize;
    }
    let msb = 63 - us.leading_zeros();
    let shift = msb - SUB_BITS;
    ((msb - SUB_BITS) as u64 * SUB + (us >> shift)) as usize
}

/// The middle of a bucket, in microseconds.
fn value(index: usize) -> f64 {
    let index = index as u64;
    if index < 2 * SUB {
        return index as f64;
    }
    let shift = index / SUB - 1;
    let top = index - shift * SUB;
    let low = top << shift;
    low as f64 + ((1u64 << shift) as f64 - 1.0) / 2.0
}

impl Histogram {
    /// Records one latency.
    pub fn record(&mut self, elapsed: Duration) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let slot = &mut self.counts[index(us)];
        *slot = slot.saturating_add(1);
        self.count += 1;
        self.sum_us = self.sum_us.saturating_add(us);
        self.max_us = self.max_us.max(us);
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a = a.saturating_add(*b);
        }
        self.count += other.count;
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
        self.max_us = self.max_us.max(other.max_us);
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `q` quantile (0.0–1.0) in milliseconds; 0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return (value(i) / 1000.0).min(self.max_ms());
            }
        }
        self.max_ms()
    }

    /// The mean in milliseconds; 0 when empty.
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_us as f64 / self.count as f64 / 1000.0
        }
    }

    /// The largest value in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.max_us as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for us in (0..100_000u64).chain([1 << 30, (1 << 40) - 1, u64::MAX]) {
            let i = index(us);
            assert!(i >= last && i < BUCKETS, "{us} → {i}");
            last = i;
            let us = us.min((1 << MAX_BITS) - 1);
            let err = (value(i) - us as f64).abs() / (us as f64).max(1.0);
            assert!(err <= 0.016, "{us}: bucket value {} ({err})", value(i));
        }
    }

    #[test]
    fn quantiles_of_a_uniform_spread() {
        let mut h = Histogram::default();
        for ms in 1..=100u64 {
            h.record(Duration::from_millis(ms));
        }
        assert_eq!(h.count(), 100);
        let near = |got: f64, want: f64| (got - want).abs() / want < 0.02;
        assert!(near(h.quantile_ms(0.50), 50.0), "{}", h.quantile_ms(0.5));
        assert!(near(h.quantile_ms(0.95), 95.0), "{}", h.quantile_ms(0.95));
        assert!(near(h.quantile_ms(0.99), 99.0), "{}", h.quantile_ms(0.99));
        assert!(near(h.mean_ms(), 50.5));
        assert_eq!(h.max_ms(), 100.0);
        assert!(h.quantile_ms(1.0) <= 100.0);
    }

    #[test]
    fn merging_adds_counts_and_empty_is_zero() {
        let mut a = Histogram::default();
        let mut b = Histogram::default();
        assert_eq!(a.quantile_ms(0.5), 0.0);
        a.record(Duration::from_micros(10));
        b.record(Duration::from_micros(3000));
        b.record(Duration::from_micros(3000));
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert!((a.quantile_ms(0.9) - 3.0).abs() < 0.05);
        assert!(a.quantile_ms(0.2) < 0.02);
    }
}
