use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::scenario::fixtures::{FULL, first_error, parse_str};

/// `tests/bad_scenarios`, relative to the crate root (the path errors name).
const CORPUS: &str = "tests/bad_scenarios";

/// Every `(relative path, text, expected first line)` of the corpus.
fn corpus() -> Vec<(PathBuf, String, Option<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let expected = fs::read_to_string(path.with_extension("expected"))
                .ok()
                .map(|e| e.trim_end().to_string());
            let relative = Path::new(CORPUS).join(path.file_name().unwrap());
            (relative, text, expected)
        })
        .collect()
}

#[test]
fn every_bad_scenario_fails_with_its_expected_first_line() {
    let corpus = corpus();
    assert!(corpus.len() >= 15, "only {} bad scenarios", corpus.len());
    let mut mismatches = Vec::new();
    for (path, text, expected) in corpus {
        let actual = match parse(&path, &text) {
            Ok(_) => "<parsed without error>".to_string(),
            Err(e) => e.to_string().lines().next().unwrap_or_default().to_string(),
        };
        if expected.as_deref() != Some(actual.as_str()) {
            mismatches.push(format!(
                "{}\n  expected: {expected:?}\n  actual:   {actual}",
                path.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}

#[test]
fn the_full_example_parses() {
    let file = parse_str(FULL).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.name.get_ref(), "every feature of the format");
    assert_eq!(file.identities.len(), 3);
}

#[test]
fn errors_render_file_line_column_and_a_caret() {
    let err = parse_str("name = \"n\"\nrules = [\"R1\"]\n[[step]]\nrequest = { method = \"GET\", path = \"/\" }\nexpect.stauts = 200\n")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.toml:5:8: unknown field `stauts`, expected one of `status`, `body`, `json`, `headers`, \
         `sets`, `clears`, `not_sets`, `cookie`, `jar_has`, `jar_lacks`, `same_json_as`, \
         `within`, `sdk` (did you mean `status`?)\n  |\n5 | expect.stauts = 200\n  |        ^"
    );
}

#[test]
fn toml_messages_are_made_friendlier() {
    assert_eq!(
        friendly("duplicate key", "\"name\""),
        "duplicate key `name`"
    );
    assert_eq!(
        friendly("unknown field `x`, expected `y`", "x"),
        "unknown field `x`, expected `y`"
    );
    assert_eq!(
        friendly("unknown variant `api-`, expected `api` or `origin`", ""),
        "unknown variant `api-`, expected `api` or `origin` (did you mean `api`?)"
    );
    assert_eq!(friendly("line one\n  line two", ""), "line one line two");
}

#[test]
fn an_empty_file_misses_its_name() {
    assert_eq!(first_error(""), "t.toml:1:1: missing field `name`");
    assert_eq!(
        first_error("name = \"n\"\n"),
        "t.toml:1:1: missing field `rules`"
    );
}

#[test]
fn junk_does_not_panic() {
    let junk: String = (0u8..=255).map(char::from).cycle().take(4096).collect();
    assert!(parse_str(&junk).is_err());
    assert!(parse_str("\u{0}\u{1}\u{2}").is_err());
    assert!(parse_str("[[[[").is_err());
    assert!(parse_str("name = \"n\"\nrules = [\"R1\"]\n[[step]]\n\u{feff}").is_err());
}

/// A scenario whose request body nests `depth` arrays (or inline tables).
fn nested_json(depth: usize, table: bool) -> String {
    let (open, close) = if table { ("{a=", "}") } else { ("[", "]") };
    format!(
        "name = \"n\"\nrules = [\"R1\"]\n[[step]]\nrequest = {{ method = \"POST\", path = \"/\", json = {}1{} }}\n",
        open.repeat(depth - 1),
        close.repeat(depth - 1)
    )
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // A quarter of the default 2 MiB thread stack is enough for the deepest accepted file.
    let worker = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| {
            for table in [false, true] {
                assert!(parse_str(&nested_json(MAX_NESTING, table)).is_ok());
                let err = parse_str(&nested_json(MAX_NESTING + 1, table)).unwrap_err();
                assert_eq!(
                    err.message,
                    "too deeply nested, expected at most 64 levels of arrays and tables"
                );
                assert_eq!(err.line, 4);
            }
            for text in [
                format!("name = \"n\"\nrules = {}\n", "[".repeat(10_000)),
                format!("x = {}\n", "{a=".repeat(10_000)),
                format!("{}\n", "[".repeat(10_000)),
            ] {
                assert!(first_error(&text).contains("too deeply nested"));
            }
        });
    assert!(worker.unwrap().join().is_ok());
}

#[test]
fn brackets_in_strings_and_comments_do_not_count_as_nesting() {
    let deep = "[".repeat(100);
    for text in [
        format!("# {deep}\n"),
        format!("a = \"{deep}\"\nb = 'x'\n"),
        format!("a = 'x\\'\nb = \"\\\"{deep}\"\n"),
        format!("a = \"\"\"\n{deep}\n\"\"\"\n"),
        format!("a = \'\'\'\n{deep}\'\'\'\n"),
    ] {
        assert_eq!(too_deep(&text), None, "{text}");
    }
    assert_eq!(
        too_deep(&format!("a = \"x\" # c\nb = {deep}")),
        Some(16 + 64)
    );
    assert_eq!(too_deep("a = \"unterminated [[["), None);
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
    let text = "\u{feff}name = \"n\"\r\nrules = [\"R1\"]\r\n[[step]]\r\nrequest = { method = \"GET\", path = \"/\" }\r\n";
    assert!(parse_str(text).is_ok(), "{:?}", parse_str(text).err());
    let err = parse_str(&text.replace("GET", "got")).unwrap_err();
    assert_eq!((err.line, err.column), (4, 22));
    assert_eq!(
        err.snippet.as_deref(),
        Some("request = { method = \"got\", path = \"/\" }")
    );
}
