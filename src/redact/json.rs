//! Secret JSON fields, recognised by name anywhere in a document (Kratos flows, sessions,
//! request bodies), masked before a document is shown.

use serde_json::Value;

/// Keys whose string values are always secrets.
const SECRET_KEYS: [&str; 6] = [
    "password",
    "csrf_token",
    "session_token",
    "logout_token",
    "token",
    "ory_session_token",
];

/// `attributes.name` values of Kratos ui nodes whose `attributes.value` is a secret.
const SECRET_NODE_NAMES: [&str; 2] = ["csrf_token", "password"];

const MASK: &str = "[redacted]";

/// Masks the value of JSON string fields that are secrets by name anywhere in `v`: the keys
/// `password`, `csrf_token`, `session_token`, `logout_token`, `token` and `ory_session_token`,
/// and the `value` of a ui node whose `attributes.name` is `csrf_token` or `password`. Each
/// becomes `"[redacted]"`; everything else is kept.
pub fn redact_json(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let secret_node = map
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| SECRET_NODE_NAMES.contains(&name));
            let masked = map.iter().map(|(key, value)| {
                let secret = SECRET_KEYS.contains(&key.as_str()) || (secret_node && key == "value");
                let value = match value {
                    Value::String(_) if secret => Value::String(MASK.to_owned()),
                    other => redact_json(other),
                };
                (key.clone(), value)
            });
            Value::Object(masked.collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        scalar => scalar.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secret_keys_at_any_depth() {
        let doc = json!({
            "password": "hunter22",
            "identifier": "user@example.test",
            "session": {"token": "ory_st_abc", "id": "1f0e"},
            "list": [{"csrf_token": "c5rf"}, {"logout_token": "ory_lo_x"}],
            "session_token": "ory_st_def",
            "ory_session_token": "t",
            "count": 3
        });
        assert_eq!(
            redact_json(&doc),
            json!({
                "password": MASK,
                "identifier": "user@example.test",
                "session": {"token": MASK, "id": "1f0e"},
                "list": [{"csrf_token": MASK}, {"logout_token": MASK}],
                "session_token": MASK,
                "ory_session_token": MASK,
                "count": 3
            })
        );
    }

    #[test]
    fn masks_ui_node_values_by_attribute_name() {
        let flow = json!({"ui": {"nodes": [
            {"type": "input", "attributes": {"name": "csrf_token", "type": "hidden", "value": "Lc2GUwzo"}},
            {"type": "input", "attributes": {"name": "identifier", "type": "text", "value": "user@example.test"}},
            {"type": "input", "attributes": {"name": "password", "type": "password", "value": "pw1234"}},
            {"type": "input", "attributes": {"name": "method", "type": "submit", "value": "password"}}
        ]}});
        let redacted = redact_json(&flow);
        let values: Vec<_> = (0..4)
            .map(|i| redacted["ui"]["nodes"][i]["attributes"]["value"].clone())
            .collect();
        assert_eq!(
            values,
            [
                json!(MASK),
                json!("user@example.test"),
                json!(MASK),
                json!("password")
            ]
        );
    }

    #[test]
    fn keeps_non_string_secret_fields_and_key_order() {
        let doc = json!({"z": 1, "password": null, "token": {"inner": "x"}, "a": 2});
        let redacted = redact_json(&doc);
        assert_eq!(redacted, doc);
        let keys: Vec<_> = redacted
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["z", "password", "token", "a"]);
    }
}
