//! The Kratos login of a browser without JavaScript (`login = { …, flow = "browser-form" }`;
//! K2, K3, K4 as captures 13 and 23 of `tests/golden/kratos/v1.3.1/` show them): the init
//! asked for as a page answers `303` to the login UI (`<ui>/login?flow=<id>`); the flow is
//! fetched from Kratos public (`/self-service/login/flows?id=`, JSON, as the UI server does);
//! the form is posted form-urlencoded through the jar; and Kratos answers `303` to
//! `return_to` with the session cookie. The UI host is no configured origin and is never
//! contacted: the driver only reads each `Location`. The `303` to `return_to` is recorded,
//! not followed, so a step's expectations apply to it.

use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::capture::query_param;
use super::client::{BrowserClient, Outgoing};
use super::kratos::{LoginOutcome, exchange, explain_kratos_error, join, ui_node_value};
use super::origins::Destination::KratosPublic;
use super::result::{Exchange, Response};
use crate::cookie::parse_set_cookie;
use crate::redact::Secrets;
use crate::settings::unix_now;

/// Where Kratos sent the browser after the form post, read from the `303`'s `Location`.
#[derive(Debug, PartialEq, Eq)]
enum Landing {
    /// K4: `return_to` (or the default return URL), with the session cookie.
    ReturnTo(String),
    /// K3 (or an expired flow's replacement): back to the login UI with this flow id.
    Flow(String),
    /// K2: the error UI with this error id.
    Error(String),
}

/// Logs in as a browser without JavaScript: init as a page, fetch the flow, post the form,
/// stop at the `303` to `return_to`. The outcome has no session object (a browser gets none:
/// the session is the cookie); a later step reads it (`/sessions/whoami`, `/auth/whoami`).
pub async fn login(
    client: &BrowserClient,
    public: &Url,
    identifier: &str,
    password: &str,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
) -> Result<LoginOutcome, String> {
    let init = Outgoing::get(
        "login: init browser flow (as a page)",
        KratosPublic,
        join(public, "/self-service/login/browser"),
    )
    .as_browser_page();
    let resp = exchange(client, init, log)
        .await
        .map_err(|e| format!("login: init browser flow: {e}"))?;
    let mut id = flow_id_of_init(&resp)?;
    for restarted in [false, true] {
        let flow = fetch_flow(client, public, &id, log).await?;
        let post = post_form(
            client, public, &flow, &id, identifier, password, secrets, log,
        )
        .await?;
        match landing(&post)? {
            Landing::ReturnTo(to) => {
                return Ok(LoginOutcome {
                    session: Value::Null,
                    session_token: None,
                    notes: vec![format!(
                        "browser-form: Kratos sent the browser to {to} (recorded, not followed)"
                    )],
                });
            }
            // An expired flow: Kratos made a replacement and sends the browser to it.
            Landing::Flow(next) if next != id && !restarted => id = next,
            Landing::Flow(next) => return Err(rejected(client, public, &next, log).await),
            Landing::Error(error) => return Err(error_page(client, public, &error, log).await),
        }
    }
    Err("login: the flow expired twice in a row\n(hint: raise the login flow lifespan)".into())
}

/// The flow id of the init's `303` to `<ui>/login?flow=<id>`.
fn flow_id_of_init(resp: &Response) -> Result<String, String> {
    const WHAT: &str = "login: init browser flow (as a page)";
    if resp.status != 303 {
        return Err(match resp.status {
            200 => format!(
                "{WHAT}: Kratos answered 200 to a browser that accepts HTML, expected a 303 to \
                 the login UI with `?flow=`\n(hint: a proxy in front of Kratos may rewrite \
                 `Accept`)"
            ),
            _ => explain_kratos_error(WHAT, resp),
        });
    }
    let location = resp.header("location").unwrap_or_default();
    query_param(location, "flow").ok_or_else(|| {
        format!(
            "{WHAT}: Kratos sent the browser to `{location}`, expected the login UI with \
             `?flow=`\n(hint: a session already in this jar makes Kratos skip the login: log \
             out first, or use a fresh client)"
        )
    })
}

