//! The command line a stranger reads (issue 20): `--help` with an Environment section and each
//! default said once, `list` selecting as `run` does, libtest's "N filtered out", the closing
//! line of a run that ignored scenarios and `--require-all`, and the README's one number of
//! scenarios.

use std::process::Output;

use regex::Regex;

use super::stack::{Served, bin, run_with, text};

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// Scenario files under `scenarios/`.
fn scenario_files() -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                if p.is_dir() {
                    walk(&p)
                } else {
                    usize::from(p.extension().is_some_and(|e| e == "toml"))
                }
            })
            .sum()
    }
    walk(&super::root().join("scenarios"))
}

#[test]
fn help_lists_the_environment_and_says_each_default_once() {
    for (args, vars) in [
        (
            &["run", "--help"][..],
            &[
                "OPENAPP_BASE_URL",
                "KRATOS_PUBLIC_URL",
                "KRATOS_ADMIN_URL",
                "OPENAPP_RESOLVE",
                "OPENAPP_CA_CERT",
                "OPENAPP_TEST_IDENTIFIER",
            ][..],
        ),
        (
            &["load", "--help"],
            &["OPENAPP_BASE_URL", "OPENAPP_CA_CERT"],
        ),
        (
            &["reference", "--help"],
            &["KRATOS_PUBLIC_URL", "OPENAPP_LISTEN", "OPENAPP_API_KEYS"],
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0));
        let help = text(&out.stdout);
        let env = help
            .split_once("\nEnvironment (")
            .unwrap_or_else(|| panic!("{args:?} has an Environment section:\n{help}"))
            .1;
        for var in vars {
            assert!(env.contains(var), "{args:?} names {var}:\n{env}");
        }
        // Long help: one block per option, separated by blank lines.
        for block in help.split("\n\n") {
            assert!(
                !(block.contains("Default:") && block.contains("[default:")),
                "{args:?}: a default said twice:\n{block}"
            );
        }
    }
    let short = text(&run(&["run", "-h"]).stdout);
    for line in short.lines() {
        assert!(
            !(line.contains("Default:") && line.contains("[default:")),
            "{line}"
        );
    }
}

/// Trial names of `list`'s text output.
fn listed(args: &[&str]) -> Vec<String> {
    let out = run(&[&["list"], args].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| l.split("  ").next().unwrap().to_string())
        .collect()
}

#[test]
fn list_selects_as_run_does() {
    assert_eq!(listed(&[]).len(), scenario_files());
    let strict = listed(&["--tag", "strict"]);
    assert!(!strict.is_empty() && strict.iter().all(|n| n.starts_with("strict::")));
    let no_strict = listed(&["--skip", "strict"]);
    assert_eq!(no_strict.len() + strict.len(), scenario_files());
    assert_eq!(
        listed(&["core::r09", "core::k2"]),
        [
            "core::k2_csrf_is_enforced",
            "core::k2_csrf_is_enforced_form",
            "core::r09_logout_answers_204_and_logs_out"
        ]
    );
    assert_eq!(
        listed(&["--exact", "core::r01_anonymous_is_null"]),
        ["core::r01_anonymous_is_null"]
    );
    // The same selection as `run --list`.
    let out = run(&["run", "--list", "--skip", "strict"]);
    let run_listed: Vec<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(String::from)
        .collect();
    assert_eq!(run_listed, no_strict);
    // Nothing selected: exit 2, as for `run`.
    let out = run(&["list", "--exact", "core::r01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no scenario matches"));
}

#[test]
fn the_summary_counts_the_scenarios_left_out_as_filtered_out() {
    let out = run(&["run", "core::r01"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let expected = format!(
        "1 passed; 0 failed; 0 ignored; 0 measured; {} filtered out",
        scenario_files() - 1
    );
    assert!(stdout.contains(&expected), "{expected}:\n{stdout}");
    // `--exact` and `--tag` count the same way; the listing shows only real trials.
    let out = run(&[
        "run",
        "--exact",
        "core::r01_anonymous_is_null",
        "--tag",
        "core",
    ]);
    assert!(
        text(&out.stdout).contains(&expected),
        "{}",
        text(&out.stdout)
    );
    let list = text(&run(&["run", "--list", "core::r01"]).stdout);
    assert_eq!(list.trim(), "core::r01_anonymous_is_null: test");
    let all = text(&run(&["run"]).stdout);
    assert!(all.contains("; 0 filtered out"), "{all}");
}

#[test]
fn a_run_that_ignores_scenarios_says_which_settings_and_require_all_fails_it() {
    let served = Served::start(&[]);
    // The deployment, but neither the admin API nor an API key: many scenarios cannot run.
    let env: Vec<(String, String)> = served
        .env()
        .into_iter()
        .filter(|(k, _)| k != "KRATOS_ADMIN_URL" && k != "OPENAPP_API_KEY")
        .collect();
    let counts = Regex::new(r"(\d+) passed; (\d+) failed; (\d+) ignored").unwrap();
    let out = run_with(&["run"], &env);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let ignored: usize = counts.captures(&stdout).expect("summary")[3]
        .parse()
        .unwrap();
    assert!(ignored > 0, "{stdout}");
    let closing = stdout.lines().last().unwrap();
    assert!(
        closing.starts_with(&format!(
            "{ignored} of {} scenarios ignored, this target lacks what they need: set KRATOS_ADMIN_URL (",
            scenario_files()
        )),
        "{closing}"
    );
    assert!(closing.contains("OPENAPP_API_KEY ("), "{closing}");
    assert!(closing.contains("--require-all"), "{closing}");

    for how in [&["run", "--require-all"][..], &["run"]] {
        let mut env = env.clone();
        if how.len() == 1 {
            env.push(("OPENAPP_CONFORMANCE_REQUIRE_ALL".into(), "true".into()));
        }
        let out = run_with(how, &env);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{how:?}: {stdout}");
        let c = counts.captures(&stdout).expect("summary");
        assert_eq!(
            (&c[2], &c[3]),
            (ignored.to_string().as_str(), "0"),
            "{stdout}"
        );
        assert!(
            stdout.contains("with --require-all: needs ") && stdout.contains("KRATOS_ADMIN_URL"),
            "{stdout}"
        );
        assert!(
            stdout.contains("scenarios failed (--require-all)"),
            "{stdout}"
        );
    }
    // A target that runs everything: no closing line.
    let out = run_with(&["run", "core::r0"], &served.env());
    assert!(!text(&out.stdout).contains("lacks what they need"));
}

/// Every "N scenarios" and "N passed" of the README is the number of scenario files.
#[test]
fn the_readme_says_one_number_of_scenarios() {
    let readme = std::fs::read_to_string(super::root().join("README.md")).unwrap();
    let mention = Regex::new(r"(\d+) (scenarios|passed)\b").unwrap();
    let files = scenario_files();
    let mut found = 0;
    for c in mention.captures_iter(&readme) {
        assert_eq!(c[1].parse::<usize>().unwrap(), files, "README: `{}`", &c[0]);
        found += 1;
    }
    assert!(found >= 3, "{found} mentions");
}

#[test]
fn the_readme_names_every_field_of_serve_json() {
    let served = Served::start(&[]);
    let readme = std::fs::read_to_string(super::root().join("README.md")).unwrap();
    let list = readme
        .split("`openapp-conformance serve --json` starts the embedded stack")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .expect("the serve paragraph");
    for key in served.info.as_object().unwrap().keys() {
        assert!(
            list.contains(&format!("`{key}`")),
            "README lacks `{key}`:\n{list}"
        );
    }
}
