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

/// The `--html` page of a run that creates identities: setup traffic apart, and its SVGs
/// parsed: one polyline per measured endpoint, axis labels, one bar group per endpoint with
/// p50/p95/p99 bars; no script, no external asset.
#[test]
fn the_html_page_plots_each_measured_endpoint_and_keeps_setup_apart() {
    let report = load("", &["core::r03_two_users"], opts(4, 12));
    let s = &report.stats;
    assert!(report.clean(), "{}", render_text(&report));
    assert!(s.setup_requests() > 0, "identities were created");
    assert_eq!(s.requests(), s.measured_requests() + s.setup_requests());
    assert!(
        s.setup.keys().all(|k| k.contains("/admin/identities")),
        "{:?}",
        s.setup.keys()
    );
    assert!(s.endpoints.keys().all(|k| !k.contains("/admin/identities")));
    let json = to_json(&report);
    assert_eq!(json["setup_requests"], s.setup_requests());
    assert_eq!(json["measured_requests"], s.measured_requests());
    assert_eq!(json["requests"], s.requests());
    assert!(
        json["setup_endpoints"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
    );
    let text = render_text(&report);
    assert!(text.contains("setup (not measured)"), "{text}");
    assert!(
        text.contains("conformance failures (a check failed"),
        "{text}"
    );

    let html = render_html(&report);
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    let svgs: Vec<&str> = html
        .match_indices("<svg ")
        .map(|(i, _)| &html[i..i + html[i..].find("</svg>").unwrap() + 6])
        .collect();
    assert_eq!(svgs.len(), 2);
    let endpoints: Vec<&String> = s.endpoints.keys().collect();

    let timeline = roxmltree::Document::parse(svgs[0]).expect("the timeline SVG is XML");
    let (lines, plotted) = by_endpoint(&timeline, |n| n.has_tag_name("polyline"));
    assert_eq!(plotted, endpoints);
    for line in &lines {
        let points = line.attribute("points").unwrap();
        assert!(!points.is_empty());
        for p in points.split(' ') {
            let (x, y) = p.split_once(',').expect("x,y");
            assert!(x.parse::<f64>().is_ok() && y.parse::<f64>().is_ok(), "{p}");
        }
    }
    let labels = |doc: &roxmltree::Document| -> Vec<String> {
        doc.descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.starts_with("axis-label"))
            })
            .filter_map(|n| n.text().map(String::from))
            .collect()
    };
    assert_eq!(
        labels(&timeline),
        ["time since start (s)", "mean latency (ms)"]
    );
    assert!(
        timeline
            .descendants()
            .filter(|n| n.attribute("class") == Some("tick x"))
            .count()
            >= 5
    );

    let bars = roxmltree::Document::parse(svgs[1]).expect("the percentile SVG is XML");
    assert_eq!(labels(&bars), ["latency (ms)"]);
    let (groups, grouped) = by_endpoint(&bars, |n| n.attribute("class") == Some("bars"));
    assert_eq!(grouped, endpoints);
    for g in &groups {
        let classes: Vec<&str> = g
            .children()
            .filter(|n| n.has_tag_name("rect"))
            .filter_map(|n| n.attribute("class"))
            .collect();
        assert_eq!(classes, ["p50", "p95", "p99"]);
        let widths: Vec<f64> = g
            .children()
            .filter(|n| n.has_tag_name("rect"))
            .map(|n| n.attribute("width").unwrap().parse().unwrap())
            .collect();
        assert!(
            widths[0] <= widths[1] && widths[1] <= widths[2],
            "{widths:?}"
        );
    }
}

/// The elements of `doc` that `keep` picks, and the endpoint each is drawn for.
fn by_endpoint<'a>(
    doc: &'a roxmltree::Document<'a>,
    keep: impl Fn(&roxmltree::Node<'a, 'a>) -> bool,
) -> (Vec<roxmltree::Node<'a, 'a>>, Vec<&'a str>) {
    let nodes: Vec<_> = doc.descendants().filter(|n| keep(n)).collect();
    let endpoints = nodes
        .iter()
        .map(|n| n.attribute("data-endpoint").expect("data-endpoint"))
        .collect();
    (nodes, endpoints)
}
