//! Kratos's `errorx`: errors forwarded to a browser (JSON for JSON clients, otherwise stored
//! and redirected to the error UI) and `GET /self-service/errors?id=`
//! (docs/kratos/behaviour.md §12.3).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use url::Url;
use uuid::Uuid;

use super::emulator::KratosEmulator;
use super::errors::KratosError;
use super::request::Req;
use super::store::StoredError;
use super::wire::{Reply, header_str, micros, rfc3339};

/// `url` with `key=value` appended to its query (`Flow.AppendTo`, `urlx.CopyWithQuery`).
pub(crate) fn with_query(url: &Url, key: &str, value: &str) -> String {
    let mut u = url.clone();
    u.query_pairs_mut().append_pair(key, value);
    u.to_string()
}

impl KratosEmulator {
    /// `errorx.Manager.Forward`: predicate A gets the envelope; otherwise the error is stored
    /// and the answer is a 303 to `<error ui>?id=`.
    pub(crate) fn forward(&self, req: &Req, err: KratosError) -> Reply {
        if req.is_json() {
            return err.reply(&req.headers);
        }
        let id = Uuid::new_v4();
        let stored = StoredError {
            error: err.inner(header_str(&req.headers, "x-request-id")),
            created_at: micros(self.now()),
        };
        {
            let mut store = self.store();
            store.errors.insert(id, stored);
            store.remember(super::store::Row::Error(id));
        }
        Reply::redirect(
            &req.method,
            StatusCode::SEE_OTHER,
            &with_query(&self.config.error_ui_url, "id", &id.to_string()),
        )
    }
}

/// `GET /self-service/errors?id=`.
pub(crate) async fn get_error(State(emu): State<Arc<KratosEmulator>>, req: Req) -> Reply {
    let id = req.query("id").and_then(|s| Uuid::parse_str(&s).ok());
    let stored = id.and_then(|id| emu.store().errors.get(&id).cloned().map(|e| (id, e)));
    match stored {
        Some((id, e)) => {
            let t = rfc3339(e.created_at);
            Reply::json(
                StatusCode::OK,
                &json!({"id": id.to_string(), "error": e.error, "created_at": t, "updated_at": t}),
            )
        }
        None => KratosError::not_found().reply(&req.headers),
    }
}
