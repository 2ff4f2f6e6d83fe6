//! Rule K7, "credentials go only to their own origin", enforced where every request passes:
//! [`BrowserClient::send`](super::client::BrowserClient::send) asks [`Guard::check`] before it
//! sends anything, and a request that would break the rule is not sent.
//!
//! Two checks, both in the client layer, so no step kind can get around them:
//! - **where it is meant to go**: each request names its [`Destination`] where it is built
//!   (Kratos driver, request builder, identity creation); its URL must be on that
//!   destination's configured origin (scheme, host, port; default ports normalised). A flow URL
//!   that Kratos handed out on another origin (`ui.action`, `logout_url`) fails here.
//! - **what it carries**: the client reads the request's URL, headers and body against the
//!   trial's registered secrets ([`Secrets::labels_in`]) and the credential headers; each
//!   credential may only go to its own origins: password → Kratos public (and the admin API
//!   that creates the identity), CSRF, session and logout tokens → Kratos public, API key
//!   (`X-API-Key`, `Authorization`) → OpenApp. A `Cookie` header is never added by hand: only
//!   the jar sends cookies, where RFC 6265 lets it.
//!
//! The second check does not trust the first: a future step kind that declares a wrong
//! destination still cannot send a password to the OpenApp API or an API key to Kratos.

use url::{Origin, Url};

use crate::redact::Secrets;
use crate::settings::Endpoints;

/// The configured origin a request is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The OpenApp origin (`OPENAPP_BASE_URL`): the API and `/status`.
    OpenApp,
    /// Kratos's public API (`KRATOS_PUBLIC_URL`).
    KratosPublic,
    /// Kratos's admin API (`KRATOS_ADMIN_URL`).
    KratosAdmin,
}

impl Destination {
    fn name(self) -> &'static str {
        match self {
            Destination::OpenApp => "the OpenApp origin",
            Destination::KratosPublic => "Kratos's public origin",
            Destination::KratosAdmin => "Kratos's admin origin",
        }
    }

    /// What usually makes a server hand out URLs on another origin than this one.
    fn likely_cause(self) -> &'static str {
        match self {
            Destination::KratosPublic => {
                "Kratos's serve.public.base_url (SERVE_PUBLIC_BASE_URL) names another scheme, \
                 host or port than KRATOS_PUBLIC_URL (e.g. http behind a TLS proxy), or, for a \
                 runner inside the cluster, an OPENAPP_RESOLVE entry for that origin is missing"
            }
            Destination::KratosAdmin => {
                "Kratos's serve.admin.base_url (SERVE_ADMIN_BASE_URL) names another origin than \
                 KRATOS_ADMIN_URL, or an OPENAPP_RESOLVE entry for it is missing"
            }
            Destination::OpenApp => {
                "the deployment names another origin than OPENAPP_BASE_URL, or an \
                 OPENAPP_RESOLVE entry for it is missing"
            }
        }
    }
}

/// The credential kinds a request can carry and the destinations each may go to.
fn allowed(kind: &str) -> Option<&'static [Destination]> {
    use Destination::*;
    Some(match kind {
        "password" => &[KratosPublic, KratosAdmin],
        "csrf-token" | "session-token" | "logout-token" | "X-Session-Token" => &[KratosPublic],
        "api-key" | "X-API-Key" | "Authorization" => &[OpenApp],
        _ => return None,
    })
}

/// Shown in the refusal line instead of a label.
fn kind_name(kind: &str) -> &str {
    match kind {
        "password" => "the password",
        "csrf-token" => "the CSRF token",
        "session-token" | "X-Session-Token" => "the Kratos session token",
        "logout-token" => "the logout token",
        "api-key" | "X-API-Key" | "Authorization" => "the API key",
        other => other,
    }
}

/// The configured origins of a target, and the trial's secrets.
#[derive(Debug, Clone)]
pub struct Guard {
    openapp: Origin,
    kratos_public: Origin,
    kratos_admin: Option<Origin>,
    secrets: Secrets,
}

/// An origin as a URL prefix, `http://host:port` (the port only when not the default).
fn show(o: &Origin) -> String {
    o.ascii_serialization()
}

