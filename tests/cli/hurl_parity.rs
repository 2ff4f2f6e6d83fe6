//! The Hurl file of the `hurl` bench section makes exactly the requests of the scenario it
//! stands for: both run against `serve --json` through the recording relay ([`super::tap`]),
//! and the request lines the server received are compared as multisets of method and path
//! (query and ids left out). The harness's own extras are counted separately: the identity
//! deletions (`DELETE /admin/identities/{id}`), and the preflight's requests, which the first
//! comparison leaves out with `--no-preflight`. Skipped when Hurl 8 is not installed.

use std::collections::BTreeMap;
use std::process::Command;

use super::stack::{Served, run_with, text};
use super::tap::{Capture, tapped_env};

const SCENARIO: &str = "core::lifecycle_browser_session";
const HURL_FILE: &str = "benches/hurl/lifecycle_browser_session.hurl";

/// `METHOD /path` → count, of every request line in a capture; id-like segments read `{id}`.
fn requests(capture: &Capture) -> BTreeMap<String, usize> {
    let line = regex::Regex::new(r"(?m)^([A-Z]+) (\S+) HTTP/1\.[01]\r$").expect("valid pattern");
    let mut out = BTreeMap::new();
    for c in line.captures_iter(&capture.text()) {
        let path = c[2].split('?').next().unwrap_or("");
        let path: Vec<&str> = path
            .split('/')
            .map(|s| {
                if s.len() >= 32 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                    "{id}"
                } else {
                    s
                }
            })
            .collect();
        *out.entry(format!("{} {}", &c[1], path.join("/")))
            .or_default() += 1;
    }
    out
}

/// `a - b` as a multiset (what `a` has beyond `b`), and whether `b` is contained in `a`.
fn beyond(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> (Vec<String>, bool) {
    let mut extra = Vec::new();
    for (k, n) in a {
        let m = b.get(k).copied().unwrap_or(0);
        extra.extend(std::iter::repeat_n(k.clone(), n.saturating_sub(m)));
    }
    let contained = b.iter().all(|(k, m)| a.get(k).copied().unwrap_or(0) >= *m);
    (extra, contained)
}

fn hurl_8() -> bool {
    Command::new("hurl")
        .arg("--version")
        .output()
        .is_ok_and(|o| text(&o.stdout).starts_with("hurl 8."))
}

/// The harness's requests for one run of the scenario: what the relay saw beyond `before`.
fn harness_requests(
    env: &[(String, String)],
    capture: &Capture,
    before: &BTreeMap<String, usize>,
    extra_args: &[&str],
) -> BTreeMap<String, usize> {
    let mut args = vec!["run", "--exact", SCENARIO];
    args.extend_from_slice(extra_args);
    let out = run_with(&args, env);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let (extra, _) = beyond(&requests(capture), before);
    let mut counted = BTreeMap::new();
    for request in extra {
        *counted.entry(request).or_default() += 1;
    }
    counted
}

/// `a + b` as multisets.
fn sum(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    let mut out = a.clone();
    for (k, n) in b {
        *out.entry(k.clone()).or_default() += n;
    }
    out
}

#[test]
fn the_hurl_file_makes_the_requests_of_its_scenario() {
    if !hurl_8() {
        eprintln!("skipped: Hurl 8 is not installed (scripts/install-hurl.sh)");
        return;
    }
    let served = Served::start(&[]);
    let Some((env, capture)) = tapped_env(&served) else {
        eprintln!("skipped: cannot bind 127.0.0.2 for the recording relay");
        return;
    };
    let var = |k: &str| {
        env.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim_end_matches('/').to_string())
            .expect("variable set")
    };
    let mut hurl = Command::new("hurl");
    hurl.current_dir(super::root()).arg("--test");
    for r in var("OPENAPP_RESOLVE").split(',') {
        hurl.args(["--resolve", r]);
    }
    for (name, value) in [
        ("admin", var("KRATOS_ADMIN_URL")),
        (
            "public",
            served.get("kratos_public_url").trim_end_matches('/').into(),
        ),
        ("api", served.get("openapp_base_url")),
        ("password", "Cc-parity-password-1".into()),
    ] {
        hurl.args(["--variable", &format!("{name}={value}")]);
    }
    let out = hurl.arg(HURL_FILE).output().expect("hurl runs");
    assert!(out.status.success(), "hurl failed:\n{}", text(&out.stderr));
    let hurl = requests(&capture);
    assert_eq!(hurl.values().sum::<usize>(), 11, "{hurl:?}");

    // One relay for the three runs (its ports stay bound): each run's requests are what it
    // added to the capture.
    let harness = harness_requests(&env, &capture, &hurl, &["--no-preflight"]);
    let (extra, contained) = beyond(&harness, &hurl);
    assert!(
        contained,
        "the harness skipped requests Hurl made:\nhurl {hurl:?}\nharness {harness:?}"
    );
    let (missing, _) = beyond(&hurl, &harness);
    assert!(missing.is_empty(), "{missing:?}");
    let identities = hurl.get("POST /admin/identities").copied().unwrap_or(0);
    assert!(
        extra.iter().all(|e| e == "DELETE /admin/identities/{id}") && extra.len() <= identities,
        "beyond Hurl's requests the harness may only delete the identities it created: {extra:?}"
    );

    let with_preflight = harness_requests(&env, &capture, &sum(&hurl, &harness), &[]);
    let (preflight, contained) = beyond(&with_preflight, &harness);
    assert!(contained, "{with_preflight:?} lacks some of {harness:?}");
    eprintln!(
        "Hurl: {} requests; harness: the same, plus {} identity deletion(s) and {} preflight request(s) {:?}",
        hurl.values().sum::<usize>(),
        extra.len(),
        preflight.len(),
        preflight
    );
}
