//! Masking of secrets in every output: the [`Secrets`] registry that reporters share, plus
//! cookie headers ([`redact_cookie_header`]) and secret fields of JSON and form bodies
//! ([`redact_json`], [`redact_form`]).
//!
//! [`Secrets::redact`] replaces every registered value in any spelling a transcript may carry
//! (raw, percent-encoded, JSON-escaped, base64 at any alignment) and well-known token shapes
//! even when nobody registered them.

mod forms;
mod headers;
mod json;

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, LazyLock, OnceLock, PoisonError, RwLock};

use regex::Regex;

pub use headers::redact_cookie_header;
pub use json::{redact_form, redact_json};

/// Values shorter than this (in characters) are not registered: they would match too often.
const MIN_SECRET_CHARS: usize = 4;

/// A set of secret values known during a run, shared by reporters. Thread-safe and cheap to
/// clone: clones share the same set.
#[derive(Clone, Default)]
pub struct Secrets {
    inner: Arc<RwLock<Registry>>,
}

#[derive(Default)]
struct Registry {
    /// Raw values already registered, so a value is registered once.
    known: HashSet<String>,
    secrets: Vec<Secret>,
}

/// One registered secret: its label and how to find it.
///
/// The finder is compiled on the first [`Secrets::redact`], not in [`Secrets::add`]: a trial
/// registers every password and token it meets but only a failing trial redacts, and
/// compiling the pattern costs more than the requests that found the secret.
struct Secret {
    label: String,
    value: String,
    /// How a request spells the value (see [`request_spellings`]), computed once when added:
    /// [`Secrets::labels_matching`] reads them for every request.
    spellings: Vec<String>,
    /// Built on the first [`Secrets::redact`] of a text that may hold the secret.
    finder: OnceLock<Finder>,
    /// The literal spellings and their anchors, computed on the first [`Secrets::redact`].
    forms: OnceLock<Forms>,
}

/// The literal spellings of a secret (see [`forms::literal_forms`]) and, when every spelling
/// has one, the anchor of each: its longest run of ASCII letters and digits. The finder never
/// encodes those characters, so any text it matches holds an anchor verbatim, and a text that
/// holds none needs no finder at all (a passing trial's snapshot view usually holds none:
/// compiling the finder costs more than the trial's requests).
struct Forms {
    literals: Vec<String>,
    anchors: Option<Vec<String>>,
}

impl Forms {
    fn new(value: &str) -> Self {
        let literals = forms::literal_forms(value);
        let anchors = literals
            .iter()
            .map(|form| {
                form.split(|c: char| !c.is_ascii_alphanumeric())
                    .max_by_key(|run| run.len())
                    .filter(|run| !run.is_empty())
                    .map(str::to_owned)
            })
            .collect();
        Self { literals, anchors }
    }

    /// False only when no spelling of the secret can be in `text`.
    fn may_be_in(&self, text: &str) -> bool {
        self.anchors
            .as_ref()
            .is_none_or(|anchors| anchors.iter().any(|a| text.contains(a.as_str())))
    }
}

impl Secret {
    fn forms(&self) -> &Forms {
        self.forms.get_or_init(|| Forms::new(&self.value))
    }

    fn finder(&self) -> &Finder {
        self.finder
            .get_or_init(|| Finder::new(self.forms().literals.clone()))
    }

    /// Spans of this secret in `text`.
    fn spans<'a>(&'a self, text: &str, out: &mut Vec<Span<'a>>) {
        if self.forms().may_be_in(text) {
            self.finder().spans(text, &self.label, out);
        }
    }
}

/// Finds every spelling of one secret.
enum Finder {
    /// All spellings, each character raw, percent-encoded or JSON-escaped.
    Pattern(Regex),
    /// Fallback if the pattern cannot be compiled: the literal spellings, longest first.
    Literals(Vec<String>),
}

/// A byte range of the text to replace by `[label]`.
struct Span<'a> {
    start: usize,
    end: usize,
    label: &'a str,
}

impl Finder {
    fn new(literals: Vec<String>) -> Self {
        match forms::matcher(&literals) {
            Ok(regex) => Finder::Pattern(regex),
            Err(_) => Finder::Literals(literals),
        }
    }

    fn spans<'a>(&self, text: &str, label: &'a str, out: &mut Vec<Span<'a>>) {
        match self {
            Finder::Pattern(regex) => out.extend(regex.find_iter(text).map(|m| Span {
                start: m.start(),
                end: m.end(),
                label,
            })),
            Finder::Literals(literals) => {
                for literal in literals {
                    out.extend(
                        text.match_indices(literal.as_str())
                            .map(|(start, found)| Span {
                                start,
                                end: start + found.len(),
                                label,
                            }),
                    );
                }
            }
        }
    }
}

