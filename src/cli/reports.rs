//! The report flags of `run` (`--junit`, `--json`, `--html` and their variables) and writing
//! the reports once a run is over, for the binary and the `cargo test` target alike.

use std::path::PathBuf;

use clap::{Args, Parser};

use super::EnvSettings;
use crate::report::{ReportError, ReportPaths, RunInfo};
use crate::run::SharedTarget;

/// Report files written after the run.
#[derive(Debug, Args)]
pub(super) struct ReportArgs {
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
    pub(super) fn paths(&self) -> ReportPaths {
        ReportPaths {
            junit: self.junit.clone(),
            json: self.json.clone(),
            html: self.html.clone(),
        }
    }
}

/// Writes the requested reports of a run that started at `info` (see
/// [`RunInfo::starting`]) and has finished, and says where on stderr.
pub fn write_reports(
    reports: &ReportPaths,
    info: RunInfo,
    shared: &SharedTarget,
) -> Result<(), ReportError> {
    if reports.is_empty() {
        return Ok(());
    }
    let info = info.finished(shared.describe());
    for path in reports.write(&info, &shared.records())? {
        eprintln!("report written to {}", path.display());
    }
    Ok(())
}

/// The report files the `cargo test` target writes (`OPENAPP_CONFORMANCE_JUNIT`, `…_JSON`,
/// `…_HTML`), checked before the run.
pub fn reports_from_env() -> Result<ReportPaths, String> {
    let s = EnvSettings::try_parse_from(["cargo-test"]).map_err(|e| e.to_string())?;
    let paths = s.reports.paths();
    paths.check().map_err(|e| e.to_string())?;
    Ok(paths)
}
