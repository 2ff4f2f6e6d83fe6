//! The OpenApp faults explore mode found first (`scenarios/core/x01_…` and `x02_…` catch them
//! now): each shows its wrong
//! answer with the switch on, and the conforming server answers the same requests correctly.

use super::*;

/// The session clearing lines (host-only and `Domain=`) and those of both CSRF cookies.
const ALL_LINES: usize = 6;

/// `POST {path}` with the jar of `cookie_header(session)` (both CSRF cookies).
async fn end(stack: &Stack, path: &str, session: Option<&str>) -> Answer {
    stack
        .post(path, &[("cookie", &cookie_header(session))])
        .await
}

/// The names the `Set-Cookie` lines of `answer` expire, one per line.
fn names(answer: &Answer) -> Vec<String> {
    answer
        .set_cookies()
        .iter()
        .map(|l| l.split('=').next().unwrap_or_default().to_string())
        .collect()
}

/// The check of [`super::switches`] for an explore-only fault; false for any other name.
pub(super) async fn check(name: &str, stack: &Stack) -> bool {
    match name {
        "sign-out-after-revocation-401" => sign_out_after_revocation(stack, true).await,
        "logout-without-session-keeps-csrf" => logout_without_session(stack, true).await,
        _ => return false,
    }
    true
}

/// An admin revokes alice's session; then her browser signs out with the dead cookie.
async fn sign_out_after_revocation(stack: &Stack, faulty: bool) {
    stack.kratos.revoke("session-alice");
    let sign_out = end(stack, "/auth/sign-out", Some(ALICE)).await;
    if faulty {
        sign_out.assert_error(401);
        assert!(sign_out.set_cookies().is_empty(), "{sign_out:?}");
    } else {
        assert_eq!((sign_out.status, sign_out.body.as_str()), (204, ""));
        assert_eq!(sign_out.set_cookies().len(), ALL_LINES, "{sign_out:?}");
    }
    // Logout with the same dead cookie, sign-out without one and with a live one: correct.
    let logout = end(stack, "/auth/logout", Some(ALICE)).await;
    assert_eq!(
        (logout.status, logout.set_cookies().len()),
        (204, ALL_LINES)
    );
    for session in [None, Some(CAROL)] {
        let answer = end(stack, "/auth/sign-out", session).await;
        assert_eq!(
            (answer.status, answer.set_cookies().len()),
            (204, ALL_LINES),
            "{session:?}"
        );
    }
    assert_eq!(stack.kratos.revoked(), ["session-alice", "session-carol"]);
}

/// Logout and sign-out without a live session (no cookie, a revoked one), then with one.
async fn logout_without_session(stack: &Stack, faulty: bool) {
    stack.kratos.revoke("session-alice");
    let session_only = ["ory_kratos_session", "ory_kratos_session"];
    for path in ["/auth/logout", "/auth/sign-out"] {
        for session in [None, Some(ALICE)] {
            let answer = end(stack, path, session).await;
            assert_eq!((answer.status, answer.body.as_str()), (204, ""));
            if faulty {
                assert_eq!(names(&answer), session_only, "{path} {session:?}");
            } else {
                assert_eq!(names(&answer).len(), ALL_LINES, "{path} {session:?}");
            }
        }
    }
    for (path, live) in [("/auth/logout", BOB), ("/auth/sign-out", CAROL)] {
        let answer = end(stack, path, Some(live)).await;
        assert_eq!(
            names(&answer),
            [
                "ory_kratos_session",
                "ory_kratos_session",
                CSRF_A,
                CSRF_A,
                CSRF_B,
                CSRF_B
            ],
            "{path}"
        );
    }
    assert_eq!(
        stack.kratos.revoked(),
        ["session-alice", "session-bob", "session-carol"]
    );
}

#[tokio::test]
async fn the_conforming_server_answers_the_same_requests_correctly() {
    sign_out_after_revocation(&Stack::start("").await, false).await;
    logout_without_session(&Stack::start("").await, false).await;
}
