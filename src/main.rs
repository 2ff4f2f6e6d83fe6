//! `openapp-conformance`: see `openapp-conformance --help` and the README.

fn main() -> std::process::ExitCode {
    openapp_conformance::cli::main()
}
