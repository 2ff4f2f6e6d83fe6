//! Kratos's environment overrides for the keys the emulator reads: the key path in capitals,
//! dots as underscores (`serve.public.base_url` → `SERVE_PUBLIC_BASE_URL`).

use serde_json::Value;

/// The keys whose environment overrides are honoured, and whether each holds a list.
const ENV_KEYS: &[(&str, bool)] = &[
    ("dsn", false),
    ("dev", false),
    ("serve.public.base_url", false),
    ("serve.public.host", false),
    ("serve.public.port", false),
    ("serve.public.tls.cert.path", false),
    ("serve.public.tls.cert.base64", false),
    ("serve.public.tls.key.path", false),
    ("serve.public.tls.key.base64", false),
    ("serve.admin.base_url", false),
    ("serve.admin.host", false),
    ("serve.admin.port", false),
    ("selfservice.default_browser_return_url", false),
    ("selfservice.allowed_return_urls", true),
    ("selfservice.flows.login.ui_url", false),
    ("selfservice.flows.login.lifespan", false),
    (
        "selfservice.flows.login.after.default_browser_return_url",
        false,
    ),
    ("selfservice.flows.error.ui_url", false),
    ("selfservice.flows.registration.ui_url", false),
    ("selfservice.flows.registration.lifespan", false),
    (
        "selfservice.flows.logout.after.default_browser_return_url",
        false,
    ),
    ("cookies.domain", false),
    ("cookies.path", false),
    ("cookies.same_site", false),
    ("session.lifespan", false),
    ("session.cookie.name", false),
    ("session.cookie.domain", false),
    ("session.cookie.path", false),
    ("session.cookie.same_site", false),
    ("session.cookie.persistent", false),
    ("secrets.cookie", true),
    ("secrets.default", true),
];

/// The environment variable Kratos reads for a key path: `serve.public.base_url` →
/// `SERVE_PUBLIC_BASE_URL`.
pub fn env_name(key: &str) -> String {
    key.replace('.', "_").to_ascii_uppercase()
}

/// Writes every override `env` holds into the config tree.
pub(super) fn apply(tree: &mut Value, env: &dyn Fn(&str) -> Option<String>) {
    for (key, list) in ENV_KEYS {
        if let Some(raw) = env(&env_name(key)) {
            set_path(tree, key, env_value(&raw, *list));
        }
    }
}

/// An environment value as the config tree holds it: lists from JSON or comma-separated
/// text, `true`/`false` and integers typed, everything else a string.
fn env_value(raw: &str, list: bool) -> Value {
    if list {
        if let Ok(v @ Value::Array(_)) = serde_json::from_str(raw) {
            return v;
        }
        return Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        );
    }
    match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => raw
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(raw.to_string())),
    }
}

fn set_path(tree: &mut Value, key: &str, value: Value) {
    let mut node = tree;
    let parts: Vec<&str> = key.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !node.get(*part).is_some_and(Value::is_object) {
            node[*part] = Value::Object(Default::default());
        }
        node = &mut node[*part];
    }
    node[parts[parts.len() - 1]] = value;
}
