//! The seeded generator: the next operation, chosen with weights from what the target allows.
//! It reads the model's state only to prefer operations that matter there (a revocation needs a
//! live session); it never reads an answer, so a seed gives the same sequence on every target
//! with the same [`Reach`].

use rand::Rng;
use rand::rngs::StdRng;

use super::model::Model;
use super::ops::{Introspection, Key, Op};

/// What the generator may choose from, given the target.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    /// Identities in play (at least 1).
    pub identities: u8,
    /// Clients (cookie jars) in play (at least 1).
    pub clients: u8,
    /// A valid API key is configured (key and SDK operations).
    pub api_key: bool,
    /// The Kratos admin API is configured (revocations).
    pub admin: bool,
    /// A cookie domain is configured (`Domain=` stale cookies).
    pub cookie_domain: bool,
    /// The strict profile (replays, `X-User`, logout on GET).
    pub strict: bool,
}

/// The weighted kinds, in a fixed order (the sequence of a seed depends on it).
const KINDS: &[(&str, u32)] = &[
    ("browser-login", 10),
    ("api-login", 3),
    ("wrong-password", 3),
    ("wrong-csrf", 2),
    ("flow-init", 3),
    ("introspect", 20),
    ("introspect-key", 6),
    ("provisioned", 8),
    ("logout", 9),
    ("logout-on-get", 2),
    ("seed-stale-csrf", 4),
    ("replay", 4),
    ("revoke", 3),
    ("token-whoami", 3),
    ("api-logout", 2),
    ("sdk", 6),
    ("clear-jar", 2),
];

/// Chooses the next operation, with weights, from what `reach` allows; `model` tells which
/// earlier logins can be replayed or revoked.
pub fn next_op(rng: &mut StdRng, reach: &Reach, model: &Model) -> Op {
    loop {
        let allowed: Vec<(&str, u32)> = KINDS
            .iter()
            .copied()
            .filter(|(k, _)| match *k {
                "introspect-key" | "sdk" => reach.api_key,
                "revoke" => reach.admin && !model.revocable().is_empty(),
                "replay" => reach.strict && !model.replayable().is_empty(),
                "logout-on-get" => reach.strict,
                _ => true,
            })
            .collect();
        let total: u32 = allowed.iter().map(|(_, w)| w).sum();
        let mut pick = rng.random_range(0..total);
        let kind = allowed
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map_or("introspect", |(k, _)| k);
        if let Some(op) = build(kind, rng, reach, model) {
            return op;
        }
    }
}

fn build(kind: &str, rng: &mut StdRng, reach: &Reach, model: &Model) -> Option<Op> {
    let client = rng.random_range(0..reach.clients);
    let identity = rng.random_range(0..reach.identities);
    let route = match rng.random_range(0..3) {
        0 => Introspection::Whoami,
        1 => Introspection::Session,
        _ => Introspection::KratosIdentity,
    };
    Some(match kind {
        "browser-login" => Op::BrowserLogin { client, identity },
        "api-login" => Op::ApiLogin { client, identity },
        "wrong-password" => Op::WrongPassword { client, identity },
        "wrong-csrf" => Op::WrongCsrf { client, identity },
        "flow-init" => Op::FlowInit { client },
        "introspect" => Op::Introspect {
            client,
            route,
            key: Key::None,
        },
        "introspect-key" => Op::Introspect {
            client,
            route,
            key: match rng.random_range(0..4) {
                0 => Key::Valid,
                1 => Key::ValidBearer,
                2 => Key::InvalidXApiKey,
                _ => Key::InvalidBearer,
            },
        },
        "provisioned" => Op::Provisioned {
            client,
            key: reach.api_key && rng.random_bool(0.25),
            x_user: reach.strict && rng.random_bool(0.25),
        },
        "logout" => Op::Logout {
            client,
            sign_out: rng.random_bool(0.5),
            key: reach.api_key && rng.random_bool(0.2),
        },
        "logout-on-get" => Op::LogoutOnGet {
            client,
            sign_out: rng.random_bool(0.5),
        },
        "seed-stale-csrf" => Op::SeedStaleCsrf {
            client,
            name: rng.random_range(0..4),
            domain: reach.cookie_domain && rng.random_bool(0.5),
        },
        "replay" => {
            let from = model.replayable();
            Op::Replay {
                client,
                of: from[rng.random_range(0..from.len())],
            }
        }
        "revoke" => {
            let from = model.revocable();
            Op::Revoke {
                of: from[rng.random_range(0..from.len())],
            }
        }
        "token-whoami" => Op::TokenWhoami { client },
        "api-logout" => Op::ApiLogout { client },
        "sdk" => match rng.random_range(0..3) {
            0 => Op::SdkIntrospect { client, route },
            1 => Op::SdkProvisioned { client },
            _ => Op::SdkLogout {
                client,
                sign_out: rng.random_bool(0.5),
            },
        },
        "clear-jar" => Op::ClearJar { client },
        _ => return None,
    })
}
