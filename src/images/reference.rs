//! `openapp-conformance reference`: the reference OpenApp server and gateway alone, configured
//! by environment, as the `openapp-conformance/reference` image runs it.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `KRATOS_PUBLIC_URL` | how the gateway reaches Kratos's public API | required |
//! | `KRATOS_ADMIN_URL` | how the gateway reaches Kratos's admin API | required |
//! | `OPENAPP_LISTEN` | listen address | `0.0.0.0:8080` |
//! | `OPENAPP_ORIGIN` | public origin, the prefix of valid API keys | `http://api.openapp.test:<listen port>` |
//! | `OPENAPP_API_PREFIX` | path prefix of every route | `/api/v1` |
//! | `OPENAPP_API_KEYS` | valid API keys, comma-separated | none |
//! | `OPENAPP_COOKIE_DOMAIN` | the cookie domain shared with Kratos | none (host-only cookies) |
//! | `OPENAPP_CONFORMANCE_FAULT` | fault or benign switches, comma-separated | none |

use std::net::SocketAddr;

use url::Url;

use super::{DEFAULT_API_PREFIX, DEFAULT_LISTEN};
use crate::embedded::API_HOST;
use crate::embedded::openapp::{OpenAppConfig, OpenAppServer};
use crate::exit;
use crate::settings::env as env_var;
use crate::switches::Switches;

/// A variable of the reference server is missing or malformed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A required variable is not set.
    #[error("{name} is not set: {hint}")]
    Missing {
        /// The variable.
        name: &'static str,
        /// What it should hold.
        hint: &'static str,
    },
    /// A variable does not parse.
    #[error("{name} is invalid: {message}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Everything the reference server reads from the environment.
#[derive(Debug, Clone)]
pub struct ReferenceSettings {
    /// Where it listens.
    pub listen: SocketAddr,
    /// The server's configuration (API keys are never printed by its `Debug`).
    pub config: OpenAppConfig,
    /// Fault and benign switches.
    pub switches: Switches,
}

fn url(name: &'static str, value: &str) -> Result<Url, SettingsError> {
    let parsed = Url::parse(value).map_err(|e| SettingsError::Invalid {
        name,
        message: format!("`{value}` is not an absolute URL ({e})"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(SettingsError::Invalid {
            name,
            message: format!("`{value}` is not an http(s) URL"),
        });
    }
    Ok(parsed)
}

fn required_url(
    lookup: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    hint: &'static str,
) -> Result<Url, SettingsError> {
    let value = lookup(name).ok_or(SettingsError::Missing { name, hint })?;
    url(name, &value)
}

impl ReferenceSettings {
    /// Reads the settings through `lookup` (the process environment in [`run`]); values are
    /// trimmed and an empty value counts as unset.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let lookup = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let listen_text = lookup("OPENAPP_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| SettingsError::Invalid {
            name: "OPENAPP_LISTEN",
            message: format!("`{listen_text}` is not an address like 0.0.0.0:8080"),
        })?;
        let origin = match lookup("OPENAPP_ORIGIN") {
            Some(v) => url("OPENAPP_ORIGIN", &v)?,
            None => url(
                "OPENAPP_ORIGIN",
                &format!("http://{API_HOST}:{}", listen.port()),
            )?,
        };
        let kratos_public_url = required_url(
            &lookup,
            "KRATOS_PUBLIC_URL",
            "set it to Kratos's public API as this container reaches it, e.g. http://kratos:4433/",
        )?;
        let kratos_admin_url = required_url(
            &lookup,
            "KRATOS_ADMIN_URL",
            "set it to Kratos's admin API as this container reaches it, e.g. http://kratos:4434/",
        )?;
        let api_keys = lookup("OPENAPP_API_KEYS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let cookie_domain =
            lookup("OPENAPP_COOKIE_DOMAIN").map(|d| d.trim_start_matches('.').to_ascii_lowercase());
        let switches = Switches::parse(&lookup("OPENAPP_CONFORMANCE_FAULT").unwrap_or_default())
            .map_err(|e| SettingsError::Invalid {
                name: "OPENAPP_CONFORMANCE_FAULT",
                message: e.to_string(),
            })?;
        Ok(Self {
            listen,
            config: OpenAppConfig {
                origin,
                api_prefix: lookup("OPENAPP_API_PREFIX")
                    .unwrap_or_else(|| DEFAULT_API_PREFIX.into()),
                kratos_public_url,
                kratos_admin_url,
                cookie_domain,
                api_keys,
            },
            switches,
        })
    }

    /// The one line printed once listening; it names no key.
    pub fn describe(&self) -> String {
        let c = &self.config;
        let switches: Vec<&str> = self.switches.names().collect();
        format!(
            "reference OpenApp listening on {} (origin {}, prefix {}, Kratos public {}, admin {}, cookie domain {}, {} API key(s), switches: {})",
            self.listen,
            c.origin.origin().ascii_serialization(),
            c.api_prefix,
            c.kratos_public_url,
            c.kratos_admin_url,
            c.cookie_domain.as_deref().unwrap_or("none"),
            c.api_keys.len(),
            if switches.is_empty() {
                "none".to_string()
            } else {
                switches.join(",")
            }
        )
    }
}

