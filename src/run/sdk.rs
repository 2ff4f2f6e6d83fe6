//! The SDK step (issue 21): one call of the official Rust SDK (`openapp-sdk` 2.0.0) as a client
//! of the scenario.
//!
//! The SDK is built on a reqwest client that shares the scenario client's cookie jar, TLS
//! trust, host overrides, proxies and timeouts ([`ClientFactory::sdk_http`]), with `base_url`
//! set to the target's API base (`OPENAPP_BASE_URL` + `OPENAPP_API_PREFIX`: the SDK would
//! otherwise derive `{key origin}/api/v1`), no retries, and the step's key. Passing our client
//! changes three things about the SDK: it follows no redirect (its own client follows up to 10),
//! never retries (its default retries 5xx, 408 and 429 three times, POST included), and has a
//! cookie jar (its own has none).
//!
//! The SDK decodes 401 and 403 into one `SdkError::Auth` without a status, and an empty body
//! and `null` alike, so the step records the exchange itself through the SDK's
//! [`Interceptor`]: the request as sent (with the `Cookie` header the jar adds, and after the
//! origin check of K7) and the head of the one response. What the caller got
//! ([`SdkOutcome`]) is kept beside it; its JSON value stands in the exchange's body, since the
//! SDK reads the body itself.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openapp_sdk::retry::RetryPolicy;
use openapp_sdk::{Client, Interceptor, SdkError};
use serde_json::Value;
use url::Url;

use reqwest_cookie_store::CookieStoreMutex;

use super::client::{BrowserClient, ClientFactory, header_pairs, jar_cookie_header, response_head};
use super::origins::{Destination, Guard};
use super::request::{api_key, seed_cookies};
use super::result::{Exchange, Response, SdkOutcome};
use super::shared::RunShared;
use crate::plan::model::{SdkCall, SdkStep};
use crate::redact::Secrets;
use crate::targets::Target;

/// The API path of an SDK call, relative to the API base.
pub fn path(call: SdkCall) -> &'static str {
    match call {
        SdkCall::Whoami => "/auth/whoami",
        SdkCall::Session => "/auth/session",
        SdkCall::KratosIdentity => "/auth/kratos-identity",
        SdkCall::Provisioned => "/auth/provisioned",
        SdkCall::Logout => "/auth/logout",
        SdkCall::SignOut => "/auth/sign-out",
    }
}

/// What the interceptor saw of the one attempt.
#[derive(Debug, Default)]
struct Seen {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    /// Why the request was not sent (the origin check refused it).
    refused: Option<String>,
    sent_at: Option<Instant>,
    response: Option<(Response, Duration)>,
}

/// Records the exchange and checks the request's origin before it is sent.
#[derive(Debug)]
struct Recorder {
    seen: Arc<Mutex<Seen>>,
    guard: Guard,
    run: Arc<RunShared>,
    /// The scenario client's jar: what it will send is the `Cookie` header of the request.
    jar: Arc<CookieStoreMutex>,
}

#[async_trait::async_trait]
impl Interceptor for Recorder {
    async fn on_request(&self, request: reqwest::Request) -> Result<reqwest::Request, SdkError> {
        let mut headers = header_pairs(request.headers());
        // K7: the key (and the cookies) go only to the OpenApp origin.
        let refused = self
            .guard
            .check(Destination::OpenApp, request.url(), &headers, None)
            .err();
        if let Some(cookie) = jar_cookie_header(&self.jar, request.url()) {
            headers.push(("cookie".into(), cookie));
        }
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            seen.method = request.method().to_string();
            seen.url = request.url().to_string();
            seen.headers = headers;
            seen.refused = refused.clone();
        }
        if let Some(line) = refused {
            return Err(SdkError::Config(line));
        }
        self.run.rate_slot().await;
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).sent_at = Some(Instant::now());
        Ok(request)
    }

    async fn on_response(&self, response: &reqwest::Response) -> Result<(), SdkError> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = seen.sent_at.map(|t| t.elapsed()).unwrap_or_default();
        seen.response = Some((response_head(response, response.url()), elapsed));
        Ok(())
    }
}

/// The URL the SDK will call for `call` on this target.
fn url(call: SdkCall, target: &Target) -> Result<Url, String> {
    let text = format!("{}{}", target.endpoints.api_base(), path(call));
    Url::parse(&text).map_err(|e| format!("`{text}` is not a valid URL: {e}"))
}

