//! The scenario file format, as the TOML deserializer sees it.
//!
//! One file holds one scenario: metadata, the identities it needs and ordered steps. Every
//! table denies unknown keys; fields that semantic validation checks keep their source span
//! (`toml::Spanned`) so errors can name file:line:column. See README "Writing a scenario".

use std::collections::BTreeMap;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// Logout through Kratos self-service (the plan's [`Logout`](crate::plan::model::Logout)).
pub use crate::plan::model::Logout as KratosLogout;
pub use crate::plan::model::{
    ApiKeyUse, BodyClass, CookieScope, DEFAULT_CLIENT, FlowKind, KeyChannel, KeyKind, Requirement,
    SdkCall, SdkExpect, SeedCookie, Service, StatusExpect,
};

/// One scenario file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Unique, human-readable name.
    pub name: Spanned<String>,
    /// What the scenario proves, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// Free tags; `core` or `strict` selects the profile.
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    /// Contract rule ids (`R1`…`R16`, `K1`…`K7`) this scenario checks.
    pub rules: Vec<Spanned<String>>,
    /// Extra target capabilities the scenario needs beyond those its steps imply.
    #[serde(default)]
    pub requires: Vec<Spanned<Requirement>>,
    /// Identities by name (`alice = { provisioned = true }`).
    #[serde(default)]
    pub identities: BTreeMap<String, Spanned<IdentitySpec>>,
    /// Browser clients besides `default`, each with its own cookie jar.
    #[serde(default)]
    pub clients: Vec<Spanned<String>>,
    /// Ordered steps (`[[step]]`).
    #[serde(default, rename = "step")]
    pub steps: Vec<Spanned<Step>>,
}

/// An identity a scenario logs in with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySpec {
    /// Provisioned as an OpenApp user (gateway sets `X-User`). Default: `true`.
    #[serde(default = "yes")]
    pub provisioned: bool,
}

fn yes() -> bool {
    true
}

/// One step: exactly one action (`request`, `login`, `logout`, `sdk`, `clear_jar`, `wait`),
/// then expectations and captures (none on `clear_jar` and `wait`, which make no request).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Label, used by `same_json_as` and in reports.
    pub name: Option<Spanned<String>>,
    /// The client (cookie jar) that runs the step. Default: `default`.
    pub client: Option<Spanned<String>>,
    /// A parallel group: consecutive steps with the same label run at the same time.
    pub parallel: Option<Spanned<String>>,
    /// Rules this step's checks enforce, when narrower than the scenario's `rules`.
    #[serde(default)]
    pub rules: Vec<Spanned<String>>,
    /// An HTTP request.
    pub request: Option<Spanned<Request>>,
    /// A Kratos self-service login of an identity.
    pub login: Option<Spanned<Login>>,
    /// A Kratos self-service logout.
    pub logout: Option<Spanned<KratosLogout>>,
    /// A call through the official Rust SDK: `sdk = "whoami"`, or
    /// `sdk = { call = "whoami", api_key = { key = "invalid" }, cookies = [...] }`.
    pub sdk: Option<Spanned<SdkSpec>>,
    /// `clear_jar = true`: empty the client's cookie jar (no request).
    pub clear_jar: Option<Spanned<bool>>,
    /// `wait = "2s"`: pause the scenario this long (no request).
    pub wait: Option<Spanned<String>>,
    /// What the (last) response must look like.
    #[serde(default)]
    pub expect: Expect,
    /// Values taken from the (last) response into `{{variables}}`.
    #[serde(default)]
    pub capture: BTreeMap<String, Spanned<Capture>>,
}

/// An HTTP request step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// HTTP method, upper case.
    pub method: Spanned<String>,
    /// Target service. Default: `api`.
    #[serde(default)]
    pub to: Service,
    /// Path relative to the service base, may hold `{{variables}}` and a query string.
    pub path: Spanned<String>,
    /// Extra request headers; values may hold `{{variables}}`.
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
    /// A JSON body (strings may hold `{{variables}}`).
    pub json: Option<Spanned<toml::Value>>,
    /// A form-urlencoded body.
    pub form: Option<BTreeMap<String, Spanned<String>>>,
    /// A raw body (sent as `text/plain` unless a header says otherwise).
    pub body: Option<Spanned<String>>,
    /// Send an OpenApp API key.
    pub api_key: Option<Spanned<ApiKeyUse>>,
    /// Send the client's Kratos session token (from an API login) as `X-Session-Token`.
    #[serde(default)]
    pub session_token: bool,
    /// Cookies to put into the client's jar before the request.
    #[serde(default)]
    pub cookies: Vec<Spanned<SeedCookie>>,
}

