//! `serve`: the embedded stack alone, running until Ctrl-C or SIGTERM, so curl, Hurl or a
//! browser can be pointed at it (`--json` prints its URLs and a throwaway API key).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::error::{CliError, usage};
use crate::embedded::{EmbeddedStack, StackOptions};
use crate::exit;
use crate::settings::{DEFAULT_FLOW_LIFESPAN, parse_duration, runtime, wait_for_shutdown};
use crate::switches::Switches;

/// `openapp-conformance serve [--json] [--fault NAME] [--flow-lifespan D]`.
#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// Print one JSON object on one line once ready.
    #[arg(long)]
    json: bool,
    /// Fault or benign switches, comma-separated.
    #[arg(long, env = "OPENAPP_CONFORMANCE_FAULT", value_name = "NAME")]
    fault: Option<String>,
    /// Login flow lifespan of the Kratos emulator. Default: 1h.
    #[arg(long, value_parser = parse_duration)]
    flow_lifespan: Option<Duration>,
}

/// Starts the embedded stack, prints where it listens, and waits for Ctrl-C or SIGTERM.
pub(super) fn serve(args: ServeArgs) -> Result<ExitCode, CliError> {
    let switches = Switches::parse(args.fault.as_deref().unwrap_or("")).map_err(usage)?;
    let rt = runtime()?;
    rt.block_on(async move {
        let opts = StackOptions {
            switches,
            flow_lifespan: args.flow_lifespan.unwrap_or(DEFAULT_FLOW_LIFESPAN),
        };
        let stack = EmbeddedStack::start(opts)
            .await
            .map_err(|e| CliError::Setup(e.to_string()))?;
        let info = stack.describe_json();
        if args.json {
            println!("{info}");
        } else {
            let e = stack.endpoints();
            println!("embedded stack ready (Ctrl-C stops it)");
            println!("  OpenApp API:   {}", e.api_base());
            println!("  Kratos public: {}", e.kratos_public);
            println!(
                "  Kratos admin:  {}",
                e.kratos_admin
                    .as_ref()
                    .map(|u| u.to_string())
                    .unwrap_or_default()
            );
            println!(
                "  cookie domain: {}",
                e.cookie_domain.clone().unwrap_or_default()
            );
            for r in &e.resolve {
                println!("  --resolve {r}");
            }
            println!("  API key: run with --json to print this throwaway key");
        }
        let _ = std::io::stdout().flush();
        wait_for_shutdown().await;
        Ok(ExitCode::from(exit::OK))
    })
}
