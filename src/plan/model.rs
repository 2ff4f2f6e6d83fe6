//! The Plan: what a run executes, resolved from validated scenario files (or, later, generated
//! directly by explore mode). Plain data with no source spans and no TOML: the runner
//! (`crate::run`) and the snapshot view (`crate::report::snapshot`) read only these types.
//!
//! The small vocabulary enums (services, flows, body classes, …) are defined here and
//! deserialized by the scenario file model, so a file and its plan speak the same words.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::contract::Profile;

/// The name of the client every step uses unless it names another.
pub const DEFAULT_CLIENT: &str = "default";

/// The pointers `same_json_as` compares when a step names none (R2).
pub const DEFAULT_SAME_JSON_PATHS: [&str; 3] = ["/id", "/identity/id", "/active"];

/// The trial name of a scenario id: `core/r01_x` → `core::r01_x`.
pub fn trial_name(id: &str) -> String {
    id.replace('/', "::")
}

/// One scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it came from (a generated scenario names a pseudo-path).
    pub path: PathBuf,
    /// Path under the scenarios root without `.toml`, `/`-separated (`core/r01_anonymous`).
    pub id: String,
    /// Unique, human-readable name.
    pub name: String,
    /// What the scenario proves.
    pub description: String,
    /// Free tags, in file order; `core` or `strict` is the profile.
    pub tags: Vec<String>,
    /// The rule ids the scenario cites, in file order.
    pub rules: Vec<String>,
    /// `strict` when tagged `strict`, else `core`.
    pub profile: Profile,
    /// What the scenario needs of its target (explicit and implied).
    pub requirements: BTreeSet<Requirement>,
    /// Identities by name.
    pub identities: BTreeMap<String, Identity>,
    /// Ordered steps.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// The scenario's `name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its libtest trial name (`core::r01_…`).
    pub fn trial_name(&self) -> String {
        trial_name(&self.id)
    }

    /// The scenario's tags, in file order.
    pub fn tags(&self) -> Vec<&str> {
        self.tags.iter().map(String::as_str).collect()
    }

    /// The rule ids the scenario cites, in file order.
    pub fn rules(&self) -> Vec<&str> {
        self.rules.iter().map(String::as_str).collect()
    }

    /// `strict` or `core`.
    pub fn profile(&self) -> Profile {
        self.profile
    }
}

/// An identity a scenario logs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Provisioned as an OpenApp user (the gateway sets `X-User`).
    pub provisioned: bool,
}

/// One step: a client performs one action, then expectations and captures apply to the
/// action's last response.
#[derive(Debug, Clone)]
pub struct Step {
    /// Label, used by `same_json_as` and in reports.
    pub name: Option<String>,
    /// The client (cookie jar) that runs the step.
    pub client: String,
    /// The parallel group the step belongs to: consecutive steps with the same group start
    /// together and are joined before the next step.
    pub parallel: Option<String>,
    /// The rules this step's checks enforce (the step's own, else the scenario's).
    pub rules: Vec<String>,
    /// What the client does.
    pub action: Action,
    /// What the (last) response must look like.
    pub expect: Expectations,
    /// Values taken from the (last) response into `{{variables}}`, by variable name.
    pub capture: BTreeMap<String, Capture>,
}

impl Step {
    /// The step's label in transcripts and snapshots: its name, else what it does.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => self.action.describe(),
        }
    }
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// An HTTP request.
    Request(Request),
    /// A Kratos self-service login of a named identity.
    Login(Login),
    /// A Kratos self-service logout.
    Logout(Logout),
    /// A call of the Auth API through the official Rust SDK (`openapp-sdk` 2.0.0).
    Sdk(SdkStep),
    /// Empties the client's cookie jar (a browser restarted with its cookies cleared); no
    /// exchange.
    ClearJar,
    /// Pauses the scenario this long; no exchange.
    Wait(Duration),
}

