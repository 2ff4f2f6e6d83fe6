//! One browser client of a scenario: a reqwest client with its own cookie jar, redirects never
//! followed, every exchange recorded with its raw `Set-Cookie` lines, and the lines the jar
//! refused reported instead of dropped.

use std::sync::Arc;
use std::time::Instant;

use reqwest::header::{HeaderName, HeaderValue, SET_COOKIE};
use reqwest_cookie_store::CookieStoreMutex;
use url::Url;

use crate::browser::check::BrowserCheck;
use crate::browser::compare::Delivered;
use crate::cookie::parse_cookie_date;
use crate::redact::Secrets;

use super::origins::{Destination, Guard};
use super::result::{Exchange, Response};
use super::shared::RunShared;
use crate::settings::Tls;
use crate::settings::{Endpoints, Proxies, Timeouts};
use crate::targets::Target;

/// Builds the HTTP clients of a run with the target's host overrides and timeouts.
///
/// One reqwest client (one connection pool, one rustls configuration) serves every browser
/// client the factory makes: a browser client's cookies live in its own [`BrowserJar`], which
/// [`BrowserClient::send`] reads for the `Cookie` header and fills from the `Set-Cookie` lines
/// exactly where reqwest's cookie provider would, so jars stay apart while connections are
/// reused (a client per browser per iteration cost a TCP connect and a client build each).
#[derive(Debug, Clone)]
pub struct ClientFactory {
    endpoints: Endpoints,
    timeouts: Timeouts,
    tls: Arc<rustls::ClientConfig>,
    /// The one HTTP client of the run, built on first use and shared by every browser
    /// client (cookies are applied per request from each client's own jar): it holds no
    /// per-client state.
    http: Arc<std::sync::OnceLock<Result<reqwest::Client, String>>>,
    /// Staging hygiene of the run: proxies, `--max-rps`, the identity ledger.
    run: Arc<RunShared>,
    /// `--browser-check`: the run's Chromium, when asked for.
    browser_check: Option<Arc<BrowserCheck>>,
}

fn builder(
    endpoints: &Endpoints,
    timeouts: Timeouts,
    tls: &rustls::ClientConfig,
    proxies: &Proxies,
) -> reqwest::ClientBuilder {
    let b = reqwest::Client::builder().tls_backend_preconfigured(tls.clone());
    // One matcher decides (the run's origin line prints the same); the final URL is still the
    // request's own, so K7's guard is unchanged by a proxy.
    let b = if proxies.any() {
        let proxies = proxies.clone();
        b.proxy(reqwest::Proxy::custom(move |url| {
            proxies.for_url(url).cloned()
        }))
    } else {
        b.no_proxy()
    };
    let mut b = b
        .redirect(reqwest::redirect::Policy::none())
        // Retries are ours alone (GETs, `--retries`): reqwest never sends a request twice.
        .retry(reqwest::retry::never())
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .user_agent(concat!("openapp-conformance/", env!("CARGO_PKG_VERSION")));
    for r in &endpoints.resolve {
        b = b.resolve(&r.host, r.socket_addr());
    }
    b
}

impl ClientFactory {
    /// A factory for these endpoints, verifying certificates against the platform's roots.
    pub fn new(endpoints: Endpoints, timeouts: Timeouts) -> Self {
        Self {
            endpoints,
            timeouts,
            tls: Tls::default().client_config(),
            http: Arc::default(),
            run: Arc::default(),
            browser_check: None,
        }
    }

    /// The factory with the run's browser check: every client it makes then logs the
    /// `Set-Cookie` lines its jar absorbs, for Chromium.
    pub fn with_browser_check(mut self, check: Arc<BrowserCheck>) -> Self {
        self.browser_check = Some(check);
        self
    }

    /// The run's browser check, when `--browser-check` asked for one.
    pub fn browser_check(&self) -> Option<&Arc<BrowserCheck>> {
        self.browser_check.as_ref()
    }

