//! The checker on small in-memory crates (`src/…` path -> source text).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::docker::docker_rule_violations;
use crate::graph::{Crate, cycle_report, display, module_path};
use crate::lex::{blank_comments_and_literals, lex};
use crate::paths::written_paths;
use crate::run_rule_violations;

fn krate(files: &[(&str, &str)]) -> Crate {
    let sources: BTreeMap<PathBuf, String> = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), text.to_string()))
        .collect();
    Crate::from_sources(&sources)
}

/// Each cycle's files.
fn cycles(files: &[(&str, &str)]) -> Vec<Vec<String>> {
    let cycles = krate(files).cycles();
    cycles
        .iter()
        .map(|c| c.files.iter().map(|f| display(f)).collect())
        .collect()
}

/// Every edge as `from:line -> to (text)`.
fn edges(files: &[(&str, &str)]) -> Vec<String> {
    let edges = krate(files).edges();
    edges
        .iter()
        .map(|e| {
            format!(
                "{}:{} -> {} ({})",
                display(&e.from),
                e.line,
                display(&e.to),
                e.text
            )
        })
        .collect()
}

/// The written `use` paths of one snippet.
fn use_paths(src: &str) -> Vec<String> {
    let paths = written_paths(&lex(src).tokens);
    paths
        .iter()
        .filter(|p| p.in_use)
        .map(|p| format!("{}@{}", p.text(), p.line))
        .collect()
}

const LIB: (&str, &str) = ("src/lib.rs", "pub mod a;\npub mod b;\n");

