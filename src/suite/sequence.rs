//! The run sequence, written once for the `run` subcommand and the `cargo test` target: load
//! and resolve the scenarios, select, resolve the target, run one libtest-mimic trial per
//! scenario (snapshots checked in each), write the reports, and give the exit code. Under
//! `run`, an external target is announced first and its preflight runs while the scenario
//! files load ([`SharedTarget::connect_early`]): its round trips cost no time of their own.
//!
//! SIGINT and SIGTERM are handled while the target is resolved and the trials run
//! ([`crate::interrupt`]): the first ends the trials in flight, libtest-mimic prints its
//! summary, the reports are written marked interrupted, one line on stderr says how many trials
//! did not finish, and the exit code is 130 or 143 (for both entry points); a second one exits
//! at once.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::filtered::count_filtered;
use super::prepare::{Selected, select};
use super::select::Selection;
use super::snapshot::SnapshotConfig;
use super::trials::{SharedTarget, Strictness, build_trials};
use super::unmet::Unmet;
use crate::exit;
use crate::interrupt::{Interrupt, Signal, after_interrupt};
use crate::report::verdict::Style;
use crate::report::{Merged, NextestRun, ReportError, ReportPaths, RunInfo};
use crate::scenario::LoadError;
use crate::settings::{RuntimeError, cpus, runtime};
use crate::targets::{TargetError, TargetOptions, offer_from_settings};

/// Who runs the suite; decides the few things the two entry points do differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `openapp-conformance run`: invalid files are printed up front, a selection that matches
    /// nothing is an error, the target is resolved before the first trial (exit code 3), and
    /// the exit code follows the README's table (`crate::exit`).
    Cli,
    /// The `cargo test` target: libtest's own filters apply, the target is resolved by the
    /// first trial, and the exit code is libtest's (0 or 101), or 130/143 when interrupted.
    CargoTest,
}

/// Everything a suite run needs.
#[derive(Debug)]
pub struct SuiteOptions {
    /// The scenario directory.
    pub scenarios: PathBuf,
    /// Which scenarios run.
    pub selection: Selection,
    /// Which target, with which settings.
    pub target: TargetOptions,
    /// Where snapshots live and whether to update them.
    pub snapshots: SnapshotConfig,
    /// Report files to write after the run.
    pub reports: ReportPaths,
    /// libtest-mimic's arguments (`--list`, threads, and for `cargo test` its filters).
    pub harness: libtest_mimic::Arguments,
    /// A scenario the target cannot run fails instead of ending ignored (`--require-all`);
    /// a listing then marks none ignored, so nextest runs them all.
    pub require_all: bool,
    /// Who runs the suite.
    pub entry: Entry,
    /// The whole transcript of every failing trial, not only its verdict, failing exchange
    /// and reproduction (`--verbose`, `OPENAPP_CONFORMANCE_VERBOSE`).
    pub verbose: bool,
}