    /// A factory for a resolved target: its endpoints, timeouts, TLS trust and proxies.
    pub fn for_target(target: &Target) -> Self {
        Self::with_run(target, None, false)
    }

    /// [`ClientFactory::for_target`] with the run's `--max-rps` and `--keep-identities`.
    pub fn with_run(target: &Target, max_rps: Option<u32>, keep_identities: bool) -> Self {
        Self {
            tls: target.tls.client_config(),
            run: Arc::new(RunShared::new(
                target.proxies.clone(),
                max_rps,
                keep_identities,
            )),
            ..Self::new(target.endpoints.clone(), target.timeouts)
        }
    }

    /// The same factory with a connection pool of its own (the run's rate limit, identity
    /// ledger and browser check still shared): explore runs each episode and each shrink
    /// candidate on fresh connections, so no state a server keeps per connection leaks from
    /// one run into the next and a written scenario fails alone as it failed there.
    pub fn fresh_connections(&self) -> Self {
        Self {
            http: Arc::default(),
            ..self.clone()
        }
    }

    /// A factory for another stack of the same kind (explore's fresh embedded stack per run):
    /// its endpoints, with this run's shared state (rate limit, identity ledger, browser
    /// check) and a connection pool of its own.
    pub fn for_stack(&self, target: &Target) -> Self {
        Self {
            endpoints: target.endpoints.clone(),
            timeouts: target.timeouts,
            tls: target.tls.client_config(),
            http: Arc::default(),
            ..self.clone()
        }
    }

    /// The run's shared state: proxies, `--max-rps`, the identity ledger.
    pub fn run(&self) -> &RunShared {
        &self.run
    }

    /// The run's one HTTP client, built on first use: it has no cookie provider (browser
    /// clients apply their own jars per request), so API flows, the admin API and the preflight
    /// share it too.
    pub fn http(&self) -> Result<reqwest::Client, String> {
        self.http
            .get_or_init(|| {
                builder(
                    &self.endpoints,
                    self.timeouts,
                    &self.tls,
                    self.run.proxies(),
                )
                .build()
                .map_err(|e| format!("failed to build the HTTP client: {e}"))
            })
            .clone()
    }

    /// An HTTP client for an SDK step of `browser` (issue 21): the run's endpoints, timeouts,
    /// TLS trust, proxies, host overrides and never-follow redirects, with `browser`'s own jar
    /// as its cookie provider (through [`BrowserJar`], as [`BrowserClient::send`] stores
    /// cookies), so the SDK's requests carry and update the scenario client's cookies. Built
    /// per call: the SDK keeps the client it is given.
    pub fn sdk_http(&self, browser: &BrowserClient) -> Result<reqwest::Client, String> {
        builder(
            &self.endpoints,
            self.timeouts,
            &self.tls,
            self.run.proxies(),
        )
        .cookie_provider(Arc::new(BrowserJar(
            browser.jar.clone(),
            browser.absorbed.clone(),
        )))
        .build()
        .map_err(|e| format!("failed to build the SDK's HTTP client: {e}"))
    }

    /// The run's request timeout (the SDK's `default_timeout`).
    pub fn request_timeout(&self) -> std::time::Duration {
        self.timeouts.request
    }

    /// A fresh browser client with an empty jar. It checks every request against the trial's
    /// `secrets` and the target's origins before sending it (rule K7, [`Guard`]).
    pub fn browser(&self, name: &str, secrets: &Secrets) -> Result<BrowserClient, String> {
        let http = self.http()?;
        Ok(BrowserClient {
            run: self.run.clone(),
            name: name.to_string(),
            jar: Arc::new(CookieStoreMutex::default()),
            absorbed: self.browser_check.as_ref().map(|_| Arc::default()),
            http,
            session_token: None,
            retries: self.timeouts.retries,
            guard: Guard::new(&self.endpoints, secrets.clone()),
        })
    }
}

