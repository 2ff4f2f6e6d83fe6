//! The emulator's in-memory database: identities, sessions, login flows and stored errors,
//! behind one mutex held only for short critical sections.

use std::collections::{HashMap, VecDeque};

use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

/// A salted SHA-256 password hash: cheap on purpose (the suite logs in hundreds of times).
#[derive(Debug, Clone)]
pub(crate) struct PasswordHash {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl PasswordHash {
    fn digest(salt: &[u8; 16], password: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(salt);
        h.update(password.as_bytes());
        h.finalize().into()
    }

    /// Hashes `password` with a fresh salt.
    pub(crate) fn new(password: &str) -> Self {
        let salt: [u8; 16] = rand::random();
        Self {
            digest: Self::digest(&salt, password),
            salt,
        }
    }

    /// Does `password` match?
    pub(crate) fn verify(&self, password: &str) -> bool {
        Self::digest(&self.salt, password) == self.digest
    }
}

/// A verifiable or recovery address of an identity.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub id: Uuid,
    pub value: String,
    pub created_at: OffsetDateTime,
}

/// An identity with its password credential.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub id: Uuid,
    pub schema_id: String,
    pub state: String,
    pub state_changed_at: OffsetDateTime,
    pub traits: Value,
    pub metadata_public: Option<Value>,
    pub metadata_admin: Option<Value>,
    /// Normalised (trimmed, lowercased) password identifiers.
    pub identifiers: Vec<String>,
    pub password: Option<PasswordHash>,
    pub credentials_created_at: OffsetDateTime,
    pub verifiable: Vec<Address>,
    pub recovery: Vec<Address>,
    pub created_at: OffsetDateTime,
}

impl Identity {
    /// Kratos `IsActive`.
    pub(crate) fn is_active(&self) -> bool {
        self.state == "active"
    }
}

/// A login device of a session.
#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub id: Uuid,
    pub ip_address: String,
    pub user_agent: String,
}

/// A session row.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: Uuid,
    pub token: String,
    pub logout_token: String,
    pub identity_id: Uuid,
    pub active: bool,
    pub expires_at: OffsetDateTime,
    pub authenticated_at: OffsetDateTime,
    pub completed_at: OffsetDateTime,
    pub devices: Vec<Device>,
}

impl Session {
    /// Kratos `IsActive` without the identity part: active and not expired.
    pub(crate) fn is_current(&self, now: OffsetDateTime) -> bool {
        self.active && self.expires_at > now
    }
}

/// An error stored for `GET /self-service/errors?id=`.
#[derive(Debug, Clone)]
pub(crate) struct StoredError {
    pub error: Value,
    pub created_at: OffsetDateTime,
}

/// `browser` or `api`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowKind {
    /// Initialised through `/self-service/login/browser`.
    Browser,
    /// Initialised through `/self-service/login/api`.
    Api,
}

impl FlowKind {
    /// The flow's `type`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FlowKind::Browser => "browser",
            FlowKind::Api => "api",
        }
    }
}

/// A stored login flow.
#[derive(Debug, Clone)]
pub(crate) struct LoginFlow {
    pub id: Uuid,
    pub kind: FlowKind,
    pub expires_at: OffsetDateTime,
    pub issued_at: OffsetDateTime,
    pub request_url: String,
    /// `"password"` after a successful login with this flow.
    pub active: Option<&'static str>,
    /// The masked csrf token shown in the flow (`""` for API flows).
    pub csrf_token: String,
    /// The `identifier` node's value.
    pub identifier: String,
    /// `ui.messages` (omitted when empty).
    pub messages: Vec<Value>,
    /// Messages attached to the `identifier` and `password` nodes.
    pub identifier_messages: Vec<Value>,
    pub password_messages: Vec<Value>,
    pub created_at: OffsetDateTime,
}

impl LoginFlow {
    /// `return_to`, re-derived from `request_url` as Kratos's `MarshalJSON` does.
    pub(crate) fn return_to(&self) -> Option<String> {
        let url = Url::parse(&self.request_url).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "return_to")
            .map(|(_, v)| v.into_owned())
    }

    /// Clears every message before a flow is re-rendered with an error.
    pub(crate) fn reset_messages(&mut self) {
        self.messages.clear();
        self.identifier_messages.clear();
        self.password_messages.clear();
    }

    /// Has this flow expired at `now`?
    pub(crate) fn expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at <= now
    }
}

