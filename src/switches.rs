//! Fault and benign switches of the embedded stack, as data.
//!
//! A **fault** breaks one rule of the contract (the default suite must fail); a **benign**
//! switch is a different but conforming behaviour (the default suite must pass). The reference
//! OpenApp server and the Kratos emulator consult [`Switches`] at the points the registry's
//! descriptions name. `openapp-conformance faults` prints [`SWITCHES`].

use std::collections::BTreeSet;
use std::fmt;

/// What a switch is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchKind {
    /// Breaks a rule: the default suite must fail.
    Fault,
    /// Conforming but different: the default suite must pass.
    Benign,
    /// Only the Kratos emulator's own fidelity tests must fail.
    Fidelity,
    /// Only load mode detects it.
    Load,
}

impl fmt::Display for SwitchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SwitchKind::Fault => "fault",
            SwitchKind::Benign => "benign",
            SwitchKind::Fidelity => "fidelity",
            SwitchKind::Load => "load",
        })
    }
}

/// Which server of the embedded stack implements a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The reference OpenApp server and its gateway.
    OpenApp,
    /// The Kratos emulator.
    Kratos,
}

/// One switch of the registry.
#[derive(Debug, Clone, Copy)]
pub struct SwitchInfo {
    /// Name used by `--fault NAME`.
    pub name: &'static str,
    /// Fault, benign, fidelity or load.
    pub kind: SwitchKind,
    /// The rules a fault or load switch breaks (empty for benign switches).
    pub rules: &'static [&'static str],
    /// The server that implements it.
    pub component: Component,
    /// What the server does differently.
    pub description: &'static str,
    /// Switches of one group exclude each other (the server implements them as one choice,
    /// e.g. one if/else chain): [`Switches::parse`] refuses two of one group, and
    /// [`all_at_once`] gives each member its turn.
    pub group: Option<&'static str>,
}

use Component::{Kratos, OpenApp};
use SwitchKind::{Benign, Fault, Fidelity};

macro_rules! sw {
    ($name:literal, $kind:expr, [$($rule:literal),*], $comp:expr, $desc:literal) => {
        SwitchInfo { name: $name, kind: $kind, rules: &[$($rule),*], component: $comp, description: $desc, group: None }
    };
    ($name:literal, $kind:expr, [$($rule:literal),*], $comp:expr, $desc:literal, group = $group:expr) => {
        SwitchInfo { name: $name, kind: $kind, rules: &[$($rule),*], component: $comp, description: $desc, group: Some($group) }
    };
}

/// The group of the clearing-line styles (one if/else chain in the reference server).
const CLEAR_STYLE: &str = "clear-style";

