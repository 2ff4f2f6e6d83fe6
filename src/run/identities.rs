//! Staging hygiene for identities: every identity a trial creates through the admin API is
//! deleted at the end of that trial, pass or fail (`DELETE /admin/identities/{id}`), unless
//! the run keeps them (`--keep-identities`). The run's ledger ([`super::ledger`]) outlives
//! the trials, so an interrupted run deletes what its dropped trials left
//! ([`ClientFactory::delete_created_identities`]).

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::client::{BrowserClient, ClientFactory, Outgoing};
use super::ledger::Created;
use super::origins::Destination::KratosAdmin;
use super::result::Exchange;
use crate::redact::Secrets;

/// `<admin>/admin/identities<rest>`.
fn admin_url(admin: &Url, rest: &str) -> Option<Url> {
    let base = admin.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/admin/identities{rest}")).ok()
}

/// Deletes one identity by id and records the exchange in `log`. A 404 counts as deleted
/// (the identity is gone, which is all cleanup asks). `Err` is the warning line to report.
async fn delete_by_id(
    client: &BrowserClient,
    admin: &Url,
    id: &str,
    log: &mut Vec<Exchange>,
) -> Result<(), String> {
    let Some(url) = admin_url(admin, &format!("/{id}")) else {
        return Err(format!("identity {id} was not deleted: not a usable id"));
    };
    let mut out = Outgoing::get(
        "teardown: delete identity (admin API)",
        KratosAdmin,
        url.clone(),
    )
    .without_jar();
    out.method = Method::DELETE;
    let exchange = client.send(out).await;
    let outcome = match &exchange.response {
        Ok(r) if r.status == 204 || r.status == 404 => Ok(()),
        Ok(r) => Err(format!("the admin API answered {}", r.status)),
        Err(e) => Err(e.clone()),
    };
    log.push(exchange);
    outcome.map_err(|why| {
        format!("identity {id} was not deleted ({why}); it stays in Kratos: DELETE {url}")
    })
}

/// The ids the admin API lists for `identifier` (an identity whose creation answer never
/// arrived: the request may still have created it).
async fn lookup(
    client: &BrowserClient,
    admin: &Url,
    identifier: &str,
    log: &mut Vec<Exchange>,
) -> Result<Vec<String>, String> {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("credentials_identifier", identifier)
        .finish();
    let url = admin_url(admin, &format!("?{query}")).ok_or("not a usable admin URL")?;
    let out = Outgoing::get("teardown: find identity (admin API)", KratosAdmin, url).without_jar();
    let exchange = client.send(out).await;
    let found = match &exchange.response {
        Ok(r) if r.status == 200 => Ok(r
            .json()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|i| i.get("id").and_then(Value::as_str).map(String::from))
            .collect()),
        Ok(r) => Err(format!(
            "identity {identifier} may be left behind: the admin API answered {} to the lookup",
            r.status
        )),
        Err(e) => Err(format!("identity {identifier} may be left behind: {e}")),
    };
    log.push(exchange);
    found
}

/// Deletes what the ledger knows of `identifier`; gives how many identities went, or the
/// warning line. The ledger entry goes once nothing of it remains.
async fn delete_entry(
    factory: &ClientFactory,
    client: &BrowserClient,
    identifier: &str,
    entry: &Created,
    log: &mut Vec<Exchange>,
) -> Result<usize, String> {
    let ids = match &entry.id {
        Some(id) => vec![id.clone()],
        None => lookup(client, &entry.admin, identifier, log).await?,
    };
    for id in &ids {
        delete_by_id(client, &entry.admin, id, log).await?;
    }
    factory.run().identities().forget(identifier);
    Ok(ids.len())
}

impl ClientFactory {
    /// Deletes the identities of one trial (by identifier) unless the run keeps them; each
    /// exchange goes to `log`; each failure is a warning line, never a failure.
    pub async fn delete_identities(
        &self,
        client: &BrowserClient,
        identifiers: &[String],
        log: &mut Vec<Exchange>,
    ) -> Vec<String> {
        if self.run().keeps_identities() {
            return Vec::new();
        }
        let mut warnings = Vec::new();
        for identifier in identifiers {
            let Some(entry) = self.run().identities().get(identifier) else {
                continue;
            };
            if let Err(w) = delete_entry(self, client, identifier, &entry, log).await {
                warnings.push(w);
            }
        }
        warnings
    }

    /// Deletes every identity the run's ledger still holds (their trials were dropped, e.g.
    /// by an interrupt, or their deletion failed) and gives how many identities it deleted.
    /// Nothing is deleted when the run keeps its identities (`--keep-identities`).
    pub async fn delete_created_identities(&self) -> usize {
        if self.run().keeps_identities() {
            return 0;
        }
        let pending = self.run().identities().pending();
        if pending.is_empty() {
            return 0;
        }
        let Ok(client) = self.browser("teardown", &Secrets::new()) else {
            return 0;
        };
        let deleted = join_all(pending.iter().map(|(identifier, entry)| {
            let client = &client;
            async move {
                let mut log = Vec::new();
                delete_entry(self, client, identifier, entry, &mut log)
                    .await
                    .unwrap_or(0)
            }
        }))
        .await;
        deleted.into_iter().sum()
    }
}
