//! Reports under nextest (issue 19), where each test process runs one trial: every process
//! writes its scenarios' fragments ([`Format`]) as a *part* of the run, then, holding a lock,
//! merges every part of the same nextest run into the report file. The last process to finish
//! therefore leaves the whole run's report, as one `run` would have written it; nextest's own
//! JUnit file (`--profile ci`) is merged the same way, by nextest.
//!
//! Layout, next to each report file `DIR/NAME`: `DIR/.NAME.parts/<run>/<trial>.json` (one part
//! per trial; a retried trial replaces its part) and the lock `DIR/.NAME.parts/lock`. `<run>`
//! is nextest's `NEXTEST_RUN_ID`; the parts of any other run are removed when a run writes its
//! first part, so a report never mixes runs. Fragments are redacted before they are written:
//! a part holds nothing a report may not.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::format::Format;
use super::record::{Record, RunInfo, Summary, outcome_word, sorted};
use super::write::{ReportError, ReportPaths};

/// The part format's version; parts of another version are not merged.
const VERSION: u32 = 1;

/// The nextest run a test process belongs to and the trial it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextestRun {
    /// The run's id (`NEXTEST_RUN_ID`), shared by every process of one `cargo nextest run`.
    pub id: String,
    /// The trial this process runs (`NEXTEST_TEST_NAME`, `core::r01_…`).
    pub trial: String,
}

impl NextestRun {
    /// The run of this process from nextest's variables; without `NEXTEST_RUN_ID` (an older
    /// nextest), the parent process, nextest itself, stands for the run.
    pub fn from_env(trial: String) -> Self {
        let id = crate::settings::env("NEXTEST_RUN_ID")
            .unwrap_or_else(|| format!("ppid-{}", parent_id()));
        NextestRun { id, trial }
    }
}

#[cfg(unix)]
fn parent_id() -> u32 {
    std::os::unix::process::parent_id()
}

#[cfg(not(unix))]
fn parent_id() -> u32 {
    0
}

/// A report file merged from a nextest run's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The report file.
    pub path: PathBuf,
    /// The scenarios it holds so far (the run's processes that have finished).
    pub scenarios: usize,
}

/// One process's contribution to one report.
#[derive(Debug, Serialize, Deserialize)]
struct Part {
    version: u32,
    target: String,
    started: String,
    /// Start and end of the process's run, in milliseconds since the Unix epoch.
    start_ms: u64,
    end_ms: u64,
    interrupted: Option<String>,
    #[serde(default)]
    switches: Vec<String>,
    #[serde(default)]
    origins: Vec<(String, String)>,
    #[serde(default)]
    restart: Option<String>,
    scenarios: Vec<Entry>,
}

/// One scenario in a part: what the counts and the order need, and its fragment.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    id: String,
    outcome: String,
    fragment: Value,
}

impl ReportPaths {
    /// Writes this process's part of every requested report and merges each report from the
    /// parts of `run` written so far (see the module doc).
    pub fn write_part(
        &self,
        run: &NextestRun,
        info: &RunInfo,
        records: &[Record],
    ) -> Result<Vec<Merged>, ReportError> {
        let end = SystemTime::now();
        let ms =
            |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64;
        let mut merged = Vec::new();
        for (format, path) in self.each() {
            let part = Part {
                version: VERSION,
                target: info.target.clone(),
                started: info.started.clone(),
                start_ms: ms(end.checked_sub(info.elapsed).unwrap_or(end)),
                end_ms: ms(end),
                interrupted: info.interrupted.clone(),
                switches: info.switches.clone(),
                origins: info.origins.clone(),
                restart: info.restart.clone(),
                scenarios: sorted(records)
                    .into_iter()
                    .map(|r| Entry {
                        id: r.result.id.clone(),
                        outcome: outcome_word(&r.result.outcome).into(),
                        fragment: (format.fragment)(r),
                    })
                    .collect(),
            };
            let io = |e| ReportError::io(format.kind, path, e);
            let scenarios = write_and_merge(format, path, run, &part).map_err(io)?;
            merged.push(Merged {
                path: path.to_path_buf(),
                scenarios,
            });
        }
        Ok(merged)
    }
}

/// `DIR/.NAME.parts` for the report `DIR/NAME`.
fn parts_root(report: &Path) -> PathBuf {
    let name = report.file_name().unwrap_or_default().to_string_lossy();
    report.with_file_name(format!(".{name}.parts"))
}

