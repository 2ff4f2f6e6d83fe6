//! Every OpenApp switch of the registry, each on its own stack, changes exactly the
//! behaviour its description names; every benign one still does when all benign switches are
//! on at once. A switch without a check here fails the test.

use crate::cookie::{is_extra_clearing, parse_set_cookie};
use crate::switches::{Component, SWITCHES, SwitchKind, all_at_once, find};

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

/// All benign switches at once (each clearing style in turn, see [`all_at_once`]): each
/// OpenApp one, on a fresh stack of the whole mix, still does what its check says.
#[tokio::test]
async fn every_benign_switch_works_in_the_mix_of_all() {
    let mixes = all_at_once(SwitchKind::Benign);
    assert!(mixes.len() >= 3, "{mixes:?}");
    for mix in mixes {
        let list = mix.join(",");
        let openapp = mix
            .iter()
            .filter(|n| find(n).is_some_and(|s| s.component == Component::OpenApp));
        for name in openapp {
            let stack = Stack::start(&list).await;
            check(name, &stack).await;
        }
    }
}

/// The lines of a logout that clear the contract's cookies where the contract has them
/// (Path=/, host-only or Domain=openapp.test): neither extra clearing lines nor other cookies.
fn contract_clearing(lines: &[String]) -> Vec<&String> {
    lines
        .iter()
        .filter(|l| {
            parse_set_cookie(l).is_ok_and(|c| {
                (c.name == SESSION || c.name.starts_with("csrf_token_"))
                    && c.is_clearing(0)
                    && !is_extra_clearing(&c, Some("openapp.test"), 0)
            })
        })
        .collect()
}

/// Every clearing line (`Max-Age` ≤ 0 or a past `Expires`), extra ones included.
fn clearing(lines: &[String]) -> Vec<&String> {
    lines
        .iter()
        .filter(|l| parse_set_cookie(l).is_ok_and(|c| c.is_clearing(0)))
        .collect()
}