/// How many rows (identities, sessions, session cookies, flows, errors together) the store
/// keeps before it forgets the oldest. Real Kratos keeps everything in its database; the
/// emulator serves test runs whose rows live for milliseconds, and a long load run would
/// otherwise grow without bound. At load-mode rates (about 5,000 rows a second) this is four
/// seconds of history; a trial lives for milliseconds.
pub(crate) const RETAINED_ROWS: usize = 20_000;

/// A row the store may forget, in creation order.
#[derive(Debug)]
pub(crate) enum Row {
    Identity(Uuid),
    Session(Uuid),
    Cookie(String),
    Flow(Uuid),
    Error(Uuid),
}

/// All state of one emulator.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Created rows, oldest first, for [`Store::remember`].
    pub created: VecDeque<Row>,
    pub identities: HashMap<Uuid, Identity>,
    pub by_identifier: HashMap<String, Uuid>,
    pub sessions: HashMap<Uuid, Session>,
    pub by_token: HashMap<String, Uuid>,
    /// Session cookie values ever issued, to the session they stand for.
    pub cookies: HashMap<String, Uuid>,
    pub flows: HashMap<Uuid, LoginFlow>,
    pub errors: HashMap<Uuid, StoredError>,
}

impl Store {
    /// Records a newly created row and forgets the oldest rows beyond [`RETAINED_ROWS`].
    pub(crate) fn remember(&mut self, row: Row) {
        self.created.push_back(row);
        while self.created.len() > RETAINED_ROWS {
            let Some(old) = self.created.pop_front() else {
                break;
            };
            self.forget(old);
        }
    }

    fn forget(&mut self, row: Row) {
        match row {
            Row::Identity(id) => {
                if let Some(identity) = self.identities.remove(&id) {
                    for i in &identity.identifiers {
                        self.by_identifier.remove(i);
                    }
                }
            }
            Row::Session(id) => {
                if let Some(session) = self.sessions.remove(&id) {
                    self.by_token.remove(&session.token);
                }
            }
            Row::Cookie(value) => {
                self.cookies.remove(&value);
            }
            Row::Flow(id) => {
                self.flows.remove(&id);
            }
            Row::Error(id) => {
                self.errors.remove(&id);
            }
        }
    }

    /// The identity with this (normalised) identifier.
    pub(crate) fn identity_by_identifier(&self, identifier: &str) -> Option<&Identity> {
        self.by_identifier
            .get(&normalize_identifier(identifier))
            .and_then(|id| self.identities.get(id))
    }

    /// The session behind a session token, if the token ever existed.
    pub(crate) fn session_by_token(&self, token: &str) -> Option<&Session> {
        self.by_token
            .get(token)
            .and_then(|id| self.sessions.get(id))
    }

    /// Is this session usable now (active, unexpired, identity active)?
    pub(crate) fn session_valid(&self, s: &Session, now: OffsetDateTime) -> bool {
        s.is_current(now)
            && self
                .identities
                .get(&s.identity_id)
                .is_some_and(Identity::is_active)
    }
}

/// Kratos `NormalizeIdentifier` for email-like identifiers: trimmed and lowercased.
pub(crate) fn normalize_identifier(s: &str) -> String {
    s.trim().to_lowercase()
}

/// `prefix` followed by 32 random alphanumerics (`ory_st_…`, `ory_lo_…`).
pub(crate) fn random_token(prefix: &str) -> String {
    let tail: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    format!("{prefix}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_roundtrip() {
        let h = PasswordHash::new("Zebra-Quartz-7391-Lamp");
        assert!(h.verify("Zebra-Quartz-7391-Lamp"));
        assert!(!h.verify("zebra-quartz-7391-lamp"));
    }

    #[test]
    fn the_oldest_rows_are_forgotten_beyond_the_limit() {
        let mut store = Store::default();
        let first = Uuid::new_v4();
        store.errors.insert(
            first,
            StoredError {
                error: Value::Null,
                created_at: OffsetDateTime::UNIX_EPOCH,
            },
        );
        store.remember(Row::Error(first));
        for _ in 0..RETAINED_ROWS {
            let value = random_token("c");
            store.cookies.insert(value.clone(), first);
            store.remember(Row::Cookie(value));
        }
        assert!(store.errors.is_empty(), "the oldest row is gone");
        assert_eq!(store.cookies.len(), RETAINED_ROWS);
        assert_eq!(store.created.len(), RETAINED_ROWS);
    }

    #[test]
    fn tokens_have_the_kratos_shape() {
        let t = random_token("ory_st_");
        assert_eq!(t.len(), 39);
        assert!(t[7..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(t, random_token("ory_st_"));
    }
}