impl Guard {
    /// The guard of one trial: the target's endpoints and the secrets the trial registers.
    pub fn new(endpoints: &Endpoints, secrets: Secrets) -> Self {
        Self {
            openapp: endpoints.origin.origin(),
            kratos_public: endpoints.kratos_public.origin(),
            kratos_admin: endpoints.kratos_admin.as_ref().map(Url::origin),
            secrets,
        }
    }

    /// The credential labels (those [`allowed`] knows) of the secrets `text` carries.
    fn credentials_in(&self, text: &str) -> Vec<String> {
        self.secrets
            .labels_matching(text, |label| allowed(label).is_some())
    }

    fn origin_of(&self, d: Destination) -> Option<&Origin> {
        match d {
            Destination::OpenApp => Some(&self.openapp),
            Destination::KratosPublic => Some(&self.kratos_public),
            Destination::KratosAdmin => self.kratos_admin.as_ref(),
        }
    }

    /// `Ok` when the request may be sent; otherwise the one line that says why not, with no
    /// secret in it: the URL, the configured origin, and the likely cause.
    pub fn check(
        &self,
        to: Destination,
        url: &Url,
        headers: &[(String, String)],
        body: Option<&str>,
    ) -> Result<(), String> {
        let origin = url.origin();
        // Redacting compiles a finder per secret: only a refusal pays for it.
        let shown = || self.secrets.redact(url.as_str());
        let Some(home) = self.origin_of(to) else {
            let shown_url = shown();
            return Err(format!(
                "not sent (K7): the request to {shown_url} is meant for {}, which is not \
                 configured",
                to.name()
            ));
        };
        if &origin != home {
            let shown_url = shown();
            return Err(format!(
                "not sent (K7): the URL {shown_url} handed out by the server is not on {} as \
                 configured, {}; likely cause: {}",
                to.name(),
                show(home),
                to.likely_cause()
            ));
        }
        let mut kinds: Vec<String> = Vec::new();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("cookie") {
                let shown_url = shown();
                return Err(format!(
                    "not sent (K7): the request to {shown_url} has a Cookie header added by hand; \
                     cookies go only through the client's jar, where RFC 6265 sends them"
                ));
            }
            for header in ["X-API-Key", "Authorization", "X-Session-Token"] {
                if name.eq_ignore_ascii_case(header) {
                    kinds.push(header.to_string());
                }
            }
            kinds.extend(self.credentials_in(value));
        }
        kinds.extend(self.credentials_in(url.as_str()));
        if let Some(body) = body {
            kinds.extend(self.credentials_in(body));
        }
        for kind in &kinds {
            let Some(destinations) = allowed(kind) else {
                continue;
            };
            let ok = destinations
                .iter()
                .any(|d| self.origin_of(*d) == Some(&origin));
            if !ok {
                let homes: Vec<String> = destinations
                    .iter()
                    .filter_map(|d| {
                        self.origin_of(*d)
                            .map(|o| format!("{} {}", d.name(), show(o)))
                    })
                    .collect();
                let shown_url = shown();
                return Err(format!(
                    "not sent (K7): the request to {shown_url} carries {}, which goes only to {} \
                     as configured",
                    kind_name(kind),
                    homes.join(" or ")
                ));
            }
        }
        Ok(())
    }
}

