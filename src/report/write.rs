//! Writing the report files a run asked for (`--junit`, `--json`, `--html`).

use std::path::{Path, PathBuf};

use super::format::Format;
use super::record::{Record, RunInfo};
use super::{html, json, junit};

/// A report file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The directory the report goes to does not exist.
    #[error("cannot write the {kind} report to {path}: the directory {dir} does not exist")]
    NoDirectory {
        /// `JUnit`, `JSON` or `HTML`.
        kind: &'static str,
        /// The report's path.
        path: PathBuf,
        /// Its missing directory.
        dir: PathBuf,
    },
    /// Writing failed.
    #[error("cannot write the {kind} report to {path}: {source}")]
    Io {
        /// `JUnit`, `JSON` or `HTML`.
        kind: &'static str,
        /// The report's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl ReportError {
    /// Writing (or reading) `path` for the `kind` report failed.
    pub(super) fn io(kind: &'static str, path: &Path, source: std::io::Error) -> Self {
        ReportError::Io {
            kind,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where to write each report; `None` writes none of that kind.
#[derive(Debug, Clone, Default)]
pub struct ReportPaths {
    /// JUnit XML.
    pub junit: Option<PathBuf>,
    /// Machine-readable JSON.
    pub json: Option<PathBuf>,
    /// Self-contained HTML page.
    pub html: Option<PathBuf>,
}

impl ReportPaths {
    /// True when no report was asked for.
    pub fn is_empty(&self) -> bool {
        self.junit.is_none() && self.json.is_none() && self.html.is_none()
    }

    /// Each requested report: its format and path.
    pub(super) fn each(&self) -> impl Iterator<Item = (Format, &Path)> {
        [
            (junit::FORMAT, self.junit.as_deref()),
            (json::FORMAT, self.json.as_deref()),
            (html::FORMAT, self.html.as_deref()),
        ]
        .into_iter()
        .filter_map(|(format, path)| path.map(|p| (format, p)))
    }

    /// Checks, before a run, that every report's directory exists (so a typo is reported
    /// before minutes of trials rather than after).
    pub fn check(&self) -> Result<(), ReportError> {
        for (Format { kind, .. }, path) in self.each() {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            if let Some(dir) = dir.filter(|d| !d.is_dir()) {
                return Err(ReportError::NoDirectory {
                    kind,
                    path: path.to_path_buf(),
                    dir: dir.to_path_buf(),
                });
            }
        }
        Ok(())
    }

    /// Writes every requested report; returns the paths written.
    pub fn write(&self, info: &RunInfo, records: &[Record]) -> Result<Vec<PathBuf>, ReportError> {
        let mut written = Vec::new();
        for (format, path) in self.each() {
            std::fs::write(path, format.render(info, records))
                .map_err(|source| ReportError::io(format.kind, path, source))?;
            written.push(path.to_path_buf());
        }
        Ok(written)
    }
}

impl RunInfo {
    /// Run information for a run that starts now; see [`RunInfo::finished`].
    pub fn starting() -> Self {
        let now = time::OffsetDateTime::now_utc();
        let started = now
            .replace_nanosecond(0)
            .unwrap_or(now)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            target: String::new(),
            elapsed: Default::default(),
            started,
            clock: Some(std::time::Instant::now()),
            ..Self::default()
        }
    }

    /// The same run, finished now, against `target`.
    pub fn finished(self, target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            elapsed: self.clock.map(|c| c.elapsed()).unwrap_or(self.elapsed),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{failing, info, passing};
    use super::*;

    #[test]
    fn writes_each_requested_report() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ReportPaths {
            junit: Some(dir.path().join("r.xml")),
            json: None,
            html: Some(dir.path().join("r.html")),
        };
        paths.check().unwrap();
        let written = paths.write(&info(), &[passing(), failing()]).unwrap();
        assert_eq!(written.len(), 2);
        let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
        assert!(xml.contains("<testsuites"));
        assert!(!dir.path().join("r.json").exists());
    }

    #[test]
    fn a_missing_directory_is_reported_before_the_run() {
        let paths = ReportPaths {
            json: Some(PathBuf::from("/no/such/dir/r.json")),
            ..Default::default()
        };
        let e = paths.check().unwrap_err().to_string();
        assert_eq!(
            e,
            "cannot write the JSON report to /no/such/dir/r.json: the directory /no/such/dir does not exist"
        );
        assert!(
            ReportPaths {
                html: Some("r.html".into()),
                ..Default::default()
            }
            .check()
            .is_ok()
        );
    }

    #[test]
    fn starting_stamps_rfc3339() {
        let info = RunInfo::starting().finished("embedded");
        assert!(info.started.ends_with('Z'), "{}", info.started);
        assert_eq!(info.target, "embedded");
        assert!(info.elapsed < std::time::Duration::from_secs(5));
    }
}
