//! Test support: an emulator on loopback ports, a tiny cookie jar, the golden captures, and
//! normalisation of volatile values (ids, times, tokens, ports) for comparisons.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use regex::Regex;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

use crate::embedded::kratos::{KratosConfig, KratosEmulator, OffsetClock};
use crate::switches::Switches;

/// The email and password of capture 05's identity.
pub(super) const EMAIL: &str = "capture-05@example.test";
pub(super) const PASSWORD: &str = "Zebra-Quartz-7391-Lamp";

/// A running emulator and an HTTP client that maps `auth.openapp.test` to it.
pub(super) struct Harness {
    pub emu: Arc<KratosEmulator>,
    pub clock: Arc<OffsetClock>,
    pub public: String,
    pub admin: String,
    pub client: reqwest::Client,
}

impl Harness {
    /// Starts an emulator (config of container/kratos.yml, cookie domain `openapp.test`,
    /// flow lifespan `lifespan`) with the given comma-separated switches.
    pub(super) async fn start_with(switches: &str, lifespan: Duration) -> Self {
        let public_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public_addr: SocketAddr = public_l.local_addr().unwrap();
        let admin_addr = admin_l.local_addr().unwrap();
        let public = format!("http://auth.openapp.test:{}/", public_addr.port());
        let admin = format!("http://127.0.0.1:{}/", admin_addr.port());
        let mut config = KratosConfig::embedded(
            public.parse().unwrap(),
            admin.parse().unwrap(),
            Some("openapp.test".to_string()),
        );
        config.flow_lifespan = lifespan;
        let clock = Arc::new(OffsetClock::new());
        let emu =
            KratosEmulator::with_clock(config, Switches::parse(switches).unwrap(), clock.clone());
        emu.spawn(public_l, admin_l);
        crate::settings::install_crypto_provider();
        let client = reqwest::Client::builder()
            .resolve("auth.openapp.test", public_addr)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        Self {
            emu,
            clock,
            public,
            admin,
            client,
        }
    }

    /// [`Harness::start_with`] with the default 1h flow lifespan.
    pub(super) async fn start(switches: &str) -> Self {
        Self::start_with(switches, Duration::from_secs(3600)).await
    }

    /// Creates capture 05's identity through the admin API.
    pub(super) async fn create_identity(&self) -> Value {
        let body = json!({"schema_id": "default", "traits": {"email": EMAIL}, "credentials": {"password": {"config": {"password": PASSWORD}}}, "metadata_public": {"openapp_user_id": "capture-user-05"}});
        let res = self
            .client
            .post(format!("{}admin/identities", self.admin))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        res.json().await.unwrap()
    }

    /// A public URL for `path` (no leading slash).
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public)
    }

    /// The CSRF cookie name of this emulator.
    pub(super) fn csrf_name(&self) -> String {
        self.emu.config().csrf_cookie_name()
    }
}

/// A minimal cookie jar: name → value, fed from `Set-Cookie` lines (`Max-Age=0` deletes).
#[derive(Debug, Default, Clone)]
pub(super) struct Jar(pub Vec<(String, String)>);

impl Jar {
    /// Applies a response's `Set-Cookie` lines.
    pub(super) fn absorb(&mut self, res: &reqwest::Response) {
        for line in set_cookies(res) {
            let pair = line.split(';').next().unwrap_or("");
            let (name, value) = pair.split_once('=').unwrap();
            self.0.retain(|(n, _)| n != name);
            if !line.contains("Max-Age=0") {
                self.0.push((name.to_string(), value.to_string()));
            }
        }
    }

    /// The value of a cookie.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Adds the `Cookie` header (if any cookie is held).
    pub(super) fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if self.0.is_empty() {
            return req;
        }
        let header = self
            .0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        req.header(COOKIE, header)
    }
}

/// Browser init as a JSON client with `jar`; returns the flow and absorbs cookies.
pub(super) async fn init_browser(
    h: &Harness,
    jar: &mut Jar,
) -> (reqwest::StatusCode, Vec<String>, Value) {
    let res = jar
        .apply(
            h.client
                .get(h.url("self-service/login/browser"))
                .header("accept", "application/json"),
        )
        .send()
        .await
        .unwrap();
    jar.absorb(&res);
    let (status, lines) = (res.status(), set_cookies(&res));
    (status, lines, res.json().await.unwrap())
}

