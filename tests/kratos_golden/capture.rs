//! The golden capture files of `tests/golden/kratos/<folder>/NN_name.json` as typed data
//! (the format is described in `tests/golden/kratos/CAPTURES.md`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// The directory holding the capture folders and `api.json`.
pub(crate) fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/kratos")
}

/// One scenario file.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Capture {
    /// The file stem, e.g. `10_login_success_json` (filled in by [`load_folder`]).
    #[serde(skip)]
    pub file: String,
    /// The client jar at the start (`null` when the scenario uses none).
    pub jar_before: Option<JarSnapshot>,
    /// The requests and responses, in order.
    pub exchanges: Vec<Exchange>,
}

/// A cookie jar as the capture tool saw it (names and attributes, no values).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JarSnapshot {
    /// E.g. `11 jar (copy of the 10 jar)`.
    pub name: String,
    /// The cookies it held.
    pub cookies: Vec<JarCookie>,
}

/// One cookie of a [`JarSnapshot`].
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JarCookie {
    /// The cookie name.
    pub name: String,
}

/// One request and its response.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Exchange {
    /// What the request is for.
    pub step: String,
    /// As sent.
    pub request: CapturedRequest,
    /// As received.
    pub response: CapturedResponse,
    /// The jar the request was sent with, after the response (`null`: no jar, the `Cookie`
    /// header, if any, was written by hand).
    pub jar: Option<JarSnapshot>,
}

/// A request exactly as sent.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CapturedRequest {
    /// HTTP method.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body text, if any.
    pub body: Option<String>,
}

/// A response exactly as received.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CapturedResponse {
    /// Status code.
    pub status: u16,
    /// Headers in wire order, duplicates kept.
    pub headers: Vec<(String, String)>,
    /// `json`, `text` or `empty`.
    pub body_kind: String,
    /// Parsed JSON, or the text.
    pub body: Value,
    /// The exact JSON text, for JSON bodies.
    pub body_raw: Option<String>,
}

impl CapturedRequest {
    /// The first header of this name (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }
}

impl CapturedResponse {
    /// The first header of this name (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }

    /// The body as text (JSON raw text, plain text, or empty).
    pub(crate) fn body_text(&self) -> String {
        match self.body_kind.as_str() {
            "json" => self
                .body_raw
                .clone()
                .unwrap_or_else(|| self.body.to_string()),
            "text" => self.body.as_str().unwrap_or_default().to_string(),
            _ => String::new(),
        }
    }
}

/// The first value of a header in a `(name, value)` list (case-insensitive name).
pub(crate) fn first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Every value of a header in a `(name, value)` list, in order.
pub(crate) fn all<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Loads every `NN_*.json` of a capture folder, in file order.
pub(crate) fn load_folder(folder: &str) -> Vec<Capture> {
    let dir = golden_dir().join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let text =
                std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut capture: Capture =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            capture.file = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            capture
        })
        .collect()
}