/// The `Accept` of a browser loading a page (Firefox's): HTML first, JSON only through `*/*`,
/// so Kratos treats the request as a browser's, not a JSON client's.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A request about to be sent.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// What it is for (shown in transcripts).
    pub purpose: String,
    /// Method.
    pub method: reqwest::Method,
    /// Full URL.
    pub url: Url,
    /// The configured origin it is meant for: the client sends it nowhere else (K7).
    pub to: Destination,
    /// Headers to send (besides the jar's `Cookie`).
    pub headers: Vec<(String, String)>,
    /// Body bytes as text.
    pub body: Option<String>,
    /// Send through the cookie jar (browser) or without any cookie (API flows, admin).
    pub with_jar: bool,
}

impl Outgoing {
    /// A bodiless request to `to` through the jar with `Accept: application/json`.
    pub fn get(purpose: impl Into<String>, to: Destination, url: Url) -> Self {
        Self {
            purpose: purpose.into(),
            method: reqwest::Method::GET,
            url,
            to,
            headers: vec![("Accept".into(), "application/json".into())],
            body: None,
            with_jar: true,
        }
    }

    /// Sets a JSON body and its content type.
    pub fn json(mut self, method: reqwest::Method, body: &serde_json::Value) -> Self {
        self.method = method;
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body.to_string());
        self
    }

    /// Sends as a browser navigating without JavaScript does (K2, K3, K4 on the form path):
    /// its own `Accept` ([`BROWSER_ACCEPT`], HTML first) instead of `application/json`, so
    /// Kratos answers with redirects, not JSON.
    pub fn as_browser_page(mut self) -> Self {
        self.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("accept"));
        self.headers.push(("Accept".into(), BROWSER_ACCEPT.into()));
        self
    }

    /// Sets a form-urlencoded body (the fields in the given order) and its content type, as a
    /// browser posts an HTML form.
    pub fn form(mut self, method: reqwest::Method, fields: &[(&str, &str)]) -> Self {
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        self.method = method;
        self.headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        self.body = Some(body.finish());
        self
    }

    /// Sends without cookies.
    pub fn without_jar(mut self) -> Self {
        self.with_jar = false;
        self
    }
}

/// A browser (or native app) client with its own cookie jar.
pub struct BrowserClient {
    /// Client name from the scenario (`default`, `alice`…).
    pub name: String,
    /// The jar: [`BrowserClient::send`] reads it for requests through the jar and stores
    /// their responses' `Set-Cookie` lines in it.
    pub jar: Arc<CookieStoreMutex>,
    /// The factory's shared client (no cookie provider of its own).
    http: reqwest::Client,
    /// The Kratos session token from an API login, if any.
    pub session_token: Option<String>,
    /// Under `--browser-check`: every `Set-Cookie` line the jar absorbed (and every seeded
    /// cookie), as sent, with the URL of its response, since the last step.
    absorbed: Option<Absorbed>,
    /// Extra attempts for a GET after a transport error.
    retries: u32,
    /// Where each credential may go (K7).
    guard: Guard,
    /// The run's shared state (`--max-rps` slots).
    run: Arc<RunShared>,
}

