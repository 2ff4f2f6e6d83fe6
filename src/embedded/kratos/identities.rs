//! Identities: their JSON forms and the admin API `POST /admin/identities`,
//! `GET /admin/identities/{id}` (docs/kratos/behaviour.md §9.2, capture 05), the list
//! `GET /admin/identities` and `DELETE /admin/identities/{id}` (the harness's cleanup).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::emulator::KratosEmulator;
use super::errors::KratosError;
use super::store::{Address, Identity, PasswordHash, normalize_identifier};
use super::wire::{Reply, go_zero_time, micros, rfc3339};

/// Which of Kratos's identity serialisations to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdentityView {
    /// The 201 body of a create: credentials with zero times; metadata only when sent.
    Created {
        metadata_public: bool,
        metadata_admin: bool,
    },
    /// `GET /admin/identities/{id}`: credentials and both metadata fields.
    Admin,
    /// Inside a session (whoami, login): no credentials, no `metadata_admin`.
    Session,
    /// Inside an admin session list: also `schema_url: ""` and no addresses.
    SessionList,
}

impl KratosEmulator {
    /// `<public base>schemas/<base64url(schema_id)>`.
    fn schema_url(&self, schema_id: &str) -> String {
        self.config
            .public_url(&format!("schemas/{}", URL_SAFE_NO_PAD.encode(schema_id)))
    }

    /// An identity as JSON, in Go struct order.
    pub(crate) fn identity_json(&self, i: &Identity, view: IdentityView) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(i.id.to_string()));
        let with_credentials = matches!(view, IdentityView::Created { .. } | IdentityView::Admin);
        if with_credentials {
            let (created, updated) = match view {
                IdentityView::Created { .. } => {
                    (go_zero_time().to_string(), go_zero_time().to_string())
                }
                _ => (
                    rfc3339(i.credentials_created_at),
                    rfc3339(i.credentials_created_at),
                ),
            };
            if i.password.is_some() {
                m.insert(
                    "credentials".into(),
                    json!({"password": {"type": "password", "identifiers": i.identifiers, "version": 0, "created_at": created, "updated_at": updated}}),
                );
            }
        }
        m.insert("schema_id".into(), json!(i.schema_id));
        let schema_url = if view == IdentityView::SessionList {
            String::new()
        } else {
            self.schema_url(&i.schema_id)
        };
        m.insert("schema_url".into(), json!(schema_url));
        m.insert("state".into(), json!(i.state));
        m.insert(
            "state_changed_at".into(),
            json!(rfc3339(i.state_changed_at)),
        );
        m.insert("traits".into(), i.traits.clone());
        if view != IdentityView::SessionList {
            let verifiable: Vec<Value> = i.verifiable.iter().map(verifiable_json).collect();
            let recovery: Vec<Value> = i.recovery.iter().map(recovery_json).collect();
            if !verifiable.is_empty() {
                m.insert("verifiable_addresses".into(), Value::Array(verifiable));
            }
            if !recovery.is_empty() {
                m.insert("recovery_addresses".into(), Value::Array(recovery));
            }
        }
        let (public, admin) = match view {
            IdentityView::Created {
                metadata_public,
                metadata_admin,
            } => (metadata_public, metadata_admin),
            IdentityView::Admin => (true, true),
            IdentityView::Session | IdentityView::SessionList => (true, false),
        };
        if public {
            m.insert(
                "metadata_public".into(),
                i.metadata_public.clone().unwrap_or(Value::Null),
            );
        }
        if admin {
            m.insert(
                "metadata_admin".into(),
                i.metadata_admin.clone().unwrap_or(Value::Null),
            );
        }
        m.insert("created_at".into(), json!(rfc3339(i.created_at)));
        m.insert("updated_at".into(), json!(rfc3339(i.created_at)));
        if !self.switches.on("kratos-fidelity-drop-organization-id") {
            m.insert("organization_id".into(), Value::Null);
        }
        if self.switches.on("kratos-extra-fields") {
            m.insert("external_id".into(), Value::Null);
        }
        Value::Object(m)
    }
}

fn verifiable_json(a: &Address) -> Value {
    let t = rfc3339(a.created_at);
    json!({"id": a.id.to_string(), "value": a.value, "verified": false, "via": "email", "status": "pending", "created_at": t, "updated_at": t})
}

fn recovery_json(a: &Address) -> Value {
    let t = rfc3339(a.created_at);
    json!({"id": a.id.to_string(), "value": a.value, "via": "email", "created_at": t, "updated_at": t})
}

