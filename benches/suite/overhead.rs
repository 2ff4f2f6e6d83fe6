//! Harness overhead per request: the same 1,000 requests run by the harness as a scenario
//! and by a bare reqwest + cookie_store loop, against one embedded stack in one process.

use std::path::Path;
use std::sync::Arc;

use openapp_conformance::plan::{Scenario, Settings, resolve};
use openapp_conformance::redact::Secrets;
use openapp_conformance::run::client::ClientFactory;
use openapp_conformance::run::result::Outcome;
use openapp_conformance::run::scenario::run_scenario;
use openapp_conformance::scenario::{Scenario as ScenarioFile, parse};
use openapp_conformance::targets::{Endpoints, Target};
use reqwest::header::ACCEPT;
use serde_json::{Value, json};

use super::fixtures::{CYCLES, overhead_scenario};

/// The overhead scenario, parsed and validated.
pub(crate) fn scenario() -> Scenario {
    let path = Path::new("bench/overhead.toml");
    let file = parse(path, &overhead_scenario()).expect("the overhead scenario is valid");
    let file = ScenarioFile::new(path.to_path_buf(), "bench/overhead".into(), file);
    resolve(&file, &Settings::none()).expect("the overhead scenario resolves")
}

/// Runs the scenario through the harness; gives the number of requests it made.
pub(crate) async fn harness(scenario: &Scenario, target: &Target) -> usize {
    let factory = ClientFactory::new(target.endpoints.clone(), target.timeouts);
    let result = run_scenario(scenario, target, &factory, &Secrets::new()).await;
    assert_eq!(
        result.outcome,
        Outcome::Passed,
        "the overhead scenario fails"
    );
    result.setup.len()
        + result
            .steps
            .iter()
            .map(|s| s.exchanges.len())
            .sum::<usize>()
}

fn join(base: &url::Url, path: &str) -> String {
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

/// The same requests with reqwest and a cookie_store jar, checking only the statuses and the
/// identity id; gives the number of requests. `run` makes the identity unique.
pub(crate) async fn bare(endpoints: &Endpoints, run: usize) -> usize {
    let jar = Arc::new(reqwest_cookie_store::CookieStoreMutex::default());
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar);
    for r in &endpoints.resolve {
        builder = builder.resolve(&r.host, r.socket_addr());
    }
    let http = builder.build().expect("client builds");
    let admin = endpoints.kratos_admin.as_ref().expect("embedded admin API");
    let email = format!("bare-loop-{run}@example.test");
    let password = "Bare-loop-password-1";
    let created: Value = http
        .post(join(admin, "/admin/identities"))
        .json(&json!({
            "schema_id": "default",
            "traits": { "email": &email },
            "credentials": { "password": { "config": { "password": password } } },
            "metadata_public": { "openapp_user_id": "bare-loop-user" },
        }))
        .send()
        .await
        .expect("admin answers")
        .json()
        .await
        .expect("identity json");
    let id = created["id"].as_str().expect("identity id").to_string();
    let api = endpoints.api_base();
    let mut requests = 1;
    for _ in 0..CYCLES {
        let flow: Value = http
            .get(join(
                &endpoints.kratos_public,
                "/self-service/login/browser",
            ))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .expect("flow init")
            .json()
            .await
            .expect("flow json");
        let csrf = flow["ui"]["nodes"]
            .as_array()
            .and_then(|nodes| {
                nodes
                    .iter()
                    .find(|n| n["attributes"]["name"] == "csrf_token")
            })
            .and_then(|n| n["attributes"]["value"].as_str())
            .expect("csrf node")
            .to_string();
        let action = flow["ui"]["action"].as_str().expect("action").to_string();
        let submit = http
            .post(action)
            .header(ACCEPT, "application/json")
            .json(&json!({
                "identifier": &email, "password": password, "method": "password", "csrf_token": csrf,
            }))
            .send()
            .await
            .expect("submit");
        assert_eq!(submit.status(), 200);
        let _ = submit.bytes().await;
        let whoami: Value = http
            .get(format!("{api}/auth/whoami"))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .expect("whoami")
            .json()
            .await
            .expect("whoami json");
        assert_eq!(whoami["identity"]["id"], id.as_str());
        let probe = http
            .get(format!("{api}/auth/provisioned"))
            .send()
            .await
            .expect("probe");
        assert_eq!(probe.status(), 204);
        let logout = http
            .post(format!("{api}/auth/logout"))
            .send()
            .await
            .expect("logout");
        assert_eq!(logout.status(), 204);
        requests += 5;
    }
    requests
}
