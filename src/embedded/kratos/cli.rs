//! `openapp-conformance kratos …`: the emulator behind Kratos's own argument shape, so the
//! command of a Kratos container (`serve -c kratos.yml --dev --sqa-opt-out`, `migrate sql -e
//! --yes`) runs it unchanged with the same config file.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::config_file::{ServeConfig, load};
use super::emulator::KratosEmulator;
use super::tls::acceptor_from_pem;
use crate::switches::Switches;

/// Kratos's exit code for a failed command.
const FAILURE: u8 = 1;

/// `kratos` arguments.
#[derive(Debug, Args)]
pub struct KratosArgs {
    #[command(subcommand)]
    command: KratosCommand,
}

#[derive(Debug, Subcommand)]
enum KratosCommand {
    /// Run the emulated Kratos (public and admin APIs) until interrupted, like `kratos serve`.
    Serve(ServeArgs),
    /// Database migrations, like `kratos migrate`.
    Migrate(MigrateArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The Kratos config file (kratos.yml).
    #[arg(short = 'c', long = "config", value_name = "FILE", required = true)]
    config: PathBuf,
    /// Development mode: no `Secure` cookies, CSRF cookie `SameSite=Lax`.
    #[arg(long)]
    dev: bool,
    /// Kratos's telemetry opt-out (the emulator sends none).
    #[arg(long)]
    sqa_opt_out: bool,
    /// Kratos's courier worker (the emulator sends no mail).
    #[arg(long)]
    watch_courier: bool,
}

#[derive(Debug, Args)]
struct MigrateArgs {
    #[command(subcommand)]
    command: MigrateCommand,
}

#[derive(Debug, Subcommand)]
enum MigrateCommand {
    /// Apply SQL migrations: nothing to do, the emulator keeps its state in memory.
    Sql(SqlArgs),
}

#[derive(Debug, Args)]
struct SqlArgs {
    /// The database URL (or `-e` to read `DSN` from the environment).
    database_url: Option<String>,
    /// Read the database URL from the `DSN` environment variable.
    #[arg(short = 'e', long = "read-from-env")]
    read_from_env: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    yes: bool,
    /// The Kratos config file (its `dsn` is used with `-e` when `DSN` is unset).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Runs a `kratos` subcommand; gives the process exit code.
pub fn run(args: KratosArgs) -> u8 {
    match args.command {
        KratosCommand::Serve(a) => serve(a),
        KratosCommand::Migrate(MigrateArgs {
            command: MigrateCommand::Sql(a),
        }) => migrate_sql(a),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn migrate_sql(args: SqlArgs) -> u8 {
    let from_config = || {
        args.config
            .as_deref()
            .and_then(|c| load(c, &env).ok())
            .map(|c| c.dsn)
    };
    let dsn = match (&args.database_url, args.read_from_env) {
        (Some(url), _) => Some(url.clone()),
        (None, true) => env("DSN").or_else(from_config),
        (None, false) => None,
    };
    if dsn.is_none() {
        eprintln!(
            "error: expected a database URL as the argument, or -e/--read-from-env with DSN set"
        );
        return FAILURE;
    }
    println!(
        "Successfully applied migrations! (the Kratos emulator keeps its state in memory: nothing to migrate)"
    );
    0
}

/// Is `schema` the identity schema the emulator implements (`config/kratos/identity.schema.json`)?
fn is_builtin_schema(schema: &serde_json::Value) -> bool {
    const BUILTIN: &str = include_str!("../../../config/kratos/identity.schema.json");
    serde_json::from_str::<serde_json::Value>(BUILTIN).is_ok_and(|b| &b == schema)
}

fn serve(args: ServeArgs) -> u8 {
    let mut config = match load(&args.config, &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return FAILURE;
        }
    };
    config.kratos.dev |= args.dev;
    if !is_builtin_schema(&config.identity_schema) {
        eprintln!(
            "warning: the identity schema of {} is not config/kratos/identity.schema.json; the emulator validates traits against its built-in copy of that schema",
            args.config.display()
        );
    }
    let rt = match crate::settings::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return FAILURE;
        }
    };
    rt.block_on(async move {
        match start(config).await {
            Ok(()) => {
                crate::settings::wait_for_shutdown().await;
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                FAILURE
            }
        }
    })
}

/// Binds both ports and starts the emulator, logging like Kratos when ready.
async fn start(config: ServeConfig) -> Result<(), String> {
    let tls = match &config.public_tls {
        Some((cert, key)) => Some(acceptor_from_pem(cert, key).map_err(|e| e.to_string())?),
        None => None,
    };
    let bind = |addr: String| async move {
        tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))
    };
    let public = bind(config.public_listen.clone()).await?;
    let admin = bind(config.admin_listen.clone()).await?;
    let address = |l: &tokio::net::TcpListener, configured: &str| {
        l.local_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| configured.to_string())
    };
    let (public_at, admin_at) = (
        address(&public, &config.public_listen),
        address(&admin, &config.admin_listen),
    );
    let scheme = if tls.is_some() { "https" } else { "http" };
    let emu = KratosEmulator::new(config.kratos, Switches::none());
    emu.spawn_with_tls(public, tls, admin);
    println!("Starting the admin httpd on: {admin_at} (Kratos emulator v1.3.1)");
    println!(
        "Starting the public httpd on: {public_at} ({scheme}, base URL {})",
        emu.config().public_base_url
    );
    let _ = std::io::stdout().flush();
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Top,
    }

    #[derive(Debug, Subcommand)]
    enum Top {
        Kratos(KratosArgs),
    }

    fn parse(args: &[&str]) -> Result<KratosArgs, clap::Error> {
        let argv = ["x", "kratos"].iter().chain(args);
        Cli::try_parse_from(argv).map(|c| match c.command {
            Top::Kratos(k) => k,
        })
    }

    #[test]
    fn kratos_argument_shapes_parse() {
        let a = parse(&[
            "serve",
            "-c",
            "k.yml",
            "--dev",
            "--sqa-opt-out",
            "--watch-courier",
        ])
        .expect("serve parses");
        assert!(matches!(
            a.command,
            KratosCommand::Serve(ServeArgs { dev: true, .. })
        ));
        assert!(parse(&["migrate", "sql", "-e", "--yes"]).is_ok());
        assert!(parse(&["migrate", "sql", "sqlite:///x.db", "-y"]).is_ok());
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse(&["serve"]).is_err(), "missing -c");
        assert!(parse(&["serve", "-c", "k.yml", "--bogus"]).is_err());
        assert!(parse(&["migrate", "up"]).is_err());
    }

    #[test]
    fn migrate_without_a_database_fails() {
        let args = SqlArgs {
            database_url: None,
            read_from_env: false,
            yes: true,
            config: None,
        };
        assert_eq!(migrate_sql(args), FAILURE);
        let args = SqlArgs {
            database_url: Some("memory".into()),
            read_from_env: false,
            yes: true,
            config: None,
        };
        assert_eq!(migrate_sql(args), 0);
    }

    #[test]
    fn the_shipped_schema_is_the_builtin_one() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/kratos/kratos.yml");
        let loaded = load(&path, &|_| None).expect("shipped config loads");
        assert!(is_builtin_schema(&loaded.identity_schema));
        assert!(!is_builtin_schema(&serde_json::json!({"type": "object"})));
    }

    #[test]
    fn an_invalid_config_fails_serve() {
        let args = ServeArgs {
            config: PathBuf::from("/nonexistent/kratos.yml"),
            dev: false,
            sqa_opt_out: false,
            watch_courier: false,
        };
        assert_eq!(serve(args), FAILURE);
    }
}