/// Every switch: faults first, then load, benign and fidelity switches; switches added later
/// follow at the end, so parallel additions merge simply.
pub const SWITCHES: &[SwitchInfo] = &[
    sw!(
        "whoami-anonymous-401",
        Fault,
        ["R1"],
        OpenApp,
        "whoami answers 401 to a caller without a session"
    ),
    sw!(
        "session-anonymous-empty-object",
        Fault,
        ["R1"],
        OpenApp,
        "/auth/session answers {} instead of null without a session"
    ),
    sw!(
        "session-differs",
        Fault,
        ["R2"],
        OpenApp,
        "/auth/session and /auth/kratos-identity answer the session's identity object instead of the session"
    ),
    sw!(
        "whoami-other-identity",
        Fault,
        ["R3"],
        OpenApp,
        "whoami answers the most recent session of another identity when one is known"
    ),
    sw!(
        "invalid-key-ignored-x-api-key",
        Fault,
        ["R4"],
        OpenApp,
        "an invalid API key on X-API-Key is ignored (treated as anonymous)"
    ),
    sw!(
        "invalid-key-ignored-bearer",
        Fault,
        ["R4"],
        OpenApp,
        "an invalid API key on Authorization: Bearer is ignored (treated as anonymous)"
    ),
    sw!(
        "api-key-is-session",
        Fault,
        ["R5"],
        OpenApp,
        "a valid API key on X-API-Key gets a synthetic session object from the introspection GETs"
    ),
    sw!(
        "provisioned-200",
        Fault,
        ["R6"],
        OpenApp,
        "the provisioning probe answers 200 with a JSON body for a provisioned identity"
    ),
    sw!(
        "unprovisioned-204",
        Fault,
        ["R7"],
        OpenApp,
        "the provisioning probe answers 204 for a logged-in but unprovisioned identity"
    ),
    sw!(
        "client-x-user-honoured",
        Fault,
        ["R8"],
        OpenApp,
        "the gateway passes a client-sent X-User header through to the backend"
    ),
    sw!(
        "logout-200-body",
        Fault,
        ["R9"],
        OpenApp,
        "logout and sign-out answer 200 with a JSON body"
    ),
    sw!(
        "logout-no-domain-variant",
        Fault,
        ["R10"],
        OpenApp,
        "logout omits the Domain= clearing line of ory_kratos_session"
    ),
    sw!(
        "logout-keeps-csrf",
        Fault,
        ["R11"],
        OpenApp,
        "logout does not clear the request's csrf_token_* cookies"
    ),
    sw!(
        "logout-wrong-path",
        Fault,
        ["R12"],
        OpenApp,
        "logout clears with Path=/api/v1, which deletes nothing in a browser"
    ),
    sw!(
        "auth-cache-per-connection",
        Fault,
        ["R13", "R1", "R3", "R7"],
        OpenApp,
        "whoami and the probe cache their answer per client connection, so a logged-out keep-alive connection still sees the session, and so does another client whose requests reuse the connection (explore, which shares connections between clients, meets it as an anonymous caller answered a session, R1/R7, or a user answered another's, R3)"
    ),
    sw!(
        "logout-401-without-session",
        Fault,
        ["R14"],
        OpenApp,
        "logout answers 401 when the request has no session"
    ),
    sw!(
        "sign-out-missing",
        Fault,
        ["R15"],
        OpenApp,
        "POST /auth/sign-out is not routed (404)"
    ),
    sw!(
        "no-server-side-revocation",
        Fault,
        ["R16"],
        OpenApp,
        "logout clears cookies but does not revoke the session at Kratos"
    ),
    sw!(
        "kratos-csrf-cookie-every-init",
        Fault,
        ["K1"],
        Kratos,
        "browser flow init sets a new CSRF cookie even when the jar holds a valid one"
    ),
    sw!(
        "kratos-no-csrf-check",
        Fault,
        ["K2"],
        Kratos,
        "the browser login submit does not check the csrf_token"
    ),
    sw!(
        "kratos-wrong-password-accepted",
        Fault,
        ["K3"],
        Kratos,
        "the login submit accepts any password for a known identifier"
    ),
    sw!(
        "kratos-session-cookie-not-httponly",
        Fault,
        ["K4"],
        Kratos,
        "the session cookie is issued without HttpOnly"
    ),
    sw!(
        "kratos-api-login-sets-cookie",
        Fault,
        ["K5"],
        Kratos,
        "an API flow login also sets the ory_kratos_session cookie"
    ),
    sw!(
        "kratos-session-cookie-host-only",
        Fault,
        ["K6"],
        Kratos,
        "the session cookie is issued without Domain= (host-only on the Kratos host)"
    ),
    sw!(
        "whoami-latest-session-under-load",
        SwitchKind::Load,
        ["R3"],
        OpenApp,
        "once busy (200 requests within a second, and for 1 s after), whoami answers the most recently resolved session of another request in flight: a mix-up only load shows"
    ),
    sw!(
        "clear-max-age-only",
        Benign,
        [],
        OpenApp,
        "clearing lines carry only Max-Age=0 (no Expires)",
        group = CLEAR_STYLE
    ),
    sw!(
        "clear-expires-only",
        Benign,
        [],
        OpenApp,
        "clearing lines carry only an epoch Expires (no Max-Age)",
        group = CLEAR_STYLE
    ),
    sw!(
        "clear-netscape-style",
        Benign,
        [],
        OpenApp,
        "clearing lines use another attribute order, lower-case attribute names, a leading-dot Domain, the value `deleted` and a Netscape-style date",
        group = CLEAR_STYLE
    ),
    sw!(
        "extra-set-cookie",
        Benign,
        [],
        OpenApp,
        "every answer also sets an unrelated cookie (openapp_pref)"
    ),
    sw!(
        "json-layout",
        Benign,
        [],
        OpenApp,
        "session JSON is pretty-printed with extra response headers"
    ),
    sw!(
        "bearer-key-validated",
        Benign,
        [],
        OpenApp,
        "a valid API key on Authorization: Bearer is accepted like X-API-Key (200 null)"
    ),
    sw!(
        "kratos-extra-fields",
        Benign,
        [],
        Kratos,
        "the emulator adds fields a newer Kratos might send to sessions and flows"
    ),
    sw!(
        "kratos-fidelity-cookie-attribute-order",
        Fidelity,
        [],
        Kratos,
        "the session cookie line carries Max-Age before Expires (Kratos writes Expires first)"
    ),
    sw!(
        "kratos-fidelity-no-vary-cookie",
        Fidelity,
        [],
        Kratos,
        "public answers lack the `Vary: Cookie` header that nosurf adds"
    ),
    sw!(
        "kratos-fidelity-drop-organization-id",
        Fidelity,
        [],
        Kratos,
        "login flows and identities omit `organization_id` (Kratos sends null)"
    ),
    sw!(
        "kratos-fidelity-cache-control-on-health",
        Fidelity,
        [],
        Kratos,
        "the public health endpoints send `Cache-Control` (Kratos sends none there)"
    ),
    sw!(
        "kratos-flow-urls-foreign-origin",
        Fault,
        ["K7"],
        Kratos,
        "every flow URL it hands out (ui.action, logout_url, a 410's redirect_to and api) names http://127.0.0.2:<public port> instead of serve.public.base_url, as a Kratos with a wrong SERVE_PUBLIC_BASE_URL does"
    ),
    sw!(
        "logout-extra-clearing-lines",
        Benign,
        [],
        OpenApp,
        "logout also expires openapp_pref, and ory_kratos_session and the request's csrf_token_* cookies at Path=/api and with Domain=<API host>: cookies the contract's lines do not touch"
    ),
    sw!(
        "extra-headers",
        Benign,
        [],
        OpenApp,
        "every answer also carries X-Request-Id and a second `Cache-Control: no-store`; logout also `Clear-Site-Data: \"cookies\"`"
    ),
    sw!(
        "extra-json-fields",
        Benign,
        [],
        OpenApp,
        "session and error objects carry fields the contract does not name (top level and nested), keys in reverse order"
    ),
    sw!(
        "session-answers-cacheable",
        Fault,
        ["R18"],
        OpenApp,
        "/auth/* answers carry no Cache-Control, so a shared cache may store one user's session for the next"
    ),
    sw!(
        "cache-control-private-only",
        Benign,
        [],
        OpenApp,
        "/auth/* answers carry `Cache-Control: private` alone instead of Kratos's `private, no-cache, no-store, must-revalidate`"
    ),
    sw!(
        "logout-on-get",
        Fault,
        ["R19"],
        OpenApp,
        "GET (and so HEAD) /auth/logout logs out like POST: a link or an <img> ends the session"
    ),
    sw!(
        "logout-get-not-found",
        Benign,
        [],
        OpenApp,
        "GET and HEAD on /auth/logout and /auth/sign-out answer 404 instead of 405"
    ),
    sw!(
        "provisioned-204-content-length",
        Fault,
        ["R6"],
        OpenApp,
        "the probe's 204 for a provisioned identity carries `Content-Length: 2` (and a `{}` body that hyper drops before the wire)"
    ),
    sw!(
        "no-content-length-zero",
        Benign,
        [],
        OpenApp,
        "every 204 (probe, logout, sign-out) carries `Content-Length: 0`, which RFC 9110 forbids on a 204 and the contract tolerates"
    ),
    sw!(
        "logout-resets-session-cookie",
        Fault,
        ["R12"],
        OpenApp,
        "after its clearing lines, logout sends one more Set-Cookie line that sets the request's ory_kratos_session again (a browser keeps the last line)"
    ),
    sw!(
        "session-cache-ttl",
        Fault,
        ["R16"],
        OpenApp,
        "the gateway caches each session it resolved for 1 s by its ory_kratos_session cookie (as Oathkeeper's cache does), so a cookie replayed right after logout still resolves until the entry expires; a run with OPENAPP_CONFORMANCE_REVOCATION_WITHIN above 1s allows it"
    ),
    sw!(
        "api-key-hides-cookie",
        Fault,
        ["R17"],
        OpenApp,
        "the gateway ignores the Cookie whenever a valid X-API-Key is present: an SDK call with a forwarded session cookie gets whoami null, provisioned 401, and a logout 204 that leaves the session alive"
    ),
    sw!(
        "key-answers-with-bom",
        Fault,
        ["R5", "R17"],
        OpenApp,
        "introspection answers to a request with a valid X-API-Key start with a UTF-8 byte order mark: a browser's JSON.parse after fetch's UTF-8 decode never sees it, serde_json (the Rust SDK) cannot decode it"
    ),
    sw!(
        "sign-out-after-revocation-401",
        Fault,
        ["R15", "R14"],
        OpenApp,
        "POST /auth/sign-out with an ory_kratos_session cookie Kratos no longer honours (revoked by an admin, expired) answers 401 with the error object instead of 204 and the clearing lines; /auth/logout, and sign-out without that cookie, stay correct"
    ),
    sw!(
        "logout-without-session-keeps-csrf",
        Fault,
        ["R11", "R14"],
        OpenApp,
        "logout and sign-out of a request without a live session (no session cookie, or one Kratos does not honour) answer 204 with the ory_kratos_session clearing lines but none for its csrf_token_* cookies; with a live session they stay correct"
    ),
    sw!(
        "kratos-refused-login-ends-session",
        Fault,
        ["K8"],
        Kratos,
        "a browser login flow init in a jar that holds a live session still answers 400 session_already_available (303 for an HTML client), but also expires the ory_kratos_session cookie and revokes the session"
    ),
];

