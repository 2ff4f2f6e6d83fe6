//! The model: an executable statement of the contract and of Kratos v1.3.1 as captured, over
//! the state explore drives: which session each jar holds, which sessions Kratos still
//! honours, which CSRF cookies each jar carries, which session token each client holds and
//! which identities are provisioned.
//!
//! [`Model::emit`] turns one operation into the scenario steps that perform it, with the
//! expectations the contract sets in the model's current state, and moves the state on. It
//! decides from the contract alone, never from an answer: opaque values (session ids, cookie
//! values, flow ids) are captured into `{{variables}}` by the steps themselves, and the
//! checks are the scenario runner's own ([`crate::run::assert`]), each citing its rule.

use std::collections::{BTreeMap, BTreeSet};

use super::ops::{Introspection, Key, Op};
use super::text::{StepText, identity_name, provisioned, q};

/// The statuses a `GET`/`HEAD` on logout may answer without logging out (R19's scenario).
const NOT_A_LOGOUT: &str = "[200, 204, 302, 303, 400, 401, 403, 404, 405]";
/// R18's header check.
const PRIVATE: &str = r#"expect.headers = [{ name = "cache-control", matches = '(?i)(^|,)\s*(private|no-store)\s*(,|$)' }]"#;
/// A well-formed csrf_token that no flow issued (capture 23's).
const WRONG_CSRF: &str =
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
/// How long a revoked session may still resolve at the gateway (R16's setting).
const WITHIN: &str = r#"expect.within = { setting = "revocation_within", default = "0s" }"#;

/// What Kratos knows of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    /// Honoured.
    Alive,
    /// Revoked through the admin API, or its token logged out: gone at once in Kratos.
    Revoked,
    /// Its cookie went through an OpenApp logout: the gateway no longer resolves it under the
    /// strict profile (R16, within the revocation time), may under core (OpenApp only promises
    /// to clear the cookie); whether Kratos still honours it is not known either way (a gateway
    /// may keep its own deny-list).
    LoggedOut,
    /// Another session of its identity was logged out: the contract does not say whether a
    /// logout ends the identity's other sessions ("sign out everywhere"), so nothing is
    /// expected of it any more.
    Uncertain,
}

#[derive(Debug, Clone)]
struct Session {
    identity: u8,
    life: Life,
    /// Made by a browser login (its cookie was captured).
    browser: bool,
}

#[derive(Debug, Clone, Default)]
struct Jar {
    /// The login whose session cookie the jar holds.
    session: Option<u32>,
    /// That cookie was put in by a replay (host-only on the API host).
    replayed: bool,
    /// The current Kratos CSRF cookie.
    csrf: bool,
    /// Stale `csrf_token_*` cookies: (name index, `Domain=`).
    stale: BTreeSet<(u8, bool)>,
    /// The jar held a session since it was last cleared (R13 rather than R1 for a `null`).
    had_session: bool,
}

#[derive(Debug, Clone, Default)]
struct Client {
    jar: Jar,
    /// The login whose session token the client holds.
    token: Option<u32>,
}

/// What the gateway must answer a jar, in the model's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// No session cookie: `null`; `after` a session this jar held (R13) or never (R1).
    Anonymous { after: bool },
    /// A live session of `identity`, made by login `login`.
    Live { login: u32, identity: u8 },
    /// A cookie of a session Kratos no longer honours (strict): `null` within the revocation
    /// time (R16).
    Gone,
    /// Core profile, a revoked session's cookie: the gateway may still resolve it (a cache);
    /// only the status is checked.
    Unknown,
}

/// The target-independent settings the model needs.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// Strict profile expectations (R8, R12, R16, R18, R19).
    pub strict: bool,
    /// A cookie domain is configured (K6's `Domain=`).
    pub cookie_domain: bool,
}

/// The model's state.
#[derive(Debug, Clone)]
pub struct Model {
    setup: Setup,
    clients: Vec<Client>,
    sessions: BTreeMap<u32, Session>,
}

/// The name of stale CSRF cookie `n`.
pub fn stale_name(n: u8) -> String {
    format!("csrf_token_{:064x}", 0x5eed_0000_u64 + u64::from(n))
}

impl Model {
    /// The initial state: `clients` empty jars, no session.
    pub fn new(setup: Setup, clients: u8) -> Self {
        Self {
            setup,
            clients: vec![Client::default(); usize::from(clients.max(1))],
            sessions: BTreeMap::new(),
        }
    }

