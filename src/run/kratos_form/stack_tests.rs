//! The browser-form driver against the embedded stack: what goes over the wire (HTML `Accept`
//! on the init and the form post, JSON only on the flow fetch, a form-urlencoded body), where
//! it stops (the `303` to `return_to`), what a wrong password says, and the logout URL
//! followed as a page (capture 24).

use super::*;
use crate::plan::model::FlowKind;
use crate::run::client::{BROWSER_ACCEPT, ClientFactory};
use crate::run::kratos::{create_identity, logout};
use crate::targets::{Target, TargetOptions, resolve_target};

fn accept(ex: &Exchange) -> Option<&str> {
    ex.request_headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("accept"))
        .map(|(_, v)| v.as_str())
}

fn status(ex: &Exchange) -> u16 {
    ex.response.as_ref().map_or(0, |r| r.status)
}

/// A fresh browser client and a new identity on the embedded stack.
async fn alice(target: &Target, secrets: &Secrets) -> (BrowserClient, String, String) {
    let factory = ClientFactory::for_target(target);
    let client = factory.browser("default", secrets).expect("client");
    let admin = target.endpoints.kratos_admin.clone().expect("admin API");
    let email = format!("form-{}@example.test", crate::run::request::random_token(8));
    let password = format!("Cc-{}", crate::run::request::random_token(20));
    secrets.add("password", &password);
    create_identity(&client, &admin, &email, &password, None, &mut Vec::new())
        .await
        .expect("identity");
    (client, email, password)
}

#[test]
fn a_form_login_redirects_twice_and_a_wrong_password_is_explained() {
    let rt = crate::settings::runtime().expect("runtime");
    rt.block_on(async {
        let target = resolve_target(&TargetOptions::default())
            .await
            .expect("embedded stack starts");
        let public = target.endpoints.kratos_public.clone();
        let secrets = Secrets::new();
        let (client, email, password) = alice(&target, &secrets).await;

        let mut log = Vec::new();
        let outcome = login(&client, &public, &email, &password, &secrets, &mut log)
            .await
            .expect("form login");
        let seen: Vec<(&str, u16, Option<&str>)> = log
            .iter()
            .map(|ex| (ex.method.as_str(), status(ex), accept(ex)))
            .collect();
        assert_eq!(
            seen,
            [
                ("GET", 303, Some(BROWSER_ACCEPT)),
                ("GET", 200, Some("application/json")),
                ("POST", 303, Some(BROWSER_ACCEPT)),
            ]
        );
        assert!(log[1].url.contains("/self-service/login/flows?id="));
        let body = log[2].request_body.as_deref().unwrap_or_default();
        assert!(body.starts_with("csrf_token=") && body.ends_with("&method=password"));
        let last = log[2].response.as_ref().expect("answer");
        assert!(
            last.set_cookies
                .iter()
                .any(|l| l.starts_with("ory_kratos_session="))
        );
        assert!(outcome.notes[0].contains("recorded, not followed"));
        assert!(client.jar_names().iter().any(|n| n == "ory_kratos_session"));

        // The logout URL as a page: 303 with the clearing line; the jar forgets the session.
        let mut log = Vec::new();
        logout(&client, &public, FlowKind::BrowserForm, &secrets, &mut log)
            .await
            .expect("form logout");
        assert_eq!(status(&log[1]), 303);
        assert_eq!(accept(&log[1]), Some(BROWSER_ACCEPT));
        assert!(!client.jar_names().iter().any(|n| n == "ory_kratos_session"));

        // K3 on this path: 303 back to the flow, which says 4000006.
        let mut log = Vec::new();
        let err = login(&client, &public, &email, "not-it", &secrets, &mut log)
            .await
            .unwrap_err();
        assert!(
            err.contains("back to the login UI") && err.contains("4000006"),
            "{err}"
        );
        assert_eq!(log.len(), 4, "init, fetch, post, fetch again");
    });
}
