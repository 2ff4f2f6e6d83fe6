//! The scenario file explore runs and writes: ordinary TOML in the scenario language, so a
//! shrunk failure is a regression scenario as it stands (`run --scenarios DIR`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// An identity's name in scenario files (`u0`, `u1`…).
pub fn identity_name(i: u8) -> String {
    format!("u{i}")
}

/// Is identity `i` provisioned? Even ones are, odd ones are not (so `--identities 2` has one
/// of each).
pub fn provisioned(i: u8) -> bool {
    i.is_multiple_of(2)
}

/// A TOML string literal.
pub fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A client's name in scenario files: `default`, `c1`, `c2`…
pub fn client_name(c: u8) -> String {
    if c == 0 {
        "default".into()
    } else {
        format!("c{c}")
    }
}

/// One `[[step]]` as text: its client, the rules its checks enforce, its other lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepText {
    /// The acting client (`None`: the admin API, run by `default`).
    pub client: Option<u8>,
    /// The step's `rules`.
    pub rules: Vec<&'static str>,
    /// `parallel = "<group>"`, when it runs beside other clients' steps.
    pub parallel: Option<String>,
    lines: Vec<String>,
}

impl StepText {
    /// A step of `client` citing `rules`, with no line yet.
    pub fn new(client: Option<u8>, rules: &[&'static str]) -> Self {
        Self {
            client,
            rules: rules.to_vec(),
            parallel: None,
            lines: Vec::new(),
        }
    }

    /// Adds one line (`expect.status = 204`).
    pub fn line(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// Does the step wait for its expectations (`expect.within`)? Such a step runs alone.
    pub fn waits(&self) -> bool {
        self.lines.iter().any(|l| l.starts_with("expect.within"))
    }

    /// The `[[step]]` block.
    pub(crate) fn render(&self, comment: &str, out: &mut String) {
        let _ = writeln!(out, "\n# {comment}\n[[step]]");
        if let Some(group) = &self.parallel {
            let _ = writeln!(out, "parallel = {}", q(group));
        }
        if let Some(c) = self.client.filter(|c| *c != 0) {
            let _ = writeln!(out, "client = {}", q(&client_name(c)));
        }
        if !self.rules.is_empty() {
            let rules: Vec<String> = self.rules.iter().map(|r| q(r)).collect();
            let _ = writeln!(out, "rules = [{}]", rules.join(", "));
        }
        for line in &self.lines {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// The head of an explore scenario.
#[derive(Debug, Clone)]
pub struct Head {
    /// Its `name`.
    pub name: String,
    /// Its `description`.
    pub description: String,
    /// Comment lines at the top (seed, command).
    pub comments: Vec<String>,
    /// The strict profile.
    pub strict: bool,
    /// The identities the steps use (`u0`, `u1`…; at least one is declared).
    pub identities: BTreeSet<u8>,
    /// The clients besides `default` the steps use (`c1`, `c2`…).
    pub clients: BTreeSet<u8>,
}

/// The whole file: head, identities, clients and steps, each step preceded by a comment
/// naming the operation it performs (`comments[i]` for `steps[i]`).
pub fn render(head: &Head, steps: &[StepText], comments: &[String]) -> String {
    let mut out = String::new();
    for c in &head.comments {
        let _ = writeln!(out, "# {c}");
    }
    let _ = writeln!(out, "name = {}", q(&head.name));
    let _ = writeln!(out, "description = {}", q(&head.description));
    let profile = if head.strict { "strict" } else { "core" };
    let _ = writeln!(out, "tags = [\"explore\", {}]", q(profile));
    let mut rules: BTreeSet<&str> = steps.iter().flat_map(|s| s.rules.iter().copied()).collect();
    if rules.is_empty() {
        rules.insert("R1");
    }
    let rules: Vec<String> = rules.iter().map(|r| q(r)).collect();
    let _ = writeln!(out, "rules = [{}]", rules.join(", "));
    let identities: Vec<String> = head
        .identities
        .iter()
        .map(|i| {
            format!(
                "{} = {{ provisioned = {} }}",
                identity_name(*i),
                provisioned(*i)
            )
        })
        .collect();
    if !identities.is_empty() {
        let _ = writeln!(out, "identities = {{ {} }}", identities.join(", "));
    }
    if !head.clients.is_empty() {
        let clients: Vec<String> = head.clients.iter().map(|c| q(&client_name(*c))).collect();
        let _ = writeln!(out, "clients = [{}]", clients.join(", "));
    }
    for (step, comment) in steps.iter().zip(comments) {
        step.render(comment, &mut out);
    }
    out
}
