//! Just enough lexing of Rust to find paths: comments and literals are blanked out (keeping
//! newlines, so line numbers stay right), the rest is cut into identifiers and punctuation, and
//! inline `#[cfg(test)] mod name { … }` blocks are dropped.

/// One token with the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An identifier, keyword or number; a raw identifier keeps its `r#`.
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// A file's tokens outside test-only code, and the modules it declares test-only
/// (`#[cfg(test)] mod name;`).
pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    pub test_only_modules: Vec<String>,
}

pub(crate) fn lex(src: &str) -> Lexed {
    let tokens = tokenize(&blank_comments_and_literals(src));
    let mut kept = Vec::with_capacity(tokens.len());
    let mut test_only_modules = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if is_cfg_test(&tokens, i) {
            let mut j = i + CFG_TEST.len();
            while let Some(end) = attribute_end(&tokens, j) {
                j = end;
            }
            j = skip_visibility(&tokens, j);
            if let (Some("mod"), Some(name)) = (ident(&tokens, j), ident(&tokens, j + 1)) {
                match punct(&tokens, j + 2) {
                    Some('{') => {
                        i = closing(&tokens, j + 2, '{', '}');
                        continue;
                    }
                    Some(';') => test_only_modules.push(name.to_string()),
                    _ => {}
                }
            }
        }
        kept.push(tokens[i].clone());
        i += 1;
    }
    Lexed {
        tokens: kept,
        test_only_modules,
    }
}

pub(crate) fn ident(tokens: &[Token], i: usize) -> Option<&str> {
    match tokens.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

pub(crate) fn punct(tokens: &[Token], i: usize) -> Option<char> {
    match tokens.get(i).map(|t| &t.tok) {
        Some(Tok::Punct(c)) => Some(*c),
        _ => None,
    }
}

pub(crate) fn is_path_sep(tokens: &[Token], i: usize) -> bool {
    matches!(tokens.get(i).map(|t| &t.tok), Some(Tok::PathSep))
}

const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];

fn is_cfg_test(tokens: &[Token], i: usize) -> bool {
    CFG_TEST.iter().enumerate().all(|(k, want)| {
        let mut chars = want.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_alphanumeric() => punct(tokens, i + k) == Some(c),
            _ => ident(tokens, i + k) == Some(want),
        }
    })
}

/// The index after an outer attribute `#[…]` starting at `i`, if there is one.
fn attribute_end(tokens: &[Token], i: usize) -> Option<usize> {
    (punct(tokens, i) == Some('#') && punct(tokens, i + 1) == Some('['))
        .then(|| closing(tokens, i + 1, '[', ']'))
}

/// Skips `pub`, `pub(crate)`, `pub(in …)` at `i`.
fn skip_visibility(tokens: &[Token], i: usize) -> usize {
    if ident(tokens, i) != Some("pub") {
        return i;
    }
    if punct(tokens, i + 1) == Some('(') {
        closing(tokens, i + 1, '(', ')')
    } else {
        i + 1
    }
}

/// The index after the delimiter matching the `open` at `i` (the end when unbalanced).
fn closing(tokens: &[Token], i: usize, open: char, close: char) -> usize {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(i) {
        match t.tok {
            Tok::Punct(c) if c == open => depth += 1,
            Tok::Punct(c) if c == close => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if is_ident_char(c) {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            // A raw identifier `r#name` is one token.
            if i - start == 1
                && c == 'r'
                && chars.get(i) == Some(&'#')
                && chars.get(i + 1).is_some_and(|&c| is_ident_char(c))
            {
                i += 1;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
            }
            let name = chars[start..i].iter().collect();
            tokens.push(Token {
                tok: Tok::Ident(name),
                line,
            });
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push(Token {
                tok: Tok::PathSep,
                line,
            });
            i += 2;
        } else {
            tokens.push(Token {
                tok: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    tokens
}

/// Replaces comments (`//…`, nested `/* … */`), string literals (with escapes, raw, byte, C)
/// and char literals with spaces, keeping newlines. Lifetimes (`'a`) stay.
pub(crate) fn blank_comments_and_literals(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < chars.len() {
        match skip_end(&chars, i) {
            Some(end) => {
                for &c in &chars[i..end] {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                }
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// The end of the comment or literal starting at `i`, if one starts there.
fn skip_end(c: &[char], i: usize) -> Option<usize> {
    let at = |k: usize| c.get(k).copied();
    match c[i] {
        '/' if at(i + 1) == Some('/') => {
            Some((i..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len()))
        }
        '/' if at(i + 1) == Some('*') => Some(block_comment_end(c, i)),
        '"' => Some(string_end(c, i + 1)),
        '\'' => char_literal_end(c, i),
        'r' | 'b' | 'c' if i == 0 || !is_ident_char(c[i - 1]) => prefixed_literal_end(c, i),
        _ => None,
    }
}

fn block_comment_end(c: &[char], i: usize) -> usize {
    let mut depth = 0usize;
    let mut k = i;
    while k < c.len() {
        match (c[k], c.get(k + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                k += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                k += 2;
                if depth == 0 {
                    return k;
                }
            }
            _ => k += 1,
        }
    }
    c.len()
}

/// The end of a `"…"` string whose body starts at `k`.
fn string_end(c: &[char], mut k: usize) -> usize {
    while k < c.len() {
        match c[k] {
            '\\' => k += 2,
            '"' => return k + 1,
            _ => k += 1,
        }
    }
    c.len()
}

/// `'x'`, `'\n'`, `'\u{1F600}'` are char literals; `'a` (a lifetime or label) is not.
fn char_literal_end(c: &[char], i: usize) -> Option<usize> {
    if c.get(i + 1) == Some(&'\\') {
        let mut k = i + 3;
        while k < c.len() && c[k] != '\'' {
            k += 1;
        }
        return Some((k + 1).min(c.len()));
    }
    (c.get(i + 1).is_some_and(|&x| x != '\'') && c.get(i + 2) == Some(&'\'')).then_some(i + 3)
}

/// `b"…"`, `c"…"`, `b'x'`, and raw strings `r"…"`, `r#"…"#`, `br#"…"#`, `cr"…"`.
fn prefixed_literal_end(c: &[char], i: usize) -> Option<usize> {
    let mut k = i;
    if c[k] != 'r' {
        k += 1;
        match c.get(k) {
            Some('"') => return Some(string_end(c, k + 1)),
            Some('\'') if c[i] == 'b' => return char_literal_end(c, k),
            Some('r') => {}
            _ => return None,
        }
    }
    k += 1;
    let hashes = c[k..].iter().take_while(|&&x| x == '#').count();
    if c.get(k + hashes) != Some(&'"') {
        return None;
    }
    let mut j = k + hashes + 1;
    while j < c.len() {
        if c[j] == '"'
            && c[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&x| x == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}
