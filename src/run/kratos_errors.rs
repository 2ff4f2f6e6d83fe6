//! How the Kratos driver explains a Kratos answer that is not a success: the step, the
//! status, Kratos's error id or message ids, its reason, and what the user can do. It reads
//! ids and structure; texts are quoted, never relied on (they differ between Kratos lines),
//! and no token is ever quoted.

use serde_json::Value;

use super::result::Response;

/// Explains a non-success Kratos answer: the step, the status, Kratos's error id (or message
/// ids) and reason, and what the user can do. Reads ids and structure, never relies on a
/// message text being there (texts differ between Kratos lines); no token is ever quoted.
pub fn explain_kratos_error(what: &str, resp: &Response) -> String {
    let body = resp.json().unwrap_or(Value::Null);
    let text = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or("");
    if resp.status >= 500 {
        let id = text("/error/id");
        let msg = [text("/error/reason"), text("/error/message")]
            .into_iter()
            .find(|m| !m.is_empty())
            .unwrap_or("no message");
        let id = if id.is_empty() {
            String::new()
        } else {
            format!(" error `{id}`")
        };
        return format!(
            "{what}: Kratos answered {}{id} ({msg}), a server error of Kratos itself\n(hint: check the Kratos logs; with DSN=memory parallel trials can hit \"database table is locked\", use a file SQLite database)",
            resp.status
        );
    }
    if body.get("error").is_some_and(Value::is_object) {
        return explain_error_object(what, resp.status, &body);
    }
    if let Some(messages) = body.pointer("/ui/messages").and_then(Value::as_array)
        && !messages.is_empty()
    {
        let parts: Vec<String> = messages.iter().map(explain_ui_message).collect();
        return format!(
            "{what}: Kratos answered {} with {}",
            resp.status,
            parts.join("; ")
        );
    }
    let hint = match resp.status {
        404 => "the path does not exist on this Kratos: check the Kratos public and admin URLs",
        _ => {
            "the answer has neither an `error` object nor `ui.messages`: check that the URL points at Kratos and not at a proxy"
        }
    };
    format!(
        "{what}: Kratos answered {} unexpectedly\n(hint: {hint})",
        resp.status
    )
}

/// Explains an `{"error": {...}}` answer (herodot's error envelope).
fn explain_error_object(what: &str, status: u16, body: &Value) -> String {
    let text = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or("");
    let id = text("/error/id");
    let reason = [text("/error/reason"), text("/error/message")]
        .into_iter()
        .find(|m| !m.is_empty())
        .unwrap_or("no reason given");
    // The CSRF error's specific reason sits in `details` (v1.3.1: `reject_reason`; newer
    // lines: also `hint`).
    let detail = [
        text("/error/details/reject_reason"),
        text("/error/details/hint"),
    ]
    .into_iter()
    .find(|d| !d.is_empty())
    .map(|d| format!(" ({d})"))
    .unwrap_or_default();
    let hint = match id {
        "session_already_available" => {
            "the client already holds a session: log out first, or use a fresh client"
        }
        "security_csrf_violation" => {
            "the CSRF cookie and the flow's csrf_token did not match: check the cookie domain and that the jar sends the csrf_token_* cookie to Kratos"
        }
        "self_service_flow_expired" => {
            if body.get("use_flow_id").is_some_and(Value::is_string) {
                "the flow expired and Kratos offers a replacement (`use_flow_id`): restart with it, raise the login flow lifespan, or run faster"
            } else {
                "the flow expired: start a new flow (`details.redirect_to`), raise the login flow lifespan, or run faster"
            }
        }
        "self_service_flow_return_to_forbidden" => {
            "add the return URL to selfservice.allowed_return_urls"
        }
        "session_inactive" | "session_not_found" => {
            "the session is missing, expired or revoked: log in again"
        }
        "" => match status {
            401 => "no valid session or token was sent: log in first",
            403 => {
                "Kratos refused the token or credential that was sent: it is unknown, revoked or malformed"
            }
            404 => {
                "the flow or resource does not exist (wrong id, or it belongs to another Kratos)"
            }
            _ => "the request was malformed: check what this step sends (content type, body)",
        },
        _ => "see the Kratos error id in the Ory documentation",
    };
    let id = if id.is_empty() {
        "an error without an id".to_string()
    } else {
        format!("error `{id}`")
    };
    format!("{what}: Kratos answered {status} with {id}: {reason}{detail}\n(hint: {hint})")
}

