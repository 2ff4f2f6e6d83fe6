//! `run --browser-check` (issue 22): after every step, Chromium confirms the scenario client's
//! jar. Every `Set-Cookie` line the client absorbed since the last step (and every cookie the
//! scenario seeded) is delivered to the client's browser context as the response that carried
//! it; then the two jars are compared attribute by attribute, and the cookies each would send
//! to every configured origin, as sets ([`super::compare`]).
//!
//! A difference is a failed check of the step: an *engine difference* (Chromium follows
//! RFC 6265bis and our jar does not: the harness's bug) names no rule and shows both jars side
//! by side; a *browser policy* finding (Chromium rejects or alters what the server set) cites
//! R20 ("every cookie the server sets is one a browser keeps as set") with Chromium's reason.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest_cookie_store::CookieStoreMutex;
use url::Url;

use super::chromium::{Chromium, Context};
use super::compare::{
    CookieView, Delivered, Difference, Kind, compare, compare_sent, side_by_side,
};
use crate::run::result::CheckResult;
use crate::settings::Endpoints;

/// One scenario client's side of the check: its browser context, and for each cookie last set
/// with a `Max-Age`, how much later Chromium received the line than our jar (its expiry counts
/// from then).
#[derive(Debug)]
pub struct ClientCheck {
    context: Context,
    lag: HashMap<String, f64>,
}

/// The browser check of one run: its Chromium and its counts.
#[derive(Debug)]
pub struct BrowserCheck {
    chromium: Arc<Chromium>,
    /// Contexts of finished trials, cleared, for the next ones.
    pool: std::sync::Mutex<Vec<Context>>,
    /// The origins whose `Cookie` headers are compared (API base, Kratos public).
    origins: Vec<Url>,
    steps: AtomicUsize,
    engine: AtomicUsize,
    policy: AtomicUsize,
}

impl BrowserCheck {
    /// Launches Chromium for these endpoints (exit code 3 when it is missing or fails).
    pub async fn launch(endpoints: &Endpoints) -> Result<Arc<BrowserCheck>, String> {
        let mut origins = Vec::new();
        if let Ok(api) = Url::parse(&format!("{}/", endpoints.api_base())) {
            origins.push(api);
        }
        origins.push(endpoints.kratos_public.clone());
        let mut hosts: Vec<String> = origins
            .iter()
            .filter_map(|u| u.host_str().map(str::to_string))
            .collect();
        hosts.sort();
        hosts.dedup();
        let chromium = Chromium::launch(&hosts).await?;
        Ok(Arc::new(BrowserCheck {
            chromium: Arc::new(chromium),
            pool: std::sync::Mutex::default(),
            origins,
            steps: AtomicUsize::new(0),
            engine: AtomicUsize::new(0),
            policy: AtomicUsize::new(0),
        }))
    }