/// Keeps a name to letters, digits, `-` and `_` (a run id or trial name as a file name; no
/// `.`, so never `..`).
fn file_safe(name: &str) -> String {
    name.replace("::", "__")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes `part` for `run`, then, under the lock, merges the run's parts into `report`;
/// returns how many scenarios the report holds.
fn write_and_merge(
    format: Format,
    report: &Path,
    run: &NextestRun,
    part: &Part,
) -> std::io::Result<usize> {
    let root = parts_root(report);
    let dir = root.join(file_safe(&run.id));
    fs::create_dir_all(&dir)?;
    let file = dir.join(format!("{}.json", file_safe(&run.trial)));
    let tmp = file.with_extension("json.tmp");
    fs::write(&tmp, serde_json::to_vec(part)?)?;
    fs::rename(&tmp, &file)?;

    let lock = fs::File::create(root.join("lock"))?;
    lock.lock()?;
    for other in fs::read_dir(&root)?.filter_map(Result::ok) {
        if other.path().is_dir() && other.path() != dir {
            let _ = fs::remove_dir_all(other.path());
        }
    }
    let parts = read_parts(&dir)?;
    let (info, entries) = combine(parts);
    let summary = Summary::of_words(entries.iter().map(|e| e.outcome.as_str()));
    let fragments: Vec<Value> = entries.into_iter().map(|e| e.fragment).collect();
    let merged = root.join("merged.tmp");
    fs::write(&merged, (format.assemble)(&info, &summary, &fragments))?;
    fs::rename(&merged, report)?;
    Ok(fragments.len())
}

/// Every complete part in `dir` (a part being written is a `.tmp` file until it is renamed).
fn read_parts(dir: &Path) -> std::io::Result<Vec<Part>> {
    let mut parts = Vec::new();
    for entry in fs::read_dir(dir)?.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let part = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Part>(&bytes).ok())
            .filter(|p| p.version == VERSION);
        match part {
            Some(part) => parts.push(part),
            None => eprintln!(
                "warning: {} is not a report part of this version; left out",
                path.display()
            ),
        }
    }
    Ok(parts)
}

