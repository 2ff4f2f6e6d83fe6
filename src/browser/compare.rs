//! The pure comparison of our cookie jar with Chromium's (issue 22): no browser, no protocol.
//!
//! Both jars are read into [`CookieView`]s ([`CookieView::from_jar`] for `cookie_store`,
//! [`CookieView::from_browser`] for what the DevTools protocol reports). [`compare`] matches the
//! cookies by name, domain and path and compares every attribute: host-only or domain, path,
//! `Secure`, `HttpOnly`, `SameSite`, session or persistent, expiry (within
//! [`EXPIRY_TOLERANCE`]) and the value by its SHA-256. [`compare_sent`] compares the cookie
//! names each engine sends to one URL, in any order. Each [`Difference`] is classified from the
//! `Set-Cookie` line that set the cookie ([`Delivered`]):
//!
//! - [`Kind::BrowserPolicy`]: Chromium rejects or alters what the server set, by its documented
//!   policy (measured on Chromium 156): a `Secure` cookie set over http and `SameSite=None`
//!   without `Secure` are dropped, an expiry beyond 400 days is capped. A finding about the
//!   server under the strict rule R20 ("every cookie the server sets is one a browser keeps as
//!   set").
//! - [`Kind::EngineDifference`]: anything else. Chromium follows RFC 6265bis and our jar does
//!   not, so the verdicts of R12 (the clearing really clears), R13 (logged out means logged
//!   out) and K6 (the session cookie reaches the API host) that rest on the jar are suspect:
//!   our bug.
//!
//! Cookie values never leave this module: only their hash, and [`side_by_side`] shows at most
//! its first 8 hex digits.

use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use url::Url;

use crate::cookie::{SetCookie, parse_set_cookie};

mod view;

pub use view::{BrowserCookie, CookieView};

/// Seconds two expiries may differ by and still count as the same.
pub const EXPIRY_TOLERANCE: f64 = 2.0;

/// Chromium's cap on a cookie's lifetime (RFC 6265bis cookie age limit): 400 days, in seconds.
pub const LIFETIME_CAP: f64 = 400.0 * 86_400.0;

impl CookieView {
    /// How this cookie's `attribute` is shown: never the value, at most 8 digits of its hash.
    fn shown(&self, attribute: Attribute) -> String {
        let flag = |set: bool| if set { "set" } else { "absent" }.to_owned();
        match attribute {
            Attribute::Domain if self.host_only => format!("host-only {}", self.domain),
            Attribute::Domain => format!("domain {}", self.domain),
            Attribute::Path => self.path.clone(),
            Attribute::Secure => flag(self.secure),
            Attribute::HttpOnly => flag(self.http_only),
            Attribute::SameSite => self.same_site.as_deref().unwrap_or("unspecified").into(),
            Attribute::Lifetime | Attribute::Expiry => lifetime(self.expires),
            Attribute::Value => format!("#{}", self.value_hash.chars().take(8).collect::<String>()),
            Attribute::Presence | Attribute::CookieHeader => String::new(),
        }
    }

    /// One compact cell of [`side_by_side`].
    fn cell(&self) -> String {
        let mut cell = format!("{} {}", self.name, self.shown(Attribute::Domain));
        let flags = [(self.secure, "Secure"), (self.http_only, "HttpOnly")];
        let flags = flags.iter().filter(|f| f.0).map(|f| f.1.to_owned());
        let same_site = self.same_site.iter().map(|s| format!("SameSite={s}"));
        let rest = [Attribute::Lifetime, Attribute::Value].map(|a| self.shown(a));
        for part in [self.path.clone()]
            .into_iter()
            .chain(flags)
            .chain(same_site)
            .chain(rest)
        {
            cell.push(' ');
            cell.push_str(&part);
        }
        cell
    }
}

