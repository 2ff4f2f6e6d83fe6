//! [`ScenarioError`]: a problem in one scenario file, located at file:line:column.
//!
//! Also owns the "did you mean" helper (`did_you_mean`) that messages use for near misses.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The longest source line an error shows, in characters.
pub const MAX_SNIPPET: usize = 400;

/// A problem in one scenario file: where it is and what is wrong.
///
/// Displays as `path:line:column: message`, then (with a snippet) the source line with a caret
/// under the column, the way rustc and the toml crate show errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The scenario file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Lowercase message: what is wrong, what was expected, and a hint where one helps.
    pub message: String,
    /// The source line the error points into, without its line break.
    pub snippet: Option<String>,
}

impl ScenarioError {
    /// An error at the start of the byte range `span` of `text` (the file's contents).
    ///
    /// A span past the end or inside a character is clamped to the nearest valid position. A
    /// source line longer than [`MAX_SNIPPET`] characters is not shown.
    pub fn at(path: &Path, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let mut offset = span.start.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = text[..line_start].matches('\n').count() + 1;
        let column = text[line_start..offset].chars().count() + 1;
        let snippet = text[line_start..line_end].trim_end_matches('\r');
        Self {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
            snippet: (snippet.chars().count() <= MAX_SNIPPET).then(|| snippet.to_string()),
        }
    }

    /// An error about the file as a whole (unreadable, too large, …): line 1, column 1, no
    /// snippet.
    pub fn whole_file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: message.into(),
            snippet: None,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(snippet) = &self.snippet {
            let number = self.line.to_string();
            let gutter = " ".repeat(number.len());
            // Keep tabs before the column so the caret lines up however tabs are shown.
            let pad: String = snippet
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{gutter} |\n{number} | {snippet}\n{gutter} | {pad}^")?;
        }
        Ok(())
    }
}

/// ` (did you mean `X`?)` for the candidate closest to `word`, or an empty string when none is
/// close (case-insensitive; at most one edit per three characters, a swap counting as one).
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    let lower = word.to_lowercase();
    // One edit per three characters, and none for words too short to tell apart.
    let length = word.chars().count();
    let limit = if length < 3 { 0 } else { (length / 3).max(1) };
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Edit distance in characters: insertions, deletions, substitutions and swaps of two
/// neighbours each cost 1 (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column_and_renders_a_caret() {
        let text = "name = \"x\"\nrules = [\"R99\"]\n";
        let offset = text.find("\"R99").unwrap();
        let err = ScenarioError::at(Path::new("a.toml"), text, offset..offset + 5, "bad rule");
        assert_eq!((err.line, err.column), (2, 10));
        assert_eq!(
            err.to_string(),
            "a.toml:2:10: bad rule\n  |\n2 | rules = [\"R99\"]\n  |          ^"
        );
    }

    #[test]
    fn columns_count_characters_and_keep_tabs() {
        let text = "\tk = \"é\" # x\n";
        let offset = text.find('#').unwrap();
        let err = ScenarioError::at(Path::new("t.toml"), text, offset..offset, "m");
        assert_eq!((err.line, err.column), (1, 10));
        assert!(err.to_string().ends_with("| \t        ^"), "{err}");
    }

    #[test]
    fn clamps_out_of_range_and_mid_character_spans() {
        let text = "a = \"é\"";
        let err = ScenarioError::at(Path::new("t"), text, 999..1000, "m");
        assert_eq!((err.line, err.column), (1, 8));
        let inside = text.find('é').unwrap() + 1;
        let err = ScenarioError::at(Path::new("t"), text, inside..inside, "m");
        assert_eq!(err.column, 6);
        let err = ScenarioError::at(Path::new("t"), "", 0..0, "m");
        assert_eq!(
            (err.line, err.column, err.snippet.as_deref()),
            (1, 1, Some(""))
        );
    }

    #[test]
    fn very_long_lines_are_not_shown() {
        let text = format!("a = \"{}\"", "x".repeat(MAX_SNIPPET));
        let err = ScenarioError::at(Path::new("t"), &text, 4..5, "m");
        assert_eq!((err.line, err.column, err.snippet), (1, 5, None));
    }

    #[test]
    fn strips_carriage_returns_from_snippets() {
        let err = ScenarioError::at(Path::new("t"), "a = 1\r\nb = 2\r\n", 7..8, "m");
        assert_eq!((err.line, err.column), (2, 1));
        assert_eq!(err.snippet.as_deref(), Some("b = 2"));
    }

    #[test]
    fn whole_file_errors_have_no_snippet() {
        let err = ScenarioError::whole_file(Path::new("d/x.toml"), "is a directory");
        assert_eq!(err.to_string(), "d/x.toml:1:1: is a directory");
    }

    #[test]
    fn suggests_close_candidates_only() {
        assert_eq!(did_you_mean("R99", ["R9", "K1"]), " (did you mean `R9`?)");
        assert_eq!(did_you_mean("r10", ["R1", "R10"]), " (did you mean `R10`?)");
        assert_eq!(
            did_you_mean("expcet", ["expect", "request"]),
            " (did you mean `expect`?)"
        );
        assert_eq!(did_you_mean("zzzzzz", ["expect"]), "");
        assert_eq!(did_you_mean("x", ["y"]), "");
        assert_eq!(did_you_mean("r1", ["R1"]), " (did you mean `R1`?)");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("alcie", "alice"), 1);
    }
}