/// `GET /self-service/login/flows?id=` on Kratos public, as the login UI's server does.
async fn fetch_flow(
    client: &BrowserClient,
    public: &Url,
    id: &str,
    log: &mut Vec<Exchange>,
) -> Result<Value, String> {
    let resp = exchange(client, flow_request(public, id), log)
        .await
        .map_err(|e| format!("login: fetch the flow: {e}"))?;
    if resp.status != 200 {
        return Err(explain_kratos_error("login: fetch the flow", &resp));
    }
    resp.json()
        .ok_or_else(|| "login: the flow fetch answered 200 without a JSON flow".into())
}

fn flow_request(public: &Url, id: &str) -> Outgoing {
    let query: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    Outgoing::get(
        "login: fetch the flow (as the login UI does)",
        KratosPublic,
        join(public, &format!("/self-service/login/flows?id={query}")),
    )
}

/// Posts the login form to the flow's `ui.action` as a browser does: form-urlencoded,
/// `csrf_token` from the flow's node, HTML `Accept`, through the jar.
#[allow(clippy::too_many_arguments)]
async fn post_form(
    client: &BrowserClient,
    public: &Url,
    flow: &Value,
    id: &str,
    identifier: &str,
    password: &str,
    secrets: &Secrets,
    log: &mut Vec<Exchange>,
) -> Result<Response, String> {
    let csrf = ui_node_value(flow, "csrf_token")
        .and_then(Value::as_str)
        .ok_or("login: the browser flow has no csrf_token node in ui.nodes (K1)")?;
    secrets.add("csrf-token", csrf);
    let action = flow
        .pointer("/ui/action")
        .and_then(Value::as_str)
        .and_then(|a| Url::parse(a).ok())
        .unwrap_or_else(|| join(public, &format!("/self-service/login?flow={id}")));
    let fields = [
        ("csrf_token", csrf),
        ("identifier", identifier),
        ("password", password),
        ("method", "password"),
    ];
    let out = Outgoing::get("login: post the form", KratosPublic, action)
        .form(Method::POST, &fields)
        .as_browser_page();
    exchange(client, out, log)
        .await
        .map_err(|e| format!("login: post the form: {e}"))
}

/// Reads the form post's answer: a `303` that sets the session cookie goes to `return_to`;
/// one without it goes back to the login UI (`?flow=`) or to the error UI (`?id=`).
fn landing(resp: &Response) -> Result<Landing, String> {
    if resp.status != 303 {
        return Err(explain_kratos_error("login: post the form", resp));
    }
    let location = resp.header("location").unwrap_or_default().to_string();
    let now = unix_now();
    let sets_session = resp.set_cookies.iter().any(|line| {
        parse_set_cookie(line).is_ok_and(|c| c.name == "ory_kratos_session" && !c.is_clearing(now))
    });
    if !sets_session {
        if let Some(flow) = query_param(&location, "flow") {
            return Ok(Landing::Flow(flow));
        }
        if let Some(error) = query_param(&location, "id") {
            return Ok(Landing::Error(error));
        }
    }
    Ok(Landing::ReturnTo(location))
}

/// K3 on this path: the flow Kratos sent the browser back to, fetched, explains why.
async fn rejected(
    client: &BrowserClient,
    public: &Url,
    id: &str,
    log: &mut Vec<Exchange>,
) -> String {
    let what = format!(
        "login: post the form: Kratos sent the browser back to the login UI (flow {id}); the \
         flow, fetched again"
    );
    match exchange(client, flow_request(public, id), log).await {
        Ok(resp) => explain_kratos_error(&what, &resp),
        Err(e) => format!("{what}: {e}"),
    }
}

/// K2 on this path: the error Kratos sent the browser to, read from
/// `GET /self-service/errors?id=` on Kratos public.
async fn error_page(
    client: &BrowserClient,
    public: &Url,
    id: &str,
    log: &mut Vec<Exchange>,
) -> String {
    let query: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let out = Outgoing::get(
        "login: read the error (as the error UI does)",
        KratosPublic,
        join(public, &format!("/self-service/errors?id={query}")),
    );
    let what =
        format!("login: post the form: Kratos sent the browser to the error UI (error {id})");
    match exchange(client, out, log).await {
        Ok(resp) => explain_kratos_error(&what, &resp),
        Err(e) => format!("{what}: {e}"),
    }
}