/// A `Set-Cookie` line delivered to both jars and the response URL that carried it. `Debug`
/// shows the line redacted.
#[derive(Clone, PartialEq)]
pub struct Delivered {
    /// The `Set-Cookie` value as received (it holds the cookie value: never print it).
    pub line: String,
    /// The URL of the response that carried it (scheme, host and path matter).
    pub url: Url,
    /// When it was delivered to Chromium, in unix seconds: where its 400-day cap starts.
    pub at: f64,
}

impl Delivered {
    /// A line delivered now.
    pub fn new(line: impl Into<String>, url: Url) -> Delivered {
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Delivered {
            line: line.into(),
            url,
            at,
        }
    }
}

impl fmt::Debug for Delivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = parse_set_cookie(&self.line).map_or_else(|e| e.to_string(), |c| c.redacted());
        let (url, at) = (self.url.as_str(), self.at);
        write!(f, "Delivered {{ line: {line:?}, url: {url:?}, at: {at} }}")
    }
}

/// The attributes [`compare`] compares, in the order it reports them.
const ATTRIBUTES: [Attribute; 8] = [
    Attribute::Domain,
    Attribute::Path,
    Attribute::Secure,
    Attribute::HttpOnly,
    Attribute::SameSite,
    Attribute::Lifetime,
    Attribute::Expiry,
    Attribute::Value,
];

/// The attribute two jars disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    /// One jar holds the cookie, the other does not.
    Presence,
    /// Host-only or domain cookie, or the domain itself.
    Domain,
    /// The cookie path.
    Path,
    /// The `Secure` flag.
    Secure,
    /// The `HttpOnly` flag.
    HttpOnly,
    /// The `SameSite` value.
    SameSite,
    /// Session or persistent cookie.
    Lifetime,
    /// The expiry of a persistent cookie, beyond [`EXPIRY_TOLERANCE`].
    Expiry,
    /// The value (compared by hash).
    Value,
    /// The cookie names sent to one URL ([`compare_sent`]).
    CookieHeader,
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Attribute::Presence => "presence",
            Attribute::Domain => "domain",
            Attribute::Path => "path",
            Attribute::Secure => "secure",
            Attribute::HttpOnly => "httponly",
            Attribute::SameSite => "samesite",
            Attribute::Lifetime => "session or persistent",
            Attribute::Expiry => "expiry",
            Attribute::Value => "value",
            Attribute::CookieHeader => "cookie header",
        })
    }
}

/// Whose fault a [`Difference`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Chromium rejects or alters what the server set, by its documented policy: a finding
    /// about the server under R20.
    BrowserPolicy {
        /// Chromium's reason, e.g. `Secure cookie set over http`.
        reason: &'static str,
    },
    /// Chromium behaves as RFC 6265bis says and our jar does not: our bug, the step fails.
    EngineDifference,
}

/// One disagreement between our jar and Chromium's.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The cookie's name (`Cookie` for a [`Attribute::CookieHeader`] difference).
    pub name: String,
    /// What differs.
    pub attribute: Attribute,
    /// Our jar's side, as shown (never a value; for presence, a phrase).
    pub ours: String,
    /// Chromium's side, as shown.
    pub theirs: String,
    /// Browser policy or engine difference.
    pub kind: Kind,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, attr, ours, theirs) = (&self.name, self.attribute, &self.ours, &self.theirs);
        match attr {
            Attribute::Presence => write!(f, "{name}: {ours}, {theirs}")?,
            Attribute::CookieHeader => write!(
                f,
                "cookie header: the jar sends {ours}, chromium would send {theirs}"
            )?,
            _ => write!(
                f,
                "{name}: {attr} is {ours} in the jar, {theirs} in chromium"
            )?,
        }
        match self.kind {
            Kind::BrowserPolicy { reason } => write!(f, " (browser policy, R20: {reason})"),
            Kind::EngineDifference => Ok(()),
        }
    }
}

