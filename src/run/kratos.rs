//! The Kratos driver: self-service login (browser flow as a JSON client, API flow), logout,
//! and identity creation through the admin API. It reads only what Kratos documents (flow ids,
//! the `csrf_token` node by name, error ids), never node order or message texts, so it copes
//! with Kratos v1.3.1 and newer lines alike.

use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use super::client::{BrowserClient, Outgoing};
use super::result::{Exchange, Response};
use crate::redact::Secrets;

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The session object Kratos returned.
    pub session: Value,
    /// The session token (API flow, or a `set_ory_session_token` action).
    pub session_token: Option<String>,
    /// What the `continue_with` actions asked for, in words.
    pub notes: Vec<String>,
}

fn join(base: &Url, path: &str) -> Url {
    let s = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    Url::parse(&s).unwrap_or_else(|_| base.clone())
}

/// Sends and records; gives the response or the transport error as a driver error.
async fn exchange(
    client: &BrowserClient,
    out: Outgoing,
    log: &mut Vec<Exchange>,
) -> Result<Response, String> {
    let ex = client.send(out).await;
    let result = ex.response.clone();
    log.push(ex);
    result
}

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

/// The `value` of the `ui.nodes` input whose `attributes.name` is `name`, wherever it stands.
pub fn ui_node_value<'a>(flow: &'a Value, name: &str) -> Option<&'a Value> {
    flow.pointer("/ui/nodes")?
        .as_array()?
        .iter()
        .find(|n| n.pointer("/attributes/name").and_then(Value::as_str) == Some(name))?
        .pointer("/attributes/value")
}

/// Interprets `continue_with` (null, absent or a list of actions).
pub fn interpret_continue_with(body: &Value, secrets: &Secrets) -> (Option<String>, Vec<String>) {
    let mut token = None;
    let mut notes = Vec::new();
    for item in body
        .get("continue_with")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let action = item.get("action").and_then(Value::as_str).unwrap_or("");
        match action {
            "set_ory_session_token" => {
                if let Some(t) = item.get("ory_session_token").and_then(Value::as_str) {
                    secrets.add("session-token", t);
                    token = Some(t.to_string());
                    notes.push(
                        "continue_with: set_ory_session_token (token kept for this client)".into(),
                    );
                }
            }
            "redirect_browser_to" => {
                let to = item
                    .get("redirect_browser_to")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                notes.push(format!(
                    "continue_with: redirect_browser_to {to} (recorded, not followed)"
                ));
            }
            "show_verification_ui" => {
                let flow = item
                    .pointer("/flow/id")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                notes.push(format!(
                    "continue_with: identity needs verification (verification flow {flow})"
                ));
            }
            "show_settings_ui" | "show_recovery_ui" => {
                let flow = item
                    .pointer("/flow/id")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                notes.push(format!("continue_with: {action} (flow {flow}, recorded)"));
            }
            other => notes.push(format!("continue_with: unknown action `{other}` (ignored)")),
        }
    }
    (token, notes)
}

/// Logs in through the browser flow as a JSON client, with the client's jar.
pub async fn login_browser(
    client: &BrowserClient,
    public: &Url,
    identifier: &str,
    password: &str,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
) -> Result<LoginOutcome, String> {
    login(client, public, identifier, password, secrets, log, true).await
}

/// Logs in through the API (native) flow, sending no cookies.
pub async fn login_api(
    client: &BrowserClient,
    public: &Url,
    identifier: &str,
    password: &str,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
) -> Result<LoginOutcome, String> {
    login(client, public, identifier, password, secrets, log, false).await
}

