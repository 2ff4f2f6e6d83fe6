use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use super::fixtures::{FULL, parse_str};
use super::*;
use crate::contract::Profile;
use model::Requirement;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("scenario-load-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn minimal(name: &str) -> String {
    format!(
        "name = \"{name}\"\nrules = [\"R1\"]\n[[step]]\nrequest = {{ method = \"GET\", path = \"/auth/whoami\" }}\n"
    )
}

#[test]
fn the_full_example_parses_and_exposes_its_metadata() {
    let file = parse_str(FULL).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.steps.len(), 14);
    let scenario = Scenario::new(PathBuf::from("x/full.toml"), "x/full".into(), file);
    assert_eq!(scenario.name(), "every feature of the format");
    assert_eq!(scenario.tags(), ["strict", "logout", "cookie-domain_2"]);
    assert_eq!(
        scenario.rules(),
        ["R2", "R3", "R4", "R10", "R12", "K1", "K5"]
    );
    assert_eq!(scenario.profile(), Profile::Strict);
    let expected: BTreeSet<Requirement> = [
        Requirement::CookieDomain,
        Requirement::KratosAdmin,
        Requirement::ApiKey,
        Requirement::ProvisionedIdentity,
        Requirement::UnprovisionedIdentity,
        Requirement::FreshIdentities,
    ]
    .into();
    assert_eq!(scenario.requirements, expected);
}

#[test]
fn requirements_follow_identities_and_requests() {
    let file = parse_str(&minimal("m")).unwrap();
    assert!(requirements(&file).is_empty());
    let one = "name = \"n\"\nrules = [\"R6\"]\nidentities = { a = { provisioned = false } }\n\
               [[step]]\nlogin = { identity = \"a\" }\n";
    let needs = requirements(&parse_str(one).unwrap());
    assert_eq!(needs, [Requirement::UnprovisionedIdentity].into());
    let two = one.replace(
        "{ a = { provisioned = false } }",
        "{ a = { provisioned = false }, b = { provisioned = false } }",
    );
    let needs = requirements(&parse_str(&two).unwrap());
    assert!(needs.contains(&Requirement::FreshIdentities), "{needs:?}");
    let scenario = Scenario::new("p".into(), "p".into(), parse_str(&minimal("m")).unwrap());
    assert_eq!(scenario.profile(), Profile::Core);
}

#[test]
fn domain_variants_and_domain_seeds_need_a_cookie_domain() {
    let base = "name = \"n\"\nrules = [\"R10\"]\n[[step]]\n";
    let clears = format!(
        "{base}request = {{ method = \"POST\", path = \"/auth/logout\" }}\nexpect.clears = [\"ory_kratos_session@domain\"]\n"
    );
    let host_only = clears.replace("@domain", "@host");
    let seeded = format!(
        "{base}request = {{ method = \"GET\", path = \"/auth/whoami\", cookies = [{{ name = \"c\" }}] }}\n"
    );
    let seeded_host = seeded.replace("name = \"c\"", "name = \"c\", scope = \"host-only\"");
    for (text, needs) in [
        (clears, true),
        (host_only, false),
        (seeded, true),
        (seeded_host, false),
    ] {
        let got = requirements(&parse_str(&text).unwrap()).contains(&Requirement::CookieDomain);
        assert_eq!(got, needs, "{text}");
    }
}

#[test]
fn load_dir_sorts_by_id_and_collects_every_bad_file() {
    let dir = TempDir::new();
    dir.write("strict/b.toml", minimal("b"));
    dir.write("core/a.toml", minimal("a"));
    dir.write("core/notes.md", "not a scenario");
    dir.write("core/dup.toml", minimal("a"));
    dir.write("bad/empty.toml", "");
    dir.write("bad/binary.toml", [0u8, 159, 146, 150, 0, 1, 2]);
    dir.write("bad/latin1.toml", b"name = \"caf\xe9\"\n");
    dir.write("bad/huge.toml", vec![b'#'; 2 * 1024 * 1024]);
    let nested = format!("name = \"n\"\nrules = {}\n", "[".repeat(10_000));
    dir.write("bad/nested.toml", nested);
    let braces = format!(
        "name = \"n\"\nrules = [\"R1\"]\nx = {}\n",
        "{a=".repeat(10_000)
    );
    dir.write("bad/braces.toml", braces);
    fs::create_dir_all(dir.0.join("bad/dir.toml")).unwrap();

    let loaded = load_dir(&dir.0).unwrap();
    let ids: Vec<&str> = loaded.scenarios.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["core/a", "strict/b"]);
    assert_eq!(loaded.scenarios[0].path, dir.0.join("core/a.toml"));

    let errors: Vec<(&str, String)> = loaded
        .errors
        .iter()
        .map(|(id, e)| (id.as_str(), e.message.clone()))
        .collect();
    let ids: Vec<&str> = errors.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        [
            "bad/binary",
            "bad/braces",
            "bad/dir",
            "bad/empty",
            "bad/huge",
            "bad/latin1",
            "bad/nested",
            "core/dup"
        ]
    );
    let message = |id: &str| errors.iter().find(|(i, _)| *i == id).unwrap().1.clone();
    assert!(message("bad/binary").starts_with("binary file"));
    assert!(message("bad/braces").starts_with("too deeply nested"));
    assert!(message("bad/dir").starts_with("is a directory"));
    assert_eq!(message("bad/empty"), "missing field `name`");
    assert!(message("bad/huge").starts_with("file is too large (2097152 bytes)"));
    assert!(message("bad/latin1").starts_with("file is not valid utf-8 (at byte 11)"));
    assert!(message("bad/nested").starts_with("too deeply nested"));
    assert_eq!(
        message("core/dup"),
        "duplicate scenario name `a`, already used by `core/a`"
    );

    let dup = &loaded
        .errors
        .iter()
        .find(|(id, _)| id == "core/dup")
        .unwrap()
        .1;
    assert_eq!((dup.line, dup.column), (1, 8));
    let dir_error = &loaded
        .errors
        .iter()
        .find(|(id, _)| id == "bad/dir")
        .unwrap()
        .1;
    assert_eq!(
        (
            dir_error.line,
            dir_error.column,
            dir_error.snippet.is_none()
        ),
        (1, 1, true)
    );
}

#[test]
fn load_dir_of_an_empty_directory_is_empty() {
    let dir = TempDir::new();
    let loaded = load_dir(&dir.0).unwrap();
    assert!(loaded.scenarios.is_empty() && loaded.errors.is_empty());
}

#[test]
fn load_dir_refuses_a_missing_root_or_a_file() {
    let dir = TempDir::new();
    let missing = dir.0.join("nope");
    let err = load_dir(&missing).unwrap_err();
    assert!(matches!(err, LoadError::Missing { .. }));
    assert!(err.to_string().ends_with("does not exist"), "{err}");
    let file = dir.write("a.toml", minimal("a"));
    assert!(matches!(
        load_dir(&file),
        Err(LoadError::NotADirectory { .. })
    ));
}

#[cfg(unix)]
#[test]
fn load_dir_does_not_follow_directory_links() {
    let dir = TempDir::new();
    dir.write("core/a.toml", minimal("a"));
    std::os::unix::fs::symlink(&dir.0, dir.0.join("core/loop")).unwrap();
    std::os::unix::fs::symlink(dir.0.join("core/a.toml"), dir.0.join("link.toml")).unwrap();
    let loaded = load_dir(&dir.0).unwrap();
    let ids: Vec<&str> = loaded.scenarios.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["core/a"]);
    // The file link is read too, and collides with the name of `core/a`.
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(loaded.errors[0].0, "link");
}