impl fmt::Debug for Secrets {
    /// Shows how many secrets are registered, never their values or labels.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self
            .inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .secrets
            .len();
        f.debug_struct("Secrets")
            .field("count", &count)
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret with a label shown in its place, e.g. `add("password", "hunter2")`
    /// makes `redact` write `[password]`. Values shorter than 4 characters or made only of
    /// whitespace are ignored (they would collide with ordinary text); a value registered
    /// twice keeps its first label.
    pub fn add(&self, label: &str, value: &str) {
        if value.chars().count() < MIN_SECRET_CHARS || value.trim().is_empty() {
            return;
        }
        if self
            .inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .known
            .contains(value)
        {
            return;
        }
        let mut registry = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if registry.known.insert(value.to_owned()) {
            registry.secrets.push(Secret {
                label: label.to_owned(),
                value: value.to_owned(),
                spellings: request_spellings(value),
                finder: OnceLock::new(),
                forms: OnceLock::new(),
            });
        }
    }

    /// Replaces every known secret by `[label]`, in every spelling: raw, percent-encoded
    /// (`+` or `%20` for spaces, either hex case), JSON-escaped, and standard or URL-safe
    /// base64 with or without padding, also inside a longer base64 blob. Also masks, even when
    /// unregistered, `ory_st_…` (`[session-token]`), `ory_lo_…` (`[logout-token]`), the secret
    /// part of OpenApp API keys (`https://host_openapp_[secret]`) and cookie values in
    /// `Cookie`/`Set-Cookie` headers (see [`redact_cookie_header`]).
    pub fn redact(&self, text: &str) -> String {
        let text = headers::redact_cookie_headers(text);
        let registry = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let mut spans = Vec::new();
        for secret in &registry.secrets {
            secret.spans(&text, &mut spans);
        }
        pattern_spans(&text, &mut spans);
        replace_spans(&text, spans)
    }
}

impl Secrets {
    /// The labels of the registered secrets that `text` carries, sorted and deduplicated, in
    /// the spellings a request puts them in: raw, form-encoded (a form body or URL query,
    /// `+` for space) or JSON-escaped. The client layer reads a request's URL, headers and body
    /// with it to learn which credentials the request carries (rule K7); unlike
    /// [`Secrets::redact`] it compiles nothing, so it is cheap enough for every request.
    pub fn labels_in(&self, text: &str) -> Vec<String> {
        self.labels_matching(text, |_| true)
    }

    /// [`Secrets::labels_in`] for the secrets whose label `relevant` accepts only: the client
    /// layer asks about credential labels, not about every captured value of a long trial.
    pub fn labels_matching(&self, text: &str, relevant: impl Fn(&str) -> bool) -> Vec<String> {
        let registry = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let mut labels: Vec<String> = registry
            .secrets
            .iter()
            .filter(|s| relevant(&s.label))
            .filter(|s| s.spellings.iter().any(|f| text.contains(f.as_str())))
            .map(|s| s.label.clone())
            .collect();
        labels.sort();
        labels.dedup();
        labels
    }
}

/// How a request spells `value`: raw, form-encoded, percent-encoded (`%20` for space) and
/// JSON-escaped (without the quotes).
fn request_spellings(value: &str) -> Vec<String> {
    let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(value)
        .to_string();
    let mut forms = vec![value.to_string(), form, percent, json];
    forms.dedup();
    forms
}

/// Spans of token shapes that are secret whether registered or not.
fn pattern_spans<'a>(text: &str, out: &mut Vec<Span<'a>>) {
    static TOKENS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"ory_(st|lo)_[A-Za-z0-9]+|_openapp_([^\s\[\]<>;,&'\x22]*[A-Za-z0-9=_-])")
            .expect("valid regex")
    });
    if !may_hold_token(text) {
        return;
    }
    for caps in TOKENS.captures_iter(text) {
        let (matched, label) = match (caps.get(1), caps.get(2)) {
            (Some(kind), _) if kind.as_str() == "st" => (caps.get(0), "session-token"),
            (Some(_), _) => (caps.get(0), "logout-token"),
            (None, secret) => (secret, "secret"),
        };
        if let Some(m) = matched {
            out.push(Span {
                start: m.start(),
                end: m.end(),
                label,
            });
        }
    }
}

/// False only when [`pattern_spans`]'s pattern cannot match: every match holds one of these,
/// so a text without them needs no pattern built. (`ory_` alone would not do: every snapshot
/// view names the `ory_kratos_session` cookie, and building the pattern took 0.5 ms of a
/// one-lifecycle run.)
fn may_hold_token(text: &str) -> bool {
    ["ory_st_", "ory_lo_", "_openapp_"]
        .iter()
        .any(|marker| text.contains(marker))
}

/// Writes `text` with each span replaced by `[label]`. Overlapping spans merge into one,
/// labelled by the span that starts first (the longest among those), so no part of any match
/// survives.
fn replace_spans(text: &str, mut spans: Vec<Span<'_>>) -> String {
    spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut spans = spans.into_iter().peekable();
    while let Some(span) = spans.next() {
        let mut end = span.end;
        while let Some(next) = spans.next_if(|next| next.start < end) {
            end = end.max(next.end);
        }
        out.push_str(&text[copied..span.start]);
        out.push('[');
        out.push_str(span.label);
        out.push(']');
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests;