/// Looks a switch up by name.
pub fn find(name: &str) -> Option<&'static SwitchInfo> {
    SWITCHES.iter().find(|s| s.name == name)
}

/// What each kind of switch means, for the legend of [`render_table`] (and the README).
pub const KIND_LEGEND: &[(SwitchKind, &str)] = &[
    (
        SwitchKind::Fault,
        "breaks the rules listed: the default suite must fail, citing one of them",
    ),
    (
        SwitchKind::Load,
        "breaks the rules listed only under concurrency: `run` passes, `load` must report it",
    ),
    (
        SwitchKind::Benign,
        "a different but conforming server: the default suite must pass",
    ),
    (
        SwitchKind::Fidelity,
        "breaks the Kratos emulator in a way the contract suite cannot see: the suite passes, the golden replay against real Kratos captures (`cargo test --test kratos_golden`) must fail",
    ),
];

/// `openapp-conformance faults`: one line per switch in aligned columns (name, kind, rules,
/// what the server does differently), then what each kind means.
pub fn render_table() -> String {
    let header = ["NAME", "KIND", "RULES", "DESCRIPTION"];
    let rows: Vec<[String; 4]> = SWITCHES
        .iter()
        .map(|s| {
            let rules = if s.rules.is_empty() {
                "-".to_string()
            } else {
                s.rules.join(",")
            };
            [
                s.name.to_string(),
                s.kind.to_string(),
                rules,
                s.description.to_string(),
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].len())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut out = format!(
        "{:<w0$}  {:<w1$}  {:<w2$}  {}\n",
        header[0], header[1], header[2], header[3]
    );
    for [name, kind, rules, description] in &rows {
        out.push_str(&format!(
            "{name:<w0$}  {kind:<w1$}  {rules:<w2$}  {description}\n"
        ));
    }
    out.push_str("\nKinds:\n");
    let kw = KIND_LEGEND
        .iter()
        .map(|(k, _)| k.to_string().len())
        .max()
        .unwrap_or(0);
    for (kind, meaning) in KIND_LEGEND {
        out.push_str(&format!("  {:<kw$}  {meaning}\n", kind.to_string()));
    }
    out
}

/// The set of switches turned on for one embedded stack. Cheap to clone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Switches {
    on: BTreeSet<&'static str>,
}