async fn login(
    client: &BrowserClient,
    public: &Url,
    identifier: &str,
    password: &str,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
    browser: bool,
) -> Result<LoginOutcome, String> {
    let kind = if browser { "browser" } else { "api" };
    let init_url = join(public, &format!("/self-service/login/{kind}"));
    let mut init = Outgoing::get(format!("login: init {kind} flow"), init_url);
    init.with_jar = browser;
    let resp = exchange(client, init, log)
        .await
        .map_err(|e| format!("login: init {kind} flow: {e}"))?;
    if resp.status != 200 {
        return Err(explain_kratos_error(
            &format!("login: init {kind} flow"),
            &resp,
        ));
    }
    let mut flow = resp
        .json()
        .ok_or("login: the flow init answered 200 without a JSON flow")?;
    for restarted in [false, true] {
        let submit = submit_flow(
            client, public, &flow, identifier, password, secrets, log, browser,
        )
        .await?;
        if submit.status == 410 && !restarted {
            let Some(new_id) = submit.json().and_then(|b| {
                b.get("use_flow_id")
                    .and_then(Value::as_str)
                    .map(String::from)
            }) else {
                return Err(explain_kratos_error("login: submit", &submit));
            };
            let mut get = Outgoing::get(
                "login: fetch the replacement flow (use_flow_id)",
                join(public, &format!("/self-service/login/flows?id={new_id}")),
            );
            get.with_jar = browser;
            let resp = exchange(client, get, log)
                .await
                .map_err(|e| format!("login: fetch replacement flow: {e}"))?;
            if resp.status != 200 {
                return Err(explain_kratos_error(
                    "login: fetch the replacement flow",
                    &resp,
                ));
            }
            flow = resp
                .json()
                .ok_or("login: the replacement flow is not JSON")?;
            continue;
        }
        if submit.status != 200 {
            return Err(explain_kratos_error("login: submit", &submit));
        }
        let body = submit
            .json()
            .ok_or("login: the submit answered 200 without JSON")?;
        let session = body
            .get("session")
            .cloned()
            .ok_or("login: the submit answer has no `session`")?;
        let (cw_token, notes) = interpret_continue_with(&body, secrets);
        let token = body
            .get("session_token")
            .and_then(Value::as_str)
            .map(String::from)
            .or(cw_token);
        if let Some(t) = &token {
            secrets.add("session-token", t);
        }
        if !browser && token.is_none() {
            return Err("login: the API flow answered without a session_token (neither `session_token` nor a set_ory_session_token action)".into());
        }
        return Ok(LoginOutcome {
            session,
            session_token: token,
            notes,
        });
    }
    Err("login: the flow expired twice in a row\n(hint: raise the login flow lifespan)".into())
}

#[allow(clippy::too_many_arguments)]
async fn submit_flow(
    client: &BrowserClient,
    public: &Url,
    flow: &Value,
    identifier: &str,
    password: &str,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
    browser: bool,
) -> Result<Response, String> {
    let id = flow
        .get("id")
        .and_then(Value::as_str)
        .ok_or("login: the flow has no `id`")?;
    let action = flow
        .pointer("/ui/action")
        .and_then(Value::as_str)
        .and_then(|a| Url::parse(a).ok())
        .unwrap_or_else(|| join(public, &format!("/self-service/login?flow={id}")));
    let mut body = json!({ "identifier": identifier, "password": password, "method": "password" });
    if browser {
        let csrf = ui_node_value(flow, "csrf_token")
            .and_then(Value::as_str)
            .ok_or("login: the browser flow has no csrf_token node in ui.nodes (K1)")?;
        secrets.add("csrf-token", csrf);
        body["csrf_token"] = Value::String(csrf.to_string());
    }
    let mut out = Outgoing::get("login: submit credentials", action).json(Method::POST, &body);
    out.with_jar = browser;
    exchange(client, out, log)
        .await
        .map_err(|e| format!("login: submit: {e}"))
}

