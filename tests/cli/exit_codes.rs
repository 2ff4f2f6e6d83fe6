//! The binary's exit codes and outputs, as the README documents them.

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};

use openapp_conformance::contract::RULES;
use openapp_conformance::exit;

use super::stack::{bin, text};

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

#[test]
fn full_suite_passes_with_a_summary_line() {
    let out = run(&["run"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    let re = regex::Regex::new(r"(\d+) passed; 0 failed").unwrap();
    let n: usize = re.captures(&stdout).expect("summary line")[1]
        .parse()
        .unwrap();
    assert!(n >= 20, "{n} passed");
}

#[test]
fn a_fault_exits_1_and_names_the_rule() {
    let out = run(&["run", "--fault", "sign-out-missing"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗ R15 sign-out is logout"), "{stdout}");
    assert!(
        stdout.contains("reproduce: openapp-conformance run --exact core::r15_"),
        "a reproduction is printed:\n{stdout}"
    );
}

#[test]
fn a_benign_switch_exits_0() {
    let out = run(&["run", "--fault", "clear-netscape-style"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["run", "--bogus"][..],
        &["run", "no-scenario-has-this-name"],
        &["run", "--fault", "no-such-switch"],
        &["frobnicate"],
    ] {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(exit::USAGE as i32),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn containers_without_an_engine_exit_3() {
    let out = bin()
        .args(["run", "--target", "containers"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(exit::SETUP as i32),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_invalid_scenario_file_exits_2_with_its_position_and_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let (scenarios, snapshots) = (dir.path().join("scenarios"), dir.path().join("snapshots"));
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::create_dir_all(&snapshots).unwrap();
    let root = super::root();
    std::fs::copy(
        root.join("scenarios/core/r01_anonymous_is_null.toml"),
        scenarios.join("good.toml"),
    )
    .unwrap();
    std::fs::copy(
        root.join("snapshots/core/r01_anonymous_is_null.snap"),
        snapshots.join("good.snap"),
    )
    .unwrap();
    std::fs::write(
        scenarios.join("bad.toml"),
        "name = \"bad\"\nrules = [\"R1\"]\n[[step]]\nrequest = { method = \"GET\", path = \"/auth/whoami\" }\nexpect = { status = \"200\" }\n",
    )
    .unwrap();
    let out = bin()
        .env("CI", "true")
        .args(["run", "--scenarios", scenarios.to_str().unwrap()])
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("bad.toml:5:"), "{stderr}");
    assert!(stdout.contains("1 passed; 1 failed"), "{stdout}");
}

#[test]
fn faults_lists_one_switch_per_line_in_aligned_columns() {
    let out = run(&["faults"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let (table, legend) = stdout.split_once("\n\n").expect("table, then the kinds");
    let kinds = ["fault", "benign", "fidelity", "load"];
    let rule = regex::Regex::new(r"^(-|[RK]\d+(,[RK]\d+)*)$").unwrap();
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    let description_at = header.find("DESCRIPTION").expect("header");
    let mut faults = 0;
    for line in lines {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert!(f.len() >= 4, "name, kind, rules and a description: {line}");
        assert!(kinds.contains(&f[1]), "{line}");
        assert!(rule.is_match(f[2]), "{line}");
        assert!(line[..description_at].ends_with("  "), "aligned: {line}");
        faults += usize::from(f[1] == "fault");
    }
    assert!(faults >= 22);
    for kind in kinds {
        assert!(
            legend.contains(&format!("  {kind} ")),
            "{kind} explained:\n{legend}"
        );
    }
}

#[test]
fn list_json_covers_every_rule() {
    let out = run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON array");
    let items = list.as_array().unwrap();
    for key in ["name", "file", "tags", "rules", "requirements"] {
        assert!(items.iter().all(|i| i.get(key).is_some()), "missing {key}");
    }
    for rule in RULES {
        assert!(
            items
                .iter()
                .any(|i| i["rules"].as_array().unwrap().iter().any(|r| r == rule.id)),
            "rule {} is covered by no scenario",
            rule.id
        );
    }
}

#[test]
fn serve_json_prints_one_ready_line() {
    let mut child = bin()
        .args(["serve", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON object");
    assert!(v["openapp_base_url"].as_str().unwrap().ends_with("/api/v1"));
    for key in [
        "kratos_public_url",
        "kratos_admin_url",
        "cookie_domain",
        "api_key",
    ] {
        assert!(v[key].is_string(), "{key}: {line}");
    }
    assert_eq!(v["resolve"].as_array().unwrap().len(), 2);
}

#[test]
fn readme_exit_code_table_matches_the_code() {
    let readme = std::fs::read_to_string(super::root().join("README.md")).unwrap();
    for (code, meaning) in exit::TABLE {
        let row = format!("| {code} | {meaning} |");
        assert!(readme.contains(&row), "README lacks `{row}`");
    }
}

#[test]
fn readme_scenario_example_is_valid() {
    let readme = std::fs::read_to_string(super::root().join("README.md")).unwrap();
    let section = readme
        .split("## Writing a scenario")
        .nth(1)
        .expect("section");
    let example = section
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("toml block");
    let parsed =
        openapp_conformance::scenario::parse::parse(std::path::Path::new("README.md"), example);
    assert!(
        parsed.is_ok(),
        "{}",
        parsed.err().map(|e| e.to_string()).unwrap_or_default()
    );
}

#[test]
fn readme_snapshot_example_matches_the_file() {
    let readme = std::fs::read_to_string(super::root().join("README.md")).unwrap();
    let marker = "<!-- snapshot: ";
    let start = readme
        .find(marker)
        .expect("README names its example snapshot");
    let rest = &readme[start + marker.len()..];
    let id = &rest[..rest.find(" -->").unwrap()];
    let example = rest
        .split("```text\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let path = super::root().join("snapshots").join(format!("{id}.snap"));
    let snap = insta::Snapshot::from_file(&path).expect("the snapshot file exists");
    let stored = snap
        .contents()
        .as_text()
        .expect("text snapshot")
        .to_string();
    assert_eq!(
        example.trim_end(),
        stored.trim_end(),
        "README example differs from {}",
        path.display()
    );
}
