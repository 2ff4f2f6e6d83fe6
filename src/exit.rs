//! Exit codes of `openapp-conformance run`, documented in the README (a test keeps the two in
//! agreement). When several apply, the first in the order 2, 3, 1 wins.

/// Every trial passed (ignored trials allowed).
pub const OK: u8 = 0;
/// A check failed, including a trial that met an unreachable server or a 5xx mid-run.
pub const CHECK_FAILED: u8 = 1;
/// Bad command line, an invalid scenario file, or a filter that matches no scenario.
pub const USAGE: u8 = 2;
/// The target could not be set up before any trial ran.
pub const SETUP: u8 = 3;

/// The table as `(code, meaning)` rows, in the README's order.
pub const TABLE: &[(u8, &str)] = &[
    (OK, "every trial passed (ignored trials allowed)"),
    (
        CHECK_FAILED,
        "a check failed, including a trial that met an unreachable server or a 5xx mid-run",
    ),
    (
        USAGE,
        "bad command line, an invalid scenario file, or a filter that matches no scenario",
    ),
    (SETUP, "the target could not be set up before any trial ran"),
];
