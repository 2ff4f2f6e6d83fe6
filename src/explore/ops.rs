//! The operations explore chooses from.
//!
//! An [`Op`] is plain data: which client (cookie jar) acts, which identity, which route. It
//! names earlier operations by their id (a replay or a revocation of the session an earlier
//! login made), so a shrunk sequence that lost that login simply skips it
//! ([`super::model::Model::emit`]). What each one must answer is the model's business; which
//! come next, the generator's ([`super::generate`]).

use serde::Serialize;

/// The introspection routes (R1, R2, R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Introspection {
    /// `/auth/whoami`.
    Whoami,
    /// `/auth/session`.
    Session,
    /// `/auth/kratos-identity`.
    KratosIdentity,
}

impl Introspection {
    /// The route under the API base.
    pub fn path(self) -> &'static str {
        match self {
            Introspection::Whoami => "/auth/whoami",
            Introspection::Session => "/auth/session",
            Introspection::KratosIdentity => "/auth/kratos-identity",
        }
    }

    /// The SDK method of the same route.
    pub fn sdk_call(self) -> &'static str {
        match self {
            Introspection::Whoami => "whoami",
            Introspection::Session => "session",
            Introspection::KratosIdentity => "kratos_identity",
        }
    }
}

/// Which key an introspection or probe request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Key {
    /// No key: a browser.
    None,
    /// The target's valid key on `X-API-Key` (R5, R17).
    Valid,
    /// The target's valid key on `Authorization: Bearer`, from a jar without a session: never
    /// a session (R5; 200 or 401 both conform, as in `core/r05_…`).
    ValidBearer,
    /// A wrong key on `X-API-Key` (R4).
    InvalidXApiKey,
    /// A wrong key on `Authorization: Bearer` (R4).
    InvalidBearer,
}

/// One operation of an explore run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// A browser (JSON) login of an identity; in a jar that holds a live session, Kratos
    /// refuses the flow (K8).
    BrowserLogin {
        /// The acting client.
        client: u8,
        /// The identity.
        identity: u8,
    },
    /// An API (native) login: a session token, no cookie (K5).
    ApiLogin {
        /// The acting client.
        client: u8,
        /// The identity.
        identity: u8,
    },
    /// A browser login with a wrong password (K3).
    WrongPassword {
        /// The acting client.
        client: u8,
        /// The identity.
        identity: u8,
    },
    /// A login submit with a wrong csrf_token (K2).
    WrongCsrf {
        /// The acting client.
        client: u8,
        /// The identity.
        identity: u8,
    },
    /// A browser flow init alone (K1).
    FlowInit {
        /// The acting client.
        client: u8,
    },
    /// An introspection GET.
    Introspect {
        /// The acting client.
        client: u8,
        /// Which route.
        route: Introspection,
        /// Which key, if any.
        key: Key,
    },
    /// The provisioning probe.
    Provisioned {
        /// The acting client.
        client: u8,
        /// Send the valid key beside the jar's cookie (R17).
        key: bool,
        /// Send a client-made `X-User` header (R8, strict).
        x_user: bool,
    },
    /// `POST /auth/logout` or `/auth/sign-out`, with or without a session.
    Logout {
        /// The acting client.
        client: u8,
        /// `/auth/sign-out` instead of `/auth/logout`.
        sign_out: bool,
        /// Send the valid key beside the jar's cookie (R17).
        key: bool,
    },
    /// `GET /auth/logout` or `/auth/sign-out` (R19, strict).
    LogoutOnGet {
        /// The acting client.
        client: u8,
        /// `/auth/sign-out` instead of `/auth/logout`.
        sign_out: bool,
    },
    /// A stale `csrf_token_*` cookie put into the jar (sent with a whoami).
    SeedStaleCsrf {
        /// The acting client.
        client: u8,
        /// Which of a few fixed stale names.
        name: u8,
        /// `Domain=` (the cookie domain) instead of host-only.
        domain: bool,
    },
    /// The session cookie an earlier login captured, put into this jar (strict: R16).
    Replay {
        /// The acting client.
        client: u8,
        /// The id of the login whose cookie is replayed.
        of: u32,
    },
    /// `DELETE /admin/sessions/{id}` of the session an earlier login made.
    Revoke {
        /// The id of the login whose session is revoked.
        of: u32,
    },
    /// Kratos's `/sessions/whoami` with the client's session token (K5).
    TokenWhoami {
        /// The acting client.
        client: u8,
    },
    /// Kratos's API logout of the client's session token.
    ApiLogout {
        /// The acting client.
        client: u8,
    },
    /// An introspection call through the official SDK, the jar's cookie forwarded (R5, R17).
    SdkIntrospect {
        /// The acting client.
        client: u8,
        /// Which route.
        route: Introspection,
    },
    /// The SDK's `provisioned()` (R6, R7, R17).
    SdkProvisioned {
        /// The acting client.
        client: u8,
    },
    /// The SDK's `logout()` or `sign_out()` (R9, R15, R17).
    SdkLogout {
        /// The acting client.
        client: u8,
        /// `sign_out()` instead of `logout()`.
        sign_out: bool,
    },
    /// Every cookie of the jar gone: a browser restart with its cookies cleared.
    ClearJar {
        /// The acting client.
        client: u8,
    },
}

