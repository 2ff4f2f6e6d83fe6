//! Staging hygiene, asserted against the admin API of the stack itself: the identities a run
//! creates are deleted at the end of each trial (run and load), kept with `--keep-identities`,
//! and deleted by `ClientFactory::delete_created_identities` when trials were dropped half-way
//! (the interrupt path); the emulator's `DELETE /admin/identities/{id}` answers as Kratos
//! v1.3.1 does. And `--max-rps` bounds the request rate of a whole run.

use std::time::Duration;

use openapp_conformance::plan::load_dir;
use openapp_conformance::redact::Secrets;
use openapp_conformance::run::client::ClientFactory;
use openapp_conformance::run::scenario::run_scenario;
use openapp_conformance::settings::{install_crypto_provider, runtime};
use openapp_conformance::targets::{TargetOptions, resolve_target};
use serde_json::Value;

use super::stack::{Served, run_with, text};

/// Emails of the `conformance-…@example.test` identities the admin API at `admin` lists.
async fn conformance_identities(client: &reqwest::Client, admin: &url::Url) -> Vec<String> {
    let url = format!("{}/admin/identities", admin.as_str().trim_end_matches('/'));
    let list: Value = client
        .get(&url)
        .send()
        .await
        .expect("the admin API answers")
        .json()
        .await
        .expect("a JSON list");
    list.as_array()
        .expect("an array")
        .iter()
        .filter_map(|i| i.pointer("/traits/email").and_then(Value::as_str))
        .filter(|e| e.starts_with("conformance-") && e.ends_with("@example.test"))
        .map(String::from)
        .collect()
}

/// The same list for a `serve --json` stack (its admin URL is on 127.0.0.1).
pub(crate) fn served_identities(served: &Served) -> Vec<String> {
    let admin = url::Url::parse(&served.get("kratos_admin_url")).expect("admin URL");
    install_crypto_provider();
    runtime()
        .expect("runtime")
        .block_on(conformance_identities(&reqwest::Client::new(), &admin))
}

const WITH_IDENTITIES: [&str; 3] = [
    "core::r03_two_users_side_by_side",
    "core::r10_logout_clears_both_variants",
    "core::k3_wrong_password",
];

#[test]
fn a_run_deletes_its_identities_unless_asked_to_keep_them() {
    let served = Served::start(&[]);
    assert!(served_identities(&served).is_empty(), "a fresh stack");
    let mut args = vec!["run", "--exact"];
    args.extend(WITH_IDENTITIES);
    let out = run_with(&args, &served.env());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let left = served_identities(&served);
    assert!(left.is_empty(), "identities left behind: {left:?}");

    args.push("--keep-identities");
    let out = run_with(&args, &served.env());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // r03_two_users creates two, r10 and k3 one each.
    assert_eq!(served_identities(&served).len(), 4);
}

#[test]
fn a_failed_deletion_is_a_warning_not_a_failure() {
    let served = Served::start(&[]);
    // Only the admin API (127.0.0.1) goes through a proxy that fails every DELETE.
    let (proxy, port) = super::proxy::ForwardProxy::refusing_deletes();
    let mut env = served.env();
    env.push(("HTTP_PROXY".into(), format!("http://127.0.0.1:{port}")));
    env.push(("NO_PROXY".into(), "openapp.test".into()));
    let out = run_with(&["run", "--exact", WITH_IDENTITIES[1]], &env);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed; 0 failed"), "{stdout}");
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("warning: core::r10_logout_clears_both_variants: identity "))
        .unwrap_or_else(|| panic!("no warning line:\n{stderr}"));
    assert!(
        warning.contains("was not deleted (the admin API answered 500); it stays in Kratos: DELETE http://127.0.0.1:"),
        "{warning}"
    );
    assert!(proxy.requests().iter().any(|r| r.starts_with("DELETE ")));
    assert_eq!(served_identities(&served).len(), 1, "the identity stayed");
}