/// The create body, decoded strictly like Kratos's `jsonx.NewStrictDecoder`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateIdentity {
    schema_id: Option<String>,
    traits: Value,
    state: Option<String>,
    metadata_public: Option<Value>,
    metadata_admin: Option<Value>,
    credentials: Option<CreateCredentials>,
    /// Accepted and ignored: addresses always follow from the traits here.
    #[serde(rename = "verifiable_addresses", default)]
    _verifiable_addresses: Option<IgnoredAny>,
    #[serde(rename = "recovery_addresses", default)]
    _recovery_addresses: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCredentials {
    password: Option<CreatePassword>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatePassword {
    config: CreatePasswordConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatePasswordConfig {
    password: Option<String>,
    hashed_password: Option<String>,
    use_password_migration_hook: Option<bool>,
}

/// Validates the traits against `container/identity.schema.json` and returns the email.
pub(crate) fn validate_traits(traits: &Value) -> Result<String, KratosError> {
    let obj = traits.as_object().ok_or_else(|| {
        KratosError::bad_request(
            "I[#/traits] S[#/properties/traits/type] expected object, but got other",
        )
    })?;
    if let Some(extra) = obj.keys().find(|k| *k != "email" && *k != "name") {
        return Err(KratosError::bad_request(format!(
            "I[#/traits] S[#/properties/traits/additionalProperties] additionalProperties \"{extra}\" not allowed"
        )));
    }
    if obj.get("name").is_some_and(|n| !n.is_string()) {
        return Err(KratosError::bad_request(
            "I[#/traits/name] S[#/properties/traits/properties/name/type] expected string",
        ));
    }
    let email = obj
        .get("email")
        .ok_or_else(|| {
            KratosError::bad_request(
                "I[#/traits] S[#/properties/traits/required] missing properties: \"email\"",
            )
        })?
        .as_str()
        .ok_or_else(|| {
            KratosError::bad_request(
                "I[#/traits/email] S[#/properties/traits/properties/email/type] expected string",
            )
        })?;
    let valid = email.len() >= 3
        && email.len() <= 320
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty());
    if !valid {
        return Err(KratosError::bad_request(format!(
            "I[#/traits/email] S[#/properties/traits/properties/email/format] \"{email}\" is not valid \"email\""
        )));
    }
    Ok(email.to_string())
}

impl KratosEmulator {
    /// Builds and stores an identity (admin create and registration). `Err` on a duplicate
    /// identifier.
    pub(crate) fn insert_identity(
        &self,
        email: &str,
        traits: Value,
        password: Option<&str>,
        metadata_public: Option<Value>,
        metadata_admin: Option<Value>,
        state: &str,
    ) -> Result<Identity, KratosError> {
        let now = self.now();
        let identifier = normalize_identifier(email);
        let stored = micros(now);
        let address = |offset_us: i64| Address {
            id: Uuid::new_v4(),
            value: identifier.clone(),
            created_at: stored + time::Duration::microseconds(offset_us),
        };
        let identity = Identity {
            id: Uuid::new_v4(),
            schema_id: "default".into(),
            state: state.to_string(),
            state_changed_at: now,
            traits,
            metadata_public,
            metadata_admin,
            identifiers: vec![identifier.clone()],
            password: password.map(PasswordHash::new),
            credentials_created_at: stored + time::Duration::microseconds(3),
            verifiable: vec![address(1)],
            recovery: vec![address(2)],
            created_at: stored,
        };
        let mut store = self.store();
        if store.by_identifier.contains_key(&identifier) {
            return Err(KratosError::identity_conflict());
        }
        store.by_identifier.insert(identifier, identity.id);
        store.identities.insert(identity.id, identity.clone());
        store.remember(super::store::Row::Identity(identity.id));
        drop(store);
        Ok(identity)
    }
}

/// `POST /admin/identities`.
pub(crate) async fn create(
    State(emu): State<Arc<KratosEmulator>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let raw: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return KratosError::bad_request(format!("Unable to decode JSON payload: {e}"))
                .reply(&headers);
        }
    };
    let sent_public = raw.get("metadata_public").is_some();
    let sent_admin = raw.get("metadata_admin").is_some();
    let req: CreateIdentity = match serde_json::from_value(raw) {
        Ok(r) => r,
        Err(e) => return KratosError::bad_request(format!("json: {e}")).reply(&headers),
    };
    if let Some(schema) = req.schema_id.as_deref().filter(|s| *s != "default") {
        return KratosError::bad_request(format!(
            "The JSON Schema \"{schema}\" could not be found."
        ))
        .reply(&headers);
    }
    let email = match validate_traits(&req.traits) {
        Ok(e) => e,
        Err(e) => return e.reply(&headers),
    };
    let state = req.state.unwrap_or_else(|| "active".into());
    if state != "active" && state != "inactive" {
        return KratosError::bad_request(format!("identity state is not valid: {state}"))
            .reply(&headers);
    }
    let config = req.credentials.and_then(|c| c.password).map(|p| p.config);
    if config
        .as_ref()
        .is_some_and(|c| c.hashed_password.is_some() || c.use_password_migration_hook.is_some())
    {
        return KratosError::bad_request("the emulator only imports cleartext passwords")
            .reply(&headers);
    }
    let password = config.and_then(|c| c.password);
    match emu.insert_identity(
        &email,
        req.traits,
        password.as_deref(),
        req.metadata_public,
        req.metadata_admin,
        &state,
    ) {
        Ok(identity) => {
            let view = IdentityView::Created {
                metadata_public: sent_public,
                metadata_admin: sent_admin,
            };
            Reply::json(StatusCode::CREATED, &emu.identity_json(&identity, view)).header(
                header::LOCATION,
                emu.config.admin_url(&format!("identities/{}", identity.id)),
            )
        }
        Err(e) => e.reply(&headers),
    }
}

