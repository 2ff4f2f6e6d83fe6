//! Load mode against the embedded stack: clean when conforming, a conformance failure citing
//! R3 with the `whoami-latest-session-under-load` switch on.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::plan::load_dir;
use crate::switches::Switches;
use crate::targets::{TargetOptions, resolve_target};

/// Loads the scenarios whose trial names contain one of `filters` and runs them under load.
fn load(switches: &str, filters: &[&str], opts: LoadOptions) -> LoadReport {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let scenarios: Vec<Scenario> = load_dir(&root)
        .expect("scenarios/ loads")
        .scenarios
        .into_iter()
        .filter(|s| filters.iter().any(|f| trial_name(&s.id).contains(f)))
        .collect();
    assert!(!scenarios.is_empty());
    let rt = crate::settings::runtime().expect("runtime");
    rt.block_on(async {
        let target = resolve_target(&TargetOptions {
            switches: Switches::parse(switches).expect("known switch"),
            ..Default::default()
        })
        .await
        .expect("embedded stack starts");
        let factory = ClientFactory::new(target.endpoints.clone(), target.timeouts);
        let progress = Progress::new(ProgressStyle::Quiet, opts.duration, opts.iterations);
        let never = crate::interrupt::Watch::manual().1;
        run_load(scenarios, Arc::new(target), factory, &opts, progress, never)
            .await
            .expect("the embedded stack runs every scenario")
    })
}

fn opts(concurrency: usize, iterations: u64) -> LoadOptions {
    LoadOptions {
        concurrency,
        duration: Some(Duration::from_secs(60)),
        iterations: Some(iterations),
    }
}

const WHOAMI_SCENARIOS: &[&str] = &["core::r03", "core::lifecycle", "core::r02"];

#[test]
fn conforming_stack_under_load_is_clean_and_measured() {
    let report = load("", WHOAMI_SCENARIOS, opts(16, 160));
    let s = &report.stats;
    assert!(report.clean(), "{}", render_text(&report));
    assert_eq!(s.passed, 160);
    assert!(s.requests() > 160 * 4, "{} requests", s.requests());
    let whoami = &s.endpoints["GET api.openapp.test/api/v1/auth/whoami"];
    assert!(whoami.requests > 0 && whoami.latency.quantile_ms(0.99) > 0.0);
    let json = to_json(&report);
    assert_eq!(json["failures"], 0);
    assert_eq!(json["requests"], s.requests());
    assert!(
        json["requests_per_second"]
            .as_f64()
            .is_some_and(|r| r > 0.0)
    );
    let endpoint = &json["endpoints"]["GET api.openapp.test/api/v1/auth/whoami"];
    for field in ["p50_ms", "p95_ms", "p99_ms"] {
        assert!(endpoint[field].as_f64().is_some(), "{field} in {endpoint}");
    }
    assert!(!json["steps"].as_array().unwrap().is_empty());
}

#[test]
fn session_mix_up_under_load_is_a_conformance_failure_citing_r3() {
    let report = load(
        "whoami-latest-session-under-load",
        WHOAMI_SCENARIOS,
        LoadOptions {
            concurrency: 24,
            duration: Some(Duration::from_secs(4)),
            iterations: None,
        },
    );
    let s = &report.stats;
    assert!(s.failed_checks > 0, "{}", render_text(&report));
    assert!(
        s.failures
            .values()
            .any(|f| f.conformance && f.rules.iter().any(|r| r == "R3")),
        "{}",
        render_text(&report)
    );
    assert_eq!(s.errors(), 0, "{}", render_text(&report));
    let text = render_text(&report);
    assert!(text.contains("conformance failure [R3"), "{text}");
}

#[test]
fn one_user_never_sees_the_session_mix_up() {
    let report = load(
        "whoami-latest-session-under-load",
        WHOAMI_SCENARIOS,
        opts(1, 20),
    );
    assert!(report.clean(), "{}", render_text(&report));
}

#[test]
fn a_run_stops_at_its_deadline() {
    let report = load(
        "",
        &["core::r01"],
        LoadOptions {
            concurrency: 2,
            duration: Some(Duration::from_millis(300)),
            iterations: None,
        },
    );
    assert!(
        report.elapsed < Duration::from_secs(5),
        "{:?}",
        report.elapsed
    );
    assert!(report.stats.passed > 0);
}

#[test]
fn default_bound_is_ten_seconds_unless_counted() {
    let mut o = opts(1, 5);
    o.duration = None;
    assert_eq!(o.deadline_after(), None);
    o.iterations = None;
    assert_eq!(o.deadline_after(), Some(DEFAULT_DURATION));
}
