//! The conforming server (no switch on) against the contract rules it implements.

use std::sync::Arc;

use super::*;

const INTROSPECTION: [&str; 3] = ["/auth/whoami", "/auth/session", "/auth/kratos-identity"];

fn clearing(name: &str, domain: bool) -> String {
    let domain = if domain { "; Domain=openapp.test" } else { "" };
    format!(
        "{name}=; Path=/{domain}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax"
    )
}

#[tokio::test]
async fn r1_anonymous_is_200_null_without_calling_kratos() {
    let stack = Stack::start("").await;
    for path in INTROSPECTION {
        let answer = stack.get(path, &[]).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, "null"),
            "{path}"
        );
        assert_eq!(answer.headers["content-type"], "application/json");
    }
    assert_eq!(stack.kratos.whoami_calls(), 0);
    // A cookie jar without a session asks Kratos and is still anonymous.
    let cookie = cookie_header(None);
    for path in INTROSPECTION {
        assert_eq!(
            stack.get(path, &[("cookie", &cookie)]).await.body,
            "null",
            "{path}"
        );
    }
    assert_eq!(stack.kratos.whoami_calls(), 3);
}

#[tokio::test]
async fn r2_r3_session_is_passed_through_on_all_three_paths() {
    let stack = Stack::start("").await;
    let cookie = cookie_header(Some(ALICE));
    for path in INTROSPECTION {
        let answer = stack.get(path, &[("cookie", &cookie)]).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.json(), session_json("alice", true), "{path}");
    }
}

#[tokio::test]
async fn r6_r7_probe_follows_provisioning() {
    let stack = Stack::start("").await;
    let alice = stack
        .get(
            "/auth/provisioned",
            &[("cookie", &cookie_header(Some(ALICE)))],
        )
        .await;
    assert_eq!((alice.status, alice.body.as_str()), (204, ""));
    let bob = stack
        .get(
            "/auth/provisioned",
            &[("cookie", &cookie_header(Some(BOB)))],
        )
        .await;
    bob.assert_error(401);
    assert_eq!(bob.json()["message"], "User is not provisioned");
    stack.get("/auth/provisioned", &[]).await.assert_error(401);
}

#[tokio::test]
async fn r8_client_x_user_is_dropped_in_any_case() {
    let stack = Stack::start("").await;
    for name in ["X-User", "x-user", "X-USER"] {
        stack
            .get("/auth/provisioned", &[(name, "user-alice")])
            .await
            .assert_error(401);
        let bob = cookie_header(Some(BOB));
        stack
            .get(
                "/auth/provisioned",
                &[(name, "user-alice"), ("cookie", &bob)],
            )
            .await
            .assert_error(401);
    }
}

#[tokio::test]
async fn r4_r5_api_keys_on_both_channels() {
    let stack = Stack::start("").await;
    let key = stack.key.clone();
    let bearer = format!("Bearer {key}");
    let bad_key = format!("{}_openapp_wrong", stack.base);
    let bad_bearer = format!("Bearer {bad_key}");
    for path in INTROSPECTION {
        let answer = stack.get(path, &[("X-API-Key", &key)]).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, "null"),
            "{path}"
        );
        // R17: a valid key beside a session cookie is that cookie's user.
        let with_cookie = stack
            .get(
                path,
                &[("x-api-key", &key), ("cookie", &cookie_header(Some(ALICE)))],
            )
            .await;
        assert_eq!(with_cookie.json()["id"], "session-alice", "{path}");
        stack
            .get(path, &[("X-API-Key", &bad_key)])
            .await
            .assert_error(401);
        stack
            .get(path, &[("X-API-Key", "")])
            .await
            .assert_error(401);
        stack
            .get(path, &[("Authorization", &bad_bearer)])
            .await
            .assert_error(401);
        // The bearer channel is for JWTs: a valid key there is 401 too (allowed by R5).
        stack
            .get(path, &[("Authorization", &bearer)])
            .await
            .assert_error(401);
    }
    assert_eq!(
        stack.get("/status", &[("X-API-Key", &key)]).await.status,
        200
    );
    assert_eq!(
        stack
            .get("/auth/provisioned", &[("X-API-Key", &key)])
            .await
            .status,
        401
    );
    // Other Authorization schemes are not the gateway's business.
    assert_eq!(
        stack
            .get("/auth/whoami", &[("Authorization", "Basic Zm9vOmJhcg==")])
            .await
            .body,
        "null"
    );
}

#[tokio::test]
async fn r9_to_r16_logout_and_sign_out_clear_and_revoke() {
    let stack = Stack::start("").await;
    for (path, who, cookie) in [
        ("/auth/logout", "alice", ALICE),
        ("/auth/sign-out", "carol", CAROL),
    ] {
        let jar = cookie_header(Some(cookie));
        assert_eq!(
            stack.get("/auth/whoami", &[("cookie", &jar)]).await.json()["id"],
            format!("session-{who}")
        );
        let answer = stack.post(path, &[("cookie", &jar)]).await;
        assert_eq!((answer.status, answer.body.as_str()), (204, ""), "{path}");
        let expected: Vec<String> = ["ory_kratos_session", CSRF_A, CSRF_B]
            .into_iter()
            .flat_map(|name| [clearing(name, false), clearing(name, true)])
            .collect();
        assert_eq!(answer.set_cookies(), expected, "{path}");
        assert_eq!(
            stack.kratos.revoked().last().unwrap(),
            &format!("session-{who}")
        );
        // R13/R16: the replayed cookie no longer resolves.
        assert_eq!(
            stack.get("/auth/whoami", &[("cookie", &jar)]).await.body,
            "null"
        );
        stack
            .get("/auth/provisioned", &[("cookie", &jar)])
            .await
            .assert_error(401);
    }
    assert_eq!(stack.kratos.revoked().len(), 2);
}

