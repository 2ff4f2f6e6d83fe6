//! Test support: the binary with a clean environment, and `serve --json` as a running
//! external deployment that tests point the external target at.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};

use serde_json::Value;

/// The binary, run from the repository root, without any `OPENAPP_*`/`KRATOS_*` variable of
/// the caller's environment.
pub(crate) fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_openapp-conformance"));
    c.current_dir(super::root());
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENAPP_") || name.starts_with("KRATOS_") {
            c.env_remove(name.as_ref());
        }
    }
    c
}

/// A JSON report file, or `null` when it is missing or not JSON.
pub(crate) fn json_file(path: &std::path::Path) -> Value {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// Text of an output stream.
pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `openapp-conformance serve --json` running until dropped (killed by its own handle).
pub(crate) struct Served {
    child: Child,
    /// The JSON line `serve` printed.
    pub info: Value,
}

impl Served {
    /// Starts `serve --json` with these extra arguments and waits for its line.
    pub(crate) fn start(args: &[&str]) -> Self {
        Self::start_command(&[&["serve", "--json"], args].concat())
    }

    /// Starts the binary with these arguments (a subcommand that prints one JSON line once
    /// ready: `serve --json`, `stack`) and waits for its line.
    pub(crate) fn start_command(args: &[&str]) -> Self {
        let mut child = bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("serve prints a line");
        let info = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        Served { child, info }
    }

    /// A string field of the JSON line.
    pub(crate) fn get(&self, key: &str) -> String {
        self.info[key]
            .as_str()
            .unwrap_or_else(|| panic!("serve's line has no `{key}`: {}", self.info))
            .to_string()
    }

    /// The `resolve` entries (`host:port:addr`).
    pub(crate) fn resolve(&self) -> Vec<String> {
        self.info["resolve"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The external-target environment that points a run at this stack (admin API included).
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

impl Served {
    /// Its exit status, once it has exited by itself within `within`.
    pub(crate) fn exited_within(&mut self, within: std::time::Duration) -> Option<ExitStatus> {
        let started = std::time::Instant::now();
        while started.elapsed() < within {
            if let Some(status) = self.child.try_wait().expect("process state") {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary with these arguments and environment.
pub(crate) fn run_with(args: &[&str], env: &[(String, String)]) -> Output {
    bin()
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("the binary runs")
}