#[test]
fn module_paths_of_files() {
    let m = |p: &str| module_path(Path::new(p));
    assert_eq!(m("src/lib.rs"), Some(vec![]));
    assert_eq!(m("src/a.rs"), Some(vec!["a".to_string()]));
    assert_eq!(m("src/a/mod.rs"), Some(vec!["a".to_string()]));
    assert_eq!(
        m("src/a/b.rs"),
        Some(vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(m("src/main.rs"), None);
    assert_eq!(
        m("src/a/main.rs"),
        Some(vec!["a".to_string(), "main".to_string()])
    );
    assert_eq!(m("tests/x.rs"), None);
}

#[test]
fn a_two_file_cycle_via_use_crate_is_reported_with_its_imports() {
    let files = [
        LIB,
        ("src/a.rs", "use crate::b::B;\npub struct A;\n"),
        ("src/b.rs", "pub struct B;\n\nuse crate::a::A;\n"),
    ];
    assert_eq!(cycles(&files), [["src/a.rs", "src/b.rs"]]);
    let report = cycle_report(&krate(&files).cycles());
    let expected = "\ncycle 1 of 1 (2 files):\n    src/a.rs\n    src/b.rs\n  imports inside the \
                    cycle:\n    src/a.rs:1 -> src/b.rs (crate::b::B)\n    src/b.rs:3 -> src/a.rs \
                    (crate::a::A)\n";
    assert!(report.starts_with("1 import cycle(s)"), "{report}");
    assert!(report.ends_with(expected), "{report}");
}

#[test]
fn no_cycle_when_imports_go_one_way() {
    let files = [
        LIB,
        ("src/a.rs", "use crate::b::B;\n"),
        ("src/b.rs", "pub struct B;\n"),
    ];
    assert!(cycles(&files).is_empty());
    assert_eq!(edges(&files), ["src/a.rs:1 -> src/b.rs (crate::b::B)"]);
}

#[test]
fn a_cycle_via_self_and_super() {
    let files = [
        ("src/lib.rs", "pub mod a;\n"),
        ("src/a/mod.rs", "mod b;\nuse self::b::g;\npub fn f() {}\n"),
        ("src/a/b.rs", "use super::f;\npub fn g() {}\n"),
    ];
    assert_eq!(cycles(&files), [["src/a/b.rs", "src/a/mod.rs"]]);
}

#[test]
fn a_cycle_via_a_parents_pub_use_of_a_child_and_the_childs_use_super() {
    // `src/a.rs` with children in `src/a/` is module `a`: `super` from `a::c` is `a`.
    let files = [
        ("src/lib.rs", "pub mod a;\n"),
        ("src/a.rs", "mod c;\npub use c::X;\npub struct Y;\n"),
        ("src/a/c.rs", "use super::Y;\npub struct X;\n"),
    ];
    // Paths sort by component: `src/a/…` comes before `src/a.rs`.
    assert_eq!(cycles(&files), [["src/a/c.rs", "src/a.rs"]]);
    assert_eq!(
        edges(&files),
        [
            "src/a/c.rs:1 -> src/a.rs (super::Y)",
            "src/a.rs:2 -> src/a/c.rs (c::X)",
        ]
    );
}

#[test]
fn a_three_file_cycle_and_a_separate_two_file_cycle_sorted() {
    let files = [
        (
            "src/lib.rs",
            "mod x; mod y; mod z; mod p; mod q; mod free;\n",
        ),
        ("src/z.rs", "use crate::x::X;\n"),
        ("src/x.rs", "use crate::y::Y;\nuse crate::free::F;\n"),
        ("src/y.rs", "use crate::z::Z;\n"),
        ("src/q.rs", "fn f() { crate::p::g() }\n"),
        ("src/p.rs", "fn g() { crate::q::f() }\n"),
        ("src/free.rs", "pub struct F;\n"),
    ];
    assert_eq!(
        cycles(&files),
        [
            vec!["src/p.rs", "src/q.rs"],
            vec!["src/x.rs", "src/y.rs", "src/z.rs"]
        ]
    );
    let report = cycle_report(&krate(&files).cycles());
    assert!(!report.contains("free.rs"), "{report}");
}

#[test]
fn use_trees_expand_to_full_paths() {
    let src = "use crate::{a::{b, c as see}, d::{self, *}};\npub(crate) use super::{\n    x,\n    \
               y::Z,\n};\npub(super) use self::m as n;\nuse ::toml::Value;\n";
    assert_eq!(
        use_paths(src),
        [
            "crate::a::b@1",
            "crate::a::c@1",
            "crate::d@1",
            "crate::d::*@1",
            "super::x@3",
            "super::y::Z@4",
            "self::m@6",
            "::toml::Value@7",
        ]
    );
}

#[test]
fn grouped_uses_resolve_to_the_longest_module_prefix() {
    let files = [
        ("src/lib.rs", "pub mod a; pub mod d; pub mod x;\n"),
        ("src/a.rs", "pub mod b;\npub fn c() {}\n"),
        ("src/a/b.rs", ""),
        ("src/d.rs", ""),
        ("src/x.rs", "use crate::{a::{b, c as see}, d::{self, *}};\n"),
    ];
    assert_eq!(
        edges(&files),
        [
            "src/x.rs:1 -> src/a/b.rs (crate::a::b)",
            "src/x.rs:1 -> src/a.rs (crate::a::c)",
            "src/x.rs:1 -> src/d.rs (crate::d)",
            "src/x.rs:1 -> src/d.rs (crate::d::*)",
        ]
    );
}

#[test]
fn re_exports_are_not_followed_and_self_edges_are_ignored() {
    let files = [
        ("src/lib.rs", "pub mod run;\npub struct Thing;\n"),
        (
            "src/run/mod.rs",
            "pub mod client;\npub struct SharedTarget;\nuse crate::run::X;\n",
        ),
        ("src/run/client.rs", "pub struct ClientFactory;\n"),
        (
            "src/other.rs",
            "use crate::run::client::ClientFactory;\nuse crate::run::SharedTarget;\nuse \
             crate::Thing;\n",
        ),
    ];
    assert_eq!(
        edges(&files),
        [
            "src/other.rs:1 -> src/run/client.rs (crate::run::client::ClientFactory)",
            "src/other.rs:2 -> src/run/mod.rs (crate::run::SharedTarget)",
            "src/other.rs:3 -> src/lib.rs (crate::Thing)",
        ]
    );
}

#[test]
fn inline_paths_in_code_are_edges() {
    let files = [
        ("src/lib.rs", "pub mod a; pub mod b; pub mod p;\n"),
        ("src/a.rs", "pub fn f() {}\n"),
        ("src/b.rs", "pub struct X;\n"),
        ("src/p/mod.rs", "pub mod q;\npub mod r;\n"),
        ("src/p/r.rs", "pub fn h() {}\n"),
        (
            "src/p/q.rs",
            "fn g() {\n    crate::a::f();\n    let _x = super::super::b::X;\n    self::k();\n    \
             super::r::h::<u8>();\n}\nfn k() {}\n",
        ),
    ];
    assert_eq!(
        edges(&files),
        [
            "src/p/q.rs:2 -> src/a.rs (crate::a::f)",
            "src/p/q.rs:3 -> src/b.rs (super::super::b::X)",
            "src/p/q.rs:5 -> src/p/r.rs (super::r::h)",
        ]
    );
}

#[test]
fn comments_literals_and_external_crates_are_ignored() {
    let a = r####"//! Uses [`crate::b`] a lot.
/// See [`crate::b::B`].
// use crate::b::B;
/* crate::b::B /* nested */ crate::b::B */
use std::collections::BTreeMap;
use serde::Serialize;
use ::toml::Value;
const S: &str = "crate::b::B \" crate::b::B";
const R: &str = r#"use crate::b::B; "# ;
const BS: &[u8] = b"crate::b::B";
const BR: &[u8] = br##"crate::b::B"##;
const Q: char = '"';
const E: char = '\'';
fn g<'a>(x: &'a str) -> &'a str { x }
fn h() { crate::c::f() }
"####;
    let files = [
        ("src/lib.rs", "pub mod a; pub mod b; pub mod c;\n"),
        ("src/a.rs", a),
        ("src/b.rs", "pub struct B;\n"),
        ("src/c.rs", "pub fn f() {}\n"),
    ];
    assert_eq!(edges(&files), ["src/a.rs:15 -> src/c.rs (crate::c::f)"]);
}

#[test]
fn blanking_keeps_lines_and_lifetimes() {
    let src = "a /* x\ny */ b \"s\nt\" 'c' 'd: loop {} &'e str\n";
    let blanked = blank_comments_and_literals(src);
    assert_eq!(blanked.lines().count(), src.lines().count());
    assert_eq!(
        blanked.split_whitespace().collect::<Vec<_>>(),
        ["a", "b", "'d:", "loop", "{}", "&'e", "str"]
    );
}

#[test]
fn a_use_of_a_child_module_file_is_relative_others_are_external_crates() {
    let files = [
        ("src/lib.rs", "pub mod run;\n"),
        ("src/run/mod.rs", "pub mod assert;\n"),
        (
            "src/run/assert.rs",
            "mod cookies;\nuse cookies::cookie_checks;\nuse regex::Regex;\n",
        ),
        ("src/run/assert/cookies.rs", "pub fn cookie_checks() {}\n"),
    ];
    assert_eq!(
        edges(&files),
        ["src/run/assert.rs:2 -> src/run/assert/cookies.rs (cookies::cookie_checks)"]
    );
}

#[test]
fn inline_cfg_test_modules_are_ignored_and_lines_stay_right() {
    let a = "pub struct A;\n#[cfg(test)]\n#[allow(unused)]\nmod tests {\n    use crate::b::B;\n    fn \
             f() { if true { crate::b::g() } }\n}\nuse crate::c::C;\n";
    let files = [
        ("src/lib.rs", "pub mod a; pub mod b; pub mod c;\n"),
        ("src/a.rs", a),
        ("src/b.rs", "use crate::a::A;\npub fn g() {}\n"),
        ("src/c.rs", "pub struct C;\n"),
    ];
    assert!(cycles(&files).is_empty());
    assert_eq!(
        edges(&files),
        [
            "src/a.rs:8 -> src/c.rs (crate::c::C)",
            "src/b.rs:1 -> src/a.rs (crate::a::A)"
        ]
    );
}

#[test]
fn test_only_files_and_their_subtrees_are_left_out() {
    let files = [
        (
            "src/lib.rs",
            "pub mod a;\n#[cfg(test)]\npub(crate) mod fixtures;\n",
        ),
        ("src/a.rs", "pub struct A;\n#[cfg(test)]\nmod more;\n"),
        ("src/a/more.rs", "use super::A;\nuse crate::fixtures::F;\n"),
        (
            "src/fixtures.rs",
            "mod deep;\nuse crate::a::A;\npub struct F;\n",
        ),
        ("src/fixtures/deep.rs", "use crate::a::A;\nuse super::F;\n"),
    ];
    let files_in_graph: Vec<String> = krate(&files).files.keys().map(|f| display(f)).collect();
    assert_eq!(files_in_graph, ["src/a.rs", "src/lib.rs"]);
    assert!(edges(&files).is_empty());
}

#[test]
fn the_run_rule_flags_scenario_paths_toml_and_spanned_only_in_run() {
    let files = [
        (
            "src/lib.rs",
            "pub mod run;\npub mod scenario;\npub mod report;\n",
        ),
        (
            "src/scenario/mod.rs",
            "pub mod model;\npub use toml::Spanned;\n",
        ),
        ("src/scenario/model.rs", "pub struct Step;\n"),
        (
            "src/report/mod.rs",
            "use crate::scenario::model::Step;\nuse toml::Value;\n",
        ),
        (
            "src/run/mod.rs",
            "pub mod client;\npub mod scenario;\nuse crate::scenario::model::Step;\nuse \
             toml;\n// toml::Value and Spanned in a comment\nfn f(s: Spanned<String>) { let _ = \
             toml::from_str::<u8>(\"\"); }\n",
        ),
        ("src/run/scenario.rs", "pub struct Plan;\n"),
        (
            "src/run/client.rs",
            "use super::scenario::Plan;\nuse super::super::scenario::model;\n",
        ),
    ];
    assert_eq!(
        run_rule_violations(&krate(&files)),
        [
            "src/run/client.rs:2: super::super::scenario::model (resolves into \
             src/scenario/model.rs)",
            "src/run/mod.rs:3: crate::scenario::model::Step (resolves into src/scenario/model.rs)",
            "src/run/mod.rs:4: toml (the toml crate)",
            "src/run/mod.rs:6: Spanned (a TOML span)",
            "src/run/mod.rs:6: toml::from_str (the toml crate)",
        ]
    );
}

#[test]
fn the_docker_rule_flags_bollard_outside_its_module_only() {
    let files = [
        ("src/lib.rs", "pub mod targets;\n"),
        ("src/targets/mod.rs", "pub mod containers;\n"),
        (
            "src/targets/containers/mod.rs",
            "pub mod engine;\npub mod stack;\n",
        ),
        (
            "src/targets/containers/engine/mod.rs",
            "use bollard::Docker;\nfn f(d: Docker) { d.create_container(); }\n",
        ),
        (
            "src/targets/containers/engine/sweep.rs",
            "fn g(d: bollard::Docker) { d.remove_container(); }\n",
        ),
        (
            "src/targets/containers/stack.rs",
            "use bollard::models::Mount;\nuse testcontainers::bollard::models::HostConfig;\n// \
             start_container in a comment\nfn h(d: D) {\n    d.start_container(\"id\");\n    \
             let _ = \"remove_container\";\n}\n#[cfg(test)]\nmod tests { fn t() { \
             x.create_container(); } }\n",
        ),
    ];
    assert_eq!(
        docker_rule_violations(&krate(&files)),
        [
            "src/targets/containers/stack.rs:1: bollard::models::Mount (bollard used directly)",
            "src/targets/containers/stack.rs:5: start_container (a bollard container call)",
        ]
    );
}
