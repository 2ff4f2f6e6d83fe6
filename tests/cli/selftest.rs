//! The self-test: every check can fail (faults), conforming variations pass (benign), and the
//! Kratos emulator's fidelity switches stay invisible to the contract suite.

use std::collections::BTreeSet;

use openapp_conformance::redact::Secrets;
use openapp_conformance::run::client::ClientFactory;
use openapp_conformance::run::result::{Outcome, ScenarioResult};
use openapp_conformance::run::runtime;
use openapp_conformance::run::scenario::run_scenario;
use openapp_conformance::scenario::load_dir;
use openapp_conformance::switches::{SWITCHES, SwitchKind, Switches};
use openapp_conformance::target::{TargetOptions, resolve_target};

/// Runs the whole default suite against the embedded stack with these switches.
fn suite(switches: &str) -> Vec<ScenarioResult> {
    let loaded = load_dir(&super::root().join("scenarios")).expect("scenarios/ loads");
    assert!(
        loaded.errors.is_empty(),
        "invalid scenario files: {:?}",
        loaded.errors
    );
    let rt = runtime().expect("runtime");
    rt.block_on(async {
        let opts = TargetOptions {
            switches: Switches::parse(switches).expect("known switch"),
            ..Default::default()
        };
        let target = resolve_target(&opts).await.expect("embedded stack starts");
        let factory = ClientFactory::new(target.endpoints.clone(), target.timeouts);
        let secrets: Vec<Secrets> = loaded.scenarios.iter().map(|_| Secrets::new()).collect();
        let runs = loaded
            .scenarios
            .iter()
            .zip(&secrets)
            .map(|(s, sec)| run_scenario(s, &target, &factory, sec));
        futures::future::join_all(runs).await
    })
}

fn failed(results: &[ScenarioResult]) -> Vec<&ScenarioResult> {
    results
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect()
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
        results.iter().all(|r| r.outcome == Outcome::Passed),
        "nothing may be ignored on the embedded stack"
    );
}

/// Runs the suite once per switch of `kind`; every run must pass.
fn every_switch_of_kind_passes(kind: SwitchKind) {
    let mut problems = Vec::new();
    for s in SWITCHES.iter().filter(|s| s.kind == kind) {
        let results = suite(s.name);
        let bad: Vec<&str> = failed(&results).iter().map(|r| r.id.as_str()).collect();
        println!("{kind} {}: {} failing", s.name, bad.len());
        if !bad.is_empty() {
            problems.push(format!("{} fails {:?}", s.name, bad));
        }
    }
    assert!(
        problems.is_empty(),
        "{kind} switches that fail the suite:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_benign_switch_passes() {
    every_switch_of_kind_passes(SwitchKind::Benign);
}

/// Fidelity switches are for the Kratos golden replay (`tests/kratos_golden/`), which must
/// catch each; the contract suite must not notice them.
#[test]
fn every_fidelity_switch_passes() {
    every_switch_of_kind_passes(SwitchKind::Fidelity);
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
