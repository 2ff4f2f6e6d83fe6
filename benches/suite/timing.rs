//! Repeats, medians and the report lines of the bench.

use std::time::{Duration, Instant};

/// The median of some durations (the mean of the two middle ones for an even count).
pub(crate) fn median(mut xs: Vec<Duration>) -> Duration {
    assert!(!xs.is_empty(), "no samples");
    xs.sort();
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2
    }
}

/// Times `f` once.
pub(crate) fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let out = f();
    (started.elapsed(), out)
}

/// CPU time (user + system, every thread) this process has used so far, from
/// `/proc/self/stat`; zero where that file does not exist. Resolution: one clock tick (10 ms).
pub(crate) fn cpu_time() -> Duration {
    proc_stat("/proc/self/stat").map_or(Duration::ZERO, |(_, cpu)| cpu)
}

/// The state letter (`R`, `S`, `Z`…) and CPU time (user + system, every thread; also of a
/// zombie, whose threads' times are summed) of the process whose `stat` file is `path`.
pub(crate) fn proc_stat(path: &str) -> Option<(char, Duration)> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3 (the state);
    // utime and stime are fields 14 and 15, in clock ticks of 1/100 s on Linux.
    let rest = stat.rsplit_once(')')?.1;
    let state = rest.split_whitespace().next()?.chars().next()?;
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    Some((state, Duration::from_millis(ticks * 10)))
}

/// Prints how many cores a section kept busy: CPU time over wall time.
pub(crate) fn busy(name: &str, cpu: Duration, wall: Duration) {
    println!(
        "{name:<44} {:.2} cores busy ({} CPU over {} wall)",
        cpu.as_secs_f64() / wall.as_secs_f64().max(1e-9),
        ms(cpu),
        ms(wall)
    );
}

/// `12.3 ms`.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Prints one figure: name, median, spread, and the target verdict if any.
pub(crate) fn report(
    name: &str,
    samples: &[Duration],
    target: Option<(Duration, &str)>,
) -> Duration {
    let med = median(samples.to_vec());
    let min = samples.iter().min().copied().unwrap_or_default();
    let max = samples.iter().max().copied().unwrap_or_default();
    let verdict = match target {
        Some((limit, what)) if med < limit => format!("  target {what}: met"),
        Some((limit, what)) => format!(
            "  target {what}: MISSED by {}",
            ms(med.saturating_sub(limit))
        ),
        None => String::new(),
    };
    println!(
        "{name:<44} median {:>9}  (min {}, max {}, n={}){verdict}",
        ms(med),
        ms(min),
        ms(max),
        samples.len()
    );
    med
}

/// Prints a ratio with its target.
pub(crate) fn ratio(name: &str, num: Duration, den: Duration, limit: f64) -> f64 {
    let r = num.as_secs_f64() / den.as_secs_f64().max(1e-9);
    let verdict = if r <= limit { "met" } else { "MISSED" };
    println!("{name:<44} ratio {r:.2}  (target ≤ {limit}: {verdict})");
    r
}

/// The value at quantile `q` (0 to 1) of sorted samples, nearest rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// Prints one figure with its spread: median, p25–p75 and min–max. Gives the median.
pub(crate) fn spread(name: &str, samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let med = median(sorted.clone());
    println!(
        "{name:<44} median {:>9}  (p25–p75 {}–{}, min–max {}–{}, n={})",
        ms(med),
        ms(quantile(&sorted, 0.25)),
        ms(quantile(&sorted, 0.75)),
        ms(sorted[0]),
        ms(sorted[sorted.len() - 1]),
        sorted.len()
    );
    med
}
