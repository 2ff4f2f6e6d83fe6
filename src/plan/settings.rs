//! Named settings a scenario file may read instead of writing a value
//! (`within = { setting = "revocation_within", default = "0s" }`): where their values come
//! from ([`Settings`]: the environment variable `OPENAPP_CONFORMANCE_<NAME>`, or a map given
//! by a test or an embedding program), and the rules a setting's name and a `within` duration
//! follow (a `wait` step's duration too), shared by validation (`crate::scenario::validate`) and resolution.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::settings::{env, parse_duration};

/// The prefix of the environment variable of a setting: `revocation_within` is read from
/// `OPENAPP_CONFORMANCE_REVOCATION_WITHIN`.
pub const ENV_PREFIX: &str = "OPENAPP_CONFORMANCE_";

/// The longest `within` a step may have, and the longest `wait`.
pub const MAX_WITHIN: Duration = Duration::from_secs(600);

/// The form a `within` duration takes, for messages.
pub const WITHIN_FORM: &str =
    "a duration such as `0s`, `500ms`, `5s` or `2m` (units ms, s, m, h), at most 10m";

/// The longest setting name.
const MAX_NAME: usize = 64;

/// A setting name: lowercase ASCII letters, digits and `_`, starting with a letter, so that
/// it maps to one environment variable ([`variable`]).
pub fn setting_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= MAX_NAME;
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "invalid setting name `{name}`, expected lowercase letters, digits and `_`, starting \
             with a letter, at most {MAX_NAME} characters (for example `revocation_within`, read \
             from {ENV_PREFIX}REVOCATION_WITHIN)"
        ))
    }
}

/// The environment variable a setting is read from: `OPENAPP_CONFORMANCE_<NAME>`.
pub fn variable(name: &str) -> String {
    format!("{ENV_PREFIX}{}", name.to_ascii_uppercase())
}

/// A `within` duration, or a `wait` step's: [`WITHIN_FORM`].
pub fn within_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration `{text}`, expected {WITHIN_FORM}");
    // Long digit runs would overflow the parser's arithmetic; no sane `within` has them.
    if text.trim().chars().take_while(char::is_ascii_digit).count() > 9 {
        return Err(invalid());
    }
    let d = parse_duration(text).map_err(|_| invalid())?;
    if d > MAX_WITHIN {
        return Err(invalid());
    }
    Ok(d)
}

/// Where the values of named settings come from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `None`: the environment; else exactly these values by setting name.
    given: Option<BTreeMap<String, String>>,
}

impl Settings {
    /// Values from the environment (`OPENAPP_CONFORMANCE_<NAME>`, trimmed; empty means
    /// unset). What the binary and the `cargo test` target use.
    pub fn from_env() -> Self {
        Self { given: None }
    }

    /// No setting has a value: every file's default applies.
    pub fn none() -> Self {
        Self {
            given: Some(BTreeMap::new()),
        }
    }

    /// Exactly these values, by setting name (`("revocation_within", "3s")`); the
    /// environment is not read. Tests use this instead of changing the process environment.
    pub fn given<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            given: Some(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }

    /// The raw value of a setting, if it has one.
    pub fn raw(&self, name: &str) -> Option<String> {
        match &self.given {
            Some(map) => map
                .get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            None => env(&variable(name)),
        }
    }

    /// A `within` setting: its value, or `default` when it has none; with where the value
    /// came from, for verdicts (`OPENAPP_CONFORMANCE_REVOCATION_WITHIN=3s`, or
    /// `OPENAPP_CONFORMANCE_REVOCATION_WITHIN unset, default 0s`).
    pub fn within(
        &self,
        name: &str,
        default: Duration,
    ) -> Result<(Duration, String), SettingError> {
        let variable = variable(name);
        match self.raw(name) {
            None => Ok((
                default,
                format!("{variable} unset, default {}", show(default)),
            )),
            Some(value) => match within_duration(&value) {
                Ok(d) => Ok((d, format!("{variable}={value}"))),
                Err(_) => Err(SettingError {
                    variable,
                    value,
                    expected: WITHIN_FORM,
                }),
            },
        }
    }
}

/// A duration as scenario files write it: `0s`, `1500ms`, `5s`.
pub fn show(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// A setting's value (from the environment) does not have the form its use needs: a
/// configuration error (exit code 2), never a failed check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{variable}=`{value}` is invalid, expected {expected} (unset it to use the scenario's default)"
)]
pub struct SettingError {
    /// The environment variable (`OPENAPP_CONFORMANCE_REVOCATION_WITHIN`).
    pub variable: String,
    /// Its value as given.
    pub value: String,
    /// The form expected.
    pub expected: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_variables() {
        assert_eq!(
            variable("revocation_within"),
            "OPENAPP_CONFORMANCE_REVOCATION_WITHIN"
        );
        assert!(setting_name("revocation_within").is_ok());
        assert!(setting_name("a1_b").is_ok());
        for bad in ["", "Revocation", "1st", "_x", "a-b", "a b", &"a".repeat(65)] {
            let err = setting_name(bad).unwrap_err();
            assert!(err.starts_with("invalid setting name"), "{bad}: {err}");
        }
    }

    #[test]
    fn within_durations_are_bounded() {
        assert_eq!(within_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(within_duration(" 1500ms "), Ok(Duration::from_millis(1500)));
        assert_eq!(within_duration("10m"), Ok(MAX_WITHIN));
        for bad in [
            "5",
            "5 s",
            "-1s",
            "11m",
            "1h",
            "99999999999999999999m",
            "soon",
            "",
        ] {
            let err = within_duration(bad).unwrap_err();
            assert!(err.contains(WITHIN_FORM), "{bad}: {err}");
        }
    }

    #[test]
    fn given_values_win_and_say_where_they_came_from() {
        let s = Settings::given([("revocation_within", "3s"), ("blank", "  ")]);
        assert_eq!(
            s.within("revocation_within", Duration::ZERO),
            Ok((
                Duration::from_secs(3),
                "OPENAPP_CONFORMANCE_REVOCATION_WITHIN=3s".to_string()
            ))
        );
        assert_eq!(
            s.within("blank", Duration::from_millis(250)),
            Ok((
                Duration::from_millis(250),
                "OPENAPP_CONFORMANCE_BLANK unset, default 250ms".to_string()
            ))
        );
        assert_eq!(s.raw("other"), None);
    }

    #[test]
    fn a_bad_value_names_the_variable_and_the_form() {
        let err = Settings::given([("revocation_within", "3 seconds")])
            .within("revocation_within", Duration::ZERO)
            .unwrap_err();
        assert_eq!(err.variable, "OPENAPP_CONFORMANCE_REVOCATION_WITHIN");
        let text = err.to_string();
        assert!(
            text.starts_with("OPENAPP_CONFORMANCE_REVOCATION_WITHIN=`3 seconds` is invalid, expected a duration such as"),
            "{text}"
        );
    }

    #[test]
    fn durations_are_shown_as_files_write_them() {
        assert_eq!(show(Duration::ZERO), "0s");
        assert_eq!(show(Duration::from_secs(5)), "5s");
        assert_eq!(show(Duration::from_millis(1500)), "1500ms");
    }
}
