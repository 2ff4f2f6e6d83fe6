//! The self-test: every check can fail (faults), conforming variations pass (benign), and the
//! Kratos emulator's fidelity switches stay invisible to the contract suite.

use std::collections::BTreeSet;

use openapp_conformance::plan::{Settings, load_dir_with};
use openapp_conformance::redact::Secrets;
use openapp_conformance::report::snapshot::render_snapshot;
use openapp_conformance::run::result::{Outcome, ScenarioResult};
use openapp_conformance::run::scenario::run_all;
use openapp_conformance::settings::runtime;
use openapp_conformance::switches::{SWITCHES, SwitchKind, Switches, all_at_once};
use openapp_conformance::targets::{TargetOptions, resolve_target};

/// Runs the whole default suite against the embedded stack with these switches, every named
/// setting at its scenario's default (whatever the environment says); gives each scenario's
/// result and, for passing ones, whether its view equals the committed snapshot.
fn suite(switches: &str) -> Vec<(ScenarioResult, Option<String>)> {
    suite_with(switches, &Settings::none())
}

/// [`suite`] with these named settings.
fn suite_with(switches: &str, settings: &Settings) -> Vec<(ScenarioResult, Option<String>)> {
    run_suite(switches, settings, |_| true, false)
}

/// The scenarios whose id `select` keeps, with these switches and settings; all at once, or
/// one after the other (`sequential`: the same order and no overlap on every run, for faults
/// whose effect depends on what other trials did at the server).
pub(super) fn run_suite(
    switches: &str,
    settings: &Settings,
    select: fn(&str) -> bool,
    sequential: bool,
) -> Vec<(ScenarioResult, Option<String>)> {
    let mut loaded =
        load_dir_with(&super::root().join("scenarios"), settings).expect("scenarios/ loads");
    assert!(
        loaded.errors.is_empty(),
        "invalid scenario files: {:?}",
        loaded.errors
    );
    loaded.scenarios.retain(|s| select(&s.id));
    let rt = runtime().expect("runtime");
    rt.block_on(async {
        let opts = TargetOptions {
            switches: Switches::parse(switches).expect("known switch"),
            ..Default::default()
        };
        let target = resolve_target(&opts).await.expect("embedded stack starts");
        let results = if sequential {
            let mut all = Vec::new();
            for s in &loaded.scenarios {
                all.extend(run_all(std::slice::from_ref(s), &target).await);
            }
            all
        } else {
            run_all(&loaded.scenarios, &target).await
        };
        results
            .into_iter()
            .zip(&loaded.scenarios)
            .map(|(r, s)| {
                let drift = (r.outcome == Outcome::Passed)
                    .then(|| snapshot_drift(&r.id, &render_snapshot(&r, s, &target.endpoints)))
                    .flatten();
                (r, drift)
            })
            .collect()
    })
}

/// `Some(explanation)` when the view differs from `snapshots/<id>.snap`.
fn snapshot_drift(id: &str, view: &str) -> Option<String> {
    let path = super::root().join("snapshots").join(format!("{id}.snap"));
    let stored = insta::Snapshot::from_file(&path).ok()?;
    let stored = stored
        .contents()
        .as_text()
        .map(|t| t.to_string())
        .unwrap_or_default();
    (stored.trim_end() != view.trim_end()).then(|| format!("{id}: snapshot differs:\n{view}"))
}

fn failed(results: &[(ScenarioResult, Option<String>)]) -> Vec<&ScenarioResult> {
    results
        .iter()
        .map(|(r, _)| r)
        .filter(|r| r.outcome == Outcome::Failed)
        .collect()
}

fn drifts(results: &[(ScenarioResult, Option<String>)]) -> Vec<&str> {
    results.iter().filter_map(|(_, d)| d.as_deref()).collect()
}

#[test]
fn conforming_stack_passes_every_scenario() {
    let results = suite("");
    assert!(results.len() >= 20, "only {} scenarios", results.len());
    let bad: Vec<String> = failed(&results)
        .iter()
        .map(|r| openapp_conformance::report::human::render_failure(r, &Secrets::new()))
        .collect();
    assert!(
        bad.is_empty(),
        "failures against the conforming stack:\n{}",
        bad.join("\n")
    );
    assert!(
        results.iter().all(|(r, _)| r.outcome == Outcome::Passed),
        "nothing may be ignored on the embedded stack"
    );
    let drift = drifts(&results);
    assert!(drift.is_empty(), "snapshots differ:\n{}", drift.join("\n"));
}

/// Runs the suite once per switch list; every run must pass with unchanged snapshots.
fn every_list_passes(kind: SwitchKind, lists: impl IntoIterator<Item = String>) {
    let mut problems = Vec::new();
    for list in lists {
        let results = suite(&list);
        let bad: Vec<&str> = failed(&results).iter().map(|r| r.id.as_str()).collect();
        let drift = drifts(&results);
        println!(
            "{kind} {list}: {} failing, {} snapshots differ",
            bad.len(),
            drift.len()
        );
        if !bad.is_empty() {
            problems.push(format!("{list} fails {bad:?}"));
        }
        if !drift.is_empty() {
            problems.push(format!("{list} changes snapshots:\n{}", drift.join("\n")));
        }
    }
    assert!(
        problems.is_empty(),
        "{kind} switches that fail the suite:\n{}",
        problems.join("\n")
    );
}

/// Runs the suite once per switch of `kind`; every run must pass.
fn every_switch_of_kind_passes(kind: SwitchKind) {
    let names = SWITCHES
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| s.name.to_string());
    every_list_passes(kind, names);
}

#[test]
fn every_benign_switch_passes() {
    every_switch_of_kind_passes(SwitchKind::Benign);
}

