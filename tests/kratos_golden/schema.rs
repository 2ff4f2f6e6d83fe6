//! JSON bodies against Kratos's OpenAPI spec (`tests/golden/kratos/api.json`, v1.3.1): the
//! operation is found by method and path template, the schema by status (else `default`),
//! `$ref`s resolve inside the spec, and OpenAPI's `nullable` becomes a JSON Schema `null`
//! type. Where the captures prove that Kratos itself departs from its spec, the departure is
//! listed once in [`SPEC_DEPARTURES`] with the capture that proves it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::capture::golden_dir;

/// One departure of real Kratos v1.3.1 from its own spec.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpecDeparture {
    /// A short stable name.
    pub id: &'static str,
    /// `METHOD /path-template` of the operation.
    pub operation: &'static str,
    /// The response status.
    pub status: u16,
    /// The JSON pointer of the offending value (prefix).
    pub instance_path: &'static str,
    /// The capture that shows real Kratos sending it.
    pub proven_by: &'static str,
    /// What the spec says and what Kratos sends.
    pub what: &'static str,
}

/// Every accepted departure from `api.json`.
pub(crate) const SPEC_DEPARTURES: &[SpecDeparture] = &[
    SpecDeparture {
        id: "api-login-continue-with-null",
        operation: "POST /self-service/login",
        status: 200,
        instance_path: "/continue_with",
        proven_by: "v1.3.1/14_api_login.json, step \"api submit\"",
        what: "the spec types `continue_with` as an array; an API login without hooks sends null",
    },
    SpecDeparture {
        id: "csrf-error-details",
        operation: "POST /self-service/login",
        status: 403,
        instance_path: "/error/details",
        proven_by: "v1.3.1/07_login_missing_csrf.json, step \"submit without csrf_token\"",
        what: "the spec types `error.details` as an object of objects; the CSRF error sends strings",
    },
    SpecDeparture {
        id: "csrf-error-details-on-flow-fetch",
        operation: "GET /self-service/login/flows",
        status: 403,
        instance_path: "/error/details",
        proven_by: "v1.3.1/04_login_get_flow.json, step \"get flow without any cookie\"",
        what: "as `csrf-error-details`, on the flow fetch without the CSRF cookie",
    },
    SpecDeparture {
        id: "expired-flow-error-details",
        operation: "GET /self-service/login/flows",
        status: 410,
        instance_path: "/error/details",
        proven_by: "v1.3.1/17_expired_flow.json, step \"get the expired browser flow\"",
        what: "the spec types `error.details` as an object of objects; the 410 of an expired flow's fetch sends strings (`redirect_to`, `return_to`)",
    },
    SpecDeparture {
        id: "admin-session-identity-null",
        operation: "GET /admin/sessions/{id}",
        status: 200,
        instance_path: "/identity",
        proven_by: "v1.3.1/19_admin_revoke_session.json, step \"admin get the revoked session\"",
        what: "the spec's `identity` is an object; without `expand=Identity` the admin read sends null",
    },
];

/// One schema violation.
#[derive(Debug, Clone)]
pub(crate) struct Violation {
    /// `METHOD /path-template`.
    pub operation: String,
    /// The status whose schema was used.
    pub status: u16,
    /// JSON pointer into the body.
    pub instance_path: String,
    /// The validator's message (values elided).
    pub message: String,
}

impl Violation {
    /// The departure that accepts this violation, if any.
    pub(crate) fn departure(&self) -> Option<&'static SpecDeparture> {
        SPEC_DEPARTURES.iter().find(|d| {
            d.operation == self.operation
                && d.status == self.status
                && self.instance_path.starts_with(d.instance_path)
        })
    }
}

/// `api.json` with `nullable` rewritten, and a validator per schema pointer.
pub(crate) struct Spec {
    doc: Value,
    validators: std::sync::Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

/// The spec, loaded once.
pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = golden_dir().join("api.json");
        let text = std::fs::read_to_string(&path).expect("api.json");
        let mut doc: Value = serde_json::from_str(&text).expect("api.json is JSON");
        openapi_nullable(&mut doc);
        Spec {
            doc,
            validators: Default::default(),
        }
    })
}

/// OpenAPI 3.0 `nullable: true` → JSON Schema: `null` is also allowed.
fn openapi_nullable(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.values_mut().for_each(openapi_nullable);
            if m.remove("nullable") == Some(Value::Bool(true)) {
                let inner = Value::Object(std::mem::take(m));
                m.insert("anyOf".into(), json!([inner, {"type": "null"}]));
            }
        }
        Value::Array(a) => a.iter_mut().for_each(openapi_nullable),
        _ => {}
    }
}

/// Does a path template such as `/admin/sessions/{id}` match `path`?
fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

impl Spec {
    /// The operation (`METHOD /template`) and the schema pointer for a response, if the spec
    /// documents a JSON body for it.
    pub(crate) fn schema_for(
        &self,
        method: &str,
        path: &str,
        status: u16,
    ) -> Option<(String, String)> {
        let paths = self.doc.get("paths")?.as_object()?;
        let (template, item) = paths.iter().find(|(t, _)| template_matches(t, path))?;
        let op = item.get(method.to_ascii_lowercase())?;
        let responses = op.get("responses")?;
        let mut response = responses
            .get(status.to_string())
            .or_else(|| responses.get("default"))?;
        if let Some(r) = response.get("$ref").and_then(Value::as_str) {
            response = self.doc.pointer(r.trim_start_matches('#'))?;
        }
        let schema = response.pointer("/content/application~1json/schema")?;
        let pointer = schema.get("$ref").and_then(Value::as_str)?.to_string();
        Some((
            format!("{} {template}", method.to_ascii_uppercase()),
            pointer,
        ))
    }

    fn validator(&self, pointer: &str) -> std::sync::Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(pointer.to_string())
            .or_insert_with(|| {
                let mut root = Map::new();
                root.insert("$ref".into(), Value::String(pointer.to_string()));
                root.insert("components".into(), self.doc["components"].clone());
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft4)
                    .build(&Value::Object(root))
                    .unwrap_or_else(|e| panic!("api.json schema {pointer} compiles: {e}"));
                std::sync::Arc::new(validator)
            })
            .clone()
    }

    /// Validates a JSON body; `None` when the spec documents no JSON body for it.
    pub(crate) fn validate(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Option<Vec<Violation>> {
        let (operation, pointer) = self.schema_for(method, path, status)?;
        let validator = self.validator(&pointer);
        Some(
            validator
                .iter_errors(body)
                .map(|e| Violation {
                    operation: operation.clone(),
                    status,
                    instance_path: e.instance_path().to_string(),
                    message: crate::normalize::volatile(&e.to_string()),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_nullable() {
        assert!(template_matches(
            "/admin/sessions/{id}",
            "/admin/sessions/abc"
        ));
        assert!(!template_matches("/admin/sessions/{id}", "/admin/sessions"));
        let mut v = json!({"type": "string", "nullable": true});
        openapi_nullable(&mut v);
        assert_eq!(v, json!({"anyOf": [{"type": "string"}, {"type": "null"}]}));
    }
}
