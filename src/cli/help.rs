//! The "Environment" sections of `--help`: the variables a subcommand reads that are not
//! flags (a flag's own variable is shown next to it as `[env: …]`). Each default is said here
//! once; a test keeps the lists in step with the README's tables.

use std::fmt::Write as _;

/// The external target's variables (`run` and `load`), as `(name, meaning)`.
pub(super) const EXTERNAL_TARGET: &[(&str, &str)] = &[
    (
        "OPENAPP_BASE_URL",
        "the deployment's origin as the SDK uses it; setting it selects the external target",
    ),
    ("KRATOS_PUBLIC_URL", "Kratos's public URL (required)"),
    (
        "KRATOS_ADMIN_URL",
        "Kratos's admin API: fresh identities per trial, so every scenario can run",
    ),
    ("OPENAPP_API_PREFIX", "the API prefix [default: /api/v1]"),
    (
        "OPENAPP_COOKIE_DOMAIN",
        "the cookie domain [default: derived from the two host names]",
    ),
    (
        "OPENAPP_COOKIE_SAMESITE",
        "the SameSite the deployment is configured with [default: Lax]",
    ),
    (
        "OPENAPP_RESOLVE",
        "host:port:addr[,…] as curl's --resolve, for hosts DNS does not know",
    ),
    (
        "OPENAPP_CA_CERT",
        "an extra trusted CA (PEM file or PEM text), added to the system's roots",
    ),
    ("OPENAPP_API_KEY", "a valid OpenApp API key"),
    (
        "OPENAPP_TEST_IDENTIFIER",
        "with OPENAPP_TEST_PASSWORD: a provisioned user (without KRATOS_ADMIN_URL)",
    ),
    (
        "OPENAPP_TEST_UNPROVISIONED_IDENTIFIER",
        "with OPENAPP_TEST_UNPROVISIONED_PASSWORD: a user with no OpenApp account",
    ),
    (
        "https_proxy, http_proxy",
        "proxies as curl reads them (also all_proxy, no_proxy and the upper-case forms)",
    ),
    (
        "KRATOS_IMAGE, OPENAPP_IMAGE",
        "the containers target's images (more in the README, \"Verify a release\")",
    ),
    (
        "OPENAPP_CONFORMANCE_<NAME>",
        "a scenario setting, e.g. OPENAPP_CONFORMANCE_REVOCATION_WITHIN [default: 0s]",
    ),
];

/// The reference server's variables (`reference`), as `(name, meaning)`.
pub(super) const REFERENCE: &[(&str, &str)] = &[
    (
        "KRATOS_PUBLIC_URL",
        "Kratos's public API as the server reaches it (required)",
    ),
    (
        "KRATOS_ADMIN_URL",
        "Kratos's admin API as the server reaches it (required)",
    ),
    ("OPENAPP_LISTEN", "listen address [default: 0.0.0.0:8080]"),
    (
        "OPENAPP_ORIGIN",
        "the public origin; valid API keys are <origin>_openapp_<secret> [default: http://api.openapp.test:<listen port>]",
    ),
    (
        "OPENAPP_API_PREFIX",
        "path prefix of every route [default: /api/v1]",
    ),
    ("OPENAPP_API_KEYS", "the valid API keys, comma-separated"),
    (
        "OPENAPP_COOKIE_DOMAIN",
        "the cookie domain shared with Kratos [default: none, host-only cookies]",
    ),
    (
        "OPENAPP_CONFORMANCE_FAULT",
        "fault or benign switches, comma-separated (see `faults`)",
    ),
];

/// An "Environment:" section listing `vars` in two aligned columns, after `intro`.
fn section(intro: &str, vars: &[(&str, &str)]) -> String {
    let width = vars.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = format!("Environment ({intro}):\n");
    for (name, meaning) in vars {
        let _ = writeln!(out, "  {name:<width$}  {meaning}");
    }
    out
}

/// `run --help` and `load --help`: the external target's variables.
pub(super) fn target_environment() -> String {
    let mut out = section(
        "the external target; every flag's own variable is shown next to it as [env: …]",
        EXTERNAL_TARGET,
    );
    out.push_str(
        "\nA scenario that needs a variable left unset ends ignored, naming it (`--require-all` makes that a failure).",
    );
    out
}

/// `reference --help`: the reference server's variables.
pub(super) fn reference_environment() -> String {
    section("the reference OpenApp server takes no flags", REFERENCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variable of a README table (its first column's backquoted names) is in `vars`.
    fn covers(table_after: &str, vars: &[(&str, &str)]) {
        let readme = include_str!("../../README.md");
        let rows: Vec<&str> = readme
            .split(table_after)
            .nth(1)
            .expect("the README has the section")
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .collect();
        let named = regex::Regex::new(r"`([A-Z][A-Z0-9_]+)`").unwrap();
        let listed: String = vars.iter().map(|(n, m)| format!("{n} {m}\n")).collect();
        let mut checked = 0;
        for row in rows {
            let first = row.split('|').nth(1).unwrap_or("");
            for var in named.captures_iter(first) {
                let var = &var[1];
                assert!(listed.contains(var), "--help does not name {var}");
                checked += 1;
            }
        }
        assert!(checked >= 8, "the table was found ({checked} variables)");
    }

    #[test]
    fn run_help_names_every_variable_of_the_staging_table() {
        covers("## Run against staging", EXTERNAL_TARGET);
    }

    #[test]
    fn reference_help_names_every_variable_of_its_table() {
        covers("(the reference image's command)", REFERENCE);
    }

    #[test]
    fn sections_are_aligned() {
        for text in [target_environment(), reference_environment()] {
            let columns: Vec<usize> = text
                .lines()
                .filter(|l| l.starts_with("  "))
                .map(|l| {
                    let name_end = 2 + l[2..].find("  ").expect("two columns");
                    l.len() - l[name_end..].trim_start().len()
                })
                .collect();
            assert!(columns.len() >= 8, "{text}");
            assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
        }
    }
}
