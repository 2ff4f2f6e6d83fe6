//! `serve`: the embedded stack alone, running until Ctrl-C or SIGTERM, so curl, Hurl or a
//! browser can be pointed at it (`--json` prints its URLs and a throwaway API key).

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::{error, parse_duration};
use crate::exit;
use crate::run::runtime;
use crate::switches::Switches;

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

pub(super) fn serve(args: ServeArgs) -> u8 {
    let switches = match Switches::parse(args.fault.as_deref().unwrap_or("")) {
        Ok(s) => s,
        Err(e) => {
            error(e);
            return exit::USAGE;
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            error(format!("failed to start the async runtime: {e}"));
            return exit::SETUP;
        }
    };
    rt.block_on(async move {
        let opts = crate::embedded::StackOptions {
            switches,
            flow_lifespan: args.flow_lifespan.unwrap_or(Duration::from_secs(3600)),
        };
        let stack = match crate::embedded::EmbeddedStack::start(opts).await {
            Ok(s) => s,
            Err(e) => {
                error(e);
                return exit::SETUP;
            }
        };
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
        exit::OK
    })
}

/// Waits for Ctrl-C (or SIGTERM on Unix).
pub(crate) async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
