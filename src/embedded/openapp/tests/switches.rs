//! Every OpenApp switch of the registry, each on its own stack, changes exactly the
//! behaviour its description names. A switch without a check here fails the test.

use crate::switches::{Component, SWITCHES};

use super::*;

#[tokio::test]
async fn every_openapp_switch_changes_what_it_describes() {
    let names = SWITCHES
        .iter()
        .filter(|s| s.component == Component::OpenApp)
        .map(|s| s.name);
    for name in names {
        let stack = Stack::start(name).await;
        check(name, &stack).await;
    }
}

/// `POST /auth/logout` from a jar holding both CSRF cookies and `session` (if any).
async fn logout(stack: &Stack, session: Option<&str>) -> Answer {
    stack
        .post("/auth/logout", &[("cookie", &cookie_header(session))])
        .await
}

async fn check(name: &str, stack: &Stack) {
    let alice = cookie_header(Some(ALICE));
    let with_alice = [("cookie", alice.as_str())];
    let bad_key = format!("{}_openapp_wrong", stack.base);
    match name {
        "whoami-anonymous-401" => {
            stack.get("/auth/whoami", &[]).await.assert_error(401);
            assert_eq!(stack.get("/auth/session", &[]).await.body, "null");
        }
        "session-anonymous-empty-object" => {
            assert_eq!(stack.get("/auth/session", &[]).await.body, "{}");
            assert_eq!(stack.get("/auth/whoami", &[]).await.body, "null");
        }
        "session-differs" => {
            let identity = session_json("alice", true)["identity"].clone();
            assert_eq!(
                stack.get("/auth/session", &with_alice).await.json(),
                identity
            );
            assert_eq!(
                stack.get("/auth/kratos-identity", &with_alice).await.json(),
                identity
            );
            assert_eq!(
                stack.get("/auth/whoami", &with_alice).await.json(),
                session_json("alice", true)
            );
        }
        "whoami-other-identity" => {
            assert_eq!(
                stack.get("/auth/whoami", &with_alice).await.json()["id"],
                "session-alice"
            );
            let carol = cookie_header(Some(CAROL));
            assert_eq!(
                stack
                    .get("/auth/whoami", &[("cookie", &carol)])
                    .await
                    .json()["id"],
                "session-alice"
            );
        }
        "invalid-key-ignored-x-api-key" => {
            assert_eq!(
                stack
                    .get("/auth/whoami", &[("X-API-Key", &bad_key)])
                    .await
                    .body,
                "null"
            );
        }
        "invalid-key-ignored-bearer" => {
            let bearer = format!("Bearer {bad_key}");
            assert_eq!(
                stack
                    .get("/auth/whoami", &[("Authorization", &bearer)])
                    .await
                    .body,
                "null"
            );
            stack
                .get("/auth/whoami", &[("X-API-Key", &bad_key)])
                .await
                .assert_error(401);
        }
        "api-key-is-session" => {
            let answer = stack
                .get("/auth/session", &[("X-API-Key", &stack.key)])
                .await;
            assert_eq!(answer.status, 200);
            assert!(
                answer.json()["identity"]["id"].is_string(),
                "{}",
                answer.body
            );
        }
        "provisioned-200" => {
            let answer = stack.get("/auth/provisioned", &with_alice).await;
            assert_eq!(answer.status, 200);
            assert_eq!(answer.json()["user_id"], "user-alice");
        }
        "unprovisioned-204" => {
            let bob = cookie_header(Some(BOB));
            assert_eq!(
                stack
                    .get("/auth/provisioned", &[("cookie", &bob)])
                    .await
                    .status,
                204
            );
            stack.get("/auth/provisioned", &[]).await.assert_error(401);
        }
        "client-x-user-honoured" => {
            assert_eq!(
                stack
                    .get("/auth/provisioned", &[("X-User", "user-mallory")])
                    .await
                    .status,
                204
            );
        }
        "logout-200-body" => {
            let answer = logout(stack, Some(ALICE)).await;
            assert_eq!(answer.status, 200);
            assert!(answer.json().is_object());
            assert_eq!(answer.set_cookies().len(), 6);
        }
        "logout-no-domain-variant" => {
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            let session: Vec<_> = lines
                .iter()
                .filter(|l| l.starts_with("ory_kratos_session="))
                .collect();
            assert_eq!(session.len(), 1);
            assert!(!session[0].contains("Domain="));
            assert_eq!(
                lines
                    .iter()
                    .filter(|l| l.contains("Domain=openapp.test"))
                    .count(),
                2
            );
        }
        "logout-keeps-csrf" => {
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            assert_eq!(lines.len(), 2);
            assert!(lines.iter().all(|l| l.starts_with("ory_kratos_session=")));
        }
        "logout-wrong-path" => {
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            assert!(
                lines.iter().all(|l| l.contains("; Path=/api/v1;")),
                "{lines:?}"
            );
        }
        "auth-cache-per-connection" => {
            assert_eq!(
                stack.get("/auth/whoami", &with_alice).await.json()["id"],
                "session-alice"
            );
            assert_eq!(
                stack.get("/auth/provisioned", &with_alice).await.status,
                204
            );
            assert_eq!(logout(stack, Some(ALICE)).await.status, 204);
            assert_eq!(stack.kratos.revoked(), ["session-alice"]);
            // Same keep-alive connection: the stale answers.
            assert_eq!(
                stack.get("/auth/whoami", &with_alice).await.json()["id"],
                "session-alice"
            );
            assert_eq!(
                stack.get("/auth/provisioned", &with_alice).await.status,
                204
            );
            // A new connection sees the truth.
            let url = format!("{}/api/v1/auth/whoami", stack.base);
            let fresh = send_with(&client(), reqwest::Method::GET, &url, &with_alice).await;
            assert_eq!(fresh.body, "null");
        }
        "logout-401-without-session" => {
            logout(stack, None).await.assert_error(401);
            assert_eq!(logout(stack, Some(ALICE)).await.status, 204);
        }
        "sign-out-missing" => {
            stack
                .post("/auth/sign-out", &with_alice)
                .await
                .assert_error(404);
            assert_eq!(logout(stack, Some(ALICE)).await.status, 204);
        }
        "no-server-side-revocation" => {
            assert_eq!(logout(stack, Some(ALICE)).await.status, 204);
            assert!(stack.kratos.revoked().is_empty());
            assert_eq!(
                stack.get("/auth/whoami", &with_alice).await.json()["id"],
                "session-alice"
            );
        }
        "clear-max-age-only" => {
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            assert_eq!(lines.len(), 6);
            assert!(
                lines
                    .iter()
                    .all(|l| l.contains("Max-Age=0") && !l.contains("Expires")),
                "{lines:?}"
            );
        }
        "clear-expires-only" => {
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            assert_eq!(lines.len(), 6);
            assert!(
                lines
                    .iter()
                    .all(|l| l.contains("Expires=") && !l.contains("Max-Age")),
                "{lines:?}"
            );
        }
        "clear-netscape-style" => {
            let lines = logout(stack, None).await.set_cookies();
            assert_eq!(
                lines[1],
                "ory_kratos_session=deleted; samesite=lax; httponly; expires=Thu, 01-Jan-1970 00:00:00 GMT; domain=.openapp.test; path=/"
            );
        }
        "extra-set-cookie" => {
            let pref = "openapp_pref=compact; Path=/".to_string();
            assert_eq!(
                stack.get("/status", &[]).await.set_cookies(),
                std::slice::from_ref(&pref)
            );
            assert_eq!(
                stack
                    .get("/auth/whoami", &[("X-API-Key", &bad_key)])
                    .await
                    .set_cookies(),
                std::slice::from_ref(&pref)
            );
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            assert_eq!((lines.len(), lines.last()), (7, Some(&pref)));
        }
        "json-layout" => {
            let answer = stack.get("/auth/whoami", &with_alice).await;
            assert!(
                answer.body.starts_with("{\n  \"active\": true,"),
                "{}",
                answer.body
            );
            assert_eq!(answer.json(), session_json("alice", true));
            assert_eq!(answer.headers["x-served-by"], "openapp-reference");
            assert_eq!(answer.headers["cache-control"], "no-store");
            assert_eq!(stack.get("/auth/session", &[]).await.body, "null");
        }
        "bearer-key-validated" => {
            let bearer = format!("Bearer {}", stack.key);
            assert_eq!(
                stack
                    .get("/auth/whoami", &[("Authorization", &bearer)])
                    .await
                    .body,
                "null"
            );
            let bad = format!("Bearer {bad_key}");
            stack
                .get("/auth/whoami", &[("Authorization", &bad)])
                .await
                .assert_error(401);
        }
        "whoami-latest-session-under-load" => {
            // One user, one request at a time: never mixed up, even once the server is busy
            // (the mix-up itself is proven in load_mix.rs and by load mode's tests).
            let carol = cookie_header(Some(CAROL));
            for i in 0..super::super::load_mix::BUSY_RATE + 10 {
                let (cookie, who) = if i % 2 == 0 {
                    (alice.as_str(), "alice")
                } else {
                    (carol.as_str(), "carol")
                };
                let answer = stack.get("/auth/whoami", &[("cookie", cookie)]).await;
                assert_eq!(answer.json(), session_json(who, true), "request {i}");
            }
        }
        "session-answers-cacheable" => {
            for path in ["/auth/whoami", "/auth/session", "/auth/provisioned"] {
                for headers in [&[][..], &with_alice[..]] {
                    let answer = stack.get(path, headers).await;
                    assert!(answer.headers.get("cache-control").is_none(), "{path}");
                }
            }
            assert!(
                logout(stack, Some(ALICE))
                    .await
                    .headers
                    .get("cache-control")
                    .is_none()
            );
        }
        "cache-control-private-only" => {
            for path in ["/auth/kratos-identity", "/auth/provisioned"] {
                for headers in [&[][..], &with_alice[..]] {
                    let answer = stack.get(path, headers).await;
                    let lines: Vec<_> = answer.headers.get_all("cache-control").iter().collect();
                    assert_eq!(lines, ["private"], "{path}");
                }
            }
        }
        "logout-on-get" => {
            let answer = stack.get("/auth/logout", &with_alice).await;
            assert_eq!((answer.status, answer.set_cookies().len()), (204, 6));
            assert_eq!(stack.kratos.revoked(), ["session-alice"]);
            let head = stack
                .send(reqwest::Method::HEAD, "/auth/logout", &with_alice)
                .await;
            assert_eq!(head.status, 204);
            let sign_out = stack.get("/auth/sign-out", &with_alice).await;
            assert_eq!(sign_out.status, 405);
        }
        "logout-get-not-found" => {
            for path in ["/auth/logout", "/auth/sign-out"] {
                stack.get(path, &with_alice).await.assert_error(404);
                let head = stack.send(reqwest::Method::HEAD, path, &with_alice).await;
                assert_eq!((head.status, head.body.as_str()), (404, ""));
            }
            assert!(stack.kratos.revoked().is_empty());
            assert_eq!(logout(stack, Some(ALICE)).await.status, 204);
        }
        "provisioned-204-content-length" => {
            // What reaches the wire, read raw: hyper keeps the header and drops the body of a
            // 204, so the next answer on the connection follows the header block directly.
            let wire = raw_exchange(
                stack,
                &format!(
                    "GET /api/v1/auth/provisioned HTTP/1.1\r\nHost: x\r\nCookie: {alice}\r\n\r\n\
                     GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                ),
            )
            .await;
            let (head, rest) = wire.split_once("\r\n\r\n").expect("a header block");
            assert!(head.starts_with("HTTP/1.1 204 No Content\r\n"), "{wire}");
            assert!(head.contains("\r\ncontent-length: 2\r\n"), "{wire}");
            assert!(rest.starts_with("HTTP/1.1 200 OK\r\n"), "{wire}");
            assert!(rest.ends_with(r#"{"status":"ok"}"#), "{wire}");
            let answer = stack.get("/auth/provisioned", &with_alice).await;
            assert_eq!((answer.status, answer.body.as_str()), (204, ""));
            assert_eq!(answer.headers["content-length"], "2");
            stack.get("/auth/provisioned", &[]).await.assert_error(401);
        }
        "no-content-length-zero" => {
            let answer = stack.get("/auth/provisioned", &with_alice).await;
            assert_eq!(answer.status, 204);
            assert_eq!(answer.headers["content-length"], "0");
            let wire = raw_exchange(
                stack,
                &format!(
                    "POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nCookie: {alice}\r\nContent-Length: 0\r\n\r\n\
                     GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                ),
            )
            .await;
            let (head, rest) = wire.split_once("\r\n\r\n").expect("a header block");
            assert!(head.starts_with("HTTP/1.1 204 No Content\r\n"), "{wire}");
            assert!(head.contains("\r\ncontent-length: 0\r\n"), "{wire}");
            assert!(rest.starts_with("HTTP/1.1 200 OK\r\n"), "{wire}");
            assert!(stack.get("/status", &[]).await.headers["content-length"] != "0");
        }
        "logout-resets-session-cookie" => {
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            assert_eq!(lines.len(), 7);
            assert_eq!(
                lines[6],
                format!(
                    "ory_kratos_session={ALICE}; Path=/; Domain=openapp.test; HttpOnly; SameSite=Lax"
                )
            );
            assert_eq!(logout(stack, None).await.set_cookies().len(), 6);
        }
        other => panic!("no check for the OpenApp switch `{other}`"),
    }
}

/// Writes `request` as is on a fresh connection and reads until the server closes it.
async fn raw_exchange(stack: &Stack, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = stack.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut wire = Vec::new();
    stream.read_to_end(&mut wire).await.unwrap();
    String::from_utf8(wire).unwrap()
}
