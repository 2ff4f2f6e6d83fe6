//! Turns a scenario file's text into a validated [`ScenarioFile`] or the first [`ScenarioError`].
//!
//! Syntax and shape errors come from the toml deserializer (with its span, and a friendlier
//! message where serde's is cryptic); semantic errors from [`validate`].
//! Nesting deeper than [`MAX_NESTING`] is refused before the toml crate sees the text. The crate
//! stops at 80 levels itself (unless its `unbounded` feature is on), and deserializing 80 levels
//! takes about 200 KiB of stack in a debug build; the pre-check keeps the bound ours.

use std::path::Path;

use super::error::{ScenarioError, did_you_mean};
use super::model::ScenarioFile;
use super::validate;

/// Parses and validates one scenario file. `path` is only used in the error.
pub fn parse(path: &Path, text: &str) -> Result<ScenarioFile, ScenarioError> {
    if let Some(offset) = too_deep(text) {
        return Err(ScenarioError::at(
            path,
            text,
            offset..offset + 1,
            format!(
                "too deeply nested, expected at most {MAX_NESTING} levels of arrays and tables"
            ),
        ));
    }
    let file: ScenarioFile = toml::from_str(text).map_err(|e| from_toml(path, text, &e))?;
    match validate::validate(&file).into_iter().next() {
        None => Ok(file),
        Some(issue) => Err(match issue.span {
            Some(span) => ScenarioError::at(path, text, span, issue.message),
            None => ScenarioError::whole_file(path, issue.message),
        }),
    }
}

/// The deepest nesting of arrays and inline tables a scenario file may use.
pub const MAX_NESTING: usize = 64;

/// The offset of the first `[` or `{` that opens level `MAX_NESTING + 1`, if any.
///
/// Skips comments and all four kinds of strings, so brackets inside them do not count. On text
/// that is not TOML the count may be off, but the toml parser rejects such text anyway.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => i = find_from(bytes, i, b"\n"),
            quote @ (b'"' | b'\'') => i = string_end(bytes, i, quote),
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the last byte of the string starting at `start` (or the end of the text).
fn string_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let triple = [quote; 3];
    let multiline = bytes[start..].starts_with(&triple);
    let mut i = if multiline { start + 3 } else { start + 1 };
    while i < bytes.len() {
        match bytes[i] {
            // Basic strings escape; `\` also hides a quote after it.
            b'\\' if quote == b'"' => i += 1,
            b'\n' if !multiline => return i,
            b if b == quote && (!multiline || bytes[i..].starts_with(&triple)) => {
                return if multiline { i + 2 } else { i };
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The index of the next `needle` at or after `from`, or the end of the text.
fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> usize {
    bytes[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map_or(bytes.len(), |p| from + p)
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
    if message == "missing field `default`" {
        return "missing field `default`, expected `{ setting = \"…\", default = \"…\" }` \
                (the value when the setting is unset)"
            .to_string();
    }
    if message.starts_with("cannot recurse further") {
        return format!(
            "too deeply nested, expected at most {MAX_NESTING} levels of arrays and tables"
        );
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
