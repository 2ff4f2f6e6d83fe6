//! `stack`: the run target's stack (embedded or containers) started alone and held for other
//! processes, until Ctrl-C or SIGTERM, or until the process `--watch-pid` names is gone; it
//! prints one JSON line (`serve --json`'s fields, plus `kind` and `switches`) once ready and
//! removes what it started (containers, network, volume) when it stops.
//!
//! With `--nextest-setup` it is nextest's setup script (`.config/nextest.toml`, through
//! `scripts/nextest-stack.sh`): it starts the held stack as a detached process watching
//! nextest, and writes into `$NEXTEST_ENV` the external-target variables that point every test
//! process at it, with [`SetupStack::VAR`] saying which stack it is. A nextest run then starts
//! one stack, not one per test process; nextest has no teardown hook (nextest issues #978 and
//! #683), so the stack ends by itself when the nextest process is gone: after a passing, a
//! failing and an interrupted run alike.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use clap::Args;
use serde_json::Value;

use super::args::TargetArgs;
use super::error::{CliError, usage};
use crate::exit;
use crate::settings::{env, runtime, wait_for_shutdown};
use crate::targets::{SetupStack, TargetKind, resolve_target};

/// `openapp-conformance stack [--watch-pid PID] [--nextest-setup]`.
#[derive(Debug, Args)]
pub(super) struct StackArgs {
    /// Stop (and remove the stack) when the process with this id has exited.
    #[arg(long, value_name = "PID")]
    watch_pid: Option<u32>,
    /// Act as nextest's setup script: start the stack detached, watching `--watch-pid` (the
    /// nextest process), and write the variables that point the tests at it to `$NEXTEST_ENV`.
    #[arg(long, requires = "watch_pid")]
    nextest_setup: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `stack`.
pub(super) fn stack(args: StackArgs) -> Result<ExitCode, CliError> {
    let opts = args.target.options().map_err(usage)?;
    let kind = opts.kind_to_use();
    if args.nextest_setup {
        return nextest_setup(kind, args.watch_pid.unwrap_or_default());
    }
    if kind == TargetKind::External {
        return Err(usage(
            "`stack` starts the embedded or the containers stack; an external target is already running (unset OPENAPP_BASE_URL or set OPENAPP_CONFORMANCE_TARGET)",
        ));
    }
    let rt = runtime()?;
    rt.block_on(async move {
        let target = resolve_target(&opts).await?;
        let mut line = target
            .endpoints
            .describe_json(target.caps.api_key.as_deref());
        let stack = SetupStack {
            kind,
            switches: opts.switches.clone(),
        };
        line["kind"] = kind.as_str().into();
        line["stack"] = stack.to_value().into();
        println!("{line}");
        let _ = std::io::stdout().flush();
        tokio::select! {
            _ = wait_for_shutdown() => {}
            _ = gone(args.watch_pid) => {}
        }
        drop(target);
        Ok(ExitCode::from(exit::OK))
    })
}

/// Resolves when the process `pid` has exited (polled every 200 ms); never without a pid.
async fn gone(pid: Option<u32>) {
    let Some(pid) = pid else {
        return std::future::pending().await;
    };
    while alive(pid) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// True while `pid` runs: its `/proc` entry exists and is not a zombie; where there is no
/// `/proc`, `kill -0` says.
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if !proc.is_dir() {
        return Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    }
    std::fs::read_to_string(proc.join(pid.to_string()).join("stat")).is_ok_and(|stat| {
        // `pid (comm) S …`: the state follows the last `)`.
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        !state.is_some_and(|s| s.starts_with('Z') || s.starts_with('X'))
    })
}

/// nextest's setup script: starts `stack --watch-pid <nextest>` detached (its own process
/// group, so nextest's Ctrl-C reaches the tests, and the stack sees nextest gone), waits for
/// its line and writes the variables to `$NEXTEST_ENV`.
fn nextest_setup(kind: TargetKind, nextest: u32) -> Result<ExitCode, CliError> {
    if kind == TargetKind::External {
        eprintln!("nextest setup: the external target is already running; nothing to start");
        return Ok(ExitCode::from(exit::OK));
    }
    let env_file = env("NEXTEST_ENV").ok_or_else(|| {
        usage("--nextest-setup runs as nextest's setup script, which sets NEXTEST_ENV (see .config/nextest.toml)")
    })?;
    let exe = std::env::current_exe()
        .map_err(|e| CliError::Setup(format!("cannot find this binary: {e}")))?;
    let log = log_path(nextest);
    let log_file = File::create(&log)
        .map_err(|e| CliError::Setup(format!("cannot create {}: {e}", log.display())))?;
    let mut command = Command::new(exe);
    command
        .args(["stack", "--watch-pid", &nextest.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| CliError::Setup(format!("cannot start the stack process: {e}")))?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let parsed = serde_json::from_str::<Value>(&line);
    // Read back only when the stack did not start; the process keeps writing to it otherwise.
    let logged = parsed
        .is_err()
        .then(|| std::fs::read_to_string(&log).unwrap_or_default());
    let _ = std::fs::remove_file(&log);
    let Ok(info) = parsed else {
        let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
        return Err(CliError::Setup(format!(
            "the {} stack did not start ({status}):\n{}",
            kind.as_str(),
            logged.unwrap_or_default().trim_end()
        )));
    };
    let vars = variables(&info);
    let mut text = String::new();
    for (name, value) in &vars {
        text.push_str(&format!("{name}={value}\n"));
    }
    std::fs::write(&env_file, text)
        .map_err(|e| CliError::Setup(format!("cannot write NEXTEST_ENV ({env_file}): {e}")))?;
    eprintln!(
        "nextest setup: one {} stack for this nextest run (process {}, stopped when nextest ends)",
        kind.as_str(),
        child.id()
    );
    Ok(ExitCode::from(exit::OK))
}

/// Where the held stack's stderr goes until its line is read (read back if it fails).
fn log_path(nextest: u32) -> PathBuf {
    std::env::temp_dir().join(format!("openapp-conformance-stack-{nextest}.log"))
}

/// The external-target variables that point a test process at the stack `info` describes,
/// with [`SetupStack::VAR`], and an empty `OPENAPP_CONFORMANCE_FAULT` (the switches are the
/// stack's; an external target takes none).
fn variables(info: &Value) -> Vec<(&'static str, String)> {
    let field = |k: &str| info[k].as_str().unwrap_or_default().to_string();
    let resolve: Vec<&str> = info["resolve"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    vec![
        ("OPENAPP_CONFORMANCE_TARGET", "external".into()),
        ("OPENAPP_BASE_URL", field("openapp_origin")),
        ("KRATOS_PUBLIC_URL", field("kratos_public_url")),
        ("KRATOS_ADMIN_URL", field("kratos_admin_url")),
        ("OPENAPP_RESOLVE", resolve.join(",")),
        ("OPENAPP_API_KEY", field("api_key")),
        ("OPENAPP_COOKIE_DOMAIN", field("cookie_domain")),
        ("OPENAPP_CONFORMANCE_FAULT", String::new()),
        (SetupStack::VAR, field("stack")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_line_becomes_the_external_target_variables() {
        let info = serde_json::json!({
            "openapp_origin": "http://api.openapp.test:1",
            "kratos_public_url": "http://auth.openapp.test:2/",
            "kratos_admin_url": "http://127.0.0.1:3/",
            "cookie_domain": "openapp.test",
            "resolve": ["api.openapp.test:1:127.0.0.1", "auth.openapp.test:2:127.0.0.1"],
            "api_key": "k",
            "stack": "embedded:slow-whoami",
        });
        let vars = variables(&info);
        let get = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("OPENAPP_CONFORMANCE_TARGET"), Some("external"));
        assert_eq!(
            get("OPENAPP_RESOLVE"),
            Some("api.openapp.test:1:127.0.0.1,auth.openapp.test:2:127.0.0.1")
        );
        assert_eq!(get("OPENAPP_CONFORMANCE_FAULT"), Some(""));
        assert_eq!(get(SetupStack::VAR), Some("embedded:slow-whoami"));
    }

    #[test]
    fn this_process_is_alive_and_a_finished_one_is_not() {
        assert!(alive(std::process::id()));
        let mut child = Command::new("true").spawn().expect("true runs");
        let pid = child.id();
        child.wait().expect("waited");
        assert!(!alive(pid));
    }
}
