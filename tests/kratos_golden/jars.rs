//! The capture's cookie jars, by name: a jar is created on first use, as a copy of an earlier
//! jar when its name says so (`11 jar (copy of the 10 jar)`), and lives across scenarios.

use std::collections::HashMap;

use cookie_store::CookieStore;
use url::Url;

use crate::capture::JarSnapshot;

/// Every jar of one replay.
#[derive(Debug, Default)]
pub(crate) struct Jars(HashMap<String, CookieStore>);

impl Jars {
    /// The jar named `snapshot.name`, created on first use.
    pub(crate) fn get(&mut self, snapshot: &JarSnapshot) -> &mut CookieStore {
        let name = &snapshot.name;
        if !self.0.contains_key(name) {
            let source = name
                .split_once("(copy of the ")
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .and_then(|s| self.0.get(s))
                .cloned()
                .unwrap_or_default();
            self.0.insert(name.clone(), source);
        }
        self.0.entry(name.clone()).or_default()
    }

    /// The sorted names of the cookies the jar would send to `url`.
    pub(crate) fn names(&self, snapshot: &JarSnapshot, url: &Url) -> Vec<String> {
        let mut names: Vec<String> = self
            .0
            .get(&snapshot.name)
            .map(|j| {
                j.iter_unexpired()
                    .filter(|c| c.matches(url))
                    .map(|c| c.name().to_string())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// The sorted cookie names of a capture's jar snapshot.
pub(crate) fn snapshot_names(snapshot: &JarSnapshot) -> Vec<String> {
    let mut names: Vec<String> = snapshot.cookies.iter().map(|c| c.name.clone()).collect();
    names.sort();
    names
}

/// The sorted cookie names of a `Cookie` header.
pub(crate) fn cookie_names(header: &str) -> Vec<String> {
    let mut names: Vec<String> = header
        .split(';')
        .filter_map(|p| p.trim().split_once('=').map(|(n, _)| n.to_string()))
        .collect();
    names.sort();
    names
}
