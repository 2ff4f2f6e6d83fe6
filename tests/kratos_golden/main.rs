//! The Kratos emulator against the wire captures of a real Kratos v1.3.1
//! (`tests/golden/kratos/`): a golden replay of the three v1.3.1 configurations, the fidelity
//! switches that the replay must catch, and the known-difference list's documentation.

mod capture;
mod carry;
mod compare;
mod driver;
mod jars;
mod known;
mod live;
mod normalize;
mod replay;
mod schema;

use std::collections::BTreeSet;
use std::time::Instant;

use openapp_conformance::switches::{SWITCHES, SwitchKind, Switches};

use known::{KNOWN_DIFFERENCES, known};
use replay::{Diff, JsonBody, Report, replay_folder};
use schema::{SPEC_DEPARTURES, spec};

/// The three v1.3.1 capture folders the emulator must reproduce.
const V1_FOLDERS: [&str; 3] = ["v1.3.1", "v1.3.1-host-only", "v1.3.1-tls"];

/// The differences of `report` that no known-difference entry covers.
fn unknown(report: &Report) -> Vec<&Diff> {
    report.diffs.iter().filter(|d| known(d).is_none()).collect()
}

fn render(diffs: &[&Diff]) -> String {
    diffs
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_emulator_replays_the_three_v1_3_1_capture_sets() {
    let started = Instant::now();
    let tasks: Vec<_> = V1_FOLDERS
        .iter()
        .map(|f| tokio::spawn(replay_folder(f, Switches::none())))
        .collect();
    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await.expect("a replay task panicked"));
    }
    let elapsed = started.elapsed();
    let mut failures = Vec::new();
    let mut used = BTreeSet::new();
    for report in &reports {
        println!(
            "{}: {} exchanges replayed, {} known differences",
            report.folder,
            report.exchanges,
            report.diffs.len() - unknown(report).len()
        );
        assert!(
            report.exchanges >= 89,
            "{}: only {} exchanges",
            report.folder,
            report.exchanges
        );
        used.extend(report.diffs.iter().filter_map(known).map(|k| k.id));
        let bad = unknown(report);
        if !bad.is_empty() {
            failures.push(format!(
                "{}: {} differences from the capture:\n{}",
                report.folder,
                bad.len(),
                render(&bad)
            ));
        }
    }
    println!("replay of the three v1.3.1 sets: {elapsed:.2?} wall time");
    let stale: Vec<&str> = KNOWN_DIFFERENCES
        .iter()
        .map(|k| k.id)
        .filter(|id| !used.contains(id))
        .collect();
    if !stale.is_empty() {
        failures.push(format!(
            "known differences that no longer occur (remove them from known.rs and the doc): {stale:?}"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_known_difference_is_documented() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/kratos-emulator.md");
    let doc = std::fs::read_to_string(path).expect("docs/kratos-emulator.md exists");
    for k in KNOWN_DIFFERENCES {
        assert!(
            doc.contains(&format!("`{}`", k.id)),
            "docs/kratos-emulator.md does not list the known difference `{}` ({})",
            k.id,
            k.reason
        );
    }
    for d in SPEC_DEPARTURES {
        assert!(
            doc.contains(&format!("`{}`", d.id)),
            "docs/kratos-emulator.md does not list the spec departure `{}` ({})",
            d.id,
            d.what
        );
    }
    for s in SWITCHES.iter().filter(|s| s.kind == SwitchKind::Fidelity) {
        assert!(
            doc.contains(&format!("`{}`", s.name)),
            "docs/kratos-emulator.md does not name the fidelity switch `{}`",
            s.name
        );
    }
}

/// For each fidelity switch: a scenario and a field fragment the replay must name.
const FIDELITY_EXPECTATIONS: &[(&str, &str, &str)] = &[
    (
        "kratos-fidelity-cookie-attribute-order",
        "10_login_success_json",
        "ory_kratos_session attribute order",
    ),
    (
        "kratos-fidelity-no-vary-cookie",
        "02_login_init_json",
        "header names",
    ),
    (
        "kratos-fidelity-drop-organization-id",
        "02_login_init_json",
        "body $ keys",
    ),
    (
        "kratos-fidelity-cache-control-on-health",
        "20_health",
        "header names",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fidelity_switch_makes_the_replay_fail() {
    let fidelity: Vec<&str> = SWITCHES
        .iter()
        .filter(|s| s.kind == SwitchKind::Fidelity)
        .map(|s| s.name)
        .collect();
    assert!(
        fidelity.len() >= 3,
        "only {} fidelity switches",
        fidelity.len()
    );
    let tasks: Vec<_> = fidelity
        .iter()
        .map(|name| {
            let switches = Switches::parse(name).expect("registered switch");
            (*name, tokio::spawn(replay_folder("v1.3.1", switches)))
        })
        .collect();
    let mut problems = Vec::new();
    for (name, task) in tasks {
        let report = task.await.expect("a replay task panicked");
        let bad = unknown(&report);
        let Some((_, scenario, field)) = FIDELITY_EXPECTATIONS.iter().find(|e| e.0 == name) else {
            problems.push(format!("{name}: no expectation in FIDELITY_EXPECTATIONS"));
            continue;
        };
        let named = bad.iter().find(|d| {
            d.scenario == *scenario && d.diff.field.contains(field) && !d.step.is_empty()
        });
        match named {
            Some(d) => println!("{name} is caught:\n{d}"),
            None => problems.push(format!(
                "{name}: the replay did not name {scenario} / `{field}`; it found {} differences:\n{}",
                bad.len(),
                render(&bad)
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The JSON bodies of a capture folder, as [`JsonBody`]s.
fn captured_bodies(folder: &str) -> Vec<JsonBody> {
    let mut out = Vec::new();
    for capture in capture::load_folder(folder) {
        for (i, ex) in capture.exchanges.iter().enumerate() {
            let Some(body) = ex
                .response
                .body_raw
                .as_deref()
                .and_then(|raw| serde_json::from_str(raw).ok())
            else {
                continue;
            };
            let path = url::Url::parse(&ex.request.url)
                .map(|u| u.path().to_string())
                .unwrap_or_default();
            out.push(JsonBody {
                source: format!(
                    "{folder}/{}.json, step {} \"{}\" (captured)",
                    capture.file,
                    i + 1,
                    ex.step
                ),
                method: ex.request.method.clone(),
                path,
                status: ex.response.status,
                body,
            });
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_bodies_validate_against_api_json() {
    let live = tokio::spawn(replay_folder("v1.3.1", Switches::none()))
        .await
        .expect("replay task");
    let mut bodies = live.bodies;
    for folder in V1_FOLDERS {
        bodies.extend(captured_bodies(folder));
    }
    let (mut validated, mut problems, mut used) = (0, Vec::new(), BTreeSet::new());
    for b in &bodies {
        let Some(violations) = spec().validate(&b.method, &b.path, b.status, &b.body) else {
            continue;
        };
        validated += 1;
        for v in violations {
            match v.departure() {
                Some(d) => {
                    used.insert(d.id);
                }
                None => problems.push(format!(
                    "{}: {} {} at {}: {}",
                    b.source, v.operation, v.status, v.instance_path, v.message
                )),
            }
        }
    }
    println!("{validated} JSON bodies validated against api.json");
    for d in SPEC_DEPARTURES.iter().filter(|d| used.contains(d.id)) {
        println!(
            "accepted departure `{}`: {} (proven by {})",
            d.id, d.what, d.proven_by
        );
    }
    assert!(validated >= 150, "only {validated} bodies had a schema");
    let stale: Vec<&str> = SPEC_DEPARTURES
        .iter()
        .map(|d| d.id)
        .filter(|id| !used.contains(id))
        .collect();
    assert!(
        stale.is_empty(),
        "spec departures no body shows any more: {stale:?}"
    );
    assert!(
        problems.is_empty(),
        "{} schema violations:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_driver_reads_every_answer_of_the_four_capture_sets() {
    let mut problems = Vec::new();
    for folder in driver::ALL_FOLDERS {
        let (checked, found) = driver::check_folder(folder);
        // v26.2.0 has 88: its admin port answers the bare /health/ready without a redirect.
        assert!(checked >= 88, "{folder}: only {checked} exchanges");
        problems.extend(found);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_driver_names_what_users_meet_on_both_kratos_lines() {
    for folder in ["v1.3.1", "v26.2.0"] {
        let (e, _) = driver::explain(folder, "12_already_logged_in", 1);
        assert!(
            e.contains("session_already_available") && e.contains("log out first"),
            "{e}"
        );
        let (e, _) = driver::explain(folder, "12_already_logged_in", 3);
        assert!(
            e.contains("4000001") && e.contains("session already exists"),
            "{e}"
        );
        let (e, _) = driver::explain(folder, "14_api_login", 6);
        assert!(
            e.contains("4000001") && !e.contains("session already exists"),
            "{e}"
        );
        let (e, body) = driver::explain(folder, "08_login_wrong_csrf", 2);
        let reason = body
            .pointer("/error/details/reject_reason")
            .and_then(serde_json::Value::as_str)
            .expect("the CSRF error carries a reject_reason");
        assert!(
            e.contains("security_csrf_violation") && e.contains(reason),
            "{e}"
        );
        let (e, _) = driver::explain(folder, "06_login_wrong_password", 2);
        assert!(
            e.contains("4000006") && e.contains("wrong identifier or password"),
            "{e}"
        );
        let (e, _) = driver::explain(folder, "17_expired_flow", 4);
        assert!(
            e.contains("self_service_flow_expired") && e.contains("use_flow_id"),
            "{e}"
        );
        let (e, _) = driver::explain(folder, "16_api_logout", 4);
        assert!(e.contains("403") && e.contains("revoked"), "{e}");
    }
}
