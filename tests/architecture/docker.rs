//! The Docker rule: containers are created, started and removed through testcontainers. Only
//! the one small bollard module of the containers target (`src/targets/containers/engine/`)
//! uses bollard directly (connection, image check, network and volume, the sweep by run
//! label), so no other file names the `bollard` crate at the start of a path or calls a
//! container lifecycle method of bollard.

use std::path::Path;

use crate::graph::{Crate, display};
use crate::lex::{Tok, Token};

/// The one module allowed to use bollard directly.
pub(crate) const BOLLARD_MODULE: &str = "src/targets/containers/engine";

/// bollard's container lifecycle calls (`Docker::create_container`, …).
const CONTAINER_CALLS: [&str; 9] = [
    "create_container",
    "start_container",
    "stop_container",
    "kill_container",
    "restart_container",
    "remove_container",
    "wait_container",
    "upload_to_container",
    "prune_containers",
];

/// What files outside [`BOLLARD_MODULE`] must not write: `file:line: what (why)`, sorted.
pub(crate) fn docker_rule_violations(krate: &Crate) -> Vec<String> {
    let mut found: Vec<(&Path, usize, String)> = Vec::new();
    let outside = krate
        .files
        .iter()
        .filter(|(path, _)| !path.starts_with(BOLLARD_MODULE));
    for (path, file) in outside {
        for p in file
            .paths
            .iter()
            .filter(|p| p.first_name() == Some("bollard"))
        {
            found.push((
                path,
                p.line,
                format!("{} (bollard used directly)", p.text()),
            ));
        }
        for Token { tok, line } in &file.tokens {
            if let Tok::Ident(name) = tok
                && CONTAINER_CALLS.contains(&name.as_str())
            {
                found.push((path, *line, format!("{name} (a bollard container call)")));
            }
        }
    }
    found.sort();
    found.dedup();
    found
        .into_iter()
        .map(|(path, line, why)| format!("{}:{line}: {why}", display(path)))
        .collect()
}