/// Logs out through Kratos: the browser logout URL with the jar, or the API logout with the
/// client's session token.
pub async fn logout(
    client: &BrowserClient,
    public: &Url,
    browser: bool,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
) -> Result<(), String> {
    if !browser {
        let token = client
            .session_token
            .as_deref()
            .ok_or("logout: this client has no session token (log in with flow = \"api\" first)")?;
        let out = Outgoing::get("logout: api", join(public, "/self-service/logout/api"))
            .json(Method::DELETE, &json!({ "session_token": token }))
            .without_jar();
        let resp = exchange(client, out, log)
            .await
            .map_err(|e| format!("logout: api: {e}"))?;
        return if resp.status == 204 {
            Ok(())
        } else {
            Err(explain_kratos_error("logout: api", &resp))
        };
    }
    let resp = exchange(
        client,
        Outgoing::get(
            "logout: create browser logout flow",
            join(public, "/self-service/logout/browser"),
        ),
        log,
    )
    .await
    .map_err(|e| format!("logout: browser flow: {e}"))?;
    if resp.status != 200 {
        return Err(explain_kratos_error(
            "logout: create browser logout flow",
            &resp,
        ));
    }
    let body = resp.json().unwrap_or(Value::Null);
    if let Some(t) = body.get("logout_token").and_then(Value::as_str) {
        secrets.add("logout-token", t);
    }
    let url = body
        .get("logout_url")
        .and_then(Value::as_str)
        .and_then(|u| Url::parse(u).ok())
        .ok_or("logout: the browser logout flow has no usable `logout_url`")?;
    let resp = exchange(client, Outgoing::get("logout: follow logout_url", url), log)
        .await
        .map_err(|e| format!("logout: {e}"))?;
    match resp.status {
        204 | 303 => Ok(()),
        _ => Err(explain_kratos_error("logout: follow logout_url", &resp)),
    }
}

/// Creates an identity through the admin API; gives its id.
pub async fn create_identity(
    client: &BrowserClient,
    admin: &Url,
    email: &str,
    password: &str,
    openapp_user_id: Option<&str>,
    log: &mut Vec<Exchange>,
) -> Result<String, String> {
    let mut body = json!({
        "schema_id": "default",
        "traits": { "email": email },
        "credentials": { "password": { "config": { "password": password } } },
    });
    if let Some(uid) = openapp_user_id {
        body["metadata_public"] = json!({ "openapp_user_id": uid });
    }
    let out = Outgoing::get(
        "setup: create identity (admin API)",
        join(admin, "/admin/identities"),
    )
    .json(Method::POST, &body)
    .without_jar();
    let resp = exchange(client, out, log)
        .await
        .map_err(|e| format!("setup: create identity: {e}"))?;
    if resp.status != 201 {
        return Err(explain_kratos_error(
            "setup: create identity through the admin API",
            &resp,
        ));
    }
    resp.json()
        .and_then(|b| b.get("id").and_then(Value::as_str).map(String::from))
        .ok_or_else(|| "setup: the admin API created an identity but answered no `id`".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_node_is_found_by_name_in_any_order() {
        let flow = json!({"ui": {"nodes": [
            {"attributes": {"name": "identifier", "value": ""}},
            {"attributes": {"name": "csrf_token", "value": "tok"}},
        ]}});
        assert_eq!(ui_node_value(&flow, "csrf_token"), Some(&json!("tok")));
        assert_eq!(ui_node_value(&flow, "password"), None);
    }

    #[test]
    fn continue_with_actions_are_interpreted() {
        let secrets = Secrets::new();
        let body = json!({"continue_with": [
            {"action": "set_ory_session_token", "ory_session_token": "ory_st_abcdef"},
            {"action": "show_verification_ui", "flow": {"id": "f1"}},
            {"action": "redirect_browser_to", "redirect_browser_to": "http://app.openapp.test/"},
        ]});
        let (token, notes) = interpret_continue_with(&body, &secrets);
        assert_eq!(token.as_deref(), Some("ory_st_abcdef"));
        assert!(
            notes
                .iter()
                .any(|n| n.contains("needs verification") && n.contains("f1"))
        );
        assert!(notes.iter().any(|n| n.contains("redirect_browser_to")));
        assert_eq!(
            interpret_continue_with(&json!({"continue_with": null}), &secrets).0,
            None
        );
    }

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
}