/// All benign switches at once: a conforming server may differ in many ways together. The
/// mixes come from the registry ([`all_at_once`]): switches of one group (the clearing styles)
/// exclude each other, so each joins all the others in turn.
#[test]
fn all_benign_switches_at_once_pass() {
    let mixes = all_at_once(SwitchKind::Benign);
    let benign = SWITCHES
        .iter()
        .filter(|s| s.kind == SwitchKind::Benign)
        .count();
    assert!(
        mixes.len() >= 3 && mixes.iter().all(|m| m.len() + 2 >= benign),
        "{mixes:?}"
    );
    every_list_passes(SwitchKind::Benign, mixes.iter().map(|m| m.join(",")));
}

/// Fidelity switches are for the Kratos golden replay (`tests/kratos_golden/`), which must
/// catch each; the contract suite must not notice them.
#[test]
fn every_fidelity_switch_passes() {
    every_switch_of_kind_passes(SwitchKind::Fidelity);
}

/// Issue 21: each scenario that proves a rule on a new path fails under that rule's fault by
/// itself (not only some older scenario of the rule), citing the fault's rule.
#[test]
fn each_new_path_scenario_fails_under_its_fault() {
    let pairs = [
        (
            "core/r17_forwarded_cookie_with_key",
            "api-key-hides-cookie",
            "R17",
        ),
        (
            "core/sdk_r17_forwarded_cookie_is_the_user",
            "api-key-hides-cookie",
            "R17",
        ),
        (
            "core/sdk_r05_key_alone_is_null",
            "key-answers-with-bom",
            "R5",
        ),
        (
            "strict/sdk_r16_replayed_cookie_after_sdk_logout",
            "api-key-hides-cookie",
            "R16",
        ),
        (
            "core/k2_csrf_is_enforced_form",
            "kratos-no-csrf-check",
            "K2",
        ),
        (
            "core/k3_wrong_password_form",
            "kratos-wrong-password-accepted",
            "K3",
        ),
    ];
    for (id, fault, rule) in pairs {
        let results = suite(fault);
        let (r, _) = results
            .iter()
            .find(|(r, _)| r.id == id)
            .unwrap_or_else(|| panic!("no scenario {id}"));
        assert_eq!(r.outcome, Outcome::Failed, "{id} passes under {fault}");
        let failing = r.steps.last().expect("a step ran");
        let cited: Vec<&str> = failing
            .checks
            .iter()
            .filter(|c| !c.passed())
            .flat_map(|c| c.rules.iter().map(String::as_str))
            .collect();
        assert_eq!(cited.first(), Some(&rule), "{id} under {fault}: {cited:?}");
    }
    let conforming = suite("");
    for (id, ..) in pairs {
        assert!(
            conforming
                .iter()
                .any(|(r, _)| r.id == id && r.outcome == Outcome::Passed),
            "{id} fails on the conforming stack"
        );
    }
}

#[test]
fn every_fault_fails_a_trial_that_cites_its_rule() {
    let mut problems = Vec::new();
    for s in SWITCHES.iter().filter(|s| s.kind == SwitchKind::Fault) {
        let results = suite(s.name);
        let failing = failed(&results);
        let cited: BTreeSet<&str> = failing
            .iter()
            .flat_map(|r| r.rules.iter().map(String::as_str))
            .collect();
        println!(
            "fault {}: {} failing, rules {:?}",
            s.name,
            failing.len(),
            cited
        );
        if !s.rules.iter().any(|r| cited.contains(r)) {
            problems.push(format!(
                "{} (breaks {:?}) is not caught by a trial citing it; failing: {:?}",
                s.name,
                s.rules,
                failing.iter().map(|r| &r.id).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "faults the suite misses:\n{}",
        problems.join("\n")
    );
}

/// Issue 18: a gateway that caches session lookups for 1 s (`session-cache-ttl`, caught by
/// R16 at the default `within` of 0s above) passes the whole suite, with the committed
/// snapshots, when revocation may take 3 s (`revocation_within`); a gateway that never revokes
/// (`no-server-side-revocation`) still fails R16 with that same `within`.
#[test]
fn a_session_cache_passes_within_3s_and_no_revocation_still_fails() {
    let settings = Settings::given([("revocation_within", "3s")]);
    let results = suite_with("session-cache-ttl", &settings);
    let bad: Vec<String> = failed(&results)
        .iter()
        .map(|r| openapp_conformance::report::human::render_failure(r, &Secrets::new()))
        .collect();
    assert!(bad.is_empty(), "failures:\n{}", bad.join("\n"));
    let drift = drifts(&results);
    assert!(drift.is_empty(), "snapshots differ:\n{}", drift.join("\n"));
    let r16 = results
        .iter()
        .map(|(r, _)| r)
        .find(|r| r.id == "strict/r16_server_side_revocation")
        .expect("R16 ran");
    let replay = r16.steps.last().expect("steps");
    let attempts = replay
        .attempts
        .as_ref()
        .expect("the replay step has `within`");
    assert!(
        attempts.count >= 2,
        "{attempts:?}: the cache answered first"
    );

    let results = suite_with("no-server-side-revocation", &settings);
    let failing: Vec<&str> = failed(&results).iter().map(|r| r.id.as_str()).collect();
    assert!(
        failing.contains(&"strict/r16_server_side_revocation"),
        "{failing:?}"
    );
    let verdict = failed(&results)
        .iter()
        .find(|r| r.id == "strict/r16_server_side_revocation")
        .and_then(|r| r.steps.last())
        .and_then(|s| s.verdict());
    assert!(
        verdict
            .as_deref()
            .is_some_and(|v| v.starts_with("still failing after ")),
        "{verdict:?}"
    );
}