impl Action {
    /// A short description (`GET /auth/whoami`, `login alice (browser flow)`).
    pub fn describe(&self) -> String {
        match self {
            Action::Request(r) => format!("{} {}", r.method, r.path),
            Action::Login(l) => format!("login {} ({} flow)", l.identity, l.flow.as_str()),
            Action::Logout(l) => format!("kratos logout ({} flow)", l.flow.as_str()),
            Action::Sdk(c) => match c.key {
                KeyKind::Valid => format!("sdk {}", c.call.as_str()),
                KeyKind::Invalid => format!("sdk {} (invalid key)", c.call.as_str()),
            },
            Action::ClearJar => "clear jar".into(),
            Action::Wait(d) => format!("wait {}", super::settings::show(*d)),
        }
    }

    /// Does the step exchange anything with the target (`clear_jar` and `wait` do not)?
    pub fn exchanges(&self) -> bool {
        !matches!(self, Action::ClearJar | Action::Wait(_))
    }
}

/// An HTTP request; strings may hold `{{variables}}`, rendered when the step runs.
#[derive(Debug, Clone)]
pub struct Request {
    /// HTTP method, upper case.
    pub method: String,
    /// Target service.
    pub to: Service,
    /// Path relative to the service base, with any query string.
    pub path: String,
    /// Extra request headers, sorted by name.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Body>,
    /// An OpenApp API key to send.
    pub api_key: Option<ApiKeyUse>,
    /// Send the client's Kratos session token as `X-Session-Token`.
    pub session_token: bool,
    /// Cookies to put into the client's jar before the request.
    pub cookies: Vec<SeedCookie>,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// JSON (strings may hold `{{variables}}`); sent as `application/json`.
    Json(serde_json::Value),
    /// Form fields, sorted by name; sent as `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// Raw text; sent as `text/plain` unless a header says otherwise.
    Raw(String),
}

/// An API key on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyUse {
    /// `valid` (the target's key) or `invalid` (a well-formed key the target never issued).
    pub key: KeyKind,
    /// Header channel. Default: `x-api-key`.
    #[serde(default)]
    pub via: KeyChannel,
}

/// A cookie seeded into the jar before a request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCookie {
    /// Cookie name, for example `csrf_token_00ff00ff`.
    pub name: String,
    /// Value (may hold `{{variables}}`). Default: a random token.
    pub value: Option<String>,
    /// `host-only` (on the request's host) or `cookie-domain`. Default: `cookie-domain`.
    #[serde(default)]
    pub scope: CookieScope,
    /// Path. Default: `/`.
    #[serde(default = "root_path")]
    pub path: String,
}

fn root_path() -> String {
    "/".to_string()
}

/// Login of a named identity through Kratos self-service.
#[derive(Debug, Clone)]
pub struct Login {
    /// The identity (one of the scenario's `identities`).
    pub identity: String,
    /// Browser (JSON client), browser-form (no JavaScript) or API flow.
    pub flow: FlowKind,
}

/// An SDK call: which Auth method, with which key, after seeding which cookies.
#[derive(Debug, Clone)]
pub struct SdkStep {
    /// The method of the SDK's `auth()` client.
    pub call: SdkCall,
    /// The key the SDK client is built with (`api_key(...)`); the SDK sends it on `X-API-Key`.
    pub key: KeyKind,
    /// Cookies to put into the client's jar before the call (a forwarded cookie, R16's replay).
    pub cookies: Vec<SeedCookie>,
}

/// The six methods of the SDK's `auth()` client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SdkCall {
    /// `whoami()`: `GET /auth/whoami`.
    Whoami,
    /// `session()`: `GET /auth/session`.
    Session,
    /// `kratos_identity()`: `GET /auth/kratos-identity`.
    KratosIdentity,
    /// `provisioned()`: `GET /auth/provisioned`.
    Provisioned,
    /// `logout()`: `POST /auth/logout`.
    Logout,
    /// `sign_out()`: `POST /auth/sign-out`.
    SignOut,
}

impl SdkCall {
    /// The name a scenario writes (`kratos_identity`).
    pub fn as_str(self) -> &'static str {
        match self {
            SdkCall::Whoami => "whoami",
            SdkCall::Session => "session",
            SdkCall::KratosIdentity => "kratos_identity",
            SdkCall::Provisioned => "provisioned",
            SdkCall::Logout => "logout",
            SdkCall::SignOut => "sign_out",
        }
    }

    /// Whether the SDK sends it as a `GET` (it may then be repeated for `expect.within`).
    pub fn is_get(self) -> bool {
        !matches!(self, SdkCall::Logout | SdkCall::SignOut)
    }

    /// What the SDK method returns on success: `()` for logout and sign-out, else a JSON value.
    pub fn returns_unit(self) -> bool {
        !self.is_get()
    }
}