/// Puts the step's cookies into the client's jar, as if the call's URL had set them.
pub fn seed(
    step: &SdkStep,
    client: &BrowserClient,
    target: &Target,
    secrets: &Secrets,
    render: &dyn Fn(&str) -> Result<String, String>,
) -> Result<(), String> {
    seed_cookies(
        &step.cookies,
        client,
        target,
        secrets,
        render,
        &url(step.call, target)?,
    )
}

/// Makes the step's call through the SDK (after [`seed`]): builds the SDK client on the
/// scenario client's jar, calls the method, and gives the recorded exchange and what the
/// caller got.
pub async fn call(
    step: &SdkStep,
    client: &BrowserClient,
    factory: &ClientFactory,
    target: &Target,
    secrets: &Secrets,
) -> Result<(Exchange, SdkOutcome), String> {
    let base = target.endpoints.api_base();
    let url = url(step.call, target)?;
    let key = api_key(target, step.key, secrets)?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let recorder = Recorder {
        seen: seen.clone(),
        guard: client.guard().clone(),
        run: client.run_shared(),
        jar: client.jar.clone(),
    };
    let sdk = Client::builder()
        .base_url(&base)
        .map_err(|e| format!("the SDK refused the API base `{base}`: {e}"))?
        .api_key(key)
        .reqwest_client(factory.sdk_http(client)?)
        .retry_policy(RetryPolicy::none())
        .default_timeout(factory.request_timeout())
        .interceptor(recorder)
        .build()
        .map_err(|e| format!("the SDK client did not build: {e}"))?;
    let auth = sdk.auth();
    let started = Instant::now();
    let outcome = match step.call {
        SdkCall::Whoami => value(auth.whoami().await),
        SdkCall::Session => value(auth.session().await),
        SdkCall::KratosIdentity => value(auth.kratos_identity().await),
        SdkCall::Provisioned => value(auth.provisioned().await),
        SdkCall::Logout => unit(auth.logout().await),
        SdkCall::SignOut => unit(auth.sign_out().await),
    };
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
    Ok((exchange(step.call, seen, &outcome, &url, started), outcome))
}

fn value(result: Result<Value, SdkError>) -> SdkOutcome {
    match result {
        Ok(v) => SdkOutcome::Value(v),
        Err(e) => error(&e),
    }
}

fn unit(result: Result<(), SdkError>) -> SdkOutcome {
    match result {
        Ok(()) => SdkOutcome::Unit,
        Err(e) => error(&e),
    }
}

fn error(e: &SdkError) -> SdkOutcome {
    let kind = match e {
        SdkError::Auth(_) => "auth",
        SdkError::Api { .. } => "api",
        SdkError::Http { .. } => "http",
        SdkError::Token(_) => "token",
        SdkError::Transport(_) => "transport",
        SdkError::Deserialize(_) => "deserialize",
        SdkError::Config(_) => "config",
        _ => "other",
    };
    SdkOutcome::Error {
        kind: kind.to_string(),
        status: e.status(),
        message: e.to_string(),
    }
}

/// The recorded exchange: the request as the interceptor saw it, the response head, and the
/// caller's JSON value as the body; a request the SDK never sent is an exchange without a
/// response that says why.
fn exchange(
    call: SdkCall,
    seen: Seen,
    outcome: &SdkOutcome,
    url: &Url,
    started: Instant,
) -> Exchange {
    let never_sent = seen.method.is_empty();
    let response = match (seen.response, &seen.refused, outcome) {
        (Some((mut head, _)), _, outcome) => {
            if let SdkOutcome::Value(v) = outcome {
                head.body = serde_json::to_vec(v).unwrap_or_default();
            }
            Ok(head)
        }
        (None, Some(line), _) => Err(line.clone()),
        (None, None, SdkOutcome::Error { message, .. }) if never_sent => {
            Err(format!("the SDK sent no request: {message}"))
        }
        (None, None, SdkOutcome::Error { message, .. }) => Err(message.clone()),
        (None, None, _) => Err("the SDK answered without a response".into()),
    };
    Exchange {
        purpose: format!("sdk auth().{}()", call.as_str()),
        method: if never_sent {
            if call.is_get() { "GET" } else { "POST" }.to_string()
        } else {
            seen.method
        },
        url: if never_sent {
            url.to_string()
        } else {
            seen.url
        },
        request_headers: seen.headers,
        request_body: None,
        response,
        elapsed: started.elapsed(),
    }
}