impl BrowserClient {
    /// Names of the unexpired cookies in the jar (any domain), sorted.
    pub fn jar_names(&self) -> Vec<String> {
        let store = self.jar.lock().unwrap_or_else(|p| p.into_inner());
        let mut names: Vec<String> = store
            .iter_unexpired()
            .map(|c| c.name().to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The contract's cookies in the jar (`ory_kratos_session`, `csrf_token_*`), unexpired,
    /// with the domain each is kept for, sorted.
    pub fn jar_cookies(&self) -> Vec<crate::run::result::JarCookie> {
        use cookie_store::CookieDomain;
        let store = self.jar.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<crate::run::result::JarCookie> = store
            .iter_unexpired()
            .filter(|c| c.name() == "ory_kratos_session" || c.name().starts_with("csrf_token_"))
            .map(|c| {
                let (domain, host_only) = match &c.domain {
                    CookieDomain::HostOnly(d) => (d.clone(), true),
                    CookieDomain::Suffix(d) => (d.clone(), false),
                    _ => (String::new(), true),
                };
                crate::run::result::JarCookie {
                    name: c.name().to_string(),
                    domain,
                    host_only,
                }
            })
            .collect();
        out.sort();
        out
    }

    /// Empties the jar, every cookie of every domain (a browser restarted with its cookies
    /// cleared; `clear_jar = true`), and forgets what it absorbed since the last step; gives
    /// how many cookies it held. The session token of an API login is not a cookie: it stays.
    pub fn clear_jar(&self) -> usize {
        let mut store = self.jar.lock().unwrap_or_else(|p| p.into_inner());
        let held = store.iter_any().count();
        store.clear();
        drop(store);
        self.take_absorbed();
        held
    }

    /// Takes what the jar absorbed since the last call (`--browser-check` only).
    pub fn take_absorbed(&self) -> Vec<Delivered> {
        self.absorbed
            .as_ref()
            .map(|a| std::mem::take(&mut *a.lock().unwrap_or_else(|p| p.into_inner())))
            .unwrap_or_default()
    }

    /// Puts a cookie into the jar as if `url` had set it with this `Set-Cookie` line.
    pub fn seed(&self, set_cookie: &str, url: &Url) -> Result<(), String> {
        log(&self.absorbed, [set_cookie], url);
        let mut store = self.jar.lock().unwrap_or_else(|p| p.into_inner());
        store
            .parse(set_cookie, url)
            .map(|_| ())
            .map_err(|e| format!("the jar refused a seeded cookie: {e}"))
    }

    /// Where each credential may go (K7): the SDK step checks its request with it too.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// The run's shared state (`--max-rps` slots), for requests sent by the SDK.
    pub fn run_shared(&self) -> Arc<RunShared> {
        self.run.clone()
    }

    /// The `Cookie` header value the jar will send to `url`, if any (the value reqwest's
    /// cookie provider would send: `name=value` pairs joined by `; `).
    fn cookie_header(&self, url: &Url) -> Option<String> {
        jar_cookie_header(&self.jar, url)
    }

    /// Stores a response's `Set-Cookie` lines for `url`, as reqwest's cookie provider does
    /// once the response head has arrived (through [`BrowserJar`]'s `Expires` rewriting).
    fn store_cookies(&self, headers: &reqwest::header::HeaderMap, url: &Url) {
        let mut lines = headers.get_all(SET_COOKIE).iter().peekable();
        if lines.peek().is_some() {
            use reqwest::cookie::CookieStore;
            BrowserJar(self.jar.clone(), self.absorbed.clone()).set_cookies(&mut lines, url);
        }
    }

    /// Sends a request and records the exchange. Never fails: a transport error becomes the
    /// exchange's response error, and so does a request that would take a credential to
    /// another origin than its own, which is not sent at all (K7, [`Guard::check`]).
    pub async fn send(&self, out: Outgoing) -> Exchange {
        if let Err(line) = self
            .guard
            .check(out.to, &out.url, &out.headers, out.body.as_deref())
        {
            return exchange(&out, out.headers.clone(), Err(line), Instant::now());
        }
        let mut request_headers = out.headers.clone();
        let jar_cookie = if out.with_jar {
            self.cookie_header(&out.url)
        } else {
            None
        };
        if let Some(cookie) = &jar_cookie {
            request_headers.push(("Cookie".into(), cookie.clone()));
        }
        let mut headers = Vec::with_capacity(out.headers.len() + 1);
        for (name, value) in &out.headers {
            match (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                (Ok(n), Ok(v)) => headers.push((n, v)),
                _ => {
                    return exchange(
                        &out,
                        request_headers,
                        Err(format!("invalid request header `{name}`")),
                        Instant::now(),
                    );
                }
            }
        }
        // As reqwest's cookie provider: the jar's header only when the request sets none.
        if let Some(cookie) = jar_cookie
            && !headers.iter().any(|(n, _)| n == reqwest::header::COOKIE)
            && let Ok(v) = HeaderValue::try_from(cookie)
        {
            headers.push((reqwest::header::COOKIE, v));
        }
        // Only a GET may be sent again: a POST could have taken effect before the error.
        let attempts = if out.method == reqwest::Method::GET {
            1 + self.retries
        } else {
            1
        };
        let started = Instant::now();
        let mut attempt = 1;
        let response = loop {
            let mut req = self.http.request(out.method.clone(), out.url.clone());
            for (n, v) in &headers {
                req = req.header(n.clone(), v.clone());
            }
            if let Some(body) = &out.body {
                req = req.body(body.clone());
            }
            self.run.rate_slot().await;
            match req.send().await {
                Ok(resp) => {
                    if out.with_jar {
                        self.store_cookies(resp.headers(), &out.url);
                    }
                    break read_response(resp, &out.url).await;
                }
                Err(_) if attempt < attempts => attempt += 1,
                Err(e) => {
                    let mut line = describe_transport_error(&e, &out.url, started);
                    if attempts > 1 {
                        line.push_str(&format!(" ({attempts} attempts)"));
                    }
                    break Err(line);
                }
            }
        };
        exchange(&out, request_headers, response, started)
    }
}

/// The `Cookie` header value `jar` will send to `url`, if any (the value reqwest's cookie
/// provider would send: `name=value` pairs joined by `; `).
pub fn jar_cookie_header(jar: &CookieStoreMutex, url: &Url) -> Option<String> {
    let store = jar.lock().unwrap_or_else(|p| p.into_inner());
    let pairs: Vec<String> = store
        .get_request_values(url)
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join("; "))
}

fn exchange(
    out: &Outgoing,
    request_headers: Vec<(String, String)>,
    response: Result<Response, String>,
    started: Instant,
) -> Exchange {
    Exchange {
        purpose: out.purpose.clone(),
        method: out.method.to_string(),
        url: out.url.to_string(),
        request_headers,
        request_body: out.body.clone(),
        response,
        elapsed: started.elapsed(),
    }
}

async fn read_response(resp: reqwest::Response, url: &Url) -> Result<Response, String> {
    let mut response = response_head(&resp, url);
    let started = Instant::now();
    let body = resp.bytes().await.map_err(|e| {
        format!(
            "failed to read the response body of {url} after {:.1?}: {e}",
            started.elapsed()
        )
    })?;
    response.body = body.to_vec();
    Ok(response)
}

/// Header names (lower case) and values (lossily decoded), in order.
pub fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A response's status, headers and `Set-Cookie` lines (with those the jar refuses, as a jar
/// for `url` would), and an empty body: all an observer of the head sees (the SDK step's
/// interceptor).
pub fn response_head(resp: &reqwest::Response, url: &Url) -> Response {
    let status = resp.status().as_u16();
    let headers = header_pairs(resp.headers());
    let set_cookies: Vec<String> = resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let rejected_cookies = set_cookies
        .iter()
        .filter_map(|line| {
            cookie_store::Cookie::parse(line.as_str(), url)
                .err()
                .map(|e| (line.clone(), e.to_string()))
        })
        .collect();
    Response {
        status,
        headers,
        set_cookies,
        rejected_cookies,
        body: Vec::new(),
    }
}

/// One clear line: what failed, which URL, after how long.
fn describe_transport_error(e: &reqwest::Error, url: &Url, started: Instant) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_request() {
        "failed to send the request"
    } else {
        "failed"
    };
    let mut source = std::error::Error::source(e);
    let mut cause = String::new();
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let cause = if cause.is_empty() {
        String::new()
    } else {
        format!(": {cause}")
    };
    format!(
        "{what}: {} {url} after {:.1?}{cause}",
        "request to",
        started.elapsed()
    )
}

