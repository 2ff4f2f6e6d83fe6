//! Exit codes of `openapp-conformance run`, documented in the README (a test keeps the two in
//! agreement). When several apply, the first in the order 130/143, 2, 3, 1 wins: an
//! interrupted run is incomplete, so no verdict of it stands.

/// Every trial passed (ignored trials allowed).
pub const OK: u8 = 0;
/// A check failed, including a trial that met an unreachable server or a 5xx mid-run, or (with
/// `--require-all`) a scenario could not run against the target.
pub const CHECK_FAILED: u8 = 1;
/// A configuration error (command line or setting), an invalid scenario file, or a filter
/// that matches no scenario.
pub const USAGE: u8 = 2;
/// The target could not be set up before any trial ran (start-up or preflight).
pub const SETUP: u8 = 3;
/// Interrupted by SIGINT (Ctrl-C): 128 + 2, as a shell reports a process the signal killed.
pub const INTERRUPTED: u8 = 130;
/// Interrupted by SIGTERM: 128 + 15.
pub const TERMINATED: u8 = 143;

/// The table as `(code, meaning)` rows, in the README's order.
pub const TABLE: &[(u8, &str)] = &[
    (OK, "every trial passed (ignored trials allowed)"),
    (
        CHECK_FAILED,
        "a check failed, including a trial that met an unreachable server or a 5xx mid-run, or, with `--require-all`, a scenario could not run against this target",
    ),
    (
        USAGE,
        "a configuration error (bad command line or setting, e.g. a base URL without a scheme or ending in the API prefix), an invalid scenario file, or a filter that matches no scenario",
    ),
    (
        SETUP,
        "the target could not be set up before any trial ran: the stack did not start, or the preflight could not reach a configured origin (name, connection, TLS, proxy) or met a login flow whose URLs leave the configured Kratos public URL (K7)",
    ),
    (
        INTERRUPTED,
        "interrupted by SIGINT (Ctrl-C): trials in flight were cut short, the summary and the reports (marked interrupted) were still written",
    ),
    (TERMINATED, "interrupted by SIGTERM, as for 130"),
];
