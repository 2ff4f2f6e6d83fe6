//! Argument groups the subcommands share, each flag with its environment variable (the
//! `cargo test` target reads the same variables): target, selection, scenario directory,
//! snapshots and reports.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::report::ReportPaths;
use crate::settings::{Timeouts, is_ci, parse_duration};
use crate::suite::{Selection, SnapshotConfig, SnapshotMode};
use crate::switches::Switches;
use crate::targets::{SetupStack, TargetKind, TargetOptions};

/// `--connect-timeout`'s default as clap shows it (`settings::DEFAULT_CONNECT_TIMEOUT`).
const DEFAULT_CONNECT_TIMEOUT_TEXT: &str = "5s";
/// `--request-timeout`'s default as clap shows it (`settings::DEFAULT_REQUEST_TIMEOUT`).
const DEFAULT_REQUEST_TIMEOUT_TEXT: &str = "10s";

/// The target flags shared by `run` and `load`.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// embedded, containers or external. Default: external when OPENAPP_BASE_URL is set, else embedded.
    #[arg(long, value_enum, env = "OPENAPP_CONFORMANCE_TARGET")]
    target: Option<TargetKind>,
    /// Fault or benign switches of the embedded stack, comma-separated (see `faults`).
    #[arg(long, env = "OPENAPP_CONFORMANCE_FAULT", value_name = "NAME")]
    fault: Option<String>,
    /// Login flow lifespan of the embedded Kratos. Default: 1h.
    #[arg(long, env = "OPENAPP_CONFORMANCE_FLOW_LIFESPAN", value_parser = parse_duration)]
    flow_lifespan: Option<Duration>,
    /// TCP connect timeout.
    #[arg(long, env = "OPENAPP_CONFORMANCE_CONNECT_TIMEOUT", value_parser = parse_duration, default_value = DEFAULT_CONNECT_TIMEOUT_TEXT)]
    connect_timeout: Duration,
    /// Whole-request timeout.
    #[arg(long, env = "OPENAPP_CONFORMANCE_REQUEST_TIMEOUT", value_parser = parse_duration, default_value = DEFAULT_REQUEST_TIMEOUT_TEXT)]
    request_timeout: Duration,
    /// Accept any TLS certificate (prints a warning on every run). Prefer OPENAPP_CA_CERT.
    #[arg(long, env = "OPENAPP_CONFORMANCE_INSECURE")]
    insecure: bool,
    /// Try a GET again this many times after a transport error (POSTs are never retried).
    #[arg(
        long,
        env = "OPENAPP_CONFORMANCE_RETRIES",
        value_name = "N",
        default_value_t = 0
    )]
    retries: u32,
    /// Skip the checks made once before the first trial (every configured origin answers
    /// over HTTP, and a login flow's `ui.action` stays on KRATOS_PUBLIC_URL, rule K7; a
    /// failure there exits 3).
    #[arg(long, env = "OPENAPP_CONFORMANCE_NO_PREFLIGHT")]
    no_preflight: bool,
    /// Keep the identities trials create through KRATOS_ADMIN_URL (default: each trial
    /// deletes its own at its end, pass or fail).
    #[arg(long, env = "OPENAPP_CONFORMANCE_KEEP_IDENTITIES")]
    keep_identities: bool,
    /// At most N requests per second over the whole run, every client together (for shared
    /// staging environments). Default: no limit.
    #[arg(long, env = "OPENAPP_CONFORMANCE_MAX_RPS", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_rps: Option<u32>,
    /// Headless Chromium confirms the jar of every scenario client after every step: the
    /// same Set-Cookie lines delivered, both jars compared (needs Chromium; exit 3 without).
    #[arg(long, env = "OPENAPP_CONFORMANCE_BROWSER_CHECK")]
    browser_check: bool,
}

impl TargetArgs {
    /// The target options these flags (and their environment variables) give.
    pub fn options(&self) -> Result<TargetOptions, String> {
        let switches =
            Switches::parse(self.fault.as_deref().unwrap_or("")).map_err(|e| e.to_string())?;
        Ok(TargetOptions {
            kind: self.target,
            switches,
            flow_lifespan: self.flow_lifespan,
            timeouts: Timeouts {
                connect: self.connect_timeout,
                request: self.request_timeout,
                retries: self.retries,
            },
            insecure: self.insecure,
            no_preflight: self.no_preflight,
            keep_identities: self.keep_identities,
            max_rps: self.max_rps,
            stack: SetupStack::from_env()?,
            browser_check: self.browser_check,
        })
    }
}