impl Op {
    /// The operation's kind, for the summary (`browser-login`, `introspect`…).
    pub fn kind(&self) -> &'static str {
        match self {
            Op::BrowserLogin { .. } => "browser-login",
            Op::ApiLogin { .. } => "api-login",
            Op::WrongPassword { .. } => "wrong-password",
            Op::WrongCsrf { .. } => "wrong-csrf",
            Op::FlowInit { .. } => "flow-init",
            Op::Introspect { key: Key::None, .. } => "introspect",
            Op::Introspect {
                key: Key::Valid, ..
            } => "introspect-valid-key",
            Op::Introspect { .. } => "introspect-invalid-key",
            Op::Provisioned { x_user: true, .. } => "provisioned-x-user",
            Op::Provisioned { .. } => "provisioned",
            Op::Logout {
                sign_out: false, ..
            } => "logout",
            Op::Logout { sign_out: true, .. } => "sign-out",
            Op::LogoutOnGet { .. } => "logout-on-get",
            Op::SeedStaleCsrf { .. } => "seed-stale-csrf",
            Op::Replay { .. } => "replay-cookie",
            Op::Revoke { .. } => "admin-revoke",
            Op::TokenWhoami { .. } => "token-whoami",
            Op::ApiLogout { .. } => "api-logout",
            Op::SdkIntrospect { .. } => "sdk-introspect",
            Op::SdkProvisioned { .. } => "sdk-provisioned",
            Op::SdkLogout { .. } => "sdk-logout",
            Op::ClearJar { .. } => "clear-jar",
        }
    }

    /// The acting client, if one acts (a revocation goes to the admin API).
    pub fn client(&self) -> Option<u8> {
        match *self {
            Op::BrowserLogin { client, .. }
            | Op::ApiLogin { client, .. }
            | Op::WrongPassword { client, .. }
            | Op::WrongCsrf { client, .. }
            | Op::FlowInit { client }
            | Op::Introspect { client, .. }
            | Op::Provisioned { client, .. }
            | Op::Logout { client, .. }
            | Op::LogoutOnGet { client, .. }
            | Op::SeedStaleCsrf { client, .. }
            | Op::Replay { client, .. }
            | Op::TokenWhoami { client }
            | Op::ApiLogout { client }
            | Op::SdkIntrospect { client, .. }
            | Op::SdkProvisioned { client }
            | Op::SdkLogout { client, .. }
            | Op::ClearJar { client } => Some(client),
            Op::Revoke { .. } => None,
        }
    }
}

/// An operation with its id (its position in the generated sequence, kept through shrinking).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Numbered {
    /// Position in the generated sequence.
    pub id: u32,
    /// The operation.
    #[serde(flatten)]
    pub op: Op,
}