/// Compares our jar with Chromium's after a step. `delivered` lists every `Set-Cookie` line
/// delivered to both so far, in order: the last one that sets a cookie classifies its
/// differences. Returns no difference when the jars agree.
pub fn compare(
    ours: &[CookieView],
    theirs: &[CookieView],
    delivered: &[Delivered],
) -> Vec<Difference> {
    let lines: Vec<(&Delivered, SetCookie)> = delivered
        .iter()
        .filter_map(|d| Some((d, parse_set_cookie(&d.line).ok()?)))
        .collect();
    let mut out = Vec::new();
    for (o, t) in pair(ours, theirs) {
        let present = o.or(t).expect("a pair has a side");
        let setter = [o, t]
            .into_iter()
            .flatten()
            .find_map(|c| lines.iter().rev().find(|(d, l)| c.set_by(l, &d.url)));
        let dropped = setter.and_then(|(d, l)| dropped_by_policy(d, l));
        let mut push = |attribute, ours: String, theirs: String, kind: Option<Kind>| {
            let policy = dropped.map(|reason| Kind::BrowserPolicy { reason });
            out.push(Difference {
                name: present.name.clone(),
                attribute,
                ours,
                theirs,
                kind: policy.or(kind).unwrap_or(Kind::EngineDifference),
            });
        };
        let (o, t) = match (o, t) {
            (Some(o), Some(t)) => (o, t),
            (o, _) => {
                let clears = setter.is_some_and(|(d, l)| l.is_clearing(d.at as i64));
                let missing = match (dropped.is_some(), clears) {
                    (true, _) => "dropped it",
                    (false, true) => "cleared it",
                    (false, false) => "does not hold it",
                };
                let (ours, theirs) = if o.is_some() {
                    ("the jar keeps it".into(), format!("chromium {missing}"))
                } else {
                    (format!("the jar {missing}"), "chromium keeps it".into())
                };
                push(Attribute::Presence, ours, theirs, None);
                continue;
            }
        };
        for attribute in ATTRIBUTES {
            let differs = match (attribute, o.expires, t.expires) {
                (Attribute::Lifetime, a, b) => a.is_some() != b.is_some(),
                (Attribute::Expiry, Some(a), Some(b)) => (a - b).abs() > EXPIRY_TOLERANCE,
                (Attribute::Expiry, ..) => false,
                _ => o.shown(attribute) != t.shown(attribute),
            };
            let capped = match (attribute, setter, o.expires, t.expires) {
                (Attribute::Expiry, Some((d, l)), Some(a), Some(b)) => capped_by_policy(d, l, a, b),
                _ => None,
            };
            if differs {
                push(attribute, o.shown(attribute), t.shown(attribute), capped);
            }
        }
    }
    out
}

/// Compares the cookie names our client sent (or would send) to a URL with the names Chromium
/// would send there (what R13 and K6 rest on). Order never matters; a name sent a different number of times does.
pub fn compare_sent(ours: &[String], theirs: &[String]) -> Option<Difference> {
    let sorted = |names: &[String]| {
        let mut names = names.to_vec();
        names.sort();
        names
    };
    let (ours, theirs) = (sorted(ours), sorted(theirs));
    let show = |names: &[String]| match names {
        [] => "nothing".to_owned(),
        _ => names.join(", "),
    };
    (ours != theirs).then(|| Difference {
        name: "Cookie".into(),
        attribute: Attribute::CookieHeader,
        ours: show(&ours),
        theirs: show(&theirs),
        kind: Kind::EngineDifference,
    })
}

/// Both jars in two columns, one row per cookie (matched as [`compare`] matches them, rows that
/// differ marked `!`): name, host-only or domain, path, flags, session or expiry and the first
/// 8 hex digits of the value's hash. Never a value.
pub fn side_by_side(ours: &[CookieView], theirs: &[CookieView]) -> String {
    let rows: Vec<(bool, String, String)> = pair(ours, theirs)
        .into_iter()
        .map(|(o, t)| {
            let same = matches!((o, t), (Some(o), Some(t)) if compare(std::slice::from_ref(o), std::slice::from_ref(t), &[]).is_empty());
            let cell = |c: Option<&CookieView>| c.map_or_else(|| "-".to_owned(), CookieView::cell);
            (same, cell(o), cell(t))
        })
        .collect();
    let width = rows.iter().map(|r| r.1.chars().count()).fold(7, usize::max);
    let mut out = format!("  {:<width$} | chromium\n", "the jar");
    for (same, left, right) in rows {
        let mark = if same { ' ' } else { '!' };
        let _ = writeln!(out, "{mark} {left:<width$} | {right}");
    }
    out
}