/// `expect.sdk`: what the caller of the SDK got back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkExpect {
    /// `Ok(Value::Null)` (the SDK decodes an empty body and `null` alike).
    Null,
    /// `Ok` with a Kratos session object (`id` and `identity.id`).
    Session,
    /// `Ok(())` (logout, sign-out).
    Unit,
    /// `Err(SdkError::Auth(_))`, and the server really answered 401 or 403.
    AuthError,
}

impl SdkExpect {
    /// How a scenario writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SdkExpect::Null => "null",
            SdkExpect::Session => "session",
            SdkExpect::Unit => "unit",
            SdkExpect::AuthError => "{ error = \"auth\" }",
        }
    }
}

/// Logout through Kratos self-service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logout {
    /// `browser` (logout URL with the jar, as a JSON client), `browser-form` (the logout URL
    /// followed as a browser without JavaScript: HTML `Accept`, `303`) or `api` (the client's
    /// session token).
    #[serde(default)]
    pub flow: FlowKind,
}

/// Expectations on a step's (last) response. Every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// Allowed statuses.
    pub status: Option<StatusExpect>,
    /// The body class.
    pub body: Option<BodyClass>,
    /// JSON checks by RFC 6901 pointer.
    pub json: Vec<JsonCheck>,
    /// Header checks.
    pub headers: Vec<HeaderCheck>,
    /// Cookies a `Set-Cookie` line must set (not expired): `NAME@host`, `NAME@domain` or `NAME`.
    pub sets: Vec<String>,
    /// Cookies a `Set-Cookie` line must expire; a `csrf_token_*` pattern means every such
    /// cookie the request carried.
    pub clears: Vec<String>,
    /// Cookie names (or `prefix*`) no `Set-Cookie` line may set.
    pub not_sets: Vec<String>,
    /// Attribute checks on the line that sets a cookie.
    pub cookie: Vec<CookieCheck>,
    /// Cookie names (or `prefix*`) the jar must hold after the response.
    pub jar_has: Vec<String>,
    /// Cookie names (or `prefix*`) the jar must not hold after the response.
    pub jar_lacks: Vec<String>,
    /// The JSON body agrees with an earlier step's at these pointers (R2).
    pub same_json_as: Option<SameJsonAs>,
    /// How long the expectations may take to hold (a GET step is sent again until they do).
    pub within: Option<Within>,
    /// What the SDK's caller got (SDK steps only).
    pub sdk: Option<SdkExpect>,
}

/// `expect.within`, resolved: a GET step is sent again, with backoff, until its expectations
/// hold or `limit` has passed (for deployments that are eventually consistent, such as a
/// gateway that caches session lookups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Within {
    /// How long the expectations may take to hold; zero means one attempt.
    pub limit: Duration,
    /// Where a limit read from a setting came from
    /// (`OPENAPP_CONFORMANCE_REVOCATION_WITHIN unset, default 0s`); `None` when written in
    /// the file.
    pub source: Option<String>,
}

/// A value a JSON check compares with.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The value; strings may hold `{{variables}}`.
    pub value: serde_json::Value,
    /// How the scenario wrote it, for check names.
    pub shown: String,
}

/// A check on one JSON value.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonCheck {
    /// RFC 6901 pointer, `""` for the whole body.
    pub path: String,
    /// Equal to this value.
    pub equals: Option<Expected>,
    /// Present (`true`) or absent (`false`).
    pub exists: Option<bool>,
    /// A string matching this regex.
    pub matches: Option<String>,
    /// Different from this value.
    pub not_equals: Option<Expected>,
}

/// A check on one response header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderCheck {
    /// Header name, any case.
    pub name: String,
    /// Exact value (may hold `{{variables}}`).
    pub equals: Option<String>,
    /// Regex the value must match.
    pub matches: Option<String>,
    /// Present (`true`) or absent (`false`).
    pub exists: Option<bool>,
}

