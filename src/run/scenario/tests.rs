//! The `within` loop of [`run_step`](super::ScenarioRun) against a small server over loopback
//! that counts what it receives: a GET is sent again until its expectations hold (captures
//! and the snapshot view from the final attempt, the jar carried between attempts), a step
//! that never holds stops at its deadline, and a POST is never sent twice. Then the steps
//! without an exchange (`clear_jar`, `wait`) and parallel groups: two steps that only pass
//! when their requests are at the server at the same time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use super::*;
use crate::plan::Settings;
use crate::report::snapshot::render_snapshot;
use crate::settings::{Endpoints, Timeouts, Tls};
use crate::targets::{Capabilities, TargetKind};

/// Requests received, by route.
#[derive(Default)]
struct Counts {
    eventually: AtomicUsize,
    never: AtomicUsize,
    post: AtomicUsize,
}

/// The third GET and later answer `200 null`; earlier ones 401. Each answer says its number
/// and sets a cookie with it.
async fn eventually(State(c): State<Arc<Counts>>) -> Response {
    let n = c.eventually.fetch_add(1, Ordering::SeqCst) + 1;
    let status = if n >= 3 {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    };
    let headers = [
        ("x-attempt", n.to_string()),
        ("set-cookie", format!("seen={n}; Path=/")),
        ("content-type", "application/json".into()),
    ];
    (status, headers, "null").into_response()
}

async fn never(State(c): State<Arc<Counts>>) -> StatusCode {
    c.never.fetch_add(1, Ordering::SeqCst);
    StatusCode::UNAUTHORIZED
}