/// One `ui.messages` entry: its id, text and what to do.
fn explain_ui_message(m: &Value) -> String {
    let id = m.get("id").map(Value::to_string).unwrap_or_default();
    let text = m.get("text").and_then(Value::as_str).unwrap_or("");
    let hint = match m.get("id").and_then(Value::as_i64) {
        Some(4000006) => {
            "wrong identifier or password: check the test identity's credentials".to_string()
        }
        // 4000001 is Kratos's generic id (decoder errors, API flows sent with cookies, and
        // an existing session); the text says which.
        Some(4000001) if text.to_ascii_lowercase().contains("session") => {
            "Kratos says a session already exists for this client: log out first, or use a fresh client".to_string()
        }
        Some(4000001) => "Kratos refused the request; the text says why".to_string(),
        Some(4010001) | Some(4010002) => {
            "the flow expired: start a new one, or raise the flow lifespan".to_string()
        }
        Some(id) if id >= 4_000_000 => {
            format!("a validation error (see message id {id} in Ory's message catalogue)")
        }
        _ => "see the message id in Ory's message catalogue".to_string(),
    };
    format!("message {id}: {text} (hint: {hint})")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn resp(status: u16, body: Value) -> Response {
        Response {
            status,
            headers: vec![],
            set_cookies: vec![],
            rejected_cookies: vec![],
            body: body.to_string().into_bytes(),
        }
    }

    #[test]
    fn kratos_errors_are_explained() {
        let e = explain_kratos_error(
            "login",
            &resp(
                403,
                json!({"error": {"id": "security_csrf_violation", "reason": "r"}}),
            ),
        );
        assert!(e.contains("security_csrf_violation") && e.contains("hint"));
        let e = explain_kratos_error(
            "login",
            &resp(
                400,
                json!({"ui": {"messages": [{"id": 4000006, "text": "bad"}]}}),
            ),
        );
        assert!(e.contains("4000006") && e.contains("wrong identifier or password"));
        let e = explain_kratos_error(
            "login",
            &resp(
                500,
                json!({"error": {"message": "database table is locked"}}),
            ),
        );
        assert!(e.contains("server error of Kratos"));
    }

    #[test]
    fn every_branch_names_the_step_and_gives_a_hint() {
        let cases = [
            (
                403,
                json!({"error": {"code": 403, "reason": "token unknown"}}),
                "without an id",
            ),
            (
                403,
                json!({"error": {"id": "security_csrf_violation", "reason": "generic", "details": {"reject_reason": "The CSRF tokens do not match."}}}),
                "The CSRF tokens do not match.",
            ),
            (
                400,
                json!({"ui": {"messages": [{"id": 4000001, "text": "A valid session was detected"}]}}),
                "session already exists",
            ),
            (
                400,
                json!({"ui": {"messages": [{"id": 4000001, "text": "Content-Type not supported"}]}}),
                "the text says why",
            ),
            (
                410,
                json!({"error": {"id": "self_service_flow_expired"}, "use_flow_id": "f"}),
                "use_flow_id",
            ),
            (404, json!(null), "Kratos public and admin URLs"),
            (502, json!(null), "server error of Kratos"),
        ];
        for (status, body, expected) in cases {
            let e = explain_kratos_error("login: submit", &resp(status, body));
            assert!(e.starts_with("login: submit: Kratos answered"), "{e}");
            assert!(e.contains(&status.to_string()) && e.contains("hint"), "{e}");
            assert!(e.contains(expected), "{expected}: {e}");
        }
    }
}