#[test]
fn load_iterations_delete_their_identities() {
    let served = Served::start(&[]);
    let out = run_with(
        &[
            "load",
            "core::r10_logout_clears_both_variants",
            "-c",
            "4",
            "-n",
            "12",
            "--quiet",
        ],
        &served.env(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("12 scenario runs: 12 passed"),
        "{}",
        text(&out.stdout)
    );
    let left = served_identities(&served);
    assert!(left.is_empty(), "identities left behind: {left:?}");
}

#[test]
fn dropped_trials_leave_their_identities_to_delete_created_identities() {
    let loaded = load_dir(&super::root().join("scenarios")).expect("scenarios/ load");
    let scenarios: Vec<_> = loaded
        .scenarios
        .iter()
        .filter(|s| !s.identities.is_empty())
        .collect();
    assert!(scenarios.len() >= 5);
    let rt = runtime().expect("runtime");
    rt.block_on(async {
        let target = resolve_target(&TargetOptions::default())
            .await
            .expect("embedded stack");
        let factory = ClientFactory::for_target(&target);
        let admin = target.endpoints.kratos_admin.clone().expect("admin API");
        let client = factory.http().expect("client");
        let secrets = Secrets::new();
        let trials = futures_util::future::join_all(
            scenarios
                .iter()
                .map(|s| run_scenario(s, &target, &factory, &secrets)),
        );
        // Run the trials until identities exist, then drop them mid-way (as an interrupt does):
        // some identities created, others with their creation request in flight.
        let created = || {
            factory
                .run()
                .identities()
                .pending()
                .iter()
                .filter(|(_, c)| c.id.is_some())
                .count()
        };
        tokio::select! {
            _ = trials => panic!("the trials finished before any was dropped"),
            () = async {
                while created() < 3 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            } => {}
        }
        let known = created();
        let listed = conformance_identities(&client, &admin).await;
        assert!(
            listed.len() >= known,
            "{listed:?} vs {known} created in the ledger"
        );

        let deleted = factory.delete_created_identities().await;
        assert!(deleted >= known, "{deleted} deleted, {known} known");
        assert!(
            deleted >= listed.len(),
            "{deleted} deleted, {} listed",
            listed.len()
        );
        assert!(factory.run().identities().is_empty());
        let left = conformance_identities(&client, &admin).await;
        assert!(left.is_empty(), "identities left behind: {left:?}");
        // Nothing left to do: a second call deletes nothing.
        assert_eq!(factory.delete_created_identities().await, 0);
    });
}

#[test]
fn the_emulator_deletes_identities_as_kratos_does() {
    let rt = runtime().expect("runtime");
    rt.block_on(async {
        let target = resolve_target(&TargetOptions::default())
            .await
            .expect("embedded stack");
        let factory = ClientFactory::for_target(&target);
        let client = factory.http().expect("client");
        let admin = target.endpoints.kratos_admin.clone().expect("admin API");
        let base = admin.as_str().trim_end_matches('/').to_string();
        let created: Value = client
            .post(format!("{base}/admin/identities"))
            .json(&serde_json::json!({"schema_id": "default", "traits": {"email": "conformance-del@example.test"}}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("JSON");
        let id = created["id"].as_str().expect("an id").to_string();
        let delete = |path: String| {
            let client = client.clone();
            async move {
                let r = client.delete(path).send().await.expect("answers");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            }
        };
        let (status, body) = delete(format!("{base}/admin/identities/{id}")).await;
        assert_eq!((status, body.as_str()), (204, ""));
        let (status, body) = delete(format!("{base}/admin/identities/{id}")).await;
        assert_eq!(status, 404);
        let body: Value = serde_json::from_str(&body).expect("a Kratos error");
        assert_eq!(body["error"]["code"], 404);
        assert_eq!(body["error"]["message"], "Unable to locate the resource");
        assert_eq!(delete(format!("{base}/admin/identities/not-a-uuid")).await.0, 404);
        let get = client
            .get(format!("{base}/admin/identities/{id}"))
            .send()
            .await
            .expect("answers");
        assert_eq!(get.status().as_u16(), 404);
    });
}

/// Requests per second of a `load` run, from its JSON report.
fn load_rate(served: &Served, extra: &[&str]) -> (u64, f64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("load.json");
    let mut args = vec![
        "load",
        "core::r01_anonymous_is_null",
        "-c",
        "4",
        "--quiet",
        "--json",
        json.to_str().expect("utf-8"),
    ];
    args.extend(extra);
    let out = run_with(&args, &served.env());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("JSON");
    (
        report["requests"].as_u64().expect("requests"),
        report["requests_per_second"].as_f64().expect("rate"),
    )
}

#[test]
fn max_rps_bounds_the_request_rate_of_a_run() {
    let served = Served::start(&[]);
    let (_, unlimited) = load_rate(&served, &["-n", "200"]);
    let (requests, limited) = load_rate(&served, &["-n", "20", "--max-rps", "20"]);
    println!(
        "unlimited {unlimited:.0} req/s; --max-rps 20: {requests} requests at {limited:.1} req/s"
    );
    assert!(requests >= 40, "{requests}");
    // Spaced slots: n requests take at least (n - 1) / 20 s, so at most 20·n/(n-1) per second.
    assert!(
        limited <= 20.0 * 1.1,
        "{limited:.1} req/s with --max-rps 20"
    );
    assert!(
        unlimited >= 4.0 * limited,
        "the limit made no difference: {unlimited:.0} vs {limited:.1} req/s"
    );
}