/// The flow's `csrf_token` node value.
pub(super) fn flow_csrf(flow: &Value) -> String {
    node_value(flow, "csrf_token")
}

/// The value of the node named `name` in a flow's `ui.nodes`.
pub(super) fn node_value(flow: &Value, name: &str) -> String {
    flow["ui"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["attributes"]["name"] == name)
        .and_then(|n| n["attributes"]["value"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Submits `body` (JSON) to a flow as a JSON client with `jar`, absorbing cookies.
pub(super) async fn submit_json(
    h: &Harness,
    jar: &mut Jar,
    flow_id: &str,
    body: Value,
) -> reqwest::Response {
    let url = h.url(&format!("self-service/login?flow={flow_id}"));
    let res = jar
        .apply(
            h.client
                .post(url)
                .header("accept", "application/json")
                .json(&body),
        )
        .send()
        .await
        .unwrap();
    jar.absorb(&res);
    res
}

/// A complete browser login as a JSON client (init, submit with `password`).
pub(super) async fn browser_login(h: &Harness, jar: &mut Jar, password: &str) -> reqwest::Response {
    let (_, _, flow) = init_browser(h, jar).await;
    let body = json!({"csrf_token": flow_csrf(&flow), "identifier": EMAIL, "password": password, "method": "password"});
    submit_json(h, jar, flow["id"].as_str().unwrap(), body).await
}

/// Every key path of a JSON value, in document order (array elements share `[]`).
pub(super) fn key_paths(v: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let p = format!("{prefix}.{k}");
                    out.push(p.clone());
                    walk(child, &p, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, &format!("{prefix}[]"), out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

/// The raw `Set-Cookie` lines of a response, in order.
pub(super) fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// Loads a golden capture (`tests/golden/kratos/v1.3.1/<name>.json`).
pub(super) fn capture(name: &str) -> Value {
    let path = format!(
        "{}/tests/golden/kratos/v1.3.1/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The response of exchange `i` of a capture.
pub(super) fn captured_response(cap: &Value, i: usize) -> &Value {
    &cap["exchanges"][i]["response"]
}

/// The captured `Set-Cookie` lines.
pub(super) fn captured_set_cookies(res: &Value) -> Vec<String> {
    res["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("set-cookie"))
        .map(|h| h[1].as_str().unwrap().to_string())
        .collect()
}

fn volatile() -> &'static [(Regex, &'static str)] {
    static RULES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    RULES.get_or_init(|| {
        [
            (r"http://auth\.openapp\.test:\d+", "<public>"),
            (r"http://127\.0\.0\.1:\d+", "<admin>"),
            (r"127\.0\.0\.1:\d+", "<ip>"),
            (
                r"csrf_token_[0-9a-f]{64}=[A-Za-z0-9+/=]*",
                "csrf_token_<h>=<v>",
            ),
            (
                r"ory_kratos_session=[A-Za-z0-9_=-]*",
                "ory_kratos_session=<v>",
            ),
            (
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "<uuid>",
            ),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>"),
            (r"ory_(st|lo)_[A-Za-z0-9]{32}", "ory_${1}_<token>"),
            (r"[A-Za-z0-9+/]{86}==", "<masked>"),
            (r#""since":\d+"#, r#""since":<ns>"#),
            (r#""expired_at_unix":\d+"#, r#""expired_at_unix":<unix>"#),
            (
                r"Expires=[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
                "Expires=<date>",
            ),
            (r"page_token=[A-Za-z0-9]+", "page_token=<pt>"),
        ]
        .into_iter()
        .map(|(re, with)| (Regex::new(re).unwrap(), with))
        .collect()
    })
}

/// Replaces volatile values (addresses, ids, times, tokens, cookie values) by placeholders.
/// The epoch `Expires` of a clearing line is kept.
pub(super) fn normalize(text: &str) -> String {
    let mut out = text.replace("Expires=Thu, 01 Jan 1970 00:00:01 GMT", "Expires=EPOCH");
    for (re, with) in volatile() {
        out = re.replace_all(&out, *with).into_owned();
    }
    out
}