#[cfg(test)]
mod stack_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect(location: &str, set_cookies: &[&str]) -> Response {
        Response {
            status: 303,
            headers: vec![("location".into(), location.into())],
            set_cookies: set_cookies.iter().map(|l| (*l).to_string()).collect(),
            rejected_cookies: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Captures 13 and 23: success, wrong password, CSRF failure.
    #[test]
    fn the_landing_is_read_from_the_location_and_the_session_cookie() {
        let session = "ory_kratos_session=v; Path=/; Max-Age=86399; HttpOnly; SameSite=Lax";
        assert_eq!(
            landing(&redirect("http://app.openapp.test/", &[session])),
            Ok(Landing::ReturnTo("http://app.openapp.test/".into()))
        );
        assert_eq!(
            landing(&redirect("http://app.openapp.test/login?flow=f1", &[])),
            Ok(Landing::Flow("f1".into()))
        );
        assert_eq!(
            landing(&redirect("http://app.openapp.test/error?id=e1", &[])),
            Ok(Landing::Error("e1".into()))
        );
        // A return_to that happens to carry `flow=` still lands there when the session is set.
        assert_eq!(
            landing(&redirect("http://app.openapp.test/x?flow=f1", &[session])),
            Ok(Landing::ReturnTo(
                "http://app.openapp.test/x?flow=f1".into()
            ))
        );
        let mut not_redirect = redirect("", &[]);
        not_redirect.status = 400;
        assert!(landing(&not_redirect).is_err());
    }

    /// A captured answer of `tests/golden/kratos/<folder>/<file>.json` as the driver's
    /// [`Response`].
    fn captured(folder: &str, file: &str) -> Vec<Response> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/kratos")
            .join(folder)
            .join(format!("{file}.json"));
        let text = std::fs::read_to_string(&path).expect("capture");
        let capture: Value = serde_json::from_str(&text).expect("JSON");
        let exchanges = capture["exchanges"].as_array().expect("exchanges");
        exchanges
            .iter()
            .map(|ex| {
                let r = &ex["response"];
                let headers: Vec<(String, String)> = r["headers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|h| {
                        let name = h[0].as_str().unwrap_or_default().to_ascii_lowercase();
                        (name, h[1].as_str().unwrap_or_default().to_string())
                    })
                    .collect();
                Response {
                    status: r["status"].as_u64().map_or(0, |s| s as u16),
                    set_cookies: headers
                        .iter()
                        .filter(|(n, _)| n == "set-cookie")
                        .map(|(_, v)| v.clone())
                        .collect(),
                    headers,
                    rejected_cookies: Vec::new(),
                    body: r["body_raw"]
                        .as_str()
                        .unwrap_or_default()
                        .as_bytes()
                        .to_vec(),
                }
            })
            .collect()
    }

    /// Captures 13 and 23 of real Kratos, v1.3.1 (three configurations) and v26.2.0: the flow
    /// id of the init, and where each form post lands.
    #[test]
    fn the_captured_form_path_is_read_as_kratos_sent_it() {
        for folder in ["v1.3.1", "v1.3.1-host-only", "v1.3.1-tls", "v26.2.0"] {
            let ok = captured(folder, "13_login_form_redirects");
            let flow = flow_id_of_init(&ok[0]).expect(folder);
            assert_eq!(ok[1].json().unwrap()["id"], flow.as_str(), "{folder}");
            assert_eq!(
                landing(&ok[2]),
                Ok(Landing::ReturnTo("http://app.openapp.test/".into())),
                "{folder}"
            );
            let failing = captured(folder, "23_form_post_failures");
            let flow = flow_id_of_init(&failing[0]).expect(folder);
            assert_eq!(landing(&failing[2]), Ok(Landing::Flow(flow)), "{folder}");
            let error = failing[5].json().unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            assert_eq!(landing(&failing[4]), Ok(Landing::Error(error)), "{folder}");
        }
    }

    #[test]
    fn the_init_must_redirect_to_a_flow() {
        assert_eq!(
            flow_id_of_init(&redirect("http://app.openapp.test/login?flow=f1", &[])),
            Ok("f1".into())
        );
        let err = flow_id_of_init(&redirect("http://app.openapp.test/", &[])).unwrap_err();
        assert!(err.contains("session already in this jar"), "{err}");
        let mut page = redirect("", &[]);
        page.status = 200;
        let err = flow_id_of_init(&page).unwrap_err();
        assert!(err.contains("answered 200 to a browser"), "{err}");
    }
}