/// Runs the reference server until SIGINT or SIGTERM (it is PID 1 in its image, where the
/// default SIGTERM action does nothing). Exit code 2 on bad settings, 3 when it cannot listen.
pub fn run() -> u8 {
    let settings = match ReferenceSettings::from_lookup(&|name| env_var(name)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::SETUP;
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(settings.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", settings.listen);
                return exit::SETUP;
            }
        };
        let server = OpenAppServer::new(settings.config.clone(), settings.switches.clone());
        server.spawn(listener);
        println!("{}", settings.describe());
        crate::settings::wait_for_shutdown().await;
        exit::OK
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<ReferenceSettings, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ReferenceSettings::from_lookup(&|name| map.get(name).cloned())
    }

    const KRATOS: [(&str, &str); 2] = [
        ("KRATOS_PUBLIC_URL", "http://kratos:4433/"),
        ("KRATOS_ADMIN_URL", "http://kratos:4434/"),
    ];

    #[test]
    fn defaults_need_only_kratos() {
        let s = settings(&KRATOS).unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(s.config.origin.as_str(), "http://api.openapp.test:8080/");
        assert_eq!(s.config.api_prefix, "/api/v1");
        assert_eq!(s.config.kratos_admin_url.as_str(), "http://kratos:4434/");
        assert!(s.config.api_keys.is_empty());
        assert_eq!(s.config.cookie_domain, None);
        assert!(s.switches.is_empty());
    }

    #[test]
    fn every_variable_is_read() {
        let mut vars = KRATOS.to_vec();
        vars.extend([
            ("OPENAPP_LISTEN", "127.0.0.1:9000"),
            ("OPENAPP_ORIGIN", "http://api.openapp.test:41000"),
            ("OPENAPP_API_KEYS", " k1 ,, k2 "),
            ("OPENAPP_COOKIE_DOMAIN", ".OpenApp.test"),
            ("OPENAPP_API_PREFIX", "/v2"),
            ("OPENAPP_CONFORMANCE_FAULT", "sign-out-missing"),
        ]);
        let s = settings(&vars).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.config.origin.port(), Some(41000));
        assert_eq!(s.config.api_keys, vec!["k1".to_string(), "k2".to_string()]);
        assert_eq!(s.config.cookie_domain.as_deref(), Some("openapp.test"));
        assert_eq!(s.config.api_prefix, "/v2");
        assert!(s.switches.on("sign-out-missing"));
        let line = s.describe();
        assert!(line.contains("2 API key(s)"), "{line}");
        assert!(!line.contains("k1") && !line.contains("k2"), "{line}");
        assert!(line.contains("sign-out-missing"), "{line}");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = settings(&[]).unwrap_err().to_string();
        assert!(e.starts_with("KRATOS_PUBLIC_URL is not set"), "{e}");
        let mut vars = KRATOS.to_vec();
        vars.push(("OPENAPP_LISTEN", "8080"));
        let e = settings(&vars).unwrap_err().to_string();
        assert!(e.contains("OPENAPP_LISTEN"), "{e}");
        let mut vars = KRATOS.to_vec();
        vars.push(("OPENAPP_CONFORMANCE_FAULT", "no-such-switch"));
        let e = settings(&vars).unwrap_err().to_string();
        assert!(e.contains("OPENAPP_CONFORMANCE_FAULT"), "{e}");
        let e = settings(&[
            ("KRATOS_PUBLIC_URL", "kratos:4433"),
            ("KRATOS_ADMIN_URL", "http://kratos:4434/"),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("KRATOS_PUBLIC_URL"), "{e}");
    }
}