/// Pairs the cookies of both jars: first by (name, domain, path); then a leftover of each side
/// with the same name and the same domain or path, when neither has another candidate (a jar
/// that ignores `Domain=` or `Path=` holds the same cookie elsewhere). Sorted by name.
fn pair<'a>(
    ours: &'a [CookieView],
    theirs: &'a [CookieView],
) -> Vec<(Option<&'a CookieView>, Option<&'a CookieView>)> {
    let key = |c: &'a CookieView| (&c.name, &c.domain, &c.path);
    let mut left: Vec<Option<&CookieView>> = theirs.iter().map(Some).collect();
    let mut pairs = Vec::new();
    let mut unmatched = Vec::new();
    for o in ours {
        match left
            .iter_mut()
            .find(|t| t.is_some_and(|t| key(t) == key(o)))
        {
            Some(t) => pairs.push((Some(o), t.take())),
            None => unmatched.push(Some(o)),
        }
    }
    let near = |a: &CookieView, b: &CookieView| {
        a.name == b.name && (a.domain == b.domain || a.path == b.path)
    };
    let only = |mut found: Vec<usize>| (found.len() == 1).then(|| found.remove(0));
    for i in 0..unmatched.len() {
        let Some(o) = unmatched[i] else { continue };
        let t = only(
            (0..left.len())
                .filter(|&j| left[j].is_some_and(|t| near(o, t)))
                .collect(),
        );
        let t = t.filter(|&j| {
            let rivals = unmatched
                .iter()
                .flatten()
                .filter(|x| left[j].is_some_and(|t| near(x, t)));
            rivals.count() == 1
        });
        pairs.push((unmatched[i].take(), t.and_then(|j| left[j].take())));
    }
    pairs.extend(left.into_iter().flatten().map(|t| (None, Some(t))));
    pairs.sort_by_key(|&(o, t)| o.or(t).map(key));
    pairs
}

/// Chromium's reason for dropping the cookie `line` sets, if its policy drops it.
fn dropped_by_policy(delivered: &Delivered, line: &SetCookie) -> Option<&'static str> {
    let none = line
        .same_site
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("none"));
    if line.secure && delivered.url.scheme() == "http" {
        Some("Secure cookie set over http")
    } else if none && !line.secure {
        Some("SameSite=None without Secure")
    } else {
        None
    }
}

/// [`Kind::BrowserPolicy`] when `line` asks for an expiry beyond 400 days, our jar keeps it
/// (`ours`) and Chromium has capped it at 400 days from the delivery (`theirs`).
fn capped_by_policy(
    delivered: &Delivered,
    line: &SetCookie,
    ours: f64,
    theirs: f64,
) -> Option<Kind> {
    let at = delivered.at;
    let asked = match (line.max_age, line.expires) {
        (Some(max_age), _) => at + max_age as f64,
        (None, Some(expires)) => expires as f64,
        (None, None) => return None,
    };
    let cap = at + LIFETIME_CAP;
    let near = |a: f64, b: f64| (a - b).abs() <= EXPIRY_TOLERANCE;
    (asked > cap + EXPIRY_TOLERANCE && near(ours, asked) && near(theirs, cap)).then_some(
        Kind::BrowserPolicy {
            reason: "expiry capped at 400 days",
        },
    )
}

/// `session`, or `until <RFC 3339 time>`.
fn lifetime(expires: Option<f64>) -> String {
    let Some(at) = expires else {
        return "session".into();
    };
    let rfc3339 = time::OffsetDateTime::from_unix_timestamp(at.floor() as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        });
    format!("until {}", rfc3339.unwrap_or_else(|| at.to_string()))
}

#[cfg(test)]
mod tests;