/// A switch list [`Switches::parse`] refuses.
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    /// A name the registry does not know.
    #[error(
        "unknown fault or benign switch `{0}`\n(hint: `openapp-conformance faults` lists them)"
    )]
    Unknown(String),
    /// Two switches of one group, which exclude each other.
    #[error(
        "switches `{first}` and `{second}` exclude each other (both belong to the group `{group}`); turn on one of them"
    )]
    Exclusive {
        /// Their group.
        group: &'static str,
        /// The first one named.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
}

/// The switches of `kind` turned on together, as lists for [`Switches::parse`]: every switch
/// without a group, plus one member of each group. Each member of each group takes its turn
/// (the other groups keep their first member), so every member runs in the mix once; with no
/// group there is exactly one list.
pub fn all_at_once(kind: SwitchKind) -> Vec<Vec<&'static str>> {
    let of_kind: Vec<&SwitchInfo> = SWITCHES.iter().filter(|s| s.kind == kind).collect();
    let mut groups: Vec<&'static str> = Vec::new();
    for g in of_kind.iter().filter_map(|s| s.group) {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let members = |g: &str| -> Vec<&'static str> {
        of_kind
            .iter()
            .filter(|s| s.group == Some(g))
            .map(|s| s.name)
            .collect()
    };
    let base: Vec<&'static str> = of_kind
        .iter()
        .filter(|s| s.group.is_none())
        .map(|s| s.name)
        .collect();
    let firsts: Vec<&'static str> = groups.iter().map(|g| members(g)[0]).collect();
    let mut mixes = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        for member in members(g) {
            let mut mix = base.clone();
            mix.extend(
                firsts
                    .iter()
                    .enumerate()
                    .map(|(j, first)| if j == i { member } else { first }),
            );
            mixes.push(mix);
        }
    }
    if groups.is_empty() && !base.is_empty() {
        mixes.push(base);
    }
    mixes
}

