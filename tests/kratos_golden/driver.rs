//! The flow driver's parsing and error mapping (`openapp_conformance::run::kratos`) on every
//! response real Kratos sent in the four capture sets, v26.2.0 included: each error answer is
//! explained with the step, the status, the error or message id and a hint, without quoting a
//! token; every flow yields its `csrf_token` node by name; every success's `continue_with`
//! is interpreted.

use openapp_conformance::redact::Secrets;
use openapp_conformance::run::kratos::{
    explain_kratos_error, interpret_continue_with, ui_node_value,
};
use openapp_conformance::run::result::Response;
use regex::Regex;
use serde_json::Value;

use crate::capture::{Exchange, all, load_folder};

/// Every capture set, the newer Kratos line included.
pub(crate) const ALL_FOLDERS: [&str; 4] = ["v1.3.1", "v1.3.1-host-only", "v1.3.1-tls", "v26.2.0"];

/// A captured response as the driver's [`Response`].
pub(crate) fn as_driver_response(ex: &Exchange) -> Response {
    let r = &ex.response;
    Response {
        status: r.status,
        headers: r
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect(),
        set_cookies: all(&r.headers, "set-cookie")
            .into_iter()
            .map(String::from)
            .collect(),
        rejected_cookies: Vec::new(),
        body: r.body_text().into_bytes(),
    }
}

/// What one explanation must contain for one captured error answer.
fn check_explanation(step: &str, ex: &Exchange, body: &Value) -> Result<(), String> {
    let msg = explain_kratos_error(step, &as_driver_response(ex));
    let secret = Regex::new(r"ory_(st|lo)_[A-Za-z0-9]{8,}|[A-Za-z0-9+/]{86}==").expect("regex");
    let mut missing = Vec::new();
    if !msg.starts_with(step) {
        missing.push("the step".to_string());
    }
    if !msg.contains(&ex.response.status.to_string()) {
        missing.push("the status".into());
    }
    if let Some(id) = body.pointer("/error/id").and_then(Value::as_str)
        && !msg.contains(id)
    {
        missing.push(format!("the error id `{id}`"));
    }
    for m in body
        .pointer("/ui/messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = m.get("id").map(Value::to_string).unwrap_or_default();
        if !msg.contains(&id) {
            missing.push(format!("the message id {id}"));
        }
    }
    if !msg.contains("hint") {
        missing.push("a hint".into());
    }
    if secret.is_match(&msg) {
        missing.push("no token (one is quoted)".into());
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("lacks {}:\n{msg}", missing.join(", ")))
    }
}

/// Checks the driver on every exchange of `folder`; gives the problems found.
pub(crate) fn check_folder(folder: &str) -> (usize, Vec<String>) {
    let secrets = Secrets::new();
    let mut problems = Vec::new();
    let mut checked = 0;
    for capture in load_folder(folder) {
        for (i, ex) in capture.exchanges.iter().enumerate() {
            let at = format!(
                "{folder}/{}.json step {} \"{}\"",
                capture.file,
                i + 1,
                ex.step
            );
            let body: Value = as_driver_response(ex).json().unwrap_or(Value::Null);
            checked += 1;
            let status = ex.response.status;
            if status >= 400
                && let Err(e) = check_explanation(&ex.step, ex, &body)
            {
                problems.push(format!("{at}: {e}"));
            }
            if body.pointer("/ui/nodes").is_some() && ui_node_value(&body, "csrf_token").is_none() {
                problems.push(format!("{at}: the flow's csrf_token node was not found"));
            }
            if status == 200 && body.get("session").is_some() {
                let (token, notes) = interpret_continue_with(&body, &secrets);
                let actions: Vec<&str> = body
                    .get("continue_with")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.get("action").and_then(Value::as_str))
                    .collect();
                if actions.contains(&"set_ory_session_token") && token.is_none() {
                    problems.push(format!("{at}: set_ory_session_token not used"));
                }
                if notes.len() != actions.len() {
                    problems.push(format!(
                        "{at}: {} continue_with actions, {} notes",
                        actions.len(),
                        notes.len()
                    ));
                }
            }
        }
    }
    (checked, problems)
}

/// The explanation of one captured exchange (1-based step) and its body.
pub(crate) fn explain(folder: &str, file: &str, step: usize) -> (String, Value) {
    let capture = load_folder(folder)
        .into_iter()
        .find(|c| c.file == file)
        .unwrap_or_else(|| panic!("{folder}/{file}"));
    let ex = &capture.exchanges[step - 1];
    let response = as_driver_response(ex);
    (
        explain_kratos_error(&ex.step, &response),
        response.json().unwrap_or(Value::Null),
    )
}
