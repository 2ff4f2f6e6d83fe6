//! What an explore run prints and records: the summary (operations per kind, model states
//! reached, rules exercised, the seed) and, for a violation, what was written and the written
//! scenario's transcript; the same as JSON (`--json`).

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::Explored;
use super::regression::Written;

/// The summary printed on stdout.
pub fn render_text(run: &Explored, written: Option<&Written>) -> String {
    let mut out = String::new();
    let secs = run.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        run.ops as f64 / secs
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "explore: seed {}, {} operations in {} episodes, {secs:.1}s ({rate:.0} operations/s)",
        run.seed, run.ops, run.episodes
    );
    for note in &run.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let kinds: Vec<String> = run.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(out, "operations: {}", kinds.join(", "));
    let _ = writeln!(out, "model states reached: {}", run.states.len());
    let rules: Vec<&str> = run.rules.iter().map(String::as_str).collect();
    let _ = writeln!(out, "rules exercised: {}", rules.join(" "));
    let Some(found) = &run.found else {
        let end = if run.interrupted.is_some() {
            "interrupted: no violation found so far"
        } else {
            "no violation found"
        };
        let _ = writeln!(out, "{end}");
        return out;
    };
    let _ = writeln!(
        out,
        "violation of {} after {} operations (episode {}, step {}): {}",
        found.first.rule, found.ops_until_found, found.episode, found.first.step, found.first.what
    );
    if let Some(replayed) = found.replayed {
        let _ = writeln!(
            out,
            "the recorded interleaving, replayed: {}",
            if replayed { "failed again" } else { "passed" }
        );
        for (step, client, from, to) in &found.interleaving {
            let _ = writeln!(out, "  step {step} [{client}] ran {from}–{to} ms");
        }
    }
    if found.concurrent_only {
        let _ = writeln!(
            out,
            "without parallel steps it passes: the recorded interleaving is kept"
        );
    } else {
        let _ = writeln!(
            out,
            "shrunk from {} to {} operations in {} runs",
            found.original.len(),
            found.shrunk.len(),
            found.shrink_runs
        );
    }
    if let Some(w) = written {
        render_written(&mut out, w);
    }
    out
}

fn render_written(out: &mut String, w: &Written) {
    let dir = w
        .file
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| ".".into());
    let _ = writeln!(out, "wrote {} ({} steps)", w.file.display(), w.steps);
    match (&w.snapshot, &w.reference) {
        (Some(s), _) => {
            let _ = writeln!(
                out,
                "wrote {} (the conforming reference stack's view)",
                s.display()
            );
        }
        (None, Some(v)) => {
            let _ = writeln!(
                out,
                "warning: the conforming reference stack fails this scenario too ({} at step {}: {}), so the model may be wrong rather than the target: no snapshot written; please report it",
                v.rule, v.step, v.what
            );
        }
        (None, None) => {}
    }
    let _ = writeln!(
        out,
        "run it: openapp-conformance run --scenarios {dir} --snapshots {dir} {}",
        w.id
    );
    match &w.transcript {
        Some(t) => {
            let _ = writeln!(out, "\n{t}");
        }
        None => {
            let _ = writeln!(
                out,
                "the written scenario passed when run once more: the violation is intermittent"
            );
        }
    }
}

/// The JSON report: the same figures, the seed, and the violation with its interleaving.
pub fn to_json(run: &Explored, written: Option<&Written>) -> Value {
    let found = run.found.as_ref().map(|f| {
        json!({
            "rule": f.first.rule,
            "what": f.first.what,
            "step": f.first.step,
            "ops_until_found": f.ops_until_found,
            "episode": f.episode,
            "original_ops": f.original.len(),
            "shrunk_ops": f.shrunk.len(),
            "shrink_runs": f.shrink_runs,
            "shrunk": f.shrunk,
            "replayed_interleaving_failed": f.replayed,
            "concurrent_only": f.concurrent_only,
            "interleaving": f.interleaving.iter().map(|(step, client, from, to)| json!({
                "step": step, "client": client, "started_ms": from, "finished_ms": to,
            })).collect::<Vec<_>>(),
            "written": written.map(|w| json!({
                "scenario": w.file.display().to_string(),
                "snapshot": w.snapshot.as_ref().map(|s| s.display().to_string()),
                "fails_again": w.again.is_some(),
                "reference_violation": w.reference.as_ref().map(|v| &v.rule),
            })),
        })
    });
    json!({
        "seed": run.seed,
        "operations": run.ops,
        "episodes": run.episodes,
        "elapsed_ms": run.elapsed.as_millis(),
        "kinds": run.kinds,
        "model_states": run.states.len(),
        "rules": run.rules,
        "notes": run.notes,
        "interrupted": run.interrupted.map(|s| s.name()),
        "violation": found,
    })
}
