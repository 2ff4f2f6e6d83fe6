use super::*;
use crate::explore::episode::{Shape, build, generate};
use crate::explore::generate::Reach;
use crate::explore::ops::Numbered;

const CORE: Setup = Setup {
    strict: false,
    cookie_domain: true,
};
const STRICT: Setup = Setup {
    strict: true,
    cookie_domain: true,
};

fn texts(model: &mut Model, ops: &[Op]) -> Vec<Vec<StepText>> {
    ops.iter()
        .enumerate()
        .filter_map(|(i, op)| model.emit(i as u32, op))
        .collect()
}

#[test]
fn a_second_browser_login_in_a_jar_with_a_live_session_is_refused() {
    let mut m = Model::new(CORE, 1);
    let steps = texts(
        &mut m,
        &[
            Op::BrowserLogin {
                client: 0,
                identity: 0,
            },
            Op::BrowserLogin {
                client: 0,
                identity: 1,
            },
        ],
    );
    assert_eq!(steps[1].len(), 1);
    assert_eq!(steps[1][0].rules, vec!["K8"]);
}

#[test]
fn after_an_admin_revocation_core_checks_the_status_only_and_strict_wants_null() {
    for (setup, body) in [(CORE, false), (STRICT, true)] {
        let mut m = Model::new(setup, 1);
        let steps = texts(
            &mut m,
            &[
                Op::BrowserLogin {
                    client: 0,
                    identity: 0,
                },
                Op::Revoke { of: 0 },
                Op::Introspect {
                    client: 0,
                    route: Introspection::Whoami,
                    key: Key::None,
                },
            ],
        );
        let mut out = String::new();
        steps[2][0].render("x", &mut out);
        assert_eq!(out.contains(r#"expect.body = "null""#), body, "{out}");
        assert_eq!(out.contains("within"), body, "{out}");
    }
}

#[test]
fn a_revocation_of_a_login_a_shrink_removed_is_skipped() {
    let mut m = Model::new(CORE, 1);
    assert!(m.emit(5, &Op::Revoke { of: 2 }).is_none());
    assert!(m.emit(6, &Op::TokenWhoami { client: 0 }).is_none());
}

#[test]
fn logout_clears_every_csrf_cookie_the_jar_holds_and_the_jar_is_empty_after() {
    let mut m = Model::new(STRICT, 1);
    let steps = texts(
        &mut m,
        &[
            Op::SeedStaleCsrf {
                client: 0,
                name: 1,
                domain: true,
            },
            Op::Logout {
                client: 0,
                sign_out: false,
                key: false,
            },
        ],
    );
    let mut out = String::new();
    steps[1][0].render("x", &mut out);
    assert!(out.contains(&format!("{}@domain", stale_name(1))), "{out}");
    assert!(out.contains("csrf_token_*@host"), "{out}");
    assert!(out.contains("jar_lacks"), "{out}");
    assert_eq!(steps[1][0].rules, vec!["R14", "R10", "R11"]);
}

fn reach(strict: bool) -> Reach {
    Reach {
        identities: 2,
        clients: 3,
        api_key: true,
        admin: true,
        cookie_domain: true,
        strict,
    }
}

#[test]
fn the_same_seed_gives_the_same_sequence_and_another_seed_another() {
    let a = generate(7, 300, &reach(false), CORE);
    assert_eq!(a, generate(7, 300, &reach(false), CORE));
    assert_ne!(a, generate(8, 300, &reach(false), CORE));
}

/// Every sequence the generator makes, and every part of one, is a valid scenario file.
#[test]
fn generated_scenarios_parse_validate_and_resolve() {
    for strict in [false, true] {
        let setup = if strict { STRICT } else { CORE };
        for seed in 0..12 {
            let ops = generate(seed, 250, &reach(strict), setup);
            let odd: Vec<Numbered> = ops.iter().filter(|n| n.id % 3 != 0).cloned().collect();
            for (concurrency, part) in [(1, &ops), (1, &odd), (4, &ops)] {
                let shape = Shape {
                    setup,
                    clients: 3,
                    concurrency,
                };
                let built = build(part, &shape, "generated", vec!["seed".into()]);
                let path = std::path::Path::new("explore.toml");
                let file = crate::scenario::parse(path, &built.text)
                    .unwrap_or_else(|e| panic!("seed {seed} strict {strict}: {e}\n{}", built.text));
                let v = crate::scenario::Scenario::new(path.into(), "explore".into(), file);
                crate::plan::resolve(&v, &crate::plan::Settings::none())
                    .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                assert_eq!(built.step_ops.len(), v.file.steps.len());
            }
        }
    }
}
