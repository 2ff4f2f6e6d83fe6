//! The keys of a Kratos config file that the emulator reads, as serde types (every key
//! optional here; `resolve` applies Kratos's defaults and requirements).

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct File {
    pub(super) dsn: Option<String>,
    pub(super) dev: bool,
    pub(super) serve: Serve,
    pub(super) selfservice: SelfService,
    pub(super) cookies: Cookies,
    pub(super) session: SessionFile,
    pub(super) secrets: Secrets,
    pub(super) identity: IdentityFile,
}

/// `serve`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Serve {
    pub(super) public: Endpoint,
    pub(super) admin: Endpoint,
}

/// `serve.public` or `serve.admin`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Endpoint {
    pub(super) base_url: Option<String>,
    pub(super) host: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) tls: Option<Tls>,
}

/// `serve.public.tls`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Tls {
    pub(super) cert: PemSource,
    pub(super) key: PemSource,
}

/// `tls.cert` or `tls.key`: a file path (relative to the config file) or inline base64.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PemSource {
    pub(super) path: Option<String>,
    pub(super) base64: Option<String>,
}

/// `selfservice`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SelfService {
    pub(super) default_browser_return_url: Option<String>,
    pub(super) allowed_return_urls: Vec<String>,
    pub(super) flows: Flows,
}

/// `selfservice.flows`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Flows {
    pub(super) login: Flow,
    pub(super) error: Flow,
    pub(super) registration: Flow,
    pub(super) logout: Flow,
}

/// `selfservice.flows.<name>`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Flow {
    pub(super) ui_url: Option<String>,
    pub(super) lifespan: Option<String>,
    pub(super) after: After,
}

/// `selfservice.flows.<name>.after`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct After {
    pub(super) default_browser_return_url: Option<String>,
}

/// `cookies`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Cookies {
    pub(super) domain: Option<String>,
    pub(super) path: Option<String>,
    pub(super) same_site: Option<String>,
}

/// `session`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SessionFile {
    pub(super) lifespan: Option<String>,
    pub(super) cookie: SessionCookieFile,
}

/// `session.cookie`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SessionCookieFile {
    pub(super) name: Option<String>,
    pub(super) domain: Option<String>,
    pub(super) path: Option<String>,
    pub(super) same_site: Option<String>,
    pub(super) persistent: Option<bool>,
}

/// `secrets` (validated, not used: session cookies are table keys here).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Secrets {
    pub(super) cookie: Vec<String>,
    pub(super) default: Vec<String>,
}

/// `identity`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct IdentityFile {
    pub(super) default_schema_id: Option<String>,
    pub(super) schemas: Vec<SchemaRef>,
}

/// `identity.schemas[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SchemaRef {
    pub(super) id: String,
    pub(super) url: String,
}