/// Login of a named identity through Kratos self-service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The identity (declared under `[identities]`).
    pub identity: Spanned<String>,
    /// `browser` (JSON client, cookie jar), `browser-form` (a browser without JavaScript:
    /// `303`s and a form post, cookie jar) or `api` (session token). Default: `browser`.
    #[serde(default)]
    pub flow: FlowKind,
}

/// Expectations on a step's (last) response. Every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// One status or a list of allowed statuses.
    pub status: Option<Spanned<StatusExpect>>,
    /// The body class.
    pub body: Option<Spanned<BodyClass>>,
    /// JSON checks by RFC 6901 pointer.
    #[serde(default)]
    pub json: Vec<Spanned<JsonCheck>>,
    /// Header checks.
    #[serde(default)]
    pub headers: Vec<Spanned<HeaderCheck>>,
    /// Cookies a `Set-Cookie` line must set (not expired), as `NAME@host`, `NAME@domain` or `NAME`.
    #[serde(default)]
    pub sets: Vec<Spanned<String>>,
    /// Cookies a `Set-Cookie` line must expire. A `csrf_token_*` pattern means every such cookie
    /// the request carried.
    #[serde(default)]
    pub clears: Vec<Spanned<String>>,
    /// Cookie names (or `prefix*`) no `Set-Cookie` line may set.
    #[serde(default)]
    pub not_sets: Vec<Spanned<String>>,
    /// Attribute checks on the line that sets a cookie.
    #[serde(default)]
    pub cookie: Vec<Spanned<CookieCheck>>,
    /// Cookie names (or `prefix*`) the jar must hold after the response.
    #[serde(default)]
    pub jar_has: Vec<Spanned<String>>,
    /// Cookie names (or `prefix*`) the jar must not hold after the response.
    #[serde(default)]
    pub jar_lacks: Vec<Spanned<String>>,
    /// The JSON body agrees with an earlier step's at these pointers (R2).
    pub same_json_as: Option<Spanned<SameJsonAs>>,
    /// How long the expectations may take to hold: the step (a GET request) is sent again,
    /// with backoff, until they do or the time is up.
    pub within: Option<Spanned<DurationValue>>,
    /// What the caller of an SDK step got: `"null"`, `"session"`, `"unit"` or
    /// `{ error = "auth" }`.
    pub sdk: Option<Spanned<SdkExpectSpec>>,
}

