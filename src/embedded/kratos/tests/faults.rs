//! Each Kratos fault switch (K1–K8) is observable, and the benign `kratos-extra-fields` keeps
//! every field the contract names.

use serde_json::{Value, json};

use super::support::{
    EMAIL, Harness, Jar, PASSWORD, browser_login, flow_csrf, init_browser, set_cookies, submit_json,
};

/// The `ory_kratos_session` line of a response.
fn session_line(res: &reqwest::Response) -> Option<String> {
    set_cookies(res)
        .into_iter()
        .find(|l| l.starts_with("ory_kratos_session="))
}

#[tokio::test]
async fn conforming_session_cookie_has_domain_and_httponly() {
    let h = Harness::start("").await;
    h.create_identity().await;
    let res = browser_login(&h, &mut Jar::default(), PASSWORD).await;
    let line = session_line(&res).unwrap();
    assert!(
        line.contains("; Domain=openapp.test;") && line.contains("; HttpOnly;"),
        "{line}"
    );
}

#[tokio::test]
async fn k1_every_init_sets_a_new_csrf_cookie_that_still_works() {
    let h = Harness::start("kratos-csrf-cookie-every-init").await;
    h.create_identity().await;
    let mut jar = Jar::default();
    init_browser(&h, &mut jar).await;
    let first = jar.get(&h.csrf_name()).unwrap().to_string();
    let (_, lines, flow) = init_browser(&h, &mut jar).await;
    assert_eq!(
        lines.len(),
        1,
        "K1: a cookie although the jar held a valid one"
    );
    assert_ne!(jar.get(&h.csrf_name()).unwrap(), first);
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": EMAIL, "password": PASSWORD, "method": "password"});
    assert_eq!(
        submit_json(&h, &mut jar, flow["id"].as_str().unwrap(), body)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn k2_submit_without_csrf_token_succeeds() {
    let h = Harness::start("kratos-no-csrf-check").await;
    h.create_identity().await;
    let mut jar = Jar::default();
    let (_, _, flow) = init_browser(&h, &mut jar).await;
    let body = json!({"identifier": EMAIL, "password": PASSWORD, "method": "password"});
    let res = submit_json(&h, &mut jar, flow["id"].as_str().unwrap(), body).await;
    assert_eq!(res.status(), 200);
    assert!(session_line(&res).is_some());
}

#[tokio::test]
async fn k3_wrong_password_is_accepted() {
    let h = Harness::start("kratos-wrong-password-accepted").await;
    h.create_identity().await;
    let res = browser_login(&h, &mut Jar::default(), "Wrong-Password-0000").await;
    assert_eq!(res.status(), 200);
    // An unknown identifier still fails.
    let mut jar = Jar::default();
    let (_, _, flow) = init_browser(&h, &mut jar).await;
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": "nobody@example.test", "password": "x", "method": "password"});
    assert_eq!(
        submit_json(&h, &mut jar, flow["id"].as_str().unwrap(), body)
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn k4_session_cookie_without_httponly() {
    let h = Harness::start("kratos-session-cookie-not-httponly").await;
    h.create_identity().await;
    let res = browser_login(&h, &mut Jar::default(), PASSWORD).await;
    let lines = set_cookies(&res);
    let line = session_line(&res).unwrap();
    assert!(!line.contains("HttpOnly"), "{line}");
    assert!(
        lines[0].contains("; HttpOnly;"),
        "the CSRF cookie keeps HttpOnly"
    );
}

#[tokio::test]
async fn k5_api_login_sets_the_session_cookie() {
    let h = Harness::start("kratos-api-login-sets-cookie").await;
    h.create_identity().await;
    let flow: Value = h
        .client
        .get(h.url("self-service/login/api"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = h.url(&format!(
        "self-service/login?flow={}",
        flow["id"].as_str().unwrap()
    ));
    let body = json!({"identifier": EMAIL, "password": PASSWORD, "method": "password"});
    let res = h.client.post(url).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        session_line(&res).is_some(),
        "K5: the API login set a cookie"
    );
}

#[tokio::test]
async fn k6_session_cookie_is_host_only() {
    let h = Harness::start("kratos-session-cookie-host-only").await;
    h.create_identity().await;
    let res = browser_login(&h, &mut Jar::default(), PASSWORD).await;
    let lines = set_cookies(&res);
    assert!(!session_line(&res).unwrap().contains("Domain="));
    assert!(
        lines[0].contains("; Domain=openapp.test;"),
        "the CSRF cookie keeps its Domain"
    );
}

#[tokio::test]
async fn extra_fields_are_added_without_changing_named_ones() {
    let h = Harness::start("kratos-extra-fields").await;
    h.create_identity().await;
    let mut jar = Jar::default();
    let (_, _, flow) = init_browser(&h, &mut jar).await;
    assert!(flow.get("transient_payload").is_some());
    assert_eq!(flow["type"], "browser");
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": EMAIL, "password": PASSWORD, "method": "password"});
    let res = submit_json(&h, &mut jar, flow["id"].as_str().unwrap(), body).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let session = &body["session"];
    assert!(session.get("tokenized").is_some());
    assert_eq!(session["active"], true);
    assert_eq!(session["identity"]["traits"]["email"], EMAIL);
    assert_eq!(
        session["identity"]["metadata_public"]["openapp_user_id"],
        "capture-user-05"
    );
}

#[tokio::test]
async fn k7_flow_urls_name_a_foreign_origin_but_the_flow_still_works_at_home() {
    let h = Harness::start("kratos-flow-urls-foreign-origin").await;
    h.create_identity().await;
    let mut jar = Jar::default();
    let (_, _, flow) = init_browser(&h, &mut jar).await;
    let action = flow["ui"]["action"].as_str().unwrap();
    let port = h.public.trim_end_matches('/').rsplit(':').next().unwrap();
    let foreign = format!(
        "http://{}:{port}/self-service/login?flow=",
        super::super::FOREIGN_HOST
    );
    assert!(action.starts_with(&foreign), "K7: {action}");
    // The emulator itself still answers on its configured origin: only the URLs are wrong.
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": EMAIL, "password": PASSWORD, "method": "password"});
    let res = submit_json(&h, &mut jar, flow["id"].as_str().unwrap(), body).await;
    assert_eq!(res.status(), 200);
    jar.absorb(&res);
    let logout: Value = jar
        .apply(h.client.get(h.url("self-service/logout/browser")))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = logout["logout_url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "http://{}:{port}/self-service/logout?",
            super::super::FOREIGN_HOST
        )),
        "{url}"
    );
    // Conforming: the flow URL is on the public base URL.
    let h = Harness::start("").await;
    let (_, _, flow) = init_browser(&h, &mut Jar::default()).await;
    assert!(
        flow["ui"]["action"]
            .as_str()
            .unwrap()
            .starts_with(&h.url("self-service/login?flow="))
    );
}

/// `GET /sessions/whoami` with `jar`: the status.
async fn whoami_status(h: &Harness, jar: &Jar) -> u16 {
    jar.apply(h.client.get(h.url("sessions/whoami")))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A browser login init with `jar` (not absorbed) and this `Accept`.
async fn init_with(h: &Harness, jar: &Jar, accept: &str) -> reqwest::Response {
    jar.apply(h.client.get(h.url("self-service/login/browser")))
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn k8_a_refused_login_ends_the_session_only_under_the_fault() {
    for (switches, ends) in [("", false), ("kratos-refused-login-ends-session", true)] {
        let h = Harness::start(switches).await;
        h.create_identity().await;
        for accept in ["application/json", "text/html"] {
            let mut jar = Jar::default();
            assert_eq!(browser_login(&h, &mut jar, PASSWORD).await.status(), 200);
            assert_eq!(whoami_status(&h, &jar).await, 200);
            let res = init_with(&h, &jar, accept).await;
            let lines = set_cookies(&res);
            let status = res.status().as_u16();
            if accept == "text/html" {
                assert_eq!(status, 303, "{switches} {accept}");
            } else {
                assert_eq!(status, 400, "{switches} {accept}");
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["error"]["id"], "session_already_available");
            }
            if ends {
                // The clearing line carries the attributes of Kratos's own session cookie.
                assert_eq!(lines.len(), 1, "{lines:?}");
                let line = &lines[0];
                assert!(line.starts_with("ory_kratos_session="), "{line}");
                assert!(
                    line.contains("; Path=/; Domain=openapp.test; Expires=Thu, 01 Jan 1970")
                        && line.contains("; Max-Age=0;"),
                    "{line}"
                );
                // Revoked server-side: the cookie the browser held no longer resolves.
                assert_eq!(whoami_status(&h, &jar).await, 401, "{accept}");
            } else {
                assert!(lines.is_empty(), "K8: no cookie changes: {lines:?}");
                assert_eq!(whoami_status(&h, &jar).await, 200, "{accept}");
            }
        }
    }
}