impl Switches {
    /// No switch on: the conforming stack.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses a comma-separated list of switch names (empty means none). Two switches of one
    /// group are refused: the server could honour only one of them.
    pub fn parse(list: &str) -> Result<Self, SwitchError> {
        let mut on = BTreeSet::new();
        let mut groups: Vec<(&'static str, &'static str)> = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let info = find(name).ok_or_else(|| SwitchError::Unknown(name.to_string()))?;
            if let Some(group) = info.group {
                match groups.iter().find(|(g, _)| *g == group) {
                    Some((_, first)) if *first != info.name => {
                        return Err(SwitchError::Exclusive {
                            group,
                            first,
                            second: info.name,
                        });
                    }
                    Some(_) => {}
                    None => groups.push((group, info.name)),
                }
            }
            on.insert(info.name);
        }
        Ok(Self { on })
    }

    /// Is the named switch on?
    pub fn on(&self, name: &str) -> bool {
        debug_assert!(
            find(name).is_some(),
            "switch `{name}` is not in the registry"
        );
        self.on.contains(name)
    }

    /// The names that are on, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.on.iter().copied()
    }

    /// True when no switch is on.
    pub fn is_empty(&self) -> bool {
        self.on.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_faults_cite_known_rules() {
        let mut names: Vec<_> = SWITCHES.iter().map(|s| s.name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
        for s in SWITCHES {
            for r in s.rules {
                assert!(crate::contract::rule(r).is_some(), "{} cites {r}", s.name);
            }
            assert_eq!(
                matches!(s.kind, SwitchKind::Fault | SwitchKind::Load),
                !s.rules.is_empty(),
                "{}",
                s.name
            );
        }
        assert!(
            SWITCHES
                .iter()
                .filter(|s| s.kind == SwitchKind::Fault)
                .count()
                >= 22
        );
        assert!(
            SWITCHES
                .iter()
                .filter(|s| s.kind == SwitchKind::Benign)
                .count()
                >= 4
        );
        assert!(
            SWITCHES
                .iter()
                .filter(|s| s.kind == SwitchKind::Fidelity)
                .all(|s| s.component == Component::Kratos && s.name.starts_with("kratos-fidelity-"))
        );
    }

    #[test]
    fn parse_lists() {
        let s = Switches::parse("logout-wrong-path, json-layout").unwrap();
        assert!(s.on("logout-wrong-path") && s.on("json-layout") && !s.on("sign-out-missing"));
        assert!(Switches::parse("").unwrap().is_empty());
        assert!(Switches::parse("nope").is_err());
    }

    #[test]
    fn switches_of_one_group_exclude_each_other() {
        let err = Switches::parse("clear-max-age-only, json-layout, clear-netscape-style")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`clear-max-age-only` and `clear-netscape-style` exclude each other"),
            "{err}"
        );
        assert!(Switches::parse("clear-max-age-only,clear-max-age-only").is_ok());
        assert!(Switches::parse("clear-max-age-only,logout-wrong-path").is_ok());
        let unknown = Switches::parse("nope").unwrap_err().to_string();
        assert!(unknown.starts_with("unknown fault or benign switch `nope`"));
        // The clearing styles are one if/else chain in the reference server.
        for name in [
            "clear-max-age-only",
            "clear-expires-only",
            "clear-netscape-style",
        ] {
            assert_eq!(find(name).unwrap().group, Some(CLEAR_STYLE), "{name}");
        }
    }

    /// Every benign switch is in a mix, every member of a group in exactly one, and every mix
    /// parses (so no two switches of a group meet).
    #[test]
    fn all_at_once_gives_every_group_member_its_turn() {
        let mixes = all_at_once(SwitchKind::Benign);
        let benign: Vec<&SwitchInfo> = SWITCHES
            .iter()
            .filter(|s| s.kind == SwitchKind::Benign)
            .collect();
        let grouped = benign.iter().filter(|s| s.group.is_some()).count();
        assert_eq!(mixes.len(), grouped.max(1));
        for s in &benign {
            let containing = mixes.iter().filter(|m| m.contains(&s.name)).count();
            match s.group {
                None => assert_eq!(containing, mixes.len(), "{}", s.name),
                Some(_) => assert!(containing >= 1, "{}", s.name),
            }
        }
        for mix in &mixes {
            let parsed = Switches::parse(&mix.join(",")).unwrap();
            assert_eq!(parsed.names().count(), mix.len(), "{mix:?}");
            assert!(
                mix.iter()
                    .all(|n| find(n).unwrap().kind == SwitchKind::Benign)
            );
        }
        let styles: Vec<&str> = mixes
            .iter()
            .flat_map(|m| m.iter().copied().filter(|n| n.starts_with("clear-")))
            .collect();
        assert_eq!(
            styles,
            [
                "clear-max-age-only",
                "clear-expires-only",
                "clear-netscape-style"
            ]
        );
        let kinds_without_groups = all_at_once(SwitchKind::Fidelity);
        assert_eq!(kinds_without_groups.len(), 1);
    }

    #[test]
    fn table_columns_are_aligned_and_every_kind_is_explained() {
        let table = render_table();
        let (rows, legend) = table.split_once("\n\nKinds:\n").expect("a legend");
        let lines: Vec<&str> = rows.lines().collect();
        assert_eq!(
            lines.len(),
            SWITCHES.len() + 1,
            "a header and one line per switch"
        );
        // Every column starts at the header's offset of it.
        for column in ["KIND", "RULES", "DESCRIPTION"] {
            let at = lines[0].find(column).unwrap();
            for line in &lines[1..] {
                assert_eq!(&line[at - 2..at], "  ", "{column} in {line}");
                assert_ne!(&line[at..at + 1], " ", "{column} in {line}");
            }
        }
        for (line, s) in lines[1..].iter().zip(SWITCHES) {
            assert!(
                line.starts_with(s.name) && line.ends_with(s.description),
                "{line}"
            );
        }
        for kind in [
            SwitchKind::Fault,
            SwitchKind::Benign,
            SwitchKind::Fidelity,
            SwitchKind::Load,
        ] {
            assert!(
                legend
                    .lines()
                    .any(|l| l.trim_start().starts_with(&kind.to_string())),
                "{kind} is explained"
            );
        }
    }
}
