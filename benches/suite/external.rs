//! Whole processes against an external target: `serve --json` running in another process,
//! and the commands the `hurl` and `load` sections time, with a clean environment.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::timing::proc_stat;

/// The binary under test (the release build `cargo bench` makes).
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_openapp-conformance");

/// `openapp-conformance serve --json` running until dropped.
pub(crate) struct Served {
    child: Child,
    info: Value,
}

impl Served {
    /// Starts `serve --json` and waits for its line.
    pub(crate) fn start(root: &Path) -> Self {
        let mut child = clean(BIN, root)
            .args(["serve", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("serve prints a line");
        let info = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        Served { child, info }
    }

    /// A string field of serve's line, without a trailing `/`.
    pub(crate) fn get(&self, key: &str) -> String {
        self.info[key]
            .as_str()
            .unwrap_or_else(|| panic!("serve's line has no `{key}`: {}", self.info))
            .trim_end_matches('/')
            .to_string()
    }

    /// The `host:port:addr` entries, as curl's and Hurl's `--resolve` take them.
    pub(crate) fn resolve(&self) -> Vec<String> {
        self.info["resolve"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    }

    /// The external-target environment of a `run` or `load` (admin API included).
    pub(crate) fn env(&self) -> Vec<(String, String)> {
        vec![
            ("OPENAPP_BASE_URL".into(), self.get("openapp_origin")),
            ("KRATOS_PUBLIC_URL".into(), self.get("kratos_public_url")),
            ("KRATOS_ADMIN_URL".into(), self.get("kratos_admin_url")),
            ("OPENAPP_RESOLVE".into(), self.resolve().join(",")),
            ("OPENAPP_API_KEY".into(), self.get("api_key")),
        ]
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `program` in `dir` without any `OPENAPP_*`, `KRATOS_*` or `INSTA_*` variable of the
/// caller's environment, its output discarded.
pub(crate) fn clean(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if ["OPENAPP_", "KRATOS_", "INSTA_"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            c.env_remove(name.as_ref());
        }
    }
    c
}

/// Runs `cmd` to its end; gives its wall time and exit status. Panics unless it exits 0.
pub(crate) fn timed(cmd: &mut Command, what: &str) -> Duration {
    let started = Instant::now();
    let status = cmd.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    let wall = started.elapsed();
    assert!(status.success(), "{what} failed: {status}");
    wall
}

/// Runs `cmd` to its end; gives its wall time, its own CPU time (user + system of all its
/// threads, read from `/proc/PID/stat` once it is a zombie, just before it is reaped; `None`
/// without `/proc`) and its exit status. No process stands between the bench and `cmd`.
pub(crate) fn timed_with_cpu(cmd: &mut Command) -> (Duration, Option<Duration>, ExitStatus) {
    let started = Instant::now();
    let mut child = cmd.spawn().expect("the command starts");
    let path = format!("/proc/{}/stat", child.id());
    let mut cpu = None;
    while let Some((state, used)) = proc_stat(&path) {
        cpu = Some(used);
        if state == 'Z' {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = child.wait().expect("the command ends");
    (started.elapsed(), cpu, status)
}
