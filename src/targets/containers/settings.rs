//! The containers target's settings, read from the environment (like the external target's).

use std::time::Duration;

use crate::targets::error::TargetError;

/// The Kratos image when `KRATOS_IMAGE` is not set.
pub const DEFAULT_KRATOS_IMAGE: &str = "oryd/kratos:v1.3.1";
/// The OpenApp image when `OPENAPP_IMAGE` is not set: the project's reference server.
pub const DEFAULT_OPENAPP_IMAGE: &str = "openapp-conformance/reference:dev";
/// The Kratos emulator image `scripts/build-images.sh` builds.
pub const EMULATOR_IMAGE: &str = "openapp-conformance/kratos-emulator:dev";

/// An image reference `name[:tag]` (the tag defaults to `latest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Repository, possibly with a registry host (`registry:5000/team/app`).
    pub name: String,
    /// Tag.
    pub tag: String,
}

impl ImageRef {
    /// Parses `name[:tag]`; a `:` inside the registry host is not a tag separator. Digests
    /// (`@sha256:…`) are refused: testcontainers addresses images as `name:tag`.
    pub fn parse(var: &'static str, s: &str) -> Result<Self, TargetError> {
        let bad = |message: String| TargetError::Config { name: var, message };
        if s.contains('@') {
            return Err(bad(format!(
                "`{s}`: digests are not supported, use name:tag (tag the image locally if needed)"
            )));
        }
        if s.is_empty() || s.chars().any(char::is_whitespace) {
            return Err(bad(format!(
                "`{s}` is not an image name like oryd/kratos:v1.3.1"
            )));
        }
        let slash = s.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match s[slash..].rfind(':') {
            Some(i) => (&s[..slash + i], &s[slash + i + 1..]),
            None => (s, "latest"),
        };
        if name.is_empty() || tag.is_empty() {
            return Err(bad(format!(
                "`{s}` is not an image name like oryd/kratos:v1.3.1"
            )));
        }
        Ok(Self {
            name: name.to_string(),
            tag: tag.to_string(),
        })
    }
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.name, self.tag)
    }
}

/// Everything the containers target reads from the environment.
#[derive(Debug, Clone)]
pub struct ContainerSettings {
    /// `KRATOS_IMAGE`.
    pub kratos_image: ImageRef,
    /// `OPENAPP_IMAGE`.
    pub openapp_image: ImageRef,
    /// `OPENAPP_ENV` (`KEY=VALUE,…`) then `OPENAPP_ENV_FILE` (one `KEY=VALUE` a line), in order;
    /// later entries win over the target's own variables.
    pub openapp_env: Vec<(String, String)>,
    /// `OPENAPP_CONTAINER_PORT`: the port the OpenApp container listens on (default 8080).
    pub openapp_port: u16,
    /// `OPENAPP_API_PREFIX` (default `/api/v1`).
    pub api_prefix: String,
    /// `OPENAPP_READY_PATH` (default `<prefix>/status`): answers 2xx once OpenApp is ready.
    pub ready_path: String,
    /// `OPENAPP_API_KEY`: a key the image accepts; generated (and passed in
    /// `OPENAPP_API_KEYS`) when unset.
    pub api_key: Option<String>,
    /// `OPENAPP_CONFORMANCE_STARTUP_TIMEOUT` (default 60 s): per container.
    pub startup_timeout: Duration,
    /// `OPENAPP_CONFORMANCE_RUN_ID`: names and labels the run's resources (default random).
    pub run_id: Option<String>,
}

/// Parses `KEY=VALUE` pairs; `what` names the source in errors.
pub fn parse_env_pairs<'a>(
    var: &'static str,
    items: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, String)>, TargetError> {
    let mut out = Vec::new();
    for item in items
        .map(str::trim)
        .filter(|i| !i.is_empty() && !i.starts_with('#'))
    {
        let (k, v) = item.split_once('=').ok_or_else(|| TargetError::Config {
            name: var,
            message: format!("`{item}` is not KEY=VALUE"),
        })?;
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(TargetError::Config {
                name: var,
                message: format!("`{k}` is not a variable name"),
            });
        }
        out.push((k.to_string(), v.trim().to_string()));
    }
    Ok(out)
}

