//! Bad input never panics: random input (proptest) never panics the scenario parser or the
//! Set-Cookie normaliser. That every file of the broken-scenario corpus makes `run` exit 2 with
//! its `file:line:column` is the `bad_scenarios` test target (tests/bad_scenarios/main.rs), one
//! trial per file.

use std::path::Path;

use openapp_conformance::cookie::{CanonContext, canonical, parse_cookie_date, parse_set_cookie};
use openapp_conformance::scenario::parse::parse;
use proptest::prelude::*;

/// A valid scenario to mutate.
const SEED: &str = r#"name = "x"
rules = ["R1"]
tags = ["core"]
identities = { alice = { provisioned = true } }
[[step]]
login = { identity = "alice" }
capture = { tok = { json = "/id" } }
[[step]]
request = { method = "GET", path = "/auth/whoami?x={{tok}}", headers = { X-A = "b" } }
expect = { status = [200, 401], body = "null", clears = ["csrf_token_*@domain"], json = [{ path = "/id", matches = "^a" }] }
"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics_on_any_text(text in "\\PC{0,400}") {
        let _ = parse(Path::new("fuzz.toml"), &text);
    }

    #[test]
    fn the_parser_never_panics_on_mutated_scenarios(at in 0usize..SEED.len(), cut in 0usize..40, insert in "[\\[\\]{}=\"'#,.@*/ a-z0-9\\n]{0,12}") {
        let mut s = SEED.to_string();
        let at = (0..=at).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        let end = (at..=(at + cut).min(s.len())).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(at);
        s.replace_range(at..end, &insert);
        if let Err(e) = parse(Path::new("fuzz.toml"), &s) {
            prop_assert!(e.line >= 1 && e.column >= 1);
        }
    }

    #[test]
    fn set_cookie_parsing_and_canonical_form_never_panic(line in "\\PC{0,200}", now in any::<i64>()) {
        if let Ok(c) = parse_set_cookie(&line) {
            let _ = canonical(&c, &CanonContext::default(), now);
            let _ = c.redacted();
            let _ = c.lifetime(now);
        }
        let _ = parse_cookie_date(&line);
    }

    #[test]
    fn cookie_like_lines_never_panic(name in "[a-z_]{1,10}", attrs in proptest::collection::vec("(?i)(path|domain|expires|max-age|samesite|secure|httponly)(=[ -~]{0,30})?", 0..8)) {
        let line = format!("{name}=v; {}", attrs.join("; "));
        let c = parse_set_cookie(&line).expect("a name=value line parses");
        let _ = canonical(&c, &CanonContext::default(), 0);
    }
}
