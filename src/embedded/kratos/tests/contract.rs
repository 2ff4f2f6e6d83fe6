//! Focused checks of what the harness relies on, each against the golden capture it mirrors.

use std::time::Duration;

use serde_json::{Value, json};

use super::support::{
    EMAIL, Harness, Jar, PASSWORD, browser_login, capture, captured_response, captured_set_cookies,
    flow_csrf, init_browser, key_paths, node_value, normalize, set_cookies, submit_json,
};

#[tokio::test]
async fn json_init_sets_the_csrf_cookie_like_the_capture_and_only_once() {
    let h = Harness::start("").await;
    let mut jar = Jar::default();
    let (status, lines, flow) = init_browser(&h, &mut jar).await;
    assert_eq!(status, 200);
    let captured = captured_set_cookies(captured_response(&capture("02_login_init_json"), 0));
    assert_eq!(lines.len(), 1);
    assert_eq!(normalize(&lines[0]), normalize(&captured[0]));
    assert!(lines[0].starts_with(&format!("{}=", h.csrf_name())));
    let value = jar.get(&h.csrf_name()).unwrap();
    assert_eq!(value.len(), 44);
    assert_eq!(flow_csrf(&flow).len(), 88);

    let (status, lines, second) = init_browser(&h, &mut jar).await;
    assert_eq!(status, 200);
    assert!(
        lines.is_empty(),
        "a valid CSRF cookie must not be replaced: {lines:?}"
    );
    assert_ne!(
        flow_csrf(&flow),
        flow_csrf(&second),
        "each flow gets a new masking"
    );
}

