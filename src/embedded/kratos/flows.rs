//! Login flows: the JSON form of a stored flow (`store::LoginFlow`) with the password
//! method's `ui.nodes` (docs/kratos/behaviour.md §4, §13), and creation.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::emulator::KratosEmulator;
use super::store::{FlowKind, LoginFlow, Row};
use super::wire::{micros, rfc3339};

/// One `input` node in Kratos's key order.
fn input_node(group: &str, attributes: Value, messages: &[Value], meta: Value) -> Value {
    json!({"type": "input", "group": group, "attributes": attributes, "messages": messages, "meta": meta})
}

fn label(id: u32, text: &str) -> Value {
    json!({"label": {"id": id, "text": text, "type": "info"}})
}

impl KratosEmulator {
    /// Creates and stores a login flow; `csrf_token` is the masked token (or `""`).
    pub(crate) fn create_flow(
        &self,
        kind: FlowKind,
        request_url: String,
        csrf_token: String,
    ) -> LoginFlow {
        let now = self.now();
        let lifespan =
            time::Duration::try_from(self.config.flow_lifespan).unwrap_or(time::Duration::HOUR);
        let flow = LoginFlow {
            id: Uuid::new_v4(),
            kind,
            expires_at: now + lifespan,
            issued_at: now,
            request_url,
            active: None,
            csrf_token,
            identifier: String::new(),
            messages: Vec::new(),
            identifier_messages: Vec::new(),
            password_messages: Vec::new(),
            created_at: micros(now),
        };
        let mut store = self.store();
        store.flows.insert(flow.id, flow.clone());
        store.remember(Row::Flow(flow.id));
        drop(store);
        flow
    }

    /// Stores a changed flow.
    pub(crate) fn save_flow(&self, flow: &LoginFlow) {
        self.store().flows.insert(flow.id, flow.clone());
    }

    /// A stored flow by id.
    pub(crate) fn flow(&self, id: Uuid) -> Option<LoginFlow> {
        self.store().flows.get(&id).cloned()
    }

    /// The login flow as JSON.
    pub(crate) fn flow_json(&self, f: &LoginFlow) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(f.id.to_string()));
        if !self.switches.on("kratos-fidelity-drop-organization-id") {
            m.insert("organization_id".into(), Value::Null);
        }
        m.insert("type".into(), json!(f.kind.as_str()));
        m.insert("expires_at".into(), json!(rfc3339(f.expires_at)));
        m.insert("issued_at".into(), json!(rfc3339(f.issued_at)));
        m.insert("request_url".into(), json!(f.request_url));
        if let Some(r) = f.return_to() {
            m.insert("return_to".into(), json!(r));
        }
        if let Some(a) = f.active {
            m.insert("active".into(), json!(a));
        }
        let nodes = json!([
            input_node(
                "default",
                json!({"name": "csrf_token", "type": "hidden", "value": f.csrf_token, "required": true, "disabled": false, "node_type": "input"}),
                &[],
                json!({}),
            ),
            input_node(
                "default",
                json!({"name": "identifier", "type": "text", "value": f.identifier, "required": true, "disabled": false, "node_type": "input"}),
                &f.identifier_messages,
                json!({"label": {"id": 1070002, "text": "E-Mail", "type": "info", "context": {"title": "E-Mail"}}}),
            ),
            input_node(
                "password",
                json!({"name": "password", "type": "password", "required": true, "autocomplete": "current-password", "disabled": false, "node_type": "input"}),
                &f.password_messages,
                label(1070001, "Password"),
            ),
            input_node(
                "password",
                json!({"name": "method", "type": "submit", "value": "password", "disabled": false, "node_type": "input"}),
                &[],
                label(1010022, "Sign in with password"),
            ),
        ]);
        let mut ui = Map::new();
        ui.insert(
            "action".into(),
            json!(self.flow_url(&format!("self-service/login?flow={}", f.id))),
        );
        ui.insert("method".into(), json!("POST"));
        ui.insert("nodes".into(), nodes);
        if !f.messages.is_empty() {
            ui.insert("messages".into(), Value::Array(f.messages.clone()));
        }
        m.insert("ui".into(), Value::Object(ui));
        m.insert("created_at".into(), json!(rfc3339(f.created_at)));
        m.insert("updated_at".into(), json!(rfc3339(f.created_at)));
        m.insert("refresh".into(), json!(false));
        m.insert("requested_aal".into(), json!("aal1"));
        m.insert("state".into(), json!("choose_method"));
        if self.switches.on("kratos-extra-fields") {
            m.insert("transient_payload".into(), json!({}));
            m.insert("identity_schema".into(), json!("default"));
        }
        Value::Object(m)
    }
}
