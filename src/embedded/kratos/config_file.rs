//! Reading a Kratos config file (`kratos.yml`) into a [`KratosConfig`], so one file drives
//! both the real image and the emulator. Only the keys the emulated flows need are read
//! (others, such as `hashers` or `courier`, are accepted and ignored), with Kratos's defaults
//! and Kratos's environment overrides for them (`SERVE_PUBLIC_BASE_URL`, `COOKIES_DOMAIN`,
//! `DSN`, …: the key path in capitals, dots as underscores).

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use url::Url;

use super::config::{KratosConfig, SessionCookieConfig};

mod env;
mod model;

pub use env::env_name;
use model::{File, PemSource};

/// Why a config file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not YAML, or a key has the wrong type.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A key holds a value Kratos would refuse.
    #[error("the configuration is invalid: `{key}` {message}")]
    Invalid {
        /// The key path, e.g. `serve.public.base_url`.
        key: String,
        /// What is wrong with it.
        message: String,
    },
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        message: message.into(),
    }
}

/// Everything `kratos serve` needs beyond [`KratosConfig`]: where to listen, TLS, the DSN.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The emulator's configuration.
    pub kratos: KratosConfig,
    /// `serve.public.host:port` (default `0.0.0.0:4433`).
    pub public_listen: String,
    /// `serve.admin.host:port` (default `0.0.0.0:4434`).
    pub admin_listen: String,
    /// `serve.public.tls`: certificate and key PEM, when set.
    pub public_tls: Option<(Vec<u8>, Vec<u8>)>,
    /// `dsn` (the emulator keeps everything in memory whatever it says).
    pub dsn: String,
    /// The identity schema (`identity.schemas[default]`), loaded.
    pub identity_schema: Value,
}