    /// A browser context for one scenario client: one a finished trial gave back (its cookies
    /// cleared), else a new one (creating one costs about 200 ms, clearing one a few).
    pub async fn context(&self) -> Result<ClientCheck, String> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let context = match pooled {
            Some(c) => c,
            None => self.chromium.context().await?,
        };
        Ok(ClientCheck {
            context,
            lag: HashMap::new(),
        })
    }

    /// Takes a client's context back for another trial, its cookies cleared (a context that
    /// cannot be cleared is closed instead).
    pub async fn release(&self, client: ClientCheck) {
        if client.context.clear().await.is_ok() {
            self.pool
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(client.context);
        } else {
            client.context.dispose().await;
        }
    }

    /// Clears a client's context, as its jar was cleared (`clear_jar = true`): the comparison
    /// after the step then finds two empty jars.
    pub async fn clear(&self, client: &mut ClientCheck) -> Result<(), String> {
        client.context.clear().await?;
        client.lag.clear();
        Ok(())
    }

    /// Delivers what the client absorbed to its context, then compares the two jars: the
    /// failed checks of the comparison (none when Chromium agrees).
    pub async fn cross_check(
        &self,
        client: &mut ClientCheck,
        absorbed: Vec<Delivered>,
        jar: &CookieStoreMutex,
    ) -> Result<Vec<CheckResult>, String> {
        let ClientCheck { context, lag } = client;
        // Chromium gets each line later than our jar did: a `Max-Age` counts from then.
        let mut delivered = Vec::with_capacity(absorbed.len());
        for (url, group) in by_response(&absorbed) {
            let lines = group.iter().map(|d| d.line.clone()).collect();
            context.deliver(lines, &url).await?;
            for d in group {
                let now = Delivered::new(d.line.clone(), d.url.clone());
                if has_max_age(&d.line) {
                    lag.insert(cookie_name(&d.line), now.at - d.at);
                } else {
                    lag.remove(&cookie_name(&d.line));
                }
                delivered.push(now);
            }
        }
        let theirs = context.cookies().await?;
        let ours: Vec<CookieView> = {
            let store = jar.lock().unwrap_or_else(|p| p.into_inner());
            store
                .iter_unexpired()
                .map(CookieView::from_jar)
                .map(|mut c| {
                    if let (Some(e), Some(l)) = (c.expires.as_mut(), lag.get(&c.name)) {
                        *e += l;
                    }
                    c
                })
                .collect()
        };
        let mut differences = compare(&ours, &theirs, &delivered);
        for url in &self.origins {
            let sent: Vec<String> = {
                let store = jar.lock().unwrap_or_else(|p| p.into_inner());
                store
                    .get_request_values(url)
                    .map(|(n, _)| n.to_string())
                    .collect()
            };
            let would = context.would_send(url).await?;
            differences.extend(compare_sent(&sent, &would));
        }
        self.steps.fetch_add(1, Ordering::Relaxed);
        Ok(self.checks(&differences, &ours, &theirs))
    }

    fn checks(
        &self,
        differences: &[Difference],
        ours: &[CookieView],
        theirs: &[CookieView],
    ) -> Vec<CheckResult> {
        let (policy, engine): (Vec<&Difference>, Vec<&Difference>) = differences
            .iter()
            .partition(|d| matches!(d.kind, Kind::BrowserPolicy { .. }));
        self.engine.fetch_add(engine.len(), Ordering::Relaxed);
        self.policy.fetch_add(policy.len(), Ordering::Relaxed);
        let mut out = Vec::new();
        if !policy.is_empty() {
            out.push(CheckResult {
                what: "chromium keeps every cookie as the server set it".into(),
                rules: vec!["R20".into()],
                failure: Some(lines(&policy)),
                evaluated: true,
            });
        }
        if !engine.is_empty() {
            out.push(CheckResult {
                what: "chromium's jar agrees with the harness's (an engine difference is the \
                       harness's bug)"
                    .into(),
                rules: Vec::new(),
                failure: Some(format!(
                    "{}\n{}",
                    lines(&engine),
                    side_by_side(ours, theirs)
                )),
                evaluated: true,
            });
        }
        out
    }

    /// `browser check: 112 steps cross-checked against Chromium 156.0…, 0 differences`.
    pub fn summary(&self) -> String {
        let (engine, policy) = (
            self.engine.load(Ordering::Relaxed),
            self.policy.load(Ordering::Relaxed),
        );
        let detail = if engine + policy == 0 {
            String::new()
        } else {
            format!(" ({policy} browser policy, R20; {engine} engine differences)")
        };
        format!(
            "browser check: {} steps cross-checked against {}, {} differences{detail}",
            self.steps.load(Ordering::Relaxed),
            self.chromium.version,
            engine + policy
        )
    }
}

fn lines(differences: &[&Difference]) -> String {
    differences
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The absorbed lines grouped by the response that carried them (consecutive lines of one
/// URL), in order.
fn by_response(absorbed: &[Delivered]) -> Vec<(Url, Vec<&Delivered>)> {
    let mut out: Vec<(Url, Vec<&Delivered>)> = Vec::new();
    for d in absorbed {
        match out.last_mut() {
            Some((url, group)) if *url == d.url => group.push(d),
            _ => out.push((d.url.clone(), vec![d])),
        }
    }
    out
}

/// The cookie name of a `Set-Cookie` line.
fn cookie_name(line: &str) -> String {
    line.split(['=', ';'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Does the line carry a `Max-Age` (an expiry relative to its receipt)?
fn has_max_age(line: &str) -> bool {
    line.split(';')
        .skip(1)
        .any(|a| a.trim().to_ascii_lowercase().starts_with("max-age"))
}
