//! A shrunk violation as a regression scenario: the scenario file under `--out`, confirmed on
//! the target once more (its transcript is what explore prints) and on the conforming
//! reference stack (its snapshot, written beside the file, is the reference's view; a scenario
//! the reference fails too is explore's mistake, not the target's, and says so).
//!
//! `openapp-conformance run --scenarios DIR --snapshots DIR` runs what is written.

use std::path::{Path, PathBuf};

use super::episode::{Shape, build};
use super::execute::{Violation, run_text};
use super::{ExploreError, Found, Session};
use crate::report::human::render_failure;
use crate::report::snapshot::render_snapshot;
use crate::run::client::ClientFactory;
use crate::suite::snapshot::check as check_snapshot;
use crate::suite::{SnapshotConfig, SnapshotMode, ViewSource};
use crate::targets::Target;

/// The default `--out`.
pub const DEFAULT_OUT: &str = "explore-failures";

/// What was written for a violation.
#[derive(Debug, Clone)]
pub struct Written {
    /// The scenario id (the file's name without `.toml`).
    pub id: String,
    /// The scenario file.
    pub file: PathBuf,
    /// The snapshot beside it (`None` when the reference stack failed the scenario too).
    pub snapshot: Option<PathBuf>,
    /// The target's failure transcript of the written scenario, redacted; `None` when it
    /// passed this time (a flaky violation).
    pub transcript: Option<String>,
    /// The violation of the written scenario on the target.
    pub again: Option<Violation>,
    /// The reference stack's violation, if it had one.
    pub reference: Option<Violation>,
    /// Steps of the written scenario.
    pub steps: usize,
}

/// The scenario id of a violation of `rule` found from `seed`.
pub fn scenario_id(seed: u64, rule: &str) -> String {
    format!("explore_{seed}_{}", rule.to_ascii_lowercase())
}

/// Writes `found` as a scenario under `out`, runs it on the target and on the reference
/// stack, and writes the reference's snapshot beside it.
pub async fn confirm_and_write(
    session: &Session<'_>,
    found: &Found,
    seed: u64,
    command: &str,
    reference: (&Target, &ClientFactory),
    out: &Path,
) -> Result<Written, ExploreError> {
    let rule = &found.first.rule;
    let id = scenario_id(seed, rule);
    let shape = Shape {
        concurrency: if found.concurrent_only {
            session.shape.concurrency
        } else {
            1
        },
        ..session.shape.clone()
    };
    let how = if found.concurrent_only {
        "it fails only with parallel steps, so they are kept as recorded".to_string()
    } else {
        format!(
            "shrunk from {} to {} operations in {} runs",
            found.original.len(),
            found.shrunk.len(),
            found.shrink_runs
        )
    };
    let comments = vec![
        format!("Written by openapp-conformance explore, seed {seed}: {command}"),
        format!(
            "Found a violation of {rule} after {} operations (episode {}); {how}.",
            found.ops_until_found, found.episode
        ),
        "Run it: openapp-conformance run --scenarios DIR --snapshots DIR".into(),
    ];
    let name = format!(
        "explore seed {seed}: {rule} in {} operations",
        found.shrunk.len()
    );
    let built = build(&found.shrunk, &shape, &name, comments);
    let io = |e: std::io::Error| {
        ExploreError::Output(format!(
            "cannot write the regression scenario under `{}`: {e}",
            out.display()
        ))
    };
    std::fs::create_dir_all(out).map_err(io)?;
    let file = out.join(format!("{id}.toml"));
    std::fs::write(&file, &built.text).map_err(io)?;

    let on_target = session.run_text(&built.text, &id).await?;
    let again = on_target.violation();
    let transcript = again
        .as_ref()
        .map(|_| render_failure(&on_target.result, &on_target.secrets));

    let (ref_target, ref_factory) = reference;
    let on_reference = run_text(&built.text, &id, ref_target, ref_factory, session.settings)
        .await
        .map_err(ExploreError::Invalid)?;
    let reference_violation = on_reference.violation();
    let snapshot = if reference_violation.is_none() {
        let view = render_snapshot(
            &on_reference.result,
            &on_reference.scenario,
            &ref_target.endpoints,
        );
        let config = SnapshotConfig::new(out.to_path_buf(), SnapshotMode::Update)
            .map_err(ExploreError::Output)?;
        check_snapshot(&config, ViewSource::Reference, &id, &view).map_err(ExploreError::Output)?;
        Some(config.path_of(&id))
    } else {
        None
    };
    Ok(Written {
        id,
        file,
        snapshot,
        transcript,
        again,
        reference: reference_violation,
        steps: built.step_ops.len(),
    })
}