/// The run as a whole from its parts: the earliest start, the latest end, any signal; the
/// scenarios sorted by id, each once.
fn combine(parts: Vec<Part>) -> (RunInfo, Vec<Entry>) {
    let start = parts.iter().map(|p| p.start_ms).min().unwrap_or_default();
    let end = parts.iter().map(|p| p.end_ms).max().unwrap_or_default();
    let mut info = RunInfo {
        elapsed: Duration::from_millis(end.saturating_sub(start)),
        ..RunInfo::default()
    };
    let mut entries = Vec::new();
    for part in parts {
        if info.started.is_empty() || part.started < info.started {
            info.started = part.started;
        }
        if info.target.is_empty() {
            info.target = part.target;
            info.switches = part.switches;
            info.origins = part.origins;
            info.restart = part.restart;
        }
        info.interrupted = info.interrupted.or(part.interrupted);
        entries.extend(part.scenarios);
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    entries.dedup_by(|a, b| a.id == b.id);
    (info, entries)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_no_secret, failing, ignored, info, passing, retried};
    use super::*;

    fn paths(dir: &Path) -> ReportPaths {
        ReportPaths {
            junit: Some(dir.join("r.xml")),
            json: Some(dir.join("r.json")),
            html: Some(dir.join("r.html")),
        }
    }

    fn json_only(dir: &Path) -> ReportPaths {
        ReportPaths {
            json: Some(dir.join("r.json")),
            ..Default::default()
        }
    }

    fn run(id: &str, trial: &str) -> NextestRun {
        NextestRun {
            id: id.into(),
            trial: trial.into(),
        }
    }

    fn read(path: PathBuf) -> String {
        fs::read_to_string(path).unwrap()
    }

    /// The text from `from` to `to` (the part of a document that does not depend on timing).
    fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
        let start = text.find(from).expect(from);
        let end = text.rfind(to).expect(to);
        &text[start..end]
    }

    #[test]
    fn parts_merge_into_the_document_one_process_would_write() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths(dir.path());
        let records = [failing(), passing(), ignored(), retried()];
        for record in &records {
            let merged = paths
                .write_part(
                    &run("r1", &record.trial()),
                    &info(),
                    std::slice::from_ref(record),
                )
                .unwrap();
            assert_eq!(merged.len(), 3);
        }
        let whole = paths.each().map(|(f, _)| f.render(&info(), &records));
        let [junit, json, html]: [String; 3] = whole.collect::<Vec<_>>().try_into().unwrap();

        let merged_json: Value = serde_json::from_str(&read(dir.path().join("r.json"))).unwrap();
        let one_json: Value = serde_json::from_str(&json).unwrap();
        for key in ["version", "target", "started", "summary", "scenarios"] {
            assert_eq!(merged_json[key], one_json[key], "{key}");
        }
        assert_eq!(merged_json["summary"]["total"], 4);
        let merged_html = read(dir.path().join("r.html"));
        assert_eq!(
            between(&merged_html, "<div id=\"summary\"", "</body>"),
            between(&html, "<div id=\"summary\"", "</body>")
        );
        let merged_xml = read(dir.path().join("r.xml"));
        assert_eq!(
            between(&merged_xml, "<testcase ", "</testsuite>"),
            between(&junit, "<testcase ", "</testsuite>")
        );
        assert!(
            merged_xml.contains(r#"tests="4" skipped="1" failures="2""#),
            "{merged_xml}"
        );
    }

    #[test]
    fn a_part_holds_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths(dir.path());
        paths
            .write_part(&run("r1", "core::b_failing"), &info(), &[failing()])
            .unwrap();
        paths
            .write_part(&run("r1", "strict::g_retried"), &info(), &[retried()])
            .unwrap();
        for name in [".r.json.parts", ".r.html.parts", ".r.xml.parts"] {
            for part in fs::read_dir(dir.path().join(name).join("r1")).unwrap() {
                assert_no_secret(&read(part.unwrap().path()));
            }
        }
    }

    #[test]
    fn a_new_run_replaces_the_parts_of_the_last_and_a_retry_replaces_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let paths = json_only(dir.path());
        let scenarios = |id: &str, trial: &str, record: Record| {
            let merged = paths
                .write_part(&run(id, trial), &info(), &[record])
                .unwrap();
            merged[0].scenarios
        };
        assert_eq!(scenarios("old", "core::a_passing", passing()), 1);
        assert_eq!(scenarios("old", "core::b_failing", failing()), 2);
        assert_eq!(scenarios("new", "core::b_failing", failing()), 1);
        assert!(!dir.path().join(".r.json.parts/old").exists());
        let mut passed = failing();
        passed.result.outcome = crate::run::result::Outcome::Passed;
        assert_eq!(scenarios("new", "core::b_failing", passed), 1);
        let doc: Value = serde_json::from_str(&read(dir.path().join("r.json"))).unwrap();
        assert_eq!(doc["summary"]["passed"], 1, "the retry's outcome: {doc}");
    }

    #[test]
    fn concurrent_processes_lose_no_part() {
        let dir = tempfile::tempdir().unwrap();
        let paths = json_only(dir.path());
        std::thread::scope(|s| {
            for i in 0..8 {
                let paths = &paths;
                s.spawn(move || {
                    let mut record = passing();
                    record.result.id = format!("core/t{i}");
                    paths
                        .write_part(&run("r", &record.trial()), &info(), &[record])
                        .unwrap();
                });
            }
        });
        let doc: Value = serde_json::from_str(&read(dir.path().join("r.json"))).unwrap();
        assert_eq!(doc["summary"]["total"], 8, "{doc}");
    }

    #[test]
    fn the_run_spans_its_parts() {
        let part = |started: &str, start_ms, end_ms, interrupted: Option<&str>| Part {
            version: VERSION,
            target: "external (http://a/)".into(),
            started: started.into(),
            start_ms,
            end_ms,
            interrupted: interrupted.map(String::from),
            switches: vec![],
            origins: vec![],
            restart: None,
            scenarios: vec![],
        };
        let (info, entries) = combine(vec![
            part("2026-01-01T00:00:02Z", 2_000, 2_500, None),
            part("2026-01-01T00:00:01Z", 1_000, 1_800, Some("SIGINT")),
        ]);
        assert_eq!(info.started, "2026-01-01T00:00:01Z");
        assert_eq!(info.elapsed, Duration::from_millis(1_500));
        assert_eq!(info.interrupted.as_deref(), Some("SIGINT"));
        assert_eq!(info.target, "external (http://a/)");
        assert!(entries.is_empty());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_safe("core::r01_x"), "core__r01_x");
        assert_eq!(file_safe("../a b"), "___a_b");
        assert_eq!(
            parts_root(Path::new("reports/conformance.json")),
            Path::new("reports/.conformance.json.parts")
        );
    }
}