/// An `sdk` step as written: the call's name alone, or a table.
#[derive(Debug, Clone)]
pub struct SdkSpec {
    /// The SDK method (`whoami`, `session`, `kratos_identity`, `provisioned`, `logout`,
    /// `sign_out`).
    pub call: Spanned<SdkCall>,
    /// The key the SDK client is built with. Default: `{ key = "valid" }`; only the
    /// `x-api-key` channel (the SDK sends no other).
    pub api_key: Option<Spanned<ApiKeyUse>>,
    /// Cookies to put into the client's jar before the call.
    pub cookies: Vec<Spanned<SeedCookie>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SdkTable {
    call: Spanned<SdkCall>,
    api_key: Option<Spanned<ApiKeyUse>>,
    #[serde(default)]
    cookies: Vec<Spanned<SeedCookie>>,
}

impl<'de> Deserialize<'de> for SdkSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = SdkSpec;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "an SDK call such as `\"whoami\"`, or `{ call = \"whoami\", api_key = { key = \"invalid\" } }`",
                )
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let call = SdkCall::deserialize(de::value::StrDeserializer::<E>::new(v))?;
                Ok(SdkSpec {
                    // The string's own span is the step value's: the caller's `Spanned` has it.
                    call: Spanned::new(0..0, call),
                    api_key: None,
                    cookies: Vec::new(),
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let t = SdkTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(SdkSpec {
                    call: t.call,
                    api_key: t.api_key,
                    cookies: t.cookies,
                })
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// `expect.sdk` as written.
#[derive(Debug, Clone, Copy)]
pub struct SdkExpectSpec(pub SdkExpect);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SdkErrorTable {
    error: SdkErrorKind,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum SdkErrorKind {
    Auth,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum SdkValueKind {
    Null,
    Session,
    Unit,
}

impl<'de> Deserialize<'de> for SdkExpectSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = SdkExpectSpec;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`\"null\"`, `\"session\"`, `\"unit\"` or `{ error = \"auth\" }`")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let kind = SdkValueKind::deserialize(de::value::StrDeserializer::<E>::new(v))?;
                Ok(SdkExpectSpec(match kind {
                    SdkValueKind::Null => SdkExpect::Null,
                    SdkValueKind::Session => SdkExpect::Session,
                    SdkValueKind::Unit => SdkExpect::Unit,
                }))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let t = SdkErrorTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match t.error {
                    SdkErrorKind::Auth => Ok(SdkExpectSpec(SdkExpect::AuthError)),
                }
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// A duration written in the file (`"5s"`), or read from a named setting with a default
/// (`{ setting = "revocation_within", default = "0s" }`: the environment variable
/// `OPENAPP_CONFORMANCE_REVOCATION_WITHIN`, else `0s`).
#[derive(Debug, Clone)]
pub enum DurationValue {
    /// Written in the file.
    Literal(String),
    /// Read from a setting.
    Setting(SettingRef),
}

/// `{ setting = "…", default = "…" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingRef {
    /// The setting's name (`revocation_within`).
    pub setting: Spanned<String>,
    /// The value when the setting has none.
    pub default: Spanned<String>,
}

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = DurationValue;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a duration such as `\"5s\"`, or `{ setting = \"…\", default = \"…\" }`",
                )
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(DurationValue::Literal(v.to_string()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                SettingRef::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(DurationValue::Setting)
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// A check on one JSON value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonCheck {
    /// RFC 6901 pointer, `""` for the whole body.
    pub path: Spanned<String>,
    /// Equal to this value (strings may hold `{{variables}}`).
    pub equals: Option<toml::Value>,
    /// Present (`true`) or absent (`false`).
    pub exists: Option<bool>,
    /// A string matching this regex.
    pub matches: Option<Spanned<String>>,
    /// Different from this value (strings may hold `{{variables}}`).
    pub not_equals: Option<toml::Value>,
}

/// A check on one response header.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderCheck {
    /// Header name, any case.
    pub name: String,
    /// Exact value.
    pub equals: Option<String>,
    /// Regex the value must match.
    pub matches: Option<Spanned<String>>,
    /// Present (`true`) or absent (`false`).
    pub exists: Option<bool>,
}

/// Attribute checks on the `Set-Cookie` line(s) that set a cookie.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieCheck {
    /// Cookie name or `prefix*`.
    pub name: Spanned<String>,
    /// `host-only`, `cookie-domain`, or a literal domain.
    pub domain: Option<String>,
    /// Exact path.
    pub path: Option<String>,
    /// HttpOnly present or not.
    pub httponly: Option<bool>,
    /// `yes`, `no`, or `as-expected` (present exactly when Kratos's public URL is https).
    pub secure: Option<String>,
    /// `as-configured` or a literal (`Lax`, `Strict`, `None`), case-insensitive.
    pub samesite: Option<String>,
    /// `persistent`, `session` or `expired`.
    pub lifetime: Option<String>,
}

/// Compare this response's JSON with an earlier step's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SameJsonAs {
    /// The earlier step's `name`.
    pub step: Spanned<String>,
    /// Pointers that must agree. Default: `/id`, `/identity/id`, `/active`.
    #[serde(default)]
    pub paths: Vec<String>,
}

/// Where a captured value comes from (exactly one key).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// RFC 6901 pointer into the JSON body.
    pub json: Option<String>,
    /// Response header name.
    pub header: Option<String>,
    /// With `header` only: take this query parameter of the header's URL instead of the whole
    /// value (`{ header = "location", query = "flow" }` on a `303` to `<ui>/login?flow=<id>`).
    pub query: Option<Spanned<String>>,
    /// Cookie name, from a `Set-Cookie` line of the response (the value stays secret).
    pub cookie: Option<String>,
    /// The `value` of the Kratos `ui.nodes` input with this `attributes.name` (for example
    /// `csrf_token`), wherever it stands in the list.
    pub ui_node: Option<String>,
    /// Treat the value as a secret in every output. Default: true for cookies, `ui_node`
    /// `csrf_token` and pointers ending in `token`.
    pub secret: Option<bool>,
}
