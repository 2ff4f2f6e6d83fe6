//! The `cargo test` target's settings: the same environment variables as `run`, read through
//! the same argument groups, into the suite's options; and libtest's own arguments, read the
//! way libtest reads them ([`harness_from_args`]).

use std::path::{Path, PathBuf};

use clap::Parser;

use super::args::{ReportArgs, SnapshotArgs, TargetArgs, test_threads};
use crate::suite::{Entry, Selection, SuiteOptions};

/// Settings the `cargo test` target reads from the environment (the same variables as `run`).
#[derive(Debug, Parser)]
struct EnvSettings {
    #[arg(long, env = "OPENAPP_CONFORMANCE_TAG", value_delimiter = ',')]
    tag: Vec<String>,
    #[arg(long, env = "OPENAPP_CONFORMANCE_SKIP", value_delimiter = ',')]
    skip: Vec<String>,
    #[arg(long, env = "OPENAPP_CONFORMANCE_EXACT")]
    exact: bool,
    #[arg(long, env = "OPENAPP_CONFORMANCE_REQUIRE_ALL")]
    require_all: bool,
    #[arg(long, env = "OPENAPP_CONFORMANCE_TEST_THREADS")]
    test_threads: Option<String>,
    #[arg(long, env = "OPENAPP_CONFORMANCE_SCENARIOS")]
    scenarios: Option<PathBuf>,
    #[command(flatten)]
    snapshots: SnapshotArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    reports: ReportArgs,
    #[arg(long, env = "OPENAPP_CONFORMANCE_VERBOSE")]
    verbose: bool,
}

/// libtest's arguments as a test binary receives them, and the name filters among them.
#[derive(Debug)]
pub struct HarnessArgs {
    /// libtest-mimic's arguments, without the name filters.
    pub harness: libtest_mimic::Arguments,
    /// Every positional filter (libtest takes several: any of them selects a trial).
    pub filters: Vec<String>,
}

/// libtest options that take a value in the next argument.
const TAKES_VALUE: &[&str] = &[
    "--test-threads",
    "--logfile",
    "--skip",
    "--color",
    "--format",
    "-Z",
];

/// Reads libtest's arguments (`args` without the program name) as libtest does: any number of
/// positional filters (libtest-mimic's own parser takes one), and `--test-threads` of at least
/// one. `Err` is a bad argument (exit code 2).
pub fn harness_from_args(args: impl IntoIterator<Item = String>) -> Result<HarnessArgs, String> {
    let mut rest = vec!["conformance".to_string()];
    let mut filters = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if TAKES_VALUE.contains(&arg.as_str()) {
            rest.push(arg);
            rest.extend(args.next());
        } else if arg.starts_with('-') {
            rest.push(arg);
        } else {
            filters.push(arg);
        }
    }
    let harness = libtest_mimic::Arguments::try_parse_from(rest).map_err(|e| match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => e.exit(),
        _ => e.to_string(),
    })?;
    if harness.test_threads == Some(0) {
        return Err(format!(
            "--test-threads: {}",
            test_threads("0").unwrap_err()
        ));
    }
    Ok(HarnessArgs { harness, filters })
}

/// A thread count from the environment: `OPENAPP_CONFORMANCE_TEST_THREADS`, else libtest's
/// `RUST_TEST_THREADS` (which libtest-mimic itself ignores).
fn env_threads(ours: Option<String>) -> Result<Option<usize>, String> {
    let (name, value) = match ours {
        Some(v) => ("OPENAPP_CONFORMANCE_TEST_THREADS", v),
        None => match crate::settings::env("RUST_TEST_THREADS") {
            Some(v) => ("RUST_TEST_THREADS", v),
            None => return Ok(None),
        },
    };
    test_threads(&value)
        .map(Some)
        .map_err(|e| format!("{name}: {e}"))
}