/// Attribute checks on the `Set-Cookie` line(s) that set a cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieCheck {
    /// Cookie name or `prefix*`.
    pub name: String,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameJsonAs {
    /// The earlier step's `name`.
    pub step: String,
    /// Pointers that must agree (never empty: [`DEFAULT_SAME_JSON_PATHS`] when none given).
    pub paths: Vec<String>,
}

/// A value taken from a response into a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// Where it comes from.
    pub source: CaptureSource,
    /// Treat the value as a secret in every output.
    pub secret: bool,
}

/// Where a captured value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureSource {
    /// RFC 6901 pointer into the JSON body.
    Json(String),
    /// Response header name.
    Header(String),
    /// One query parameter of a URL-valued response header: the flow id of a `303`'s
    /// `Location` (`<ui>/login?flow=<id>`), the error id of `<ui>/error?id=<id>`.
    HeaderQuery {
        /// Response header name (`location`).
        header: String,
        /// Query parameter name (`flow`, `id`).
        query: String,
    },
    /// Cookie name, from a `Set-Cookie` line of the response.
    Cookie(String),
    /// The `value` of the Kratos `ui.nodes` input with this `attributes.name`.
    UiNode(String),
}

/// A capability of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// The Kratos admin API (identity creation, session revocation checks).
    KratosAdmin,
    /// A valid OpenApp API key.
    ApiKey,
    /// A provisioned identity (`metadata_public.openapp_user_id`, or given by the environment).
    ProvisionedIdentity,
    /// A logged-in but unprovisioned identity.
    UnprovisionedIdentity,
    /// Two or more identities of the same kind at once.
    FreshIdentities,
    /// A configured cookie domain (Kratos and OpenApp on two hosts under it).
    CookieDomain,
}

/// Which server a request goes to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// The OpenApp API base (origin + `/api/v1`).
    #[default]
    Api,
    /// The OpenApp origin without the API prefix (for example `/api/v1/status` spelled out).
    Origin,
    /// Kratos's public API.
    KratosPublic,
    /// Kratos's admin API.
    KratosAdmin,
}

/// Which API key to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// The target's valid key (requires `api_key`).
    Valid,
    /// A key of the right form with an unknown secret.
    Invalid,
}

/// The header an API key travels in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyChannel {
    /// `X-API-Key: <key>` (what the official SDKs send).
    #[default]
    XApiKey,
    /// `Authorization: Bearer <key>` (what the guide and the spec describe).
    Bearer,
}

/// Host-only or `Domain=` variant of a cookie.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CookieScope {
    /// No `Domain` attribute: only the host that set it.
    HostOnly,
    /// `Domain=<the target's cookie domain>`.
    #[default]
    CookieDomain,
}

/// Browser, browser-form or API self-service flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowKind {
    /// Browser flow as a JSON client with the client's cookie jar.
    #[default]
    Browser,
    /// Browser flow as a browser without JavaScript (K2, K3, K4): HTML `Accept`, the flow id
    /// read from each `303`'s `Location` (the login UI is never contacted), the flow fetched
    /// from Kratos public as a UI server does, the form posted form-urlencoded through the jar,
    /// and the `303` to `return_to` recorded, not followed.
    BrowserForm,
    /// API (native) flow: session token, no cookies.
    Api,
}

impl FlowKind {
    /// `browser`, `browser-form` or `api`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Browser => "browser",
            FlowKind::BrowserForm => "browser-form",
            FlowKind::Api => "api",
        }
    }

    /// Does the flow go through the client's cookie jar (browser and browser-form)?
    pub fn with_jar(self) -> bool {
        self != FlowKind::Api
    }
}

/// One status or several allowed ones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum StatusExpect {
    /// Exactly this status.
    One(u16),
    /// Any of these.
    AnyOf(Vec<u16>),
}

/// What a response body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyClass {
    /// The JSON literal `null` (surrounding whitespace allowed).
    Null,
    /// Zero bytes.
    Empty,
    /// A JSON object.
    Object,
    /// Any valid JSON.
    Json,
}