/// The jar as reqwest sees it: `Set-Cookie` lines get their `Expires` rewritten to the
/// IMF-fixdate form after RFC 6265 §5.1.1 date parsing, because the `cookie` crate behind
/// cookie_store ignores some date forms browsers accept (e.g. `Thursday, 01-Jan-1970 …`), which
/// would keep a cleared cookie alive and raise a false alarm.
struct BrowserJar(Arc<CookieStoreMutex>, Option<Absorbed>);

/// The log of what a jar absorbed, for the browser check.
type Absorbed = Arc<std::sync::Mutex<Vec<Delivered>>>;

/// Appends `lines` (as the server sent them) and their response's URL to the log, if any.
fn log<'a>(absorbed: &Option<Absorbed>, lines: impl IntoIterator<Item = &'a str>, url: &Url) {
    if let Some(a) = absorbed {
        let mut a = a.lock().unwrap_or_else(|p| p.into_inner());
        a.extend(
            lines
                .into_iter()
                .map(|line| Delivered::new(line, url.clone())),
        );
    }
}

impl reqwest::cookie::CookieStore for BrowserJar {
    fn set_cookies(&self, cookie_headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        let headers: Vec<&HeaderValue> = cookie_headers.collect();
        log(&self.1, headers.iter().filter_map(|h| h.to_str().ok()), url);
        let normalized: Vec<HeaderValue> = headers
            .into_iter()
            .filter_map(|h| {
                let line = h.to_str().ok()?;
                if !mentions_expires(line) {
                    // Nothing to rewrite: `normalize_expires` would give the line back.
                    return Some(h.clone());
                }
                HeaderValue::from_str(&normalize_expires(line)).ok()
            })
            .collect();
        self.0.set_cookies(&mut normalized.iter(), url);
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.0.cookies(url)
    }
}

