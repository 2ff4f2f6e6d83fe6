//! The Kratos driver: self-service login (browser flow as a JSON client, API flow; the
//! browser-form flow of a browser without JavaScript is `super::kratos_form`), logout (as a
//! JSON client, as a browser page, or with the API token), and identity creation through the
//! admin API. It reads only what Kratos documents (flow ids, the `csrf_token` node by name,
//! error ids), never node order or message texts, so it copes with Kratos v1.3.1 and newer
//! lines alike.

use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use super::client::{BrowserClient, Outgoing};
use super::origins::Destination::{KratosAdmin, KratosPublic};
use super::result::{Exchange, Response};
use crate::plan::model::FlowKind;
use crate::redact::Secrets;

pub use super::kratos_errors::explain_kratos_error;

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

/// `base` with `path` (and any query) appended.
pub(super) fn join(base: &Url, path: &str) -> Url {
    let s = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    Url::parse(&s).unwrap_or_else(|_| base.clone())
}

/// Sends and records; gives the response or the transport error as a driver error.
pub(super) async fn exchange(
    client: &BrowserClient,
    out: Outgoing,
    log: &mut Vec<Exchange>,
) -> Result<Response, String> {
    let ex = client.send(out).await;
    let result = ex.response.clone();
    log.push(ex);
    result
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

/// Logs in through Kratos self-service: the browser flow as a JSON client with the client's
/// jar, or the API (native) flow sending no cookies. (`FlowKind::BrowserForm` is
/// `super::kratos_form::login`'s; given here, it runs the browser flow as a JSON client.)
pub async fn login(
    client: &BrowserClient,
    public: &Url,
    identifier: &str,
    password: &str,
    flow: FlowKind,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
) -> Result<LoginOutcome, String> {
    let browser = flow.with_jar();
    let kind = if browser { "browser" } else { "api" };
    let init_url = join(public, &format!("/self-service/login/{kind}"));
    let mut init = Outgoing::get(format!("login: init {kind} flow"), KratosPublic, init_url);
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
                KratosPublic,
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
    let mut out =
        Outgoing::get("login: submit credentials", KratosPublic, action).json(Method::POST, &body);
    out.with_jar = browser;
    exchange(client, out, log)
        .await
        .map_err(|e| format!("login: submit: {e}"))
}

/// Logs out through Kratos: the browser logout URL with the jar (followed as a JSON client,
/// `204`, or for `browser-form` as a browser page, `303` with the clearing line, capture 24),
/// or the API logout with the client's session token.
pub async fn logout(
    client: &BrowserClient,
    public: &Url,
    flow: FlowKind,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
) -> Result<(), String> {
    if flow == FlowKind::Api {
        let token = client
            .session_token
            .as_deref()
            .ok_or("logout: this client has no session token (log in with flow = \"api\" first)")?;
        let out = Outgoing::get(
            "logout: api",
            KratosPublic,
            join(public, "/self-service/logout/api"),
        )
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
            KratosPublic,
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
    let follow = Outgoing::get("logout: follow logout_url", KratosPublic, url);
    let follow = if flow == FlowKind::BrowserForm {
        follow.as_browser_page()
    } else {
        follow
    };
    let resp = exchange(client, follow, log)
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
        KratosAdmin,
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
}