/// Reads `path` and the environment (through `env`), as `kratos serve -c path` would.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<ServeConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let syntax = |message: String| ConfigError::Syntax {
        path: path.to_path_buf(),
        message,
    };
    let mut tree: Value = serde_norway::from_str(&text).map_err(|e| syntax(e.to_string()))?;
    if tree.is_null() {
        tree = Value::Object(Default::default());
    }
    if !tree.is_object() {
        return Err(syntax("the top level must be a mapping".into()));
    }
    env::apply(&mut tree, env);
    let file: File = serde_json::from_value(tree).map_err(|e| syntax(e.to_string()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    resolve(file, dir)
}

fn url(key: &str, raw: &str) -> Result<Url, ConfigError> {
    Url::parse(raw).map_err(|e| invalid(key, format!("is not an absolute URL ({e})")))
}

/// A base URL as Kratos keeps it: with a trailing slash on the path.
fn base_url(key: &str, raw: Option<&str>, default: String) -> Result<Url, ConfigError> {
    let mut u = url(key, raw.unwrap_or(&default))?;
    if !u.path().ends_with('/') {
        let path = format!("{}/", u.path());
        u.set_path(&path);
    }
    Ok(u)
}

fn duration(key: &str, raw: Option<&str>, default: Duration) -> Result<Duration, ConfigError> {
    match raw {
        None => Ok(default),
        Some(s) => parse_go_duration(s).ok_or_else(|| {
            invalid(
                key,
                format!("`{s}` is not a duration such as 4s, 1h or 1h30m"),
            )
        }),
    }
}

fn same_site(key: &str, raw: Option<&str>) -> Result<Option<String>, ConfigError> {
    match raw {
        None => Ok(None),
        Some(s @ ("Strict" | "Lax" | "None")) => Ok(Some(s.to_string())),
        Some(s) => Err(invalid(
            key,
            format!("`{s}` is not one of Strict, Lax, None"),
        )),
    }
}

fn pem(key: &str, source: &PemSource, dir: &Path) -> Result<Vec<u8>, ConfigError> {
    match (&source.path, &source.base64) {
        (Some(p), _) => {
            let path = dir.join(p);
            std::fs::read(&path).map_err(|e| invalid(key, format!("{}: {e}", path.display())))
        }
        (None, Some(b)) => STANDARD
            .decode(b.trim())
            .map_err(|e| invalid(key, format!("is not base64 ({e})"))),
        (None, None) => Err(invalid(key, "needs `path` or `base64`")),
    }
}

/// Loads the identity schema of a `file://` or `base64://` URL. A `file://` path that does
/// not exist here (the container's `/etc/config/kratos/…`) is looked up next to the config
/// file, where the container mounts it from.
fn identity_schema(raw: &str, dir: &Path) -> Result<Value, ConfigError> {
    let key = "identity.schemas[].url";
    let bytes = if let Some(b) = raw.strip_prefix("base64://") {
        STANDARD
            .decode(b.trim())
            .map_err(|e| invalid(key, format!("is not base64 ({e})")))?
    } else if let Some(p) = raw.strip_prefix("file://") {
        let path = Path::new(p);
        let local = path.file_name().map(|n| dir.join(n));
        let found = std::iter::once(path.to_path_buf())
            .chain(local)
            .chain(std::iter::once(dir.join(p)))
            .find(|c| c.is_file())
            .ok_or_else(|| {
                invalid(
                    key,
                    format!("`{raw}`: no such file (nor next to the config file)"),
                )
            })?;
        std::fs::read(&found).map_err(|e| invalid(key, format!("{}: {e}", found.display())))?
    } else {
        return Err(invalid(
            key,
            format!("`{raw}`: only file:// and base64:// are supported"),
        ));
    };
    serde_json::from_slice(&bytes).map_err(|e| invalid(key, format!("is not a JSON schema ({e})")))
}

fn resolve(f: File, dir: &Path) -> Result<ServeConfig, ConfigError> {
    let dsn = f
        .dsn
        .ok_or_else(|| invalid("dsn", "is required (or set DSN)"))?;
    let public_port = f.serve.public.port.unwrap_or(4433);
    let admin_port = f.serve.admin.port.unwrap_or(4434);
    let public_base_url = base_url(
        "serve.public.base_url",
        f.serve.public.base_url.as_deref(),
        format!("http://localhost:{public_port}/"),
    )?;
    let admin_base_url = base_url(
        "serve.admin.base_url",
        f.serve.admin.base_url.as_deref(),
        format!("http://localhost:{admin_port}/"),
    )?;
    let ss = &f.selfservice;
    let default_return = url(
        "selfservice.default_browser_return_url",
        ss.default_browser_return_url
            .as_deref()
            .ok_or_else(|| invalid("selfservice.default_browser_return_url", "is required"))?,
    )?;
    let allowed_return_urls = ss
        .allowed_return_urls
        .iter()
        .map(|u| url("selfservice.allowed_return_urls", u))
        .collect::<Result<_, _>>()?;
    let fallback = |name: &str| format!("https://www.ory.sh/kratos/docs/fallback/{name}");
    let login_ui_url = url(
        "selfservice.flows.login.ui_url",
        &ss.flows
            .login
            .ui_url
            .clone()
            .unwrap_or_else(|| fallback("login")),
    )?;
    let error_ui_url = url(
        "selfservice.flows.error.ui_url",
        &ss.flows
            .error
            .ui_url
            .clone()
            .unwrap_or_else(|| fallback("error")),
    )?;
    if let Some(u) = &ss.flows.registration.ui_url {
        url("selfservice.flows.registration.ui_url", u)?;
    }
    let logout_after_url = match &ss.flows.logout.after.default_browser_return_url {
        Some(u) => url(
            "selfservice.flows.logout.after.default_browser_return_url",
            u,
        )?,
        None => default_return.clone(),
    };
    for (key, secrets) in [
        ("secrets.cookie", &f.secrets.cookie),
        ("secrets.default", &f.secrets.default),
    ] {
        if let Some(short) = secrets.iter().find(|s| s.len() < 16) {
            return Err(invalid(
                key,
                format!("has a secret of {} characters (at least 16)", short.len()),
            ));
        }
    }
    let schema_id = f.identity.default_schema_id.as_deref().unwrap_or("default");
    let schema = f
        .identity
        .schemas
        .iter()
        .find(|s| s.id == schema_id)
        .ok_or_else(|| {
            invalid(
                "identity.schemas",
                format!("has no schema with the id `{schema_id}`"),
            )
        })?;
    let identity_schema = identity_schema(&schema.url, dir)?;
    let public_tls = match &f.serve.public.tls {
        Some(t) => Some((
            pem("serve.public.tls.cert", &t.cert, dir)?,
            pem("serve.public.tls.key", &t.key, dir)?,
        )),
        None => None,
    };
    let sc = &f.session.cookie;
    let mut kratos = KratosConfig::embedded(
        public_base_url,
        admin_base_url,
        f.cookies.domain.clone().filter(|d| !d.is_empty()),
    );
    kratos.cookie_path = f.cookies.path.clone().unwrap_or_else(|| "/".into());
    kratos.same_site = same_site("cookies.same_site", f.cookies.same_site.as_deref())?
        .unwrap_or_else(|| "Lax".into());
    kratos.dev = f.dev;
    kratos.login_ui_url = login_ui_url;
    kratos.error_ui_url = error_ui_url;
    kratos.default_browser_return_url = default_return;
    kratos.logout_after_url = logout_after_url;
    kratos.allowed_return_urls = allowed_return_urls;
    kratos.flow_lifespan = duration(
        "selfservice.flows.login.lifespan",
        ss.flows.login.lifespan.as_deref(),
        crate::settings::DEFAULT_FLOW_LIFESPAN,
    )?;
    kratos.session_lifespan = duration(
        "session.lifespan",
        f.session.lifespan.as_deref(),
        Duration::from_secs(24 * 3600),
    )?;
    kratos.session_cookie = SessionCookieConfig {
        name: sc
            .name
            .clone()
            .unwrap_or_else(|| "ory_kratos_session".into()),
        domain: sc.domain.clone(),
        path: sc.path.clone(),
        same_site: same_site("session.cookie.same_site", sc.same_site.as_deref())?,
        persistent: sc.persistent.unwrap_or(true),
    };
    let listen = |host: &Option<String>, port: u16| {
        let host = host
            .as_deref()
            .filter(|h| !h.is_empty())
            .unwrap_or("0.0.0.0");
        format!("{host}:{port}")
    };
    Ok(ServeConfig {
        public_listen: listen(&f.serve.public.host, public_port),
        admin_listen: listen(&f.serve.admin.host, admin_port),
        kratos,
        public_tls,
        dsn,
        identity_schema,
    })
}

/// Parses a Go `time.ParseDuration` string such as `4s`, `1h30m`, `500ms` (no sign).
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (num, tail) = rest.split_at(digits);
        let value: f64 = num.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += Duration::try_from_secs_f64(value * scale).ok()?;
        rest = tail;
    }
    Some(total)
}

#[cfg(test)]
mod tests;