async fn post_once(State(c): State<Arc<Counts>>) -> StatusCode {
    c.post.fetch_add(1, Ordering::SeqCst);
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn echo(Path(n): Path<String>) -> String {
    n
}

/// `200` when another request reaches the same barrier within 2 s (two requests in flight at
/// once), else `408`.
async fn together(State(b): State<Arc<tokio::sync::Barrier>>) -> StatusCode {
    match tokio::time::timeout(Duration::from_secs(2), b.wait()).await {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::REQUEST_TIMEOUT,
    }
}

/// The server and an external target pointing at it.
async fn serve() -> (Arc<Counts>, Target) {
    let counts = Arc::new(Counts::default());
    let router = Router::new()
        .route("/api/v1/eventually", get(eventually))
        .route("/api/v1/never", get(never))
        .route("/api/v1/post", post(post_once))
        .route("/api/v1/echo/{n}", get(echo))
        .with_state(Arc::clone(&counts))
        .merge(
            Router::new()
                .route("/api/v1/together", get(together))
                .with_state(Arc::new(tokio::sync::Barrier::new(2))),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let base = url::Url::parse(&format!("http://{addr}")).unwrap();
    let target = Target {
        kind: TargetKind::External,
        endpoints: Endpoints {
            origin: base.clone(),
            api_prefix: "/api/v1".into(),
            kratos_public: base,
            kratos_admin: None,
            cookie_domain: None,
            same_site: "Lax".into(),
            resolve: Vec::new(),
        },
        caps: Capabilities::default(),
        timeouts: Timeouts::default(),
        cold_start: None,
        tls: Tls::default(),
        proxies: crate::settings::Proxies::none(),
        _guard: None,
    };
    (counts, target)
}

/// A plan from scenario text that is parsed but not validated (so a row may hold what
/// validation refuses, as a generated plan could).
fn plan(steps: &str) -> Scenario {
    let text = format!("name = \"t\"\nrules = [\"R16\"]\ntags = [\"strict\"]\n{steps}");
    let file = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let scenario = crate::scenario::Scenario::new("t.toml".into(), "t".into(), file);
    crate::plan::resolve(&scenario, &Settings::none()).expect("resolves")
}

async fn run(plan: &Scenario, target: &Target) -> ScenarioResult {
    let factory = ClientFactory::for_target(target);
    run_scenario(plan, target, &factory, &Secrets::new()).await
}

#[tokio::test]
async fn a_get_is_sent_again_until_it_holds_and_the_final_attempt_counts() {
    let (counts, target) = serve().await;
    let plan = plan(
        r#"
[[step]]
request = { method = "GET", path = "/eventually" }
expect = { status = 200, body = "null", within = "5s" }
capture = { attempt = { header = "x-attempt" } }
[[step]]
request = { method = "GET", path = "/echo/{{attempt}}" }
expect = { status = 200 }
"#,
    );
    let result = run(&plan, &target).await;
    assert_eq!(result.outcome, Outcome::Passed, "{result:#?}");
    let step = &result.steps[0];
    let attempts = step.attempts.as_ref().expect("attempts recorded");
    assert_eq!((attempts.count, attempts.final_from), (3, 2));
    assert_eq!(counts.eventually.load(Ordering::SeqCst), 3);
    // Every attempt stays in the transcript, marked.
    let statuses: Vec<u16> = step
        .exchanges
        .iter()
        .map(|e| e.response.as_ref().unwrap().status)
        .collect();
    assert_eq!(statuses, [401, 401, 200]);
    assert_eq!(
        step.exchanges[1].purpose,
        "GET /eventually (attempt 2 of 3)"
    );
    assert!(
        step.verdict()
            .unwrap()
            .starts_with("held after 3 attempts in "),
        "{:?}",
        step.verdict()
    );
    // Each attempt went through the same jar: the third carried the cookie the second set.
    let cookie = step.exchanges[2]
        .request_headers
        .iter()
        .find(|(n, _)| n == "Cookie")
        .map(|(_, v)| v.as_str());
    assert_eq!(cookie, Some("seen=2"));
    // The capture is the final attempt's.
    assert!(result.steps[1].exchanges[0].url.ends_with("/echo/3"));
    // The view holds the final attempt only.
    let view = render_snapshot(&result, &plan, &target.endpoints);
    assert_eq!(view.matches("GET [api]/eventually").count(), 1, "{view}");
    assert!(
        view.starts_with("step 1: [default] GET /eventually\n  GET [api]/eventually\n    status: 200\n    body: null\n"),
        "{view}"
    );
}

#[tokio::test]
async fn a_step_that_never_holds_stops_at_its_deadline() {
    let (counts, target) = serve().await;
    let plan = plan(
        r#"
[[step]]
request = { method = "GET", path = "/never" }
expect = { status = 200, within = "300ms" }
"#,
    );
    let result = run(&plan, &target).await;
    assert_eq!(result.outcome, Outcome::Failed);
    let step = &result.steps[0];
    let attempts = step.attempts.as_ref().unwrap();
    // Sent at 0, 50, 150 and 300 ms at most: the schedule bounds the count.
    assert!((2..=4).contains(&attempts.count), "{attempts:?}");
    assert!(
        attempts.elapsed >= Duration::from_millis(300),
        "{attempts:?}"
    );
    assert_eq!(counts.never.load(Ordering::SeqCst), attempts.count);
    assert_eq!(step.exchanges.len(), attempts.count);
    assert_eq!(attempts.final_from, attempts.count - 1);
    let verdict = step.verdict().unwrap();
    assert!(
        verdict.starts_with(&format!(
            "still failing after {} attempts in ",
            attempts.count
        )) && verdict.ends_with("(within 300ms)"),
        "{verdict}"
    );
}

#[tokio::test]
async fn a_post_is_never_sent_twice_whatever_the_plan_says() {
    let (counts, target) = serve().await;
    let plan = plan(
        r#"
[[step]]
request = { method = "POST", path = "/post" }
expect = { status = 204, within = "5s" }
"#,
    );
    let result = run(&plan, &target).await;
    assert_eq!(result.outcome, Outcome::Failed);
    assert_eq!(counts.post.load(Ordering::SeqCst), 1);
    let attempts = result.steps[0].attempts.as_ref().unwrap();
    assert_eq!(attempts.count, 1);
    assert_eq!(result.steps[0].exchanges.len(), 1);
    assert_eq!(result.steps[0].exchanges[0].purpose, "POST /post");
}

#[tokio::test]
async fn the_steps_of_a_parallel_group_run_at_once_and_are_kept_in_file_order() {
    let (_, target) = serve().await;
    let plan = plan(
        r#"
[[step]]
client = "a"
parallel = "p1"
request = { method = "GET", path = "/together" }
expect = { status = 200 }
[[step]]
client = "b"
parallel = "p1"
request = { method = "GET", path = "/together" }
expect = { status = 200 }
[[step]]
request = { method = "GET", path = "/echo/after" }
expect = { status = 200 }
"#,
    );
    let result = run(&plan, &target).await;
    assert_eq!(result.outcome, Outcome::Passed, "{result:#?}");
    let [a, b, after] = &result.steps[..] else {
        panic!("three steps: {result:#?}")
    };
    assert_eq!((a.index, a.client.as_str()), (1, "a"));
    assert_eq!((b.index, b.client.as_str()), (2, "b"));
    assert_eq!(a.parallel.as_deref(), Some("p1"));
    assert_eq!(after.parallel, None);
    // The two overlap; the next step starts after both.
    assert!(
        a.started < b.finished && b.started < a.finished,
        "{a:#?}\n{b:#?}"
    );
    assert!(after.started >= a.finished.max(b.finished));
    let view = render_snapshot(&result, &plan, &target.endpoints);
    assert!(
        view.starts_with("step 1: [parallel p1] [a] GET /together\n"),
        "{view}"
    );
    assert!(
        view.contains("step 3: [default] GET /echo/after\n"),
        "{view}"
    );
}

#[tokio::test]
async fn a_failing_step_of_a_group_stops_the_scenario_after_the_group() {
    let (_, target) = serve().await;
    let plan = plan(
        r#"
[[step]]
client = "a"
parallel = "p1"
request = { method = "GET", path = "/echo/1" }
expect = { status = 500 }
[[step]]
client = "b"
parallel = "p1"
request = { method = "GET", path = "/echo/2" }
expect = { status = 200 }
[[step]]
request = { method = "GET", path = "/echo/3" }
"#,
    );
    let result = run(&plan, &target).await;
    assert_eq!(result.outcome, Outcome::Failed);
    assert_eq!(result.steps.len(), 2, "{result:#?}");
    assert!(!result.steps[0].passed() && result.steps[1].passed());
}

#[tokio::test]
async fn clear_jar_empties_the_jar_and_wait_waits() {
    let (_, target) = serve().await;
    let plan = plan(
        r#"
[[step]]
request = { method = "GET", path = "/eventually" }
expect = { status = 401 }
[[step]]
clear_jar = true
[[step]]
wait = "300ms"
[[step]]
request = { method = "GET", path = "/echo/x" }
expect = { status = 200 }
"#,
    );
    let result = run(&plan, &target).await;
    assert_eq!(result.outcome, Outcome::Passed, "{result:#?}");
    let [_, clear, wait, after] = &result.steps[..] else {
        panic!("four steps")
    };
    assert!(clear.exchanges.is_empty() && clear.checks.is_empty());
    assert_eq!(clear.notes, ["1 cookie removed from the jar"]);
    assert!(
        wait.finished - wait.started >= Duration::from_millis(300),
        "{wait:#?}"
    );
    let cookie = after.exchanges[0]
        .request_headers
        .iter()
        .find(|(n, _)| n == "Cookie");
    assert_eq!(cookie, None);
    let view = render_snapshot(&result, &plan, &target.endpoints);
    assert!(
        view.contains("step 2: clear jar (client default)\nstep 3: wait 300ms\nstep 4: "),
        "{view}"
    );
}