fn valid_run_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
}

impl ContainerSettings {
    /// Reads the settings through `lookup` (trimmed, empty counts as unset) and `read_file`
    /// (for `OPENAPP_ENV_FILE`).
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
        read_file: &dyn Fn(&str) -> std::io::Result<String>,
    ) -> Result<Self, TargetError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let image = |var: &'static str, default: &str| {
            ImageRef::parse(var, &get(var).unwrap_or_else(|| default.to_string()))
        };
        let mut openapp_env = match get("OPENAPP_ENV") {
            Some(v) => parse_env_pairs("OPENAPP_ENV", v.split(','))?,
            None => Vec::new(),
        };
        if let Some(path) = get("OPENAPP_ENV_FILE") {
            let text = read_file(&path).map_err(|e| TargetError::Config {
                name: "OPENAPP_ENV_FILE",
                message: format!("cannot read `{path}`: {e}"),
            })?;
            openapp_env.extend(parse_env_pairs("OPENAPP_ENV_FILE", text.lines())?);
        }
        let openapp_port = match get("OPENAPP_CONTAINER_PORT") {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or(TargetError::Config {
                    name: "OPENAPP_CONTAINER_PORT",
                    message: format!("`{p}` is not a port"),
                })?,
            None => 8080,
        };
        let api_prefix = get("OPENAPP_API_PREFIX").unwrap_or_else(|| "/api/v1".into());
        if !api_prefix.starts_with('/') {
            return Err(TargetError::Config {
                name: "OPENAPP_API_PREFIX",
                message: format!("`{api_prefix}` must start with `/`"),
            });
        }
        let api_prefix = api_prefix.trim_end_matches('/').to_string();
        let ready_path =
            get("OPENAPP_READY_PATH").unwrap_or_else(|| format!("{api_prefix}/status"));
        if !ready_path.starts_with('/') {
            return Err(TargetError::Config {
                name: "OPENAPP_READY_PATH",
                message: format!("`{ready_path}` must start with `/`"),
            });
        }
        let startup_timeout = match get("OPENAPP_CONFORMANCE_STARTUP_TIMEOUT") {
            Some(t) => {
                crate::settings::parse_duration(&t).map_err(|message| TargetError::Config {
                    name: "OPENAPP_CONFORMANCE_STARTUP_TIMEOUT",
                    message,
                })?
            }
            None => Duration::from_secs(60),
        };
        let run_id = get("OPENAPP_CONFORMANCE_RUN_ID");
        if let Some(id) = &run_id
            && !valid_run_id(id)
        {
            return Err(TargetError::Config {
                name: "OPENAPP_CONFORMANCE_RUN_ID",
                message: format!("`{id}` must be 1-32 of a-z, 0-9 and -, not starting with -"),
            });
        }
        Ok(Self {
            kratos_image: image("KRATOS_IMAGE", DEFAULT_KRATOS_IMAGE)?,
            openapp_image: image("OPENAPP_IMAGE", DEFAULT_OPENAPP_IMAGE)?,
            openapp_env,
            openapp_port,
            api_prefix,
            ready_path,
            api_key: get("OPENAPP_API_KEY"),
            startup_timeout,
            run_id,
        })
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, TargetError> {
        Self::from_lookup(&|name| std::env::var(name).ok(), &|path| {
            std::fs::read_to_string(path)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<ContainerSettings, TargetError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ContainerSettings::from_lookup(&|n| map.get(n).cloned(), &|path| {
            if path == "openapp.env" {
                Ok("# comment\nA=1\n\nB = two,three\n".into())
            } else {
                Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file",
                ))
            }
        })
    }

    #[test]
    fn image_refs() {
        let p = |s| ImageRef::parse("KRATOS_IMAGE", s);
        assert_eq!(
            p("oryd/kratos:v1.3.1").unwrap().to_string(),
            "oryd/kratos:v1.3.1"
        );
        assert_eq!(p("oryd/kratos").unwrap().tag, "latest");
        let r = p("registry:5000/team/app").unwrap();
        assert_eq!(
            (r.name.as_str(), r.tag.as_str()),
            ("registry:5000/team/app", "latest")
        );
        let r = p("registry:5000/team/app:rc1").unwrap();
        assert_eq!(
            (r.name.as_str(), r.tag.as_str()),
            ("registry:5000/team/app", "rc1")
        );
        assert!(p("oryd/kratos@sha256:abc").is_err());
        assert!(p("oryd/kratos:").is_err());
        assert!(p("a b").is_err());
    }

    #[test]
    fn defaults() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.kratos_image.to_string(), DEFAULT_KRATOS_IMAGE);
        assert_eq!(s.openapp_image.to_string(), DEFAULT_OPENAPP_IMAGE);
        assert!(s.openapp_env.is_empty());
        assert_eq!(s.openapp_port, 8080);
        assert_eq!(s.ready_path, "/api/v1/status");
        assert_eq!(s.startup_timeout, Duration::from_secs(60));
        assert_eq!(s.api_key, None);
        assert_eq!(s.run_id, None);
    }

    #[test]
    fn every_variable_is_read() {
        let s = settings(&[
            ("KRATOS_IMAGE", EMULATOR_IMAGE),
            ("OPENAPP_IMAGE", "acme/openapp:1.2"),
            (
                "OPENAPP_ENV",
                "OPENAPP_CONFORMANCE_FAULT=sign-out-missing, X=y=z",
            ),
            ("OPENAPP_ENV_FILE", "openapp.env"),
            ("OPENAPP_CONTAINER_PORT", "3000"),
            ("OPENAPP_API_PREFIX", "/v2/"),
            ("OPENAPP_API_KEY", "k"),
            ("OPENAPP_CONFORMANCE_STARTUP_TIMEOUT", "2m"),
            ("OPENAPP_CONFORMANCE_RUN_ID", "ci-42"),
        ])
        .unwrap();
        assert_eq!(s.kratos_image.to_string(), EMULATOR_IMAGE);
        assert_eq!(
            s.openapp_env,
            vec![
                (
                    "OPENAPP_CONFORMANCE_FAULT".into(),
                    "sign-out-missing".into()
                ),
                ("X".into(), "y=z".into()),
                ("A".into(), "1".into()),
                ("B".into(), "two,three".into()),
            ]
        );
        assert_eq!(s.openapp_port, 3000);
        assert_eq!(
            (s.api_prefix.as_str(), s.ready_path.as_str()),
            ("/v2", "/v2/status")
        );
        assert_eq!(s.api_key.as_deref(), Some("k"));
        assert_eq!(s.startup_timeout, Duration::from_secs(120));
        assert_eq!(s.run_id.as_deref(), Some("ci-42"));
    }

    #[test]
    fn bad_values_are_config_errors_naming_the_variable() {
        for (var, value) in [
            ("OPENAPP_ENV", "NOEQUALS"),
            ("OPENAPP_ENV", "BAD KEY=1"),
            ("OPENAPP_ENV_FILE", "missing.env"),
            ("OPENAPP_CONTAINER_PORT", "0"),
            ("OPENAPP_READY_PATH", "status"),
            ("OPENAPP_CONFORMANCE_STARTUP_TIMEOUT", "soon"),
            ("OPENAPP_CONFORMANCE_RUN_ID", "Has_Upper"),
            ("KRATOS_IMAGE", "x@sha256:00"),
        ] {
            let e = settings(&[(var, value)]).unwrap_err();
            assert_eq!(e.exit_code(), crate::exit::USAGE, "{var}");
            assert!(e.to_string().contains(var), "{e}");
        }
    }
}