/// The suite options of the `cargo test` target: settings from the environment, libtest's own
/// arguments (`args`, see [`harness_from_args`]) for filters, `--list` and threads; `root` is
/// the crate root (scenarios and snapshots default to folders there). Name filters select as
/// `run`'s do (any of them; `--exact` or `OPENAPP_CONFORMANCE_EXACT` for whole names) and, as
/// in libtest, select invalid files too. `Err` is a bad setting or argument (exit code 2).
pub fn suite_from_env(root: &Path, args: HarnessArgs) -> Result<SuiteOptions, String> {
    let s = EnvSettings::try_parse_from(["cargo-test"]).map_err(|e| e.to_string())?;
    let scenarios = s.scenarios.unwrap_or_else(|| root.join("scenarios"));
    let snapshots = s.snapshots.config(&scenarios)?;
    let HarnessArgs {
        mut harness,
        filters,
    } = args;
    if harness.test_threads.is_none() {
        harness.test_threads = env_threads(s.test_threads)?;
    }
    Ok(SuiteOptions {
        selection: Selection {
            filters,
            exact: harness.exact || s.exact,
            tags: s.tag,
            skip: s.skip,
            invalid_by_name: true,
        },
        target: s.target.options()?,
        scenarios,
        snapshots,
        reports: s.reports.paths(),
        harness,
        require_all: s.require_all,
        entry: Entry::CargoTest,
        verbose: s.verbose,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<HarnessArgs, String> {
        harness_from_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn several_filters_are_read_as_libtest_reads_them() {
        let got = parse(&[
            "core::r01",
            "--skip",
            "strict",
            "core::k2",
            "--test-threads",
            "3",
            "--exact",
            "--nocapture",
        ])
        .unwrap();
        assert_eq!(got.filters, ["core::r01", "core::k2"]);
        assert_eq!(got.harness.skip, ["strict"]);
        assert_eq!(got.harness.test_threads, Some(3));
        assert!(got.harness.exact && got.harness.filter.is_none());
    }

    #[test]
    fn nextest_arguments_parse() {
        let got = parse(&["--exact", "core::r01", "--nocapture", "--ignored"]).unwrap();
        assert_eq!(got.filters, ["core::r01"]);
        assert!(got.harness.ignored && got.harness.exact);
        let list = parse(&["--list", "--format", "terse", "--ignored"]).unwrap();
        assert!(list.harness.list && list.harness.ignored && list.filters.is_empty());
    }

    #[test]
    fn zero_threads_and_unknown_flags_are_errors() {
        let e = parse(&["--test-threads", "0"]).unwrap_err();
        assert!(e.contains("1 or more"), "{e}");
        assert!(parse(&["--no-such-flag"]).is_err());
        let e = env_threads(Some("0".into())).unwrap_err();
        assert!(e.contains("OPENAPP_CONFORMANCE_TEST_THREADS"), "{e}");
        assert_eq!(env_threads(Some(" 4 ".into())), Ok(Some(4)));
    }

    /// The README's settings table names the variables; the `cargo test` target reads each
    /// `OPENAPP_CONFORMANCE_*` one of them as `run` does (scenario settings are read by the
    /// scenario files themselves, on both).
    #[test]
    fn the_cargo_test_target_reads_every_variable_of_the_readme_table() {
        use clap::CommandFactory;
        let readme = include_str!("../../README.md");
        let table: Vec<&str> = readme
            .split("## Targets and settings")
            .nth(1)
            .expect("the README has its settings section")
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter(|l| !l.contains("a scenario setting"))
            .collect();
        let read: Vec<String> = EnvSettings::command()
            .get_arguments()
            .filter_map(|a| a.get_env())
            .map(|e| e.to_string_lossy().into_owned())
            .collect();
        let named = regex::Regex::new(r"OPENAPP_CONFORMANCE_[A-Z_]+").unwrap();
        let mut checked = 0;
        for row in table {
            for var in named.find_iter(row) {
                assert!(
                    read.iter().any(|r| r == var.as_str()),
                    "the cargo test target does not read {}",
                    var.as_str()
                );
                checked += 1;
            }
        }
        assert!(checked >= 15, "the table was found ({checked} variables)");
    }
}