/// Does the line contain `expires` in any case (a cheap pre-check for [`normalize_expires`])?
fn mentions_expires(line: &str) -> bool {
    line.as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"expires"))
}

/// Rewrites every `Expires` attribute into IMF-fixdate when RFC 6265 can read its date;
/// leaves the line as it is otherwise.
pub fn normalize_expires(line: &str) -> String {
    line.split(';')
        .enumerate()
        .map(|(i, part)| {
            let Some((name, value)) = part.split_once('=') else {
                return part.to_string();
            };
            if i == 0 || !name.trim().eq_ignore_ascii_case("expires") {
                return part.to_string();
            }
            match parse_cookie_date(value.trim()) {
                Some(unix) if unix >= 0 => {
                    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix as u64);
                    format!(" Expires={}", httpdate::fmt_http_date(when))
                }
                _ => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod jar_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netscape_dates_are_normalized_and_others_kept() {
        assert_eq!(
            normalize_expires("a=deleted; expires=Thursday, 01-Jan-1970 00:00:00 GMT; path=/"),
            "a=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/"
        );
        assert_eq!(normalize_expires("a=b; Path=/"), "a=b; Path=/");
        assert!(mentions_expires("a=b; EXPIRES=x") && !mentions_expires("a=b; Max-Age=0"));
        assert_eq!(
            normalize_expires("expires=x; Max-Age=0"),
            "expires=x; Max-Age=0"
        );
    }

    #[test]
    fn the_jar_forgets_a_cookie_cleared_with_a_long_weekday_date() {
        let url = Url::parse("http://api.openapp.test/x").unwrap();
        let inner = Arc::new(CookieStoreMutex::default());
        let jar = BrowserJar(inner.clone(), None);
        use reqwest::cookie::CookieStore;
        let set = HeaderValue::from_static("s=1; Path=/; Domain=openapp.test");
        jar.set_cookies(&mut std::iter::once(&set), &url);
        assert!(jar.cookies(&url).is_some());
        let clear = HeaderValue::from_static(
            "s=deleted; expires=Thursday, 01-Jan-1970 00:00:00 GMT; domain=.openapp.test; path=/",
        );
        jar.set_cookies(&mut std::iter::once(&clear), &url);
        assert!(jar.cookies(&url).is_none());
    }
}
