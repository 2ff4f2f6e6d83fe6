//! Turns a scenario file's text into a validated [`ScenarioFile`] or the first [`ScenarioError`].
//!
//! Syntax and shape errors come from the toml deserializer (with its span, and a friendlier
//! message where serde's is cryptic); semantic errors from [`validate`](super::validate).
//! Deep nesting is safe: the toml crate stops at 80 levels with an error, before any recursion
//! could exhaust the stack (see the tests).

use std::path::Path;

use super::error::{ScenarioError, did_you_mean};
use super::model::ScenarioFile;
use super::validate;

/// Parses and validates one scenario file. `path` is only used in the error.
pub fn parse(path: &Path, text: &str) -> Result<ScenarioFile, ScenarioError> {
    let file: ScenarioFile = toml::from_str(text).map_err(|e| from_toml(path, text, &e))?;
    match validate::validate(&file).into_iter().next() {
        None => Ok(file),
        Some(issue) => Err(match issue.span {
            Some(span) => ScenarioError::at(path, text, span, issue.message),
            None => ScenarioError::whole_file(path, issue.message),
        }),
    }
}

/// A toml deserialization error as a [`ScenarioError`].
fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> ScenarioError {
    let span = err.span().unwrap_or(0..0);
    let found = text.get(span.clone()).unwrap_or_default();
    let message = friendly(err.message(), found);
    ScenarioError::at(path, text, span, message)
}

/// Rewrites serde's and toml's messages where they are cryptic, and adds "did you mean".
fn friendly(message: &str, found: &str) -> String {
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.starts_with("data did not match any variant of untagged enum StatusExpect") {
        return "invalid status, expected a status code (`200`) or a list of them (`[200, 204]`)"
            .to_string();
    }
    if message == "duplicate key" && !found.is_empty() {
        return format!("duplicate key `{}`", found.trim_matches(['"', '\'']));
    }
    if message.starts_with("cannot recurse further") {
        return "too deeply nested, expected at most 80 levels of arrays and tables".to_string();
    }
    if message.starts_with("unknown field") || message.starts_with("unknown variant") {
        return format!("{message}{}", suggestion(&message));
    }
    message
}

/// For `unknown field `x`, expected one of `a`, `b``: the closest expected name to `x`.
fn suggestion(message: &str) -> String {
    let names: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    match names.split_first() {
        Some((unknown, expected)) => did_you_mean(unknown, expected.iter().copied()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
