//! Secret fields, recognised by name anywhere in a JSON document (Kratos flows, sessions,
//! request bodies) or in a form-urlencoded body (the login form a browser posts), masked
//! before a body is shown.

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

/// Masks the values of the secret fields of a form-urlencoded body (`csrf_token=…&password=…`,
/// the names of [`SECRET_KEYS`]) as `[redacted]`, percent-encoded; every other pair is kept as
/// written. `None` when `body` does not look like a form body (a segment without `=`, or
/// whitespace), so a text body is never rewritten.
pub fn redact_form(body: &str) -> Option<String> {
    if body.is_empty() || body.contains(char::is_whitespace) {
        return None;
    }
    let masked: String = form_urlencoded::byte_serialize(MASK.as_bytes()).collect();
    let pairs = body.split('&').map(|pair| {
        let (name, _) = pair.split_once('=')?;
        let decoded = form_urlencoded::parse(name.as_bytes())
            .next()
            .map(|(k, _)| k.into_owned())
            .unwrap_or_default();
        Some(if SECRET_KEYS.contains(&decoded.as_str()) {
            format!("{name}={masked}")
        } else {
            pair.to_string()
        })
    });
    pairs.collect::<Option<Vec<_>>>().map(|p| p.join("&"))
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

    /// The login form of a browser without JavaScript (K2, K3, K4): the token and the password
    /// are masked by name, whatever their value, so a wrong token written in a scenario is
    /// masked too.
    #[test]
    fn masks_secret_fields_of_a_form_body() {
        assert_eq!(
            redact_form("csrf_token=AAAA%3D%3D&identifier=a%40b.test&password=pw&method=password")
                .as_deref(),
            Some(
                "csrf_token=%5Bredacted%5D&identifier=a%40b.test&password=%5Bredacted%5D&method=password"
            )
        );
        assert_eq!(redact_form("a=1&b").as_deref(), None);
        assert_eq!(redact_form("not a form=1").as_deref(), None);
        assert_eq!(redact_form("").as_deref(), None);
        assert_eq!(redact_form("flag=").as_deref(), Some("flag="));
    }
}
