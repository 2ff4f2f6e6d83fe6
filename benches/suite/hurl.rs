//! The `hurl` section: the release binary's one lifecycle and whole default suite against
//! Hurl 8 running the same lifecycle (`benches/hurl/lifecycle_browser_session.hurl`, the same
//! requests: `tests/cli/hurl_parity.rs` counts them at the server), all against one `serve`
//! in another process, whole processes with nothing around them, in alternation.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::external::{BIN, Served, clean, timed};
use crate::timing::{ratio, spread};

/// The scenario both sides run.
const LIFECYCLE: &str = "core::lifecycle_browser_session";

/// The Hurl file of [`LIFECYCLE`], relative to the repository root.
pub(crate) const HURL_FILE: &str = "benches/hurl/lifecycle_browser_session.hurl";

/// `hurl 8.x.y` when Hurl 8 is on the `PATH`.
pub(crate) fn hurl_version() -> Option<String> {
    let out = Command::new("hurl").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text
        .lines()
        .next()?
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>();
    (first.first() == Some(&"hurl") && first.get(1)?.starts_with("8.")).then(|| first.join(" "))
}

/// `hurl --test` of the lifecycle against `served`: only `--resolve` and `--variable`.
pub(crate) fn hurl_command(root: &Path, served: &Served) -> Command {
    let mut cmd = clean("hurl", root);
    cmd.arg("--test");
    for r in served.resolve() {
        cmd.args(["--resolve", &r]);
    }
    for (name, value) in [
        ("admin", served.get("kratos_admin_url")),
        ("public", served.get("kratos_public_url")),
        ("api", served.get("openapp_base_url")),
        ("password", "Cc-hurl-bench-password-1".to_string()),
    ] {
        cmd.args(["--variable", &format!("{name}={value}")]);
    }
    cmd.arg(HURL_FILE);
    cmd
}

/// `openapp-conformance run [--exact LIFECYCLE]` against `served`.
fn harness(root: &Path, served: &Served, one: bool) -> Command {
    let mut cmd = clean(BIN, root);
    cmd.arg("run").envs(served.env());
    if one {
        cmd.args(["--exact", LIFECYCLE]);
    }
    cmd
}

pub(crate) fn section(root: &Path, n: usize) {
    let Some(version) = hurl_version() else {
        println!("hurl: skipped, Hurl 8 is not on the PATH (scripts/install-hurl.sh installs it)");
        return;
    };
    let served = Served::start(root);
    let mut sides: Vec<(String, Command)> = vec![
        (
            format!("{version} --test, one lifecycle"),
            hurl_command(root, &served),
        ),
        (
            "binary `run`, one lifecycle".into(),
            harness(root, &served, true),
        ),
        (
            "binary `run`, whole default suite".into(),
            harness(root, &served, false),
        ),
    ];
    // One warm-up round (page cache, the stack's first flows), then rounds in alternation.
    for (name, cmd) in &mut sides {
        timed(cmd, name);
    }
    let mut samples = vec![Vec::<Duration>::new(); sides.len()];
    for _ in 0..n {
        for ((name, cmd), xs) in sides.iter_mut().zip(&mut samples) {
            xs.push(timed(cmd, name));
        }
    }
    let med: Vec<Duration> = sides
        .iter()
        .zip(&samples)
        .map(|((name, _), xs)| spread(name, xs))
        .collect();
    ratio("one lifecycle / Hurl's", med[1], med[0], 0.5);
    ratio(
        "whole default suite / Hurl's one lifecycle",
        med[2],
        med[0],
        2.5,
    );
}