#[tokio::test]
async fn browser_login_answers_like_capture_10() {
    let h = Harness::start("").await;
    h.create_identity().await;
    let mut jar = Jar::default();
    let (_, _, flow) = init_browser(&h, &mut jar).await;
    let csrf_before = jar.get(&h.csrf_name()).unwrap().to_string();
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": EMAIL, "password": PASSWORD, "method": "password"});
    let res = submit_json(&h, &mut jar, flow["id"].as_str().unwrap(), body).await;
    assert_eq!(res.status(), 200);
    let lines = set_cookies(&res);
    let cap = captured_response(&capture("10_login_success_json"), 1).clone();
    let expected: Vec<String> = captured_set_cookies(&cap)
        .iter()
        .map(|l| normalize(l))
        .collect();
    assert_eq!(
        lines.iter().map(|l| normalize(l)).collect::<Vec<_>>(),
        expected
    );
    assert!(lines[0].starts_with("csrf_token_") && lines[1].starts_with("ory_kratos_session="));
    assert_ne!(
        jar.get(&h.csrf_name()).unwrap(),
        csrf_before,
        "the CSRF cookie rotates on login"
    );
    let ours: Value = res.json().await.unwrap();
    assert_eq!(key_paths(&ours), key_paths(&cap["body"]));
    assert_eq!(
        ours["continue_with"][0]["redirect_browser_to"],
        "http://app.openapp.test/"
    );
    assert!(ours.get("session_token").is_none());

    let res = jar
        .apply(h.client.get(h.url("sessions/whoami")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let identity = ours["session"]["identity"]["id"].as_str().unwrap();
    assert_eq!(
        res.headers()["x-kratos-authenticated-identity-id"],
        identity
    );
    assert!(set_cookies(&res).is_empty(), "whoami sets no cookie");
}

#[tokio::test]
async fn wrong_password_is_a_400_flow_with_4000006() {
    let h = Harness::start("").await;
    h.create_identity().await;
    let mut jar = Jar::default();
    let (_, _, flow) = init_browser(&h, &mut jar).await;
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": EMAIL, "password": "Wrong-Password-0000", "method": "password"});
    let res = submit_json(&h, &mut jar, flow["id"].as_str().unwrap(), body).await;
    assert_eq!(res.status(), 400);
    assert!(set_cookies(&res).is_empty());
    let ours: Value = res.json().await.unwrap();
    assert_eq!(ours["ui"]["messages"][0]["id"], 4000006);
    assert_eq!(node_value(&ours, "identifier"), EMAIL);
    assert_ne!(flow_csrf(&ours), flow_csrf(&flow), "a new masked token");
    let cap = captured_response(&capture("06_login_wrong_password"), 1).clone();
    assert_eq!(
        normalize(&super::super::wire::go_json(&ours)),
        normalize(cap["body_raw"].as_str().unwrap())
    );
}

#[tokio::test]
async fn csrf_failures_are_the_captured_403_envelope() {
    let h = Harness::start("").await;
    h.create_identity().await;
    let expected = captured_response(&capture("07_login_missing_csrf"), 1)["body_raw"]
        .as_str()
        .unwrap()
        .to_string();
    let mut jar = Jar::default();
    let (_, _, flow) = init_browser(&h, &mut jar).await;
    let id = flow["id"].as_str().unwrap();
    let wrong = "A".repeat(86) + "==";
    for csrf in [None, Some(wrong.as_str()), Some("not-a-csrf-token")] {
        let mut body = json!({"identifier": EMAIL, "password": PASSWORD, "method": "password"});
        if let Some(c) = csrf {
            body["csrf_token"] = json!(c);
        }
        let res = submit_json(&h, &mut jar, id, body).await;
        assert_eq!(res.status(), 403);
        assert_eq!(res.headers()["content-type"], "application/json");
        assert!(
            set_cookies(&res).is_empty(),
            "no session cookie on a CSRF failure"
        );
        assert_eq!(res.text().await.unwrap(), expected);
    }
    // The flow's own token without the cookie fails too.
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": EMAIL, "password": PASSWORD, "method": "password"});
    let res = submit_json(&h, &mut Jar::default(), id, body).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.text().await.unwrap(), expected);
}

/// API init and submit; returns the submit response.
async fn api_login(h: &Harness) -> reqwest::Response {
    let flow: Value = h
        .client
        .get(h.url("self-service/login/api"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(flow_csrf(&flow), "");
    let url = h.url(&format!(
        "self-service/login?flow={}",
        flow["id"].as_str().unwrap()
    ));
    let body = json!({"identifier": EMAIL, "password": PASSWORD, "method": "password"});
    h.client
        .post(url)
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn api_login_gives_a_token_and_no_cookie() {
    let h = Harness::start("").await;
    h.create_identity().await;
    let res = api_login(&h).await;
    assert_eq!(res.status(), 200);
    assert!(set_cookies(&res).is_empty());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["continue_with"], Value::Null);
    let token = body["session_token"].as_str().unwrap().to_string();
    assert!(token.starts_with("ory_st_") && token.len() == 39);
    let res = h
        .client
        .get(h.url("sessions/whoami"))
        .header("x-session-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = h
        .client
        .get(h.url("sessions/whoami"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let logout = || {
        h.client
            .delete(h.url("self-service/logout/api"))
            .json(&json!({"session_token": token}))
            .send()
    };
    assert_eq!(logout().await.unwrap().status(), 204);
    assert_eq!(
        logout().await.unwrap().status(),
        204,
        "an already revoked token is 204 again"
    );
    let res = h
        .client
        .get(h.url("sessions/whoami"))
        .header("x-session-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let unknown = json!({"session_token": format!("ory_st_{}", "0".repeat(32))});
    let res = h
        .client
        .delete(h.url("self-service/logout/api"))
        .json(&unknown)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn browser_logout_clears_the_session_cookie() {
    let h = Harness::start("").await;
    h.create_identity().await;
    let mut jar = Jar::default();
    assert_eq!(browser_login(&h, &mut jar, PASSWORD).await.status(), 200);
    let old_session = jar.get("ory_kratos_session").unwrap().to_string();
    let res = jar
        .apply(
            h.client
                .get(h.url("self-service/logout/browser"))
                .header("accept", "application/json"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["logout_token"]
            .as_str()
            .unwrap()
            .starts_with("ory_lo_")
    );
    let url = body["logout_url"].as_str().unwrap();
    assert!(url.starts_with(&h.url("self-service/logout?token=ory_lo_")));
    let res = jar
        .apply(h.client.get(url).header("accept", "application/json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let lines = set_cookies(&res);
    let cap = captured_set_cookies(captured_response(&capture("15_browser_logout"), 1));
    assert_eq!(
        lines.iter().map(|l| normalize(l)).collect::<Vec<_>>(),
        cap.iter().map(|l| normalize(l)).collect::<Vec<_>>()
    );
    assert!(lines[0].ends_with("; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; SameSite=Lax"));
    jar.absorb(&res);
    assert!(jar.get("ory_kratos_session").is_none());
    let replay = h
        .client
        .get(h.url("sessions/whoami"))
        .header("cookie", format!("ory_kratos_session={old_session}"));
    assert_eq!(replay.send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn admin_identity_create_conflict_and_get() {
    let h = Harness::start("").await;
    let created = h.create_identity().await;
    let cap = capture("05_admin_identity");
    assert_eq!(
        key_paths(&created),
        key_paths(&captured_response(&cap, 0)["body"])
    );
    let id = created["id"].as_str().unwrap();
    let body = json!({"traits": {"email": EMAIL.to_uppercase()}, "credentials": {"password": {"config": {"password": "x"}}}});
    let res = h
        .client
        .post(format!("{}admin/identities", h.admin))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.text().await.unwrap(),
        captured_response(&cap, 1)["body_raw"].as_str().unwrap()
    );
    let res = h
        .client
        .get(format!("{}admin/identities/{id}", h.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let got: Value = res.json().await.unwrap();
    assert_eq!(
        key_paths(&got),
        key_paths(&captured_response(&cap, 2)["body"])
    );
    assert_eq!(got["metadata_admin"], Value::Null);
    let res = h
        .client
        .get(format!(
            "{}admin/identities/{}",
            h.admin,
            uuid::Uuid::new_v4()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let bad = json!({"traits": {"email": "a@b.test"}, "unknown": 1});
    let res = h
        .client
        .post(format!("{}admin/identities", h.admin))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "the create body is decoded strictly");
}

#[tokio::test]
async fn expired_flows_answer_410_through_the_injected_clock() {
    let h = Harness::start("").await;
    h.create_identity().await;
    let mut jar = Jar::default();
    let (_, _, flow) = init_browser(&h, &mut jar).await;
    let id = flow["id"].as_str().unwrap();
    h.clock.advance(Duration::from_secs(3601));
    let res = jar
        .apply(
            h.client
                .get(h.url(&format!("self-service/login/flows?id={id}"))),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": EMAIL, "password": PASSWORD, "method": "password"});
    let res = submit_json(&h, &mut jar, id, body).await;
    assert_eq!(res.status(), 410);
    let gone: Value = res.json().await.unwrap();
    let cap = captured_response(&capture("17_expired_flow"), 3).clone();
    assert_eq!(key_paths(&gone), key_paths(&cap["body"]));
    assert_eq!(
        gone["error"]["reason"], cap["body"]["error"]["reason"],
        "1 s late is 0.02 minutes"
    );
    assert!(gone["since"].as_i64().unwrap() >= 1_000_000_000);
    let next = gone["use_flow_id"].as_str().unwrap();
    let res = jar
        .apply(
            h.client
                .get(h.url(&format!("self-service/login/flows?id={next}"))),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let replacement: Value = res.json().await.unwrap();
    assert_eq!(replacement["ui"]["messages"][0]["id"], 4010001);
}
