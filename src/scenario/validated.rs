//! [`Scenario`]: a scenario file that parsed and passed validation, with the target
//! capabilities it needs ([`requirements`]).

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::model::{self, KeyKind, Requirement, ScenarioFile, Service};
use super::validate;
use crate::contract::Profile;

/// A parsed and validated scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file.
    pub path: PathBuf,
    /// Path under the scenarios root without `.toml`, `/`-separated
    /// (`core/r01_anonymous_whoami`).
    pub id: String,
    /// The file's contents.
    pub file: ScenarioFile,
    /// Explicit `requires` and those the file implies (see [`requirements`]).
    pub requirements: BTreeSet<Requirement>,
}

impl Scenario {
    /// A scenario from a parsed file; computes its [`requirements`].
    pub fn new(path: PathBuf, id: String, file: ScenarioFile) -> Self {
        let requirements = requirements(&file);
        Self {
            path,
            id,
            file,
            requirements,
        }
    }

    /// The scenario's `name`.
    pub fn name(&self) -> &str {
        self.file.name.get_ref()
    }

    /// The scenario's tags, in file order.
    pub fn tags(&self) -> Vec<&str> {
        self.file
            .tags
            .iter()
            .map(|t| t.get_ref().as_str())
            .collect()
    }

    /// The rule ids the scenario cites, in file order.
    pub fn rules(&self) -> Vec<&str> {
        self.file
            .rules
            .iter()
            .map(|r| r.get_ref().as_str())
            .collect()
    }

    /// `strict` when tagged `strict`, else `core`.
    pub fn profile(&self) -> Profile {
        if self.tags().contains(&validate::STRICT_TAG) {
            Profile::Strict
        } else {
            Profile::Core
        }
    }
}

/// What a scenario needs of its target: its explicit `requires`, plus
/// - a provisioned identity → [`Requirement::ProvisionedIdentity`], an unprovisioned one →
///   [`Requirement::UnprovisionedIdentity`], two or more of the same kind →
///   [`Requirement::FreshIdentities`];
/// - a request `to = "kratos-admin"` → [`Requirement::KratosAdmin`];
/// - `api_key = { key = "valid" }`, and an `sdk` step without an invalid key →
///   [`Requirement::ApiKey`].
pub fn requirements(file: &ScenarioFile) -> BTreeSet<Requirement> {
    let mut needs: BTreeSet<Requirement> = file.requires.iter().map(|r| *r.get_ref()).collect();
    let provisioned = file
        .identities
        .values()
        .filter(|i| i.get_ref().provisioned)
        .count();
    let unprovisioned = file.identities.len() - provisioned;
    if provisioned > 0 {
        needs.insert(Requirement::ProvisionedIdentity);
    }
    if unprovisioned > 0 {
        needs.insert(Requirement::UnprovisionedIdentity);
    }
    if provisioned >= 2 || unprovisioned >= 2 {
        needs.insert(Requirement::FreshIdentities);
    }
    for request in file
        .steps
        .iter()
        .filter_map(|s| s.get_ref().request.as_ref())
    {
        let r = request.get_ref();
        if r.to == Service::KratosAdmin {
            needs.insert(Requirement::KratosAdmin);
        }
        if r.api_key
            .as_ref()
            .is_some_and(|k| k.get_ref().key == KeyKind::Valid)
        {
            needs.insert(Requirement::ApiKey);
        }
        if r.cookies
            .iter()
            .any(|c| c.get_ref().scope == model::CookieScope::CookieDomain)
        {
            needs.insert(Requirement::CookieDomain);
        }
    }
    for sdk in file.steps.iter().filter_map(|s| s.get_ref().sdk.as_ref()) {
        let c = sdk.get_ref();
        // The SDK always sends a key: the target's own unless the step asks for an invalid one.
        if c.api_key
            .as_ref()
            .is_none_or(|k| k.get_ref().key == KeyKind::Valid)
        {
            needs.insert(Requirement::ApiKey);
        }
        if c.cookies
            .iter()
            .any(|c| c.get_ref().scope == model::CookieScope::CookieDomain)
        {
            needs.insert(Requirement::CookieDomain);
        }
    }
    // A `NAME@domain` reference means "the Domain=<cookie domain> variant".
    let domain_variant =
        |refs: &[toml::Spanned<String>]| refs.iter().any(|r| r.get_ref().ends_with("@domain"));
    if file.steps.iter().map(|s| &s.get_ref().expect).any(|e| {
        domain_variant(&e.sets) || domain_variant(&e.clears) || domain_variant(&e.not_sets)
    }) {
        needs.insert(Requirement::CookieDomain);
    }
    needs
}