/// Which scenarios run, for `run` and `load`.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Only scenarios whose trial name contains one of these (e.g. `core::r10`, `logout`).
    pub filters: Vec<String>,
    /// Only scenarios with this tag (repeatable: any of them).
    #[arg(long, env = "OPENAPP_CONFORMANCE_TAG", value_delimiter = ',')]
    pub tag: Vec<String>,
    /// Filters match whole trial names exactly.
    #[arg(long, env = "OPENAPP_CONFORMANCE_EXACT")]
    pub exact: bool,
    /// Skip scenarios whose name contains this (repeatable).
    #[arg(long, env = "OPENAPP_CONFORMANCE_SKIP", value_delimiter = ',')]
    pub skip: Vec<String>,
}

impl SelectArgs {
    /// The selection these flags give.
    pub fn selection(&self) -> Selection {
        Selection {
            filters: self.filters.clone(),
            exact: self.exact,
            tags: self.tag.clone(),
            skip: self.skip.clone(),
            invalid_by_name: false,
        }
    }
}

/// The scenario directory.
#[derive(Debug, Args)]
pub struct ScenarioDirArg {
    /// The scenario directory.
    #[arg(
        long = "scenarios",
        env = "OPENAPP_CONFORMANCE_SCENARIOS",
        default_value = "scenarios"
    )]
    pub dir: PathBuf,
}

/// Snapshot flags.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The snapshot directory. Default: `snapshots` next to the scenario directory.
    #[arg(long, env = "OPENAPP_CONFORMANCE_SNAPSHOTS")]
    snapshots: Option<PathBuf>,
    /// Write the new snapshot where it differs or is missing (refused when CI is set).
    #[arg(long, env = "OPENAPP_CONFORMANCE_UPDATE_SNAPSHOTS")]
    update_snapshots: bool,
}

impl SnapshotArgs {
    /// The snapshot settings; `scenarios` is the scenario directory (snapshots default to a
    /// `snapshots` folder beside it).
    pub fn config(&self, scenarios: &std::path::Path) -> Result<SnapshotConfig, String> {
        if self.update_snapshots && is_ci() {
            return Err("--update-snapshots is refused when CI is set: snapshots are reviewed and committed, never written by CI".into());
        }
        let dir = self.snapshots.clone().unwrap_or_else(|| {
            scenarios
                .parent()
                .map(|p| p.join("snapshots"))
                .unwrap_or_else(|| PathBuf::from("snapshots"))
        });
        let mode = if self.update_snapshots {
            SnapshotMode::Update
        } else {
            SnapshotMode::Assert
        };
        SnapshotConfig::new(dir, mode)
    }
}

/// Report files written after the run.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write a JUnit XML report (one test case per scenario) to FILE.
    #[arg(long, env = "OPENAPP_CONFORMANCE_JUNIT", value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the machine-readable results as JSON to FILE.
    #[arg(long, env = "OPENAPP_CONFORMANCE_JSON", value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report to FILE.
    #[arg(long, env = "OPENAPP_CONFORMANCE_HTML", value_name = "FILE")]
    html: Option<PathBuf>,
}

impl ReportArgs {
    /// The report files asked for.
    pub fn paths(&self) -> ReportPaths {
        ReportPaths {
            junit: self.junit.clone(),
            json: self.json.clone(),
            html: self.html.clone(),
        }
    }
}

/// A number of test threads: 1 or more (libtest-mimic would wait forever on none).
pub(super) fn test_threads(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{value}` is not a number of threads (1 or more)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};

    #[test]
    fn timeout_defaults_are_the_named_constants() {
        assert_eq!(
            parse_duration(DEFAULT_CONNECT_TIMEOUT_TEXT),
            Ok(DEFAULT_CONNECT_TIMEOUT)
        );
        assert_eq!(
            parse_duration(DEFAULT_REQUEST_TIMEOUT_TEXT),
            Ok(DEFAULT_REQUEST_TIMEOUT)
        );
    }
}
