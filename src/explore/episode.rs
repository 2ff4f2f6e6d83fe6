//! One episode: a sequence of operations generated from a seed, and the scenario file the
//! model makes of any sequence (the generated one, or a shrunk part of it).
//!
//! Each episode is one scenario run: fresh identities, fresh jars. The sequence of a seed is
//! the same on every target with the same [`Reach`] (the generator never reads an answer).

use std::collections::BTreeSet;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::generate::{Reach, next_op};
use super::model::{Model, Setup};
use super::ops::{Numbered, Op};
use super::text::{Head, StepText, render};

/// The generator's seed of episode `episode` of a run seeded `seed` (SplitMix64 of both, so
/// neighbouring seeds give unrelated sequences).
pub fn episode_seed(seed: u64, episode: u64) -> u64 {
    let mut z = seed ^ episode.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `len` operations from `seed`: each chosen against the model's state so far.
pub fn generate(seed: u64, len: usize, reach: &Reach, setup: Setup) -> Vec<Numbered> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = Model::new(setup, reach.clients);
    let mut ops = Vec::with_capacity(len);
    for id in 0..len as u32 {
        let op = next_op(&mut rng, reach, &model);
        let _ = model.emit(id, &op);
        ops.push(Numbered { id, op });
    }
    ops
}

/// A sequence made into a scenario.
#[derive(Debug, Clone)]
pub struct Built {
    /// The scenario file.
    pub text: String,
    /// For each step, the index in the sequence of the operation it performs.
    pub step_ops: Vec<usize>,
    /// For each operation the model did not leave out: its index in the sequence, its kind
    /// and the abstract model state after it.
    pub made: Vec<(usize, &'static str, String)>,
    /// The abstract model state before the first operation.
    pub start: String,
}

/// What a scenario of an explore run is, besides its steps.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The model's settings.
    pub setup: Setup,
    /// Clients in play.
    pub clients: u8,
    /// At most this many steps of different clients in one parallel group (1: none).
    pub concurrency: usize,
}

/// The scenario the model makes of `ops`: operations whose preconditions fail in the state
/// they meet are left out; with `shape.concurrency > 1`, runs of single-step operations of
/// different clients on different sessions become parallel groups.
pub fn build(ops: &[Numbered], shape: &Shape, name: &str, comments: Vec<String>) -> Built {
    let mut model = Model::new(shape.setup, shape.clients);
    let mut steps: Vec<StepText> = Vec::new();
    let mut notes = Vec::new();
    let mut step_ops = Vec::new();
    let mut made_ops = Vec::new();
    let mut identities = BTreeSet::new();
    let mut group = Group::default();
    let start = model.abstract_state();
    for (i, n) in ops.iter().enumerate() {
        let shares = n.op.client().is_some_and(|c| model.shares_session(c));
        let Some(made) = model.emit(n.id, &n.op) else {
            continue;
        };
        made_ops.push((i, n.op.kind(), model.abstract_state()));
        if let Op::BrowserLogin { identity, .. }
        | Op::ApiLogin { identity, .. }
        | Op::WrongPassword { identity, .. }
        | Op::WrongCsrf { identity, .. } = n.op
        {
            identities.insert(identity);
        }
        let single = made.len() == 1 && groupable(&n.op) && !shares && !made[0].waits();
        for step in made {
            notes.push(format!("op {}: {}", n.id, describe(&n.op)));
            step_ops.push(i);
            steps.push(step);
        }
        if shape.concurrency > 1 {
            group.offer(&mut steps, single, n.op.client(), shape.concurrency);
        }
    }
    group.close(&mut steps);
    let head = Head {
        name: name.to_string(),
        description: format!(
            "Written by `openapp-conformance explore`: {} operations, each step's expectations from the model of the contract.",
            made_ops.len()
        ),
        comments,
        strict: shape.setup.strict,
        identities,
        clients: steps
            .iter()
            .filter_map(|s| s.client.filter(|c| *c != 0))
            .collect(),
    };
    Built {
        text: render(&head, &steps, &notes),
        step_ops,
        made: made_ops,
        start,
    }
}

/// Operations that may run beside other clients' (no capture another step of the group could
/// need; no effect on another jar's session: a logout may end the identity's other sessions
/// too; a request, login or SDK call: `clear_jar` is no exchange).
fn groupable(op: &Op) -> bool {
    !matches!(
        op,
        Op::Revoke { .. }
            | Op::Replay { .. }
            | Op::ClearJar { .. }
            | Op::Logout { .. }
            | Op::SdkLogout { .. }
    )
}

/// The parallel group being filled: the indices of its steps and their clients.
#[derive(Debug, Default)]
struct Group {
    members: Vec<usize>,
    clients: Vec<u8>,
    count: usize,
}

impl Group {
    /// The step just pushed joins the open group when it can, else closes it and opens
    /// another.
    fn offer(&mut self, steps: &mut [StepText], single: bool, client: Option<u8>, max: usize) {
        let last = steps.len() - 1;
        let Some(client) = client.filter(|_| single) else {
            self.close(steps);
            return;
        };
        if self.clients.contains(&client) || self.members.len() >= max {
            self.close(steps);
        }
        self.members.push(last);
        self.clients.push(client);
    }

    fn close(&mut self, steps: &mut [StepText]) {
        if self.members.len() >= 2 {
            self.count += 1;
            for &i in &self.members {
                steps[i].parallel = Some(format!("g{}", self.count));
            }
        }
        self.members.clear();
        self.clients.clear();
    }
}

/// One line naming an operation, for the comment above its steps.
pub fn describe(op: &Op) -> String {
    serde_json::to_string(op).unwrap_or_else(|_| op.kind().to_string())
}
