//! Durations: the `4s` / `500ms` / `1h` syntax of flags and variables, the defaults written
//! once, and request [`Timeouts`].

use std::time::Duration;

/// Default login flow lifespan of the embedded Kratos (`--flow-lifespan`).
pub const DEFAULT_FLOW_LIFESPAN: Duration = Duration::from_secs(3600);
/// Default TCP connect timeout (`--connect-timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default whole-request timeout (`--request-timeout`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses a duration such as `4s`, `500ms`, `2m`, `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 4s, 500ms, 1h"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => {
            return Err(format!(
                "`{s}` is not a duration like 4s, 500ms, 1h (units: ms, s, m, h)"
            ));
        }
    };
    Ok(d)
}

/// Request timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect timeout. Default 5 s.
    pub connect: Duration,
    /// Whole-request timeout. Default 10 s.
    pub request: Duration,
    /// How many times a GET is tried again after a transport error (never a POST or any
    /// other method). Default 0.
    pub retries: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: DEFAULT_CONNECT_TIMEOUT,
            request: DEFAULT_REQUEST_TIMEOUT,
            retries: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("4s"), Ok(Duration::from_secs(4)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("4").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("4 parsecs").is_err());
    }
}