    /// Logins whose session Kratos still honours (a revocation's candidates).
    pub fn revocable(&self) -> Vec<u32> {
        self.sessions
            .iter()
            .filter(|(_, s)| s.life == Life::Alive)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Browser logins whose cookie was captured (a replay's candidates).
    pub fn replayable(&self) -> Vec<u32> {
        self.sessions
            .iter()
            .filter(|(_, s)| s.browser)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Does another client's jar hold the session cookie client `c`'s jar holds (a replay)?
    pub fn shares_session(&self, c: u8) -> bool {
        let Some(s) = self.client(c).and_then(|cl| cl.jar.session) else {
            return false;
        };
        self.clients
            .iter()
            .enumerate()
            .any(|(i, o)| i != usize::from(c) && o.jar.session == Some(s))
    }

    /// A short description of the abstract state (for the count of states reached): per
    /// client, what the gateway must answer, CSRF cookies and the token's life.
    pub fn abstract_state(&self) -> String {
        let mut out = String::new();
        for (i, c) in self.clients.iter().enumerate() {
            let view = match self.view(i as u8) {
                View::Anonymous { .. } => "a".to_string(),
                View::Live { identity, .. } => format!("l{}", u8::from(provisioned(identity))),
                View::Gone => "g".into(),
                View::Unknown => "u".into(),
            };
            let token = match c.token.and_then(|t| self.sessions.get(&t)) {
                None => "-",
                Some(s) if s.life == Life::Alive => "t",
                Some(_) => "x",
            };
            out.push_str(&format!(
                "{view}{}{}{token};",
                u8::from(c.jar.csrf),
                c.jar.stale.len().min(2)
            ));
        }
        out
    }

    /// What a step about a revoked session cites: R16 (strict); under core, whose answer may
    /// still be the cached session, the status's own rule.
    fn revocation_rules(&self) -> &'static [&'static str] {
        if self.setup.strict { &["R16"] } else { &[] }
    }

    fn client(&self, c: u8) -> Option<&Client> {
        self.clients.get(usize::from(c))
    }

    fn jar_mut(&mut self, c: u8) -> &mut Jar {
        &mut self.clients[usize::from(c)].jar
    }

    /// Does Kratos honour session `s` for sure? `None`: not known (after a logout of it or of
    /// another session of its identity).
    fn kratos_alive(&self, s: u32) -> Option<bool> {
        match self.sessions.get(&s).map(|s| s.life) {
            Some(Life::Alive) => Some(true),
            Some(Life::Revoked) | None => Some(false),
            Some(Life::LoggedOut | Life::Uncertain) => None,
        }
    }

    /// Must the gateway resolve session `s`? `Some(false)`: it must not (within the revocation
    /// time), which only the strict profile says of a logged-out or revoked session.
    fn gateway_alive(&self, s: u32) -> Option<bool> {
        match self.sessions.get(&s).map(|s| s.life) {
            Some(Life::Alive) => Some(true),
            Some(Life::Revoked | Life::LoggedOut) | None => Some(false),
            Some(Life::Uncertain) => None,
        }
    }

    fn view(&self, c: u8) -> View {
        let Some(client) = self.client(c) else {
            return View::Anonymous { after: false };
        };
        let Some(s) = client.jar.session else {
            return View::Anonymous {
                after: client.jar.had_session,
            };
        };
        match (self.gateway_alive(s), self.sessions.get(&s)) {
            (Some(true), Some(session)) => View::Live {
                login: s,
                identity: session.identity,
            },
            (Some(false), _) if self.setup.strict => View::Gone,
            _ => View::Unknown,
        }
    }

    /// The steps that perform `op` (with id `id`) and what the contract expects of them, or
    /// `None` when `op` cannot run in this state (a shrunk sequence lost what it needs, or it
    /// would make a jar hold two session cookies); the state moves on.
    pub fn emit(&mut self, id: u32, op: &Op) -> Option<Vec<StepText>> {
        if op.client().is_some_and(|c| self.client(c).is_none()) {
            return None;
        }
        match *op {
            Op::BrowserLogin { client, identity } => self.browser_login(id, client, identity),
            Op::ApiLogin { client, identity } => Some(self.api_login(id, client, identity)),
            Op::WrongPassword { client, identity } => self.bad_submit(id, client, identity, false),
            Op::WrongCsrf { client, identity } => self.bad_submit(id, client, identity, true),
            Op::FlowInit { client } => match self.kratos_sees(client)? {
                Some(true) => Some(vec![self.refusal(client)]),
                _ => Some(vec![self.flow_init(id, client)]),
            },
            Op::Introspect {
                client,
                key: Key::ValidBearer,
                ..
            } if !matches!(self.view(client), View::Anonymous { .. }) => None,
            Op::Introspect { client, route, key } => {
                Some(vec![self.introspect(client, route, key, Vec::new())])
            }
            Op::Provisioned {
                client,
                key,
                x_user,
            } => Some(vec![self.provisioned_probe(client, key, x_user)]),
            Op::Logout {
                client,
                sign_out,
                key,
            } => Some(vec![self.logout(client, sign_out, key, None)]),
            Op::LogoutOnGet { client, sign_out } => {
                if !matches!(self.view(client), View::Live { .. }) {
                    return None;
                }
                let path = if sign_out {
                    "/auth/sign-out"
                } else {
                    "/auth/logout"
                };
                let mut step = StepText::new(Some(client), &["R19"]);
                step.line(format!(
                    "request = {{ method = \"GET\", path = {} }}",
                    q(path)
                ));
                step.line(format!("expect.status = {NOT_A_LOGOUT}"));
                step.line(r#"expect.jar_has = ["ory_kratos_session"]"#);
                Some(vec![step])
            }
            Op::SeedStaleCsrf {
                client,
                name,
                domain,
            } => {
                if domain && !self.setup.cookie_domain {
                    return None;
                }
                let scope = if domain { "cookie-domain" } else { "host-only" };
                let seed = format!(
                    "{{ name = {}, scope = {} }}",
                    q(&stale_name(name)),
                    q(scope)
                );
                let step = self.introspect(client, Introspection::Whoami, Key::None, vec![seed]);
                self.jar_mut(client).stale.insert((name, domain));
                Some(vec![step])
            }
            Op::Replay { client, of } => self.replay(client, of),
            Op::Revoke { of } => {
                if self.kratos_alive(of) != Some(true) {
                    return None;
                }
                let mut step = StepText::new(None, self.revocation_rules());
                step.line(format!(
                    "request = {{ method = \"DELETE\", to = \"kratos-admin\", path = \"/admin/sessions/{{{{sid_{of}}}}}\" }}"
                ));
                step.line("expect.status = 204");
                if let Some(s) = self.sessions.get_mut(&of) {
                    s.life = Life::Revoked;
                }
                Some(vec![step])
            }
            Op::TokenWhoami { client } => {
                let c = self.client(client)?;
                let t = c.token?;
                if c.jar.session.is_some() {
                    return None;
                }
                let mut step = StepText::new(Some(client), &["K5"]);
                step.line(r#"request = { method = "GET", to = "kratos-public", path = "/sessions/whoami", session_token = true }"#);
                match (self.kratos_alive(t), self.sessions.get(&t)) {
                    (Some(true), Some(s)) => {
                        step.line("expect.status = 200");
                        step.line(session_json(t, s.identity, ""));
                    }
                    (Some(false), _) => step.line("expect.status = 401"),
                    _ => return None,
                }
                Some(vec![step])
            }
            Op::ApiLogout { client } => {
                let t = self.client(client)?.token?;
                if self.kratos_alive(t) != Some(true) {
                    return None;
                }
                let mut step = StepText::new(Some(client), &["K5"]);
                step.line(r#"logout = { flow = "api" }"#);
                if let Some(s) = self.sessions.get_mut(&t) {
                    s.life = Life::Revoked;
                }
                Some(vec![step])
            }
            Op::SdkIntrospect { client, route } => self.sdk_introspect(client, route),
            Op::SdkProvisioned { client } => self.sdk_provisioned(client),
            Op::SdkLogout { client, sign_out } => {
                let call = if sign_out { "sign_out" } else { "logout" };
                Some(vec![self.logout(client, sign_out, false, Some(call))])
            }
            Op::ClearJar { client } => {
                let mut step = StepText::new(Some(client), &[]);
                step.line("clear_jar = true");
                *self.jar_mut(client) = Jar::default();
                Some(vec![step])
            }
        }
    }

    /// What Kratos sees of client `c`'s jar at a flow init: `Some(true)` a live session,
    /// `Some(false)` none; `None` (the operation is left out) when the model cannot tell: a
    /// replayed cookie (host-only on the API host, which Kratos may or may not share), or a
    /// session logged out under core (OpenApp need not revoke it).
    fn kratos_sees(&self, c: u8) -> Option<Option<bool>> {
        let jar = &self.client(c)?.jar;
        if jar.replayed {
            return None;
        }
        match jar.session.map(|s| self.kratos_alive(s)) {
            Some(None) => None,
            Some(Some(alive)) => Some(Some(alive)),
            None => Some(Some(false)),
        }
    }

    /// The refusal (K8); Kratos sets its CSRF cookie on the way when the jar had none (the
    /// jar holds one after either way).
    fn refusal(&mut self, client: u8) -> StepText {
        let had_csrf = self.client(client).is_some_and(|c| c.jar.csrf);
        self.jar_mut(client).csrf = true;
        refusal_step(client, had_csrf)
    }

    fn browser_login(&mut self, id: u32, client: u8, identity: u8) -> Option<Vec<StepText>> {
        if self.kratos_sees(client)? == Some(true) {
            return Some(vec![self.refusal(client)]);
        }
        let name = identity_name(identity);
        let mut step = StepText::new(Some(client), &["K4", "K6"]);
        step.line(format!("login = {{ identity = {} }}", q(&name)));
        step.line("expect.status = 200");
        step.line(format!(
            "expect.json = [{{ path = \"/session/identity/id\", equals = \"{{{{identity.{name}.id}}}}\" }}, {{ path = \"/session/active\", equals = true }}]"
        ));
        step.line(r#"expect.sets = ["ory_kratos_session"]"#);
        let mut cookie = String::from(
            r#"expect.cookie = [{ name = "ory_kratos_session", path = "/", httponly = true, samesite = "as-configured", secure = "as-expected", lifetime = "persistent" }"#,
        );
        if self.setup.cookie_domain {
            cookie.push_str(r#", { name = "ory_kratos_session", domain = "cookie-domain" }"#);
        }
        cookie.push(']');
        step.line(cookie);
        step.line(r#"expect.jar_has = ["ory_kratos_session"]"#);
        step.line(format!(
            "capture = {{ sid_{id} = {{ json = \"/session/id\" }}, ck_{id} = {{ cookie = \"ory_kratos_session\" }} }}"
        ));
        self.sessions.insert(
            id,
            Session {
                identity,
                life: Life::Alive,
                browser: true,
            },
        );
        let jar = self.jar_mut(client);
        jar.session = Some(id);
        jar.csrf = true;
        jar.had_session = true;
        Some(vec![step])
    }

    fn api_login(&mut self, id: u32, client: u8, identity: u8) -> Vec<StepText> {
        let name = identity_name(identity);
        let mut step = StepText::new(Some(client), &["K5"]);
        step.line(format!(
            "login = {{ identity = {}, flow = \"api\" }}",
            q(&name)
        ));
        step.line(r#"expect.not_sets = ["ory_kratos_session"]"#);
        step.line(format!(
            "expect.json = [{{ path = \"/session_token\", matches = \".\" }}, {{ path = \"/session/identity/id\", equals = \"{{{{identity.{name}.id}}}}\" }}]"
        ));
        step.line(format!(
            "capture = {{ sid_{id} = {{ json = \"/session/id\" }} }}"
        ));
        self.sessions.insert(
            id,
            Session {
                identity,
                life: Life::Alive,
                browser: false,
            },
        );
        self.clients[usize::from(client)].token = Some(id);
        vec![step]
    }

    /// `GET /self-service/login/browser` as a JSON client in a jar without a live session: a
    /// flow, and the CSRF cookie set exactly when the jar had none (K1).
    fn flow_init(&mut self, id: u32, client: u8) -> StepText {
        let mut step = StepText::new(Some(client), &["K1"]);
        step.line(r#"request = { method = "GET", to = "kratos-public", path = "/self-service/login/browser", headers = { Accept = "application/json" } }"#);
        step.line("expect.status = 200");
        step.line(r#"expect.json = [{ path = "/type", equals = "browser" }]"#);
        if self.client(client).is_some_and(|c| c.jar.csrf) {
            step.line(r#"expect.not_sets = ["csrf_token_*"]"#);
        } else {
            step.line(r#"expect.sets = ["csrf_token_*"]"#);
        }
        step.line(format!(
            "capture = {{ flow_{id} = {{ json = \"/id\" }}, csrf_{id} = {{ ui_node = \"csrf_token\" }} }}"
        ));
        self.jar_mut(client).csrf = true;
        step
    }

    /// A flow init, then a submit with a wrong password (K3) or a wrong csrf_token (K2).
    fn bad_submit(
        &mut self,
        id: u32,
        client: u8,
        identity: u8,
        wrong_csrf: bool,
    ) -> Option<Vec<StepText>> {
        let jar_session = self.client(client)?.jar.session;
        if self.kratos_sees(client)? == Some(true) {
            return Some(vec![self.refusal(client)]);
        }
        let init = self.flow_init(id, client);
        let name = identity_name(identity);
        let mut step = StepText::new(Some(client), if wrong_csrf { &["K2"] } else { &["K3"] });
        step.line(r#"request.method = "POST""#);
        step.line(r#"request.to = "kratos-public""#);
        step.line(format!(
            "request.path = \"/self-service/login?flow={{{{flow_{id}}}}}\""
        ));
        if wrong_csrf {
            step.line(format!(
                "request.json = {{ csrf_token = {}, identifier = \"{{{{identity.{name}.identifier}}}}\", password = \"{{{{identity.{name}.password}}}}\", method = \"password\" }}",
                q(WRONG_CSRF)
            ));
            step.line("expect.status = 403");
            step.line(
                r#"expect.json = [{ path = "/error/id", equals = "security_csrf_violation" }]"#,
            );
        } else {
            step.line(format!(
                "request.json = {{ csrf_token = \"{{{{csrf_{id}}}}}\", identifier = \"{{{{identity.{name}.identifier}}}}\", password = \"not-the-password-{{{{flow_{id}}}}}\", method = \"password\" }}"
            ));
            step.line("expect.status = 400");
            step.line(format!(
                "expect.json = [{{ path = \"/id\", equals = \"{{{{flow_{id}}}}}\" }}, {{ path = \"/ui/messages/0/id\", equals = 4000006 }}]"
            ));
        }
        step.line(r#"expect.not_sets = ["ory_kratos_session"]"#);
        if jar_session.is_none() {
            step.line(r#"expect.jar_lacks = ["ory_kratos_session"]"#);
        }
        Some(vec![init, step])
    }

    fn introspect(
        &self,
        client: u8,
        route: Introspection,
        key: Key,
        seeds: Vec<String>,
    ) -> StepText {
        let key_part = match key {
            Key::None => "",
            Key::Valid => r#", api_key = { key = "valid" }"#,
            Key::ValidBearer => r#", api_key = { key = "valid", via = "bearer" }"#,
            Key::InvalidXApiKey => r#", api_key = { key = "invalid" }"#,
            Key::InvalidBearer => r#", api_key = { key = "invalid", via = "bearer" }"#,
        };
        let seeds = if seeds.is_empty() {
            String::new()
        } else {
            format!(", cookies = [{}]", seeds.join(", "))
        };
        let request = format!(
            "request = {{ method = \"GET\", path = {}{key_part}{seeds} }}",
            q(route.path())
        );
        if matches!(key, Key::InvalidXApiKey | Key::InvalidBearer) {
            let mut step = StepText::new(Some(client), &["R4"]);
            step.line(request);
            step.line("expect.status = 401");
            step.line(r#"expect.body = "object""#);
            step.line(r#"expect.json = [{ path = "/message", matches = "." }]"#);
            return step;
        }
        if key == Key::ValidBearer {
            // R5 on Bearer, from a jar without a session (the caller checks): never a session,
            // 200 or 401 both conform (as in `core/r05_…`).
            let mut step = StepText::new(Some(client), &["R5"]);
            step.line(request);
            step.line("expect.status = [200, 401]");
            step.line(r#"expect.json = [{ path = "/id", exists = false }, { path = "/identity", exists = false }]"#);
            return step;
        }
        let valid = key == Key::Valid;
        let view = self.view(client);
        let rules: &[&str] = match view {
            View::Live { .. } if valid => &["R17"],
            View::Live { .. } if route == Introspection::Whoami => &["R3"],
            View::Live { .. } => &["R2"],
            View::Anonymous { .. } if valid => &["R5"],
            View::Anonymous { after: true } => &["R13", "R1"],
            View::Anonymous { after: false } => &["R1"],
            View::Gone | View::Unknown => self.revocation_rules(),
        };
        let mut step = StepText::new(Some(client), rules);
        step.line(request);
        step.line("expect.status = 200");
        match view {
            View::Live { login, identity } => step.line(session_json(login, identity, "")),
            View::Anonymous { .. } => step.line(r#"expect.body = "null""#),
            View::Gone => {
                step.line(r#"expect.body = "null""#);
                step.line(WITHIN);
            }
            View::Unknown => {}
        }
        if self.setup.strict {
            step.line(PRIVATE);
        }
        step
    }

    fn provisioned_probe(&self, client: u8, key: bool, x_user: bool) -> StepText {
        let view = self.view(client);
        let status = match view {
            View::Live { identity, .. } if provisioned(identity) => "204",
            View::Unknown => "[204, 401]",
            _ => "401",
        };
        let rules: &[&str] = match view {
            _ if x_user => &["R8"],
            View::Live { .. } if key => &["R17"],
            View::Live { identity, .. } if provisioned(identity) => &["R6"],
            View::Live { .. } | View::Anonymous { after: false } => &["R7"],
            View::Anonymous { after: true } => &["R13"],
            View::Gone | View::Unknown => self.revocation_rules(),
        };
        let mut step = StepText::new(Some(client), rules);
        let mut extra = String::new();
        if key {
            extra.push_str(r#", api_key = { key = "valid" }"#);
        }
        if x_user {
            extra.push_str(r#", headers = { X-User = "conformance-spoofed-user" }"#);
        }
        step.line(format!(
            "request = {{ method = \"GET\", path = \"/auth/provisioned\"{extra} }}"
        ));
        step.line(format!("expect.status = {status}"));
        if status == "204" {
            step.line(r#"expect.body = "empty""#);
        }
        if view == View::Gone {
            step.line(WITHIN);
        }
        if self.setup.strict {
            step.line(PRIVATE);
        }
        step
    }

    /// `POST /auth/logout` or `/auth/sign-out` (through the SDK when `sdk` names the call):
    /// 204, empty, both variants of the session cookie and every CSRF cookie the jar sends
    /// cleared, whatever the session's state (R9–R15); the jar empty after (R12, strict).
    fn logout(&mut self, client: u8, sign_out: bool, key: bool, sdk: Option<&str>) -> StepText {
        let view = self.view(client);
        let rules: &[&str] = match view {
            _ if sign_out => &["R15"],
            View::Live { .. } if sdk.is_some() || key => &["R9", "R10", "R11", "R17"],
            View::Live { .. } => &["R9", "R10", "R11"],
            _ => &["R14", "R10", "R11"],
        };
        let mut step = StepText::new(Some(client), rules);
        let path = if sign_out {
            "/auth/sign-out"
        } else {
            "/auth/logout"
        };
        match sdk {
            Some(call) => step.line(format!("sdk = {}", q(call))),
            None if key => step.line(format!(
                "request = {{ method = \"POST\", path = {}, api_key = {{ key = \"valid\" }} }}",
                q(path)
            )),
            None => step.line(format!(
                "request = {{ method = \"POST\", path = {} }}",
                q(path)
            )),
        }
        step.line("expect.status = 204");
        if sdk.is_some() {
            step.line(r#"expect.sdk = "unit""#);
        } else {
            step.line(r#"expect.body = "empty""#);
        }
        let jar = self
            .client(client)
            .map(|c| c.jar.clone())
            .unwrap_or_default();
        // Both variants (R10, R11); `@domain` only where a cookie domain is configured.
        let variants: &[&str] = if self.setup.cookie_domain {
            &["host", "domain"]
        } else {
            &["host"]
        };
        let mut names = vec!["ory_kratos_session".to_string()];
        if jar.csrf || !jar.stale.is_empty() {
            names.push("csrf_token_*".into());
        }
        let stale_names: BTreeSet<u8> = jar.stale.iter().map(|(n, _)| *n).collect();
        names.extend(stale_names.into_iter().map(stale_name));
        let clears: Vec<String> = names
            .iter()
            .flat_map(|n| variants.iter().map(move |v| format!("{n}@{v}")))
            .collect();
        let clears: Vec<String> = clears.iter().map(|c| q(c)).collect();
        step.line(format!("expect.clears = [{}]", clears.join(", ")));
        if self.setup.strict {
            step.line(r#"expect.jar_lacks = ["ory_kratos_session", "csrf_token_*"]"#);
        }
        if let Some(s) = jar.session
            && let Some(identity) = self.sessions.get(&s).map(|x| x.identity)
        {
            for (id, session) in &mut self.sessions {
                if session.life != Life::Alive {
                    continue;
                }
                if *id == s {
                    session.life = Life::LoggedOut;
                } else if session.identity == identity {
                    session.life = Life::Uncertain;
                }
            }
        }
        let had = jar.had_session || jar.session.is_some();
        *self.jar_mut(client) = Jar {
            had_session: had,
            ..Jar::default()
        };
        step
    }

    fn replay(&mut self, client: u8, of: u32) -> Option<Vec<StepText>> {
        let jar = &self.client(client)?.jar;
        if !self.setup.strict
            || jar.session.is_some()
            || !self.sessions.get(&of).is_some_and(|s| s.browser)
        {
            return None;
        }
        let jar = self.jar_mut(client);
        jar.session = Some(of);
        jar.replayed = true;
        jar.had_session = true;
        let seed = format!("{{ name = \"ory_kratos_session\", value = \"{{{{ck_{of}}}}}\" }}");
        Some(vec![self.introspect(
            client,
            Introspection::Whoami,
            Key::None,
            vec![seed],
        )])
    }

    fn sdk_introspect(&self, client: u8, route: Introspection) -> Option<Vec<StepText>> {
        let view = self.view(client);
        let rules: &[&str] = match view {
            View::Live { .. } => &["R17"],
            View::Anonymous { .. } => &["R5"],
            View::Gone | View::Unknown => return None,
        };
        let mut step = StepText::new(Some(client), rules);
        step.line(format!("sdk = {}", q(route.sdk_call())));
        step.line("expect.status = 200");
        match view {
            View::Live { login, identity } => {
                step.line(r#"expect.sdk = "session""#);
                step.line(session_json(login, identity, ""));
            }
            _ => step.line(r#"expect.sdk = "null""#),
        }
        Some(vec![step])
    }

    fn sdk_provisioned(&self, client: u8) -> Option<Vec<StepText>> {
        let view = self.view(client);
        let (rules, expect): (&[&str], &str) = match view {
            View::Live { identity, .. } if provisioned(identity) => {
                (&["R6"], r#"expect = { status = 204, sdk = "null" }"#)
            }
            View::Live { .. } | View::Anonymous { .. } => (
                &["R7"],
                r#"expect = { status = 401, sdk = { error = "auth" } }"#,
            ),
            View::Gone | View::Unknown => return None,
        };
        let mut step = StepText::new(Some(client), rules);
        step.line(r#"sdk = "provisioned""#);
        step.line(expect);
        Some(vec![step])
    }
}

/// K8: a browser flow init in a jar that holds a live session is refused, and the session and
/// its cookie stay.
/// From a jar that holds the CSRF cookie too (capture 12), no cookie changes at all; from one
/// without, Kratos sets the CSRF cookie as on every public request.
fn refusal_step(client: u8, had_csrf: bool) -> StepText {
    let mut step = StepText::new(Some(client), &["K8"]);
    step.line(r#"request = { method = "GET", to = "kratos-public", path = "/self-service/login/browser", headers = { Accept = "application/json" } }"#);
    step.line("expect.status = 400");
    step.line(r#"expect.json = [{ path = "/error/id", equals = "session_already_available" }]"#);
    if had_csrf {
        step.line(r#"expect.not_sets = ["ory_kratos_session", "csrf_token_*"]"#);
    } else {
        step.line(r#"expect.not_sets = ["ory_kratos_session"]"#);
    }
    step.line(r#"expect.jar_has = ["ory_kratos_session"]"#);
    step
}

/// `expect.json` for the session login `login` made for `identity` (at `prefix`).
fn session_json(login: u32, identity: u8, prefix: &str) -> String {
    let name = identity_name(identity);
    format!(
        "expect.json = [{{ path = \"{prefix}/id\", equals = \"{{{{sid_{login}}}}}\" }}, {{ path = \"{prefix}/active\", equals = true }}, {{ path = \"{prefix}/identity/id\", equals = \"{{{{identity.{name}.id}}}}\" }}]"
    )
}

#[cfg(test)]
mod tests;