/// `GET /admin/identities/{id}`.
pub(crate) async fn get(
    State(emu): State<Arc<KratosEmulator>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let identity = Uuid::parse_str(&id)
        .ok()
        .and_then(|id| emu.store().identities.get(&id).cloned());
    match identity {
        Some(i) => Reply::json(StatusCode::OK, &emu.identity_json(&i, IdentityView::Admin)),
        None => KratosError::not_found().reply(&headers),
    }
}

/// `DELETE /admin/identities/{id}`: as Kratos v1.3.1's `deleteIdentity`, 204 with no body, and
/// 404 `Unable to locate the resource` for an unknown (or unparsable, `x.ParseUUID` gives the
/// nil id) id. The identity's sessions go with it (Kratos deletes them by foreign key).
pub(crate) async fn delete(
    State(emu): State<Arc<KratosEmulator>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let id = Uuid::parse_str(&id).unwrap_or(Uuid::nil());
    let mut store = emu.store();
    let Some(identity) = store.identities.remove(&id) else {
        drop(store);
        return KratosError::not_found().reply(&headers);
    };
    for i in &identity.identifiers {
        store.by_identifier.remove(i);
    }
    let gone: Vec<Uuid> = store
        .sessions
        .values()
        .filter(|s| s.identity_id == id)
        .map(|s| s.id)
        .collect();
    for sid in gone {
        if let Some(s) = store.sessions.remove(&sid) {
            store.by_token.remove(&s.token);
        }
    }
    drop(store);
    Reply::empty(StatusCode::NO_CONTENT)
}

/// The query of the identity list: Kratos's exact-match `credentials_identifier` filter.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    credentials_identifier: Option<String>,
}

/// `GET /admin/identities`: every identity (one page: the emulator holds far fewer than
/// Kratos's default page size of 250 in any test), ordered by id as Kratos orders them,
/// without credentials as Kratos lists them; `credentials_identifier` filters exactly.
pub(crate) async fn list(
    State(emu): State<Arc<KratosEmulator>>,
    Query(q): Query<ListQuery>,
) -> Reply {
    let mut identities: Vec<Identity> = {
        let store = emu.store();
        match q.credentials_identifier.as_deref() {
            Some(ident) => store
                .identity_by_identifier(ident)
                .cloned()
                .into_iter()
                .collect(),
            None => store.identities.values().cloned().collect(),
        }
    };
    identities.sort_by_key(|i| i.id);
    let list: Vec<Value> = identities
        .iter()
        .map(|i| {
            let mut v = emu.identity_json(i, IdentityView::Admin);
            if let Some(o) = v.as_object_mut() {
                o.remove("credentials");
            }
            v
        })
        .collect();
    Reply::json(StatusCode::OK, &Value::Array(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traits_validation() {
        assert_eq!(
            validate_traits(&json!({"email": "a@b.test"}))
                .ok()
                .as_deref(),
            Some("a@b.test")
        );
        assert!(validate_traits(&json!({"email": "nope"})).is_err());
        assert!(validate_traits(&json!({})).is_err());
        assert!(validate_traits(&json!({"email": "a@b.test", "x": 1})).is_err());
        assert!(validate_traits(&json!("a@b.test")).is_err());
    }
}
