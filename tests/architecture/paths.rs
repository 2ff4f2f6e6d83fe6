//! The paths a file writes: every `use` declaration expanded into full paths (nested `{}`
//! groups, `self`, `as`, `*`), and every path in code (`crate::a::f()`, `Foo::new`, …).

use crate::lex::{Tok, Token, ident, is_path_sep, punct};

/// A path as written, e.g. `[super, client, ClientFactory]`; a leading `::` is the segment
/// `"::"`, a glob the segment `"*"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WrittenPath {
    pub segments: Vec<String>,
    /// The line of the path's last segment (for a `use` spanning lines, the line of the leaf).
    pub line: usize,
    /// From a `use` declaration (where a first segment may name a child module).
    pub in_use: bool,
}

impl WrittenPath {
    pub(crate) fn text(&self) -> String {
        match self.segments.split_first() {
            Some((root, rest)) if root == "::" => format!("::{}", rest.join("::")),
            _ => self.segments.join("::"),
        }
    }

    /// The first segment naming something, i.e. after a leading `::`.
    pub(crate) fn first_name(&self) -> Option<&str> {
        let skip = usize::from(self.segments.first().is_some_and(|s| s == "::"));
        self.segments.get(skip).map(String::as_str)
    }
}

pub(crate) fn written_paths(tokens: &[Token]) -> Vec<WrittenPath> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if ident(tokens, i) == Some("use") {
            let mut parser = UseParser {
                tokens,
                pos: i + 1,
                out: &mut out,
            };
            parser.tree(&[]);
            i = parser.pos;
            if punct(tokens, i) == Some(';') {
                i += 1;
            }
        } else if let Some((path, end)) = inline_path(tokens, i) {
            out.push(path);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// A path in code starting at `i`: an identifier followed by `::` (and not itself preceded by
/// `::`), or a leading `::` not preceded by a name or a `>`.
fn inline_path(tokens: &[Token], i: usize) -> Option<(WrittenPath, usize)> {
    let after_sep = i > 0 && is_path_sep(tokens, i - 1);
    let mut segments = Vec::new();
    let mut j = i;
    if is_path_sep(tokens, i) {
        let prev_joins =
            i > 0 && (ident(tokens, i - 1).is_some() || punct(tokens, i - 1) == Some('>'));
        if prev_joins || after_sep || ident(tokens, i + 1).is_none() {
            return None;
        }
        segments.push("::".to_string());
        j += 1;
    } else if after_sep || ident(tokens, i).is_none() || !is_path_sep(tokens, i + 1) {
        return None;
    }
    let line = tokens[j].line;
    segments.push(ident(tokens, j)?.to_string());
    j += 1;
    while is_path_sep(tokens, j) {
        match ident(tokens, j + 1) {
            Some(name) => segments.push(name.to_string()),
            None => break,
        }
        j += 2;
    }
    let path = WrittenPath {
        segments,
        line,
        in_use: false,
    };
    Some((path, j))
}

struct UseParser<'a> {
    tokens: &'a [Token],
    pos: usize,
    out: &'a mut Vec<WrittenPath>,
}

impl UseParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn line(&self) -> usize {
        self.tokens.get(self.pos).map_or(0, |t| t.line)
    }

    fn emit(&mut self, segments: Vec<String>, line: usize) {
        self.out.push(WrittenPath {
            segments,
            line,
            in_use: true,
        });
    }

    /// Parses one use tree under `prefix`, emitting its full paths; stops quietly at anything
    /// unexpected (e.g. in a macro).
    fn tree(&mut self, prefix: &[String]) {
        let mut path = prefix.to_vec();
        if path.is_empty() && self.peek() == Some(&Tok::PathSep) {
            path.push("::".to_string());
            self.pos += 1;
        }
        loop {
            let line = self.line();
            match self.peek().cloned() {
                Some(Tok::Punct('*')) => {
                    self.pos += 1;
                    path.push("*".to_string());
                    self.emit(path, line);
                    return;
                }
                Some(Tok::Punct('{')) => {
                    self.pos += 1;
                    self.group(&path);
                    return;
                }
                Some(Tok::Ident(name)) => {
                    self.pos += 1;
                    // `{self}` inside a group names the group's prefix itself.
                    if name != "self" || path.is_empty() {
                        path.push(name);
                    }
                    if self.peek() == Some(&Tok::PathSep) {
                        self.pos += 1;
                        continue;
                    }
                    if self.peek() == Some(&Tok::Ident("as".to_string())) {
                        self.pos += 2;
                    }
                    self.emit(path, line);
                    return;
                }
                _ => return,
            }
        }
    }

    /// The inside of `{ … }` (the `{` consumed), up to and including the `}`.
    fn group(&mut self, prefix: &[String]) {
        loop {
            if self.peek() == Some(&Tok::Punct('}')) {
                self.pos += 1;
                return;
            }
            self.tree(prefix);
            match self.peek() {
                Some(Tok::Punct(',')) => self.pos += 1,
                Some(Tok::Punct('}')) => {}
                _ => return,
            }
        }
    }
}