#[tokio::test]
async fn r14_logout_without_session_still_clears() {
    let stack = Stack::start("").await;
    for path in ["/auth/logout", "/auth/sign-out"] {
        let answer = stack.post(path, &[]).await;
        assert_eq!((answer.status, answer.body.as_str()), (204, ""), "{path}");
        assert_eq!(
            answer.set_cookies(),
            [
                clearing("ory_kratos_session", false),
                clearing("ory_kratos_session", true)
            ]
        );
        let with_csrf = stack.post(path, &[("cookie", &cookie_header(None))]).await;
        assert_eq!(with_csrf.status, 204);
        assert_eq!(with_csrf.set_cookies().len(), 6);
    }
    assert!(stack.kratos.revoked().is_empty());
}

#[tokio::test]
async fn status_unknown_routes_and_methods() {
    let stack = Stack::start("").await;
    let status = stack.get("/status", &[]).await;
    assert_eq!(
        (status.status, status.json()),
        (200, json!({ "status": "ok" }))
    );
    stack.get("/auth/nope", &[]).await.assert_error(404);
    let outside = send_with(
        &stack.client,
        reqwest::Method::GET,
        &format!("{}/auth/whoami", stack.base),
        &[],
    )
    .await;
    outside.assert_error(404);
    stack.get("/auth/logout", &[]).await.assert_error(405);
    assert!(stack.get("/status", &[]).await.set_cookies().is_empty());
}

#[tokio::test]
async fn kratos_failures_are_502_only_when_a_cookie_needs_resolving() {
    // Nothing listens on the Kratos URLs: bind a port, then free it.
    let unused = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
    };
    let down = Stack::start_against("", Arc::new(FakeKratos::new()), &unused, &unused).await;
    let jar = cookie_header(Some(ALICE));
    down.get("/auth/whoami", &[("cookie", &jar)])
        .await
        .assert_error(502);
    assert_eq!(down.get("/auth/whoami", &[]).await.body, "null");
    assert_eq!(down.post("/auth/logout", &[]).await.status, 204);

    let stack = Stack::start("").await;
    stack.kratos.break_down();
    stack
        .get("/auth/session", &[("cookie", &jar)])
        .await
        .assert_error(502);
}

/// R18: every answer of the four cookie-dependent GETs, anonymous or not, errors included,
/// and of logout, tells shared caches not to store it, as Kratos's whoami does.
#[tokio::test]
async fn r18_auth_answers_are_private() {
    let stack = Stack::start("").await;
    let alice = cookie_header(Some(ALICE));
    let bob = cookie_header(Some(BOB));
    let bad_key = format!("{}_openapp_wrong", stack.base);
    let mut answers = Vec::new();
    for path in INTROSPECTION.into_iter().chain(["/auth/provisioned"]) {
        for headers in [
            vec![],
            vec![("cookie", alice.as_str())],
            vec![("cookie", bob.as_str())],
            vec![("X-API-Key", bad_key.as_str())],
        ] {
            answers.push((path, stack.get(path, &headers).await));
        }
    }
    answers.push((
        "/auth/logout",
        stack.post("/auth/logout", &[("cookie", &alice)]).await,
    ));
    let statuses: std::collections::BTreeSet<u16> = answers.iter().map(|(_, a)| a.status).collect();
    assert_eq!(statuses, [200, 204, 401].into());
    for (path, answer) in &answers {
        let lines: Vec<_> = answer.headers.get_all("cache-control").iter().collect();
        assert_eq!(
            lines,
            ["private, no-cache, no-store, must-revalidate"],
            "{path} {}",
            answer.status
        );
    }
    assert!(
        stack
            .get("/status", &[])
            .await
            .headers
            .get("cache-control")
            .is_none()
    );
}

/// R19: GET and HEAD on logout and sign-out are 405 with `Allow: POST`, clear nothing and
/// revoke nothing; the session still resolves.
#[tokio::test]
async fn r19_get_and_head_do_not_log_out() {
    let stack = Stack::start("").await;
    let alice = cookie_header(Some(ALICE));
    for path in ["/auth/logout", "/auth/sign-out"] {
        for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
            let answer = stack
                .send(method.clone(), path, &[("cookie", &alice)])
                .await;
            assert_eq!(answer.status, 405, "{method} {path}");
            assert_eq!(answer.headers["allow"], "POST", "{method} {path}");
            assert!(answer.set_cookies().is_empty(), "{method} {path}");
        }
    }
    assert!(stack.kratos.revoked().is_empty());
    assert_eq!(
        stack
            .get("/auth/whoami", &[("cookie", &alice)])
            .await
            .json(),
        session_json("alice", true)
    );
}