/// K7 before any credential is sent: the one line saying that a flow URL Kratos handed out
/// (the login flow's `ui.action`) is not on the configured public origin, or `None` when it is.
pub fn foreign_flow_url(endpoints: &Endpoints, url: &Url) -> Option<String> {
    let home = endpoints.kratos_public.origin();
    let to = Destination::KratosPublic;
    (url.origin() != home).then(|| {
        format!(
            "K7 (flow URLs stay on the configured public URL): the login flow's ui.action {url} \
             is not on {} as configured, {}; likely cause: {}",
            to.name(),
            show(&home),
            to.likely_cause()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints() -> Endpoints {
        Endpoints {
            origin: Url::parse("http://api.openapp.test:8080").unwrap(),
            api_prefix: "/api/v1".into(),
            kratos_public: Url::parse("https://auth.openapp.test/").unwrap(),
            kratos_admin: Some(Url::parse("http://127.0.0.1:4434/").unwrap()),
            cookie_domain: Some("openapp.test".into()),
            same_site: "Lax".into(),
            resolve: Vec::new(),
        }
    }

    fn guard() -> Guard {
        let secrets = Secrets::new();
        secrets.add("password", "Cc-secretpassword");
        secrets.add("csrf-token", "csrf+token/value==");
        secrets.add("api-key", "http://api.openapp.test:8080_openapp_keykeykey");
        secrets.add("logout-token", "ory_lo_abcdefghij");
        Guard::new(&endpoints(), secrets)
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const LOGIN: &str = r#"{"password":"Cc-secretpassword","csrf_token":"csrf+token/value=="}"#;

    #[test]
    fn a_login_on_the_public_origin_passes_default_port_normalised() {
        let g = guard();
        let to = Destination::KratosPublic;
        let u = url("https://auth.openapp.test:443/self-service/login?flow=1");
        assert_eq!(g.check(to, &u, &[], Some(LOGIN)), Ok(()));
    }

    #[test]
    fn a_flow_url_on_another_origin_is_refused_with_one_clean_line() {
        let g = guard();
        for foreign in [
            "http://auth.openapp.test/self-service/login?flow=1",
            "https://auth.openapp.test:4433/self-service/login?flow=1",
            "https://127.0.0.2/self-service/login?flow=1",
        ] {
            let line = g
                .check(Destination::KratosPublic, &url(foreign), &[], Some(LOGIN))
                .unwrap_err();
            assert!(!line.contains('\n'), "{line}");
            assert!(line.contains(foreign), "{line}");
            assert!(line.contains("https://auth.openapp.test;"), "{line}");
            assert!(line.contains("SERVE_PUBLIC_BASE_URL") && line.contains("OPENAPP_RESOLVE"));
            assert!(
                !line.contains("Cc-secret") && !line.contains("csrf+token"),
                "{line}"
            );
        }
        let logout = url("http://127.0.0.2:4433/self-service/logout?token=ory_lo_abcdefghij");
        let line = g
            .check(Destination::KratosPublic, &logout, &[], None)
            .unwrap_err();
        assert!(!line.contains("ory_lo_abcdefghij"), "{line}");
    }

    #[test]
    fn each_credential_goes_only_to_its_own_origin() {
        let g = guard();
        let api = url("http://api.openapp.test:8080/api/v1/auth/whoami");
        let admin = url("http://127.0.0.1:4434/admin/identities");
        let public = url("https://auth.openapp.test/sessions/whoami");
        // The password may reach the admin API (identity creation) but never OpenApp.
        assert!(
            g.check(Destination::KratosAdmin, &admin, &[], Some(LOGIN))
                .is_err(),
            "the CSRF token is not for the admin API"
        );
        let create = r#"{"password":"Cc-secretpassword"}"#;
        assert_eq!(
            g.check(Destination::KratosAdmin, &admin, &[], Some(create)),
            Ok(())
        );
        let line = g
            .check(Destination::OpenApp, &api, &[], Some(create))
            .unwrap_err();
        assert!(
            line.contains("the password") && !line.contains("Cc-secret"),
            "{line}"
        );
        // The API key only to OpenApp, in either header.
        let key = |h: &str, v: &str| vec![(h.to_string(), v.to_string())];
        let k = "http://api.openapp.test:8080_openapp_keykeykey";
        assert_eq!(
            g.check(Destination::OpenApp, &api, &key("X-API-Key", k), None),
            Ok(())
        );
        let line = g
            .check(
                Destination::KratosPublic,
                &public,
                &key("X-API-Key", "unregistered"),
                None,
            )
            .unwrap_err();
        assert!(line.contains("the API key") && line.contains("http://api.openapp.test:8080"));
        assert!(
            g.check(
                Destination::KratosPublic,
                &public,
                &key("X-Custom", &format!("Bearer {k}")),
                None
            )
            .is_err()
        );
        // The session token only to Kratos public.
        assert_eq!(
            g.check(
                Destination::KratosPublic,
                &public,
                &key("X-Session-Token", "t"),
                None
            ),
            Ok(())
        );
        assert!(
            g.check(
                Destination::OpenApp,
                &api,
                &key("x-session-token", "t"),
                None
            )
            .is_err()
        );
        // A declared destination must match the URL.
        assert!(
            g.check(Destination::KratosAdmin, &public, &[], None)
                .is_err()
        );
        // Cookies only through the jar.
        assert!(
            g.check(Destination::OpenApp, &api, &key("Cookie", "a=b"), None)
                .unwrap_err()
                .contains("jar")
        );
    }
}