/// The suite could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The scenario directory cannot be walked (exit code 2).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The directory holds no scenario file at all (exit code 2).
    #[error("no scenario file under {} (a typo in OPENAPP_CONFORMANCE_SCENARIOS?)", dir.display())]
    NoScenarioFiles {
        /// The scenario directory.
        dir: PathBuf,
    },
    /// Filters, tags and skips leave nothing to run (exit code 2).
    #[error(
        "no scenario matches the filters ({total} scenario files under {})\n(hint: `openapp-conformance list` shows their names)",
        dir.display()
    )]
    NothingSelected {
        /// Scenario files found, valid or not.
        total: usize,
        /// The scenario directory.
        dir: PathBuf,
    },
    /// No tokio runtime (exit code 3).
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The target could not be resolved before the first trial (exit code 3, or 2 for a bad
    /// setting or when invalid scenario files were also found).
    #[error("{source}")]
    Target {
        /// Why.
        source: TargetError,
        /// Invalid scenario files were found too (their exit code 2 wins).
        invalid_files: bool,
    },
    /// A report file cannot be written (exit code 2).
    #[error(transparent)]
    Reports(#[from] ReportError),
}

impl SuiteError {
    /// The process exit code this error maps to (`crate::exit`).
    pub fn exit_code(&self) -> u8 {
        match self {
            SuiteError::Runtime(_) => exit::SETUP,
            SuiteError::Target {
                source,
                invalid_files,
            } => {
                if *invalid_files {
                    exit::USAGE
                } else {
                    source.exit_code()
                }
            }
            SuiteError::Load(_)
            | SuiteError::NoScenarioFiles { .. }
            | SuiteError::NothingSelected { .. }
            | SuiteError::Reports(_) => exit::USAGE,
        }
    }
}

/// Runs the suite; `Ok` carries the exit code of a run that went to its end.
pub fn run_suite(opts: SuiteOptions) -> Result<ExitCode, SuiteError> {
    let SuiteOptions {
        scenarios: dir,
        selection,
        target,
        snapshots,
        reports,
        harness,
        require_all,
        entry,
        verbose,
    } = opts;
    reports.check()?;
    let nextest = entry == Entry::CargoTest && !harness.list && nextest_run();
    // Under nextest each process runs one trial: its reports are parts of the nextest run's.
    let nextest_trial = crate::settings::env("NEXTEST_TEST_NAME").filter(|_| nextest);
    let nextest_run = nextest_trial.clone().map(NextestRun::from_env);
    let harness = ignored_as_included(harness, nextest);
    let strictness = if nextest || harness.ignored || harness.include_ignored || require_all {
        Strictness::Fail
    } else {
        Strictness::Ignore
    };
    // Marks unmet scenarios ignored where libtest reads the mark: listings, and `--ignored` /
    // `--include-ignored` runs. Elsewhere the trial runs and ends ignored with the reason.
    let settings_offer = offer_from_settings(&target);
    let offer = settings_offer
        .filter(|_| !require_all && (harness.list || harness.ignored || harness.include_ignored));
    let rt = runtime()?;
    let interrupt = (!harness.list)
        .then(|| {
            let _entered = rt.enter();
            Interrupt::listen()
        })
        .transpose()
        .map_err(RuntimeError::from)?;
    let watch = match &interrupt {
        Some(i) => i.watch(),
        None => crate::interrupt::Watch::manual().1,
    };
    let snapshots = SnapshotConfig {
        under_cargo_test: entry == Entry::CargoTest,
        ..snapshots
    };
    let style = Style {
        verbose,
        color: use_color(),
        restart: None,
    };
    let shared = SharedTarget::new(
        target,
        snapshots,
        rt.clone(),
        watch.clone(),
        strictness,
        style,
    );
    if entry == Entry::Cli && !harness.list {
        shared.connect_early();
    }
    let Selected {
        scenarios,
        invalid,
        total,
    } = select(&dir, &selection)?;
    if total == 0 && entry == Entry::CargoTest {
        return Err(SuiteError::NoScenarioFiles { dir });
    }
    if entry == Entry::Cli {
        for (_, e) in &invalid {
            eprintln!("{e}");
        }
        if scenarios.is_empty() && invalid.is_empty() {
            return Err(SuiteError::NothingSelected { total, dir });
        }
    }
    let invalid_files = !invalid.is_empty();
    let unmet = Unmet::of(&scenarios, settings_offer);
    let left_out = total.saturating_sub(scenarios.len() + invalid.len());
    if entry == Entry::Cli
        && !harness.list
        && let Err(source) = shared.resolve()
    {
        if let Some(signal) = watch.get() {
            eprintln!("interrupted by {} before the first trial", signal.name());
            return Ok(ExitCode::from(signal.exit_code()));
        }
        return Err(SuiteError::Target {
            source,
            invalid_files,
        });
    }
    let trials = build_trials(scenarios, invalid, &shared, offer);
    let harness = with_threads(harness, trials.len());
    let (harness, trials) = count_filtered(harness, trials, left_out);
    let info = RunInfo::starting();
    let conclusion = libtest_mimic::run(&harness, trials);
    let interrupted = watch.get();
    if interrupted.is_some()
        && let Some(factory) = shared.factory()
    {
        rt.block_on(after_interrupt(&factory));
    }
    if entry == Entry::Cli && !harness.list {
        print_cold_start(&shared);
    }
    if conclusion.has_failed()
        && let Some(restart) = &shared.style().restart
    {
        println!("{}", crate::report::verdict::restart_hint(restart));
    }
    if !harness.list
        && !nextest
        && interrupted.is_none()
        && let Some(line) = unmet.closing_line(require_all)
    {
        println!("{line}");
    }
    if !harness.list
        && let Some(factory) = shared.factory()
        && let Some(check) = factory.browser_check()
    {
        println!("{}", check.summary());
    }
    let _ = std::io::stdout().flush();
    if !harness.list {
        write_reports(&reports, nextest_run.as_ref(), info, &shared, interrupted)?;
    }
    if let Some(signal) = interrupted {
        eprintln!(
            "interrupted by {}: {} trial{} did not finish",
            signal.name(),
            shared.unfinished(),
            if shared.unfinished() == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(signal.exit_code()));
    }
    let ran = conclusion.num_passed + conclusion.num_failed;
    if nextest && ran != 1 {
        eprintln!(
            "error: nextest asked this process for one trial ({}), but {ran} ran: the scenario files or the OPENAPP_CONFORMANCE_* selection changed since nextest listed them",
            nextest_trial.as_deref().unwrap_or("?")
        );
        return Ok(ExitCode::from(NEXTEST_MISMATCH));
    }
    Ok(match entry {
        Entry::CargoTest => conclusion.exit_code(),
        Entry::Cli if invalid_files => ExitCode::from(exit::USAGE),
        Entry::Cli if conclusion.has_failed() => ExitCode::from(exit::CHECK_FAILED),
        Entry::Cli => ExitCode::from(exit::OK),
    })
}

/// ANSI colour on the verdict lines: stdout is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>).
fn use_color() -> bool {
    use std::io::IsTerminal;
    color_for(
        std::io::stdout().is_terminal(),
        crate::settings::env("NO_COLOR"),
    )
}

/// [`use_color`]'s rule: a terminal, and no non-empty `NO_COLOR`.
fn color_for(terminal: bool, no_color: Option<String>) -> bool {
    terminal && no_color.is_none()
}

/// The exit code of a test process that did not run the one trial nextest asked for: libtest's
/// failure code, so that nextest reports the test failed.
const NEXTEST_MISMATCH: u8 = 101;

/// True in a test process nextest started to run one trial (`NEXTEST_EXECUTION_MODE` is
/// `process-per-test`; listing processes are told apart by `--list`).
fn nextest_run() -> bool {
    crate::settings::env("NEXTEST").as_deref() == Some("1")
        && crate::settings::env("NEXTEST_EXECUTION_MODE").as_deref() == Some("process-per-test")
}

/// Under nextest, `--ignored` (which nextest passes for a trial its listing marked ignored,
/// under `--run-ignored`) becomes `--include-ignored`: the named trial then runs whether or not
/// this process would mark it ignored, and fails if it cannot run, instead of being filtered
/// out to a run of nothing, which nextest would count as passed.
fn ignored_as_included(
    harness: libtest_mimic::Arguments,
    nextest: bool,
) -> libtest_mimic::Arguments {
    if !(nextest && harness.ignored) {
        return harness;
    }
    libtest_mimic::Arguments {
        ignored: false,
        include_ignored: true,
        ..harness
    }
}

/// libtest-mimic's arguments with its thread count decided when the user left it open: one per
/// CPU, but never more than there are trials (each thread only waits for its trial, a task of
/// the runtime; a one-trial run then starts no thread at all).
fn with_threads(harness: libtest_mimic::Arguments, trials: usize) -> libtest_mimic::Arguments {
    libtest_mimic::Arguments {
        test_threads: harness.test_threads.or(Some(cpus().min(trials).max(1))),
        ..harness
    }
}

/// How long a started target took to come up (containers), after the trials' summary.
fn print_cold_start(shared: &SharedTarget) {
    if let Ok(target) = shared.resolve()
        && let Some(cold) = target.cold_start
    {
        println!(
            "{} target: stack cold start {:.1}s",
            target.kind.as_str(),
            cold.as_secs_f64()
        );
    }
}

/// Writes the requested reports of a run that started at `info` and has finished (or was
/// interrupted by that signal), and says where on stderr; under nextest, as this process's
/// part of the nextest run's reports.
fn write_reports(
    reports: &ReportPaths,
    nextest: Option<&NextestRun>,
    info: RunInfo,
    shared: &SharedTarget,
    interrupted: Option<Signal>,
) -> Result<(), ReportError> {
    if reports.is_empty() {
        return Ok(());
    }
    let mut info = info.finished(shared.describe());
    info.interrupted = interrupted.map(|s| s.name().to_string());
    info.switches = shared.switches();
    info.origins = shared.origins();
    info.restart = shared.style().restart.clone();
    let records = shared.records();
    match nextest {
        Some(run) => {
            for Merged { path, scenarios } in reports.write_part(run, &info, &records)? {
                eprintln!(
                    "report written to {} ({scenarios} scenario{} of nextest run {} so far)",
                    path.display(),
                    if scenarios == 1 { "" } else { "s" },
                    run.id
                );
            }
        }
        None => {
            for path in reports.write(&info, &records)? {
                eprintln!("report written to {}", path.display());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(color_for(true, None));
        assert!(!color_for(false, None));
        assert!(!color_for(true, Some("1".into())));
    }

    #[test]
    fn trial_threads_are_capped_by_the_trial_count_unless_given() {
        let open = libtest_mimic::Arguments::default();
        assert_eq!(with_threads(open.clone(), 1).test_threads, Some(1));
        assert_eq!(with_threads(open.clone(), 0).test_threads, Some(1));
        assert_eq!(
            with_threads(open, 1000).test_threads,
            Some(crate::settings::cpus())
        );
        let given = libtest_mimic::Arguments {
            test_threads: Some(7),
            ..Default::default()
        };
        assert_eq!(with_threads(given, 1).test_threads, Some(7));
    }
}
