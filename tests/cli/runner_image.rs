//! The runner image (`openapp-conformance/runner:dev`, built by scripts/build-images.sh): FROM
//! scratch, holding the release binary, the libraries it links, `scenarios/` and `snapshots/`,
//! and nothing else (no cargo, no CA store, no NSS modules). It runs the whole default suite
//! against `serve` with its OpenApp origin behind TLS: host names come from the container's
//! /etc/hosts (`--add-host`, read by the binary's own resolver), the test CA is mounted and named
//! by `OPENAPP_CA_CERT`, and the run passes as many trials as the embedded run. Passes with a
//! `skipped:` line when no Docker engine answers or the image is missing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::containers::docker;
use super::stack::{Served, bin, text};
use super::tls::{api_port, pki, tls_relay};

const RUNNER: &str = "openapp-conformance/runner:dev";

/// The number in libtest's `N passed;` summary.
fn passed(stdout: &str) -> usize {
    let re = regex::Regex::new(r"test result: \w+\. (\d+) passed; 0 failed;").unwrap();
    re.captures(stdout)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("no passing summary line in:\n{stdout}"))
}

/// Every path in the image's file system (`docker export` of a created container).
fn image_paths(dir: &Path) -> Vec<String> {
    let id = docker(&["create", RUNNER]).expect("docker create");
    let tar = dir.join("runner.tar");
    let exported = docker(&["export", "-o", &tar.to_string_lossy(), id.trim()]);
    let _ = docker(&["rm", id.trim()]);
    exported.expect("docker export");
    let mut archive = tar::Archive::new(std::fs::File::open(&tar).unwrap());
    archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_scratch_runner_image_runs_the_suite_against_https() {
    if docker(&["image", "inspect", "--format", "{{.Id}}", RUNNER]).is_none() {
        eprintln!(
            "skipped: no Docker engine answers or image {RUNNER} is missing (run scripts/build-images.sh)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Only the binary, its libraries, the scenarios and the snapshots (and what Docker adds).
    let allowed = [
        "openapp-conformance",
        "lib",
        "usr/lib",
        "scenarios/",
        "snapshots/",
        "etc/hosts",
        "etc/hostname",
        "etc/resolv.conf",
        "etc/mtab",
        "etc/",
        ".dockerenv",
        "dev/",
        "proc/",
        "sys/",
    ];
    let paths = image_paths(dir.path());
    let odd: Vec<&String> = paths
        .iter()
        .filter(|p| {
            let listed = *p == "usr/" || allowed.iter().any(|a| p.starts_with(a));
            !listed || p.contains("cargo")
        })
        .collect();
    assert!(odd.is_empty(), "unexpected files in {RUNNER}: {odd:#?}");
    assert!(
        paths.iter().any(|p| p == "openapp-conformance"),
        "{paths:#?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("etc/ssl")),
        "{paths:#?}"
    );

    let embedded = bin().arg("run").output().expect("the binary runs");
    let want = passed(&text(&embedded.stdout));

    let served = Served::start(&[]);
    let pki = pki();
    let relay = tls_relay(&pki, api_port(&served));
    std::fs::write(dir.path().join("ca.pem"), &pki.ca_pem).unwrap();
    // host → address, from serve's `host:port:addr` overrides: the container's /etc/hosts.
    let hosts: BTreeMap<String, String> = served
        .resolve()
        .iter()
        .filter_map(|r| {
            let mut parts = r.splitn(3, ':');
            Some((parts.next()?.to_string(), parts.nth(1)?.to_string()))
        })
        .collect();
    let mut run = Command::new("docker");
    run.args(["run", "--rm", "--network", "host"]);
    for (host, addr) in &hosts {
        run.arg("--add-host").arg(format!("{host}:{addr}"));
    }
    run.arg("-v")
        .arg(format!("{}:/ca:ro", dir.path().display()))
        .args(["-e", "OPENAPP_CA_CERT=/ca/ca.pem"])
        .arg("-e")
        .arg(format!(
            "OPENAPP_BASE_URL=https://api.openapp.test:{}",
            relay.port
        ));
    for var in ["KRATOS_PUBLIC_URL", "KRATOS_ADMIN_URL", "OPENAPP_API_KEY"] {
        let value = served
            .env()
            .into_iter()
            .find(|(k, _)| k == var)
            .map(|(_, v)| v)
            .unwrap();
        run.arg("-e").arg(format!("{var}={value}"));
    }
    let out = run.args([RUNNER, "run"]).output().expect("docker runs");
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    assert_eq!(passed(&stdout), want, "{stdout}");
    assert!(!stdout.contains("cargo"), "{stdout}");
}