const SESSION: &str = "ory_kratos_session";

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
            assert_eq!(contract_clearing(&lines).len(), 6, "{lines:?}");
            assert!(
                clearing(&lines)
                    .iter()
                    .all(|l| l.contains("Max-Age=0") && !l.contains("Expires")),
                "{lines:?}"
            );
        }
        "clear-expires-only" => {
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            assert_eq!(contract_clearing(&lines).len(), 6, "{lines:?}");
            assert!(
                clearing(&lines)
                    .iter()
                    .all(|l| l.contains("Expires=") && !l.contains("Max-Age")),
                "{lines:?}"
            );
        }
        "clear-netscape-style" => {
            let lines = logout(stack, None).await.set_cookies();
            let domain_line = "ory_kratos_session=deleted; samesite=lax; httponly; expires=Thu, 01-Jan-1970 00:00:00 GMT; domain=.openapp.test; path=/".to_string();
            assert_eq!(
                contract_clearing(&lines)[..2],
                [&"ory_kratos_session=deleted; samesite=lax; httponly; expires=Thu, 01-Jan-1970 00:00:00 GMT; path=/".to_string(), &domain_line],
                "{lines:?}"
            );
            assert!(
                clearing(&lines)
                    .iter()
                    .all(|l| l
                        .contains("=deleted; samesite=lax; httponly; expires=Thu, 01-Jan-1970")),
                "{lines:?}"
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
            assert_eq!(contract_clearing(&lines).len(), 6, "{lines:?}");
            assert_eq!(lines.last(), Some(&pref));
        }
        "json-layout" => {
            let answer = stack.get("/auth/whoami", &with_alice).await;
            assert!(
                answer.body.starts_with("{\n  \"active\": true,"),
                "{}",
                answer.body
            );
            let json = answer.json();
            assert_eq!(json["id"], "session-alice");
            assert_eq!(json["identity"], {
                let mut identity = session_json("alice", true)["identity"].clone();
                if let (Some(extra), Some(map)) = (
                    json["identity"].get("x_openapp_note"),
                    identity.as_object_mut(),
                ) {
                    // With `extra-json-fields` also on (the mix of all benign switches).
                    map.insert("x_openapp_note".into(), extra.clone());
                }
                identity
            });
            let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
            let mut sorted_keys = keys.clone();
            sorted_keys.sort();
            assert_eq!(keys, sorted_keys);
            assert_eq!(answer.headers["x-served-by"], "openapp-reference");
            let cache: Vec<_> = answer.headers.get_all("cache-control").iter().collect();
            assert!(cache.iter().any(|v| *v == "no-store"), "{cache:?}");
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
        "logout-extra-clearing-lines" => {
            let lines = logout(stack, Some(ALICE)).await.set_cookies();
            assert_eq!(contract_clearing(&lines).len(), 6, "{lines:?}");
            let extra: Vec<String> = lines
                .iter()
                .filter_map(|l| parse_set_cookie(l).ok())
                .filter(|c| is_extra_clearing(c, Some("openapp.test"), 0))
                .map(|c| format!("{} {:?} {:?}", c.name, c.path, c.domain))
                .collect();
            assert_eq!(
                extra,
                [
                    r#"openapp_pref Some("/") None"#.to_string(),
                    r#"ory_kratos_session Some("/api") None"#.into(),
                    r#"ory_kratos_session Some("/") Some("127.0.0.1")"#.into(),
                    format!(r#"{CSRF_A} Some("/api") None"#),
                    format!(r#"{CSRF_B} Some("/api") None"#),
                ],
                "{lines:?}"
            );
            // The extra lines come first, so a check reading the first line of a name sees them.
            assert!(lines[0].starts_with("openapp_pref="), "{lines:?}");
        }
        "extra-headers" => {
            let first = stack.get("/auth/whoami", &with_alice).await;
            let second = stack.get("/auth/whoami", &[]).await;
            let id = |a: &Answer| a.headers["x-request-id"].to_str().unwrap().to_string();
            assert_eq!(id(&first).len(), 36);
            assert_ne!(id(&first), id(&second));
            let cache: Vec<_> = second.headers.get_all("cache-control").iter().collect();
            assert!(
                cache.iter().filter(|v| **v == "no-store").count() >= 2,
                "{cache:?}"
            );
            assert_eq!(second.body, "null");
            let answer = logout(stack, Some(ALICE)).await;
            assert_eq!(answer.headers["clear-site-data"], "\"cookies\"");
            assert_eq!(contract_clearing(&answer.set_cookies()).len(), 6);
            assert!(first.headers.get("clear-site-data").is_none());
        }
        "extra-json-fields" => {
            let answer = stack.get("/auth/whoami", &with_alice).await;
            let json = answer.json();
            assert_eq!(json["id"], "session-alice");
            assert_eq!(json["identity"]["id"], "identity-alice");
            assert_eq!(json["x_openapp"]["api_version"], "v1");
            assert_eq!(json["identity"]["x_openapp_note"], "reference");
            if !answer.body.starts_with("{\n") {
                // Compact (not json-layout's sorted pretty form): keys reversed.
                assert!(
                    answer.body.starts_with(r#"{"x_openapp":"#),
                    "{}",
                    answer.body
                );
            }
            let error = stack.get("/auth/provisioned", &[]).await;
            error.assert_error(401);
            let body = error.json();
            assert_eq!(
                body["request_id"].as_str().map(str::len),
                Some(36),
                "{body}"
            );
            assert!(error.body.starts_with(r#"{"details":"#), "{}", error.body);
            stack
                .get("/auth/whoami", &[("X-API-Key", &bad_key)])
                .await
                .assert_error(401);
            assert_eq!(stack.get("/auth/session", &[]).await.body, "null");
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
                    // Other switches of a mix may append lines; the answer's own line comes first.
                    let lines: Vec<_> = answer.headers.get_all("cache-control").iter().collect();
                    assert!(
                        lines.first().is_some_and(|v| *v == "private"),
                        "{path}: {lines:?}"
                    );
                    assert!(
                        !lines
                            .iter()
                            .any(|v| v.to_str().is_ok_and(|v| v.contains("must-revalidate"))),
                        "{path}: {lines:?}"
                    );
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
        "api-key-hides-cookie" => {
            let keyed = [
                ("x-api-key", stack.key.as_str()),
                ("cookie", alice.as_str()),
            ];
            assert_eq!(stack.get("/auth/whoami", &keyed).await.body, "null");
            assert_eq!(stack.get("/auth/provisioned", &keyed).await.status, 401);
            assert_eq!(stack.post("/auth/logout", &keyed).await.status, 204);
            assert!(stack.kratos.revoked().is_empty(), "the session stays alive");
            // Without the key the same cookie is alice.
            assert_eq!(
                stack.get("/auth/whoami", &with_alice).await.json()["id"],
                "session-alice"
            );
        }
        "key-answers-with-bom" => {
            // On the wire (an HTTP client's text decoding may drop the mark).
            let wire = raw_exchange(
                stack,
                &format!(
                    "GET /api/v1/auth/whoami HTTP/1.1\r\nHost: x\r\nX-API-Key: {}\r\n\
                     Connection: close\r\n\r\n",
                    stack.key
                ),
            )
            .await;
            let body = wire.split("\r\n\r\n").nth(1).unwrap_or_default();
            assert_eq!(body, "\u{feff}null", "{wire}");
            assert!(serde_json::from_str::<Value>(body).is_err());
            // A browser's request (no key) is plain JSON.
            assert_eq!(
                stack.get("/auth/whoami", &with_alice).await.json()["id"],
                "session-alice"
            );
        }
        "session-cache-ttl" => {
            use crate::embedded::openapp::session_cache::SESSION_CACHE_TTL;
            let whoami_id =
                || async { stack.get("/auth/whoami", &with_alice).await.json()["id"].clone() };
            assert_eq!(whoami_id().await, "session-alice");
            let calls = stack.kratos.whoami_calls();
            assert_eq!(logout(stack, Some(ALICE)).await.status, 204);
            assert_eq!(stack.kratos.revoked(), ["session-alice"]);
            // Revoked at Kratos, yet the gateway answers from its cache without asking.
            assert_eq!(whoami_id().await, "session-alice");
            assert_eq!(stack.kratos.whoami_calls(), calls);
            tokio::time::sleep(SESSION_CACHE_TTL + std::time::Duration::from_millis(50)).await;
            assert_eq!(stack.get("/auth/whoami", &with_alice).await.body, "null");
            assert_eq!(stack.kratos.whoami_calls(), calls + 1);
        }
        other => assert!(
            super::explore_faults::check(other, stack).await,
            "no check for the OpenApp switch `{other}`"
        ),
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
