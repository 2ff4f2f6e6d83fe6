//! A report format as two stages ([`Format`]), so that one document can be put together from
//! the scenarios of one process or of many (nextest, `super::parts`).

use serde_json::Value;

use super::record::{Record, RunInfo, Summary, sorted};

/// One report format, rendered in two stages so that a document can also be put together from
/// the scenarios of several processes (nextest, `super::parts`): each scenario's *fragment*,
/// redacted and final, then the *document* around the fragments, sorted by scenario id.
#[derive(Clone, Copy)]
pub(super) struct Format {
    /// `JUnit`, `JSON` or `HTML`, as errors name it.
    pub(super) kind: &'static str,
    /// What one scenario contributes to the document.
    pub(super) fragment: fn(&Record) -> Value,
    /// The document: run information, counts, and the fragments in order.
    pub(super) assemble: fn(&RunInfo, &Summary, &[Value]) -> String,
}

impl Format {
    /// The whole document for these records.
    pub(super) fn render(&self, info: &RunInfo, records: &[Record]) -> String {
        let fragments: Vec<Value> = sorted(records).into_iter().map(self.fragment).collect();
        (self.assemble)(info, &Summary::of(records), &fragments)
    }
}
