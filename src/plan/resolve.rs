//! Resolution: a validated scenario file ([`crate::scenario::Scenario`]) becomes a plan
//! [`Scenario`]: one [`Action`] per step, defaults applied (client, rules, capture secrecy,
//! `same_json_as` pointers), values read from named settings (`within = { setting = …,
//! default = … }`, from [`Settings`]), TOML values turned into JSON, spans dropped.
//!
//! Validation has already promised what resolution relies on (exactly one action per step,
//! exactly one capture source, well-formed durations); a file that breaks a promise anyway is
//! an error at its path, never a panic. A setting whose value (from the environment) is
//! invalid is a [`ResolveError::Setting`]: the user's configuration, not the file, is wrong.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::model::{
    Action, Body, Capture, CaptureSource, CookieCheck, DEFAULT_CLIENT, DEFAULT_SAME_JSON_PATHS,
    Expectations, Expected, HeaderCheck, Identity, JsonCheck, KeyKind, Login, Request, SameJsonAs,
    Scenario, SdkStep, Step, Within,
};
use super::settings::{SettingError, Settings, within_duration};
use crate::scenario::Scenario as ScenarioFile;
use crate::scenario::ScenarioError;
use crate::scenario::model as file;

/// Why a validated scenario file does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The file breaks a promise of validation (an error at its path).
    #[error(transparent)]
    File(#[from] ScenarioError),
    /// A setting the file reads has an invalid value: a configuration error.
    #[error("{source} (read by {})", path.display())]
    Setting {
        /// The scenario file that reads it.
        path: PathBuf,
        /// The setting and its value.
        source: SettingError,
    },
}

/// A step's problem: the file's (a message) or a setting's.
enum StepError {
    File(String),
    Setting(SettingError),
}

impl From<String> for StepError {
    fn from(message: String) -> Self {
        StepError::File(message)
    }
}

/// Resolves a validated scenario file into the plan the runner executes, reading named
/// settings from `settings`.
pub fn resolve(scenario: &ScenarioFile, settings: &Settings) -> Result<Scenario, ResolveError> {
    let f = &scenario.file;
    let rules: Vec<String> = scenario.rules().iter().map(|s| s.to_string()).collect();
    let steps = f
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            step(s.get_ref(), &rules, settings).map_err(|e| match e {
                StepError::File(message) => ResolveError::File(ScenarioError::whole_file(
                    &scenario.path,
                    format!("step {}: {message}", i + 1),
                )),
                StepError::Setting(source) => ResolveError::Setting {
                    path: scenario.path.clone(),
                    source,
                },
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scenario {
        path: scenario.path.clone(),
        id: scenario.id.clone(),
        name: scenario.name().to_string(),
        description: f.description.clone(),
        tags: scenario.tags().iter().map(|s| s.to_string()).collect(),
        rules,
        profile: scenario.profile(),
        requirements: scenario.requirements.clone(),
        identities: f
            .identities
            .iter()
            .map(|(name, spec)| {
                let provisioned = spec.get_ref().provisioned;
                (name.clone(), Identity { provisioned })
            })
            .collect(),
        steps,
    })
}

fn step(s: &file::Step, scenario_rules: &[String], settings: &Settings) -> Result<Step, StepError> {
    let mut actions = Vec::new();
    if let Some(r) = &s.request {
        actions.push(Action::Request(request(r.get_ref())));
    }
    if let Some(l) = &s.login {
        actions.push(Action::Login(Login {
            identity: l.get_ref().identity.get_ref().clone(),
            flow: l.get_ref().flow,
        }));
    }
    if let Some(l) = &s.logout {
        actions.push(Action::Logout(*l.get_ref()));
    }
    if let Some(c) = &s.sdk {
        actions.push(Action::Sdk(sdk(c.get_ref())));
    }
    if s.clear_jar.as_ref().is_some_and(|c| *c.get_ref()) {
        actions.push(Action::ClearJar);
    }
    if let Some(w) = &s.wait {
        actions.push(Action::Wait(within_duration(w.get_ref())?));
    }
    let Ok([action]) = <[Action; 1]>::try_from(actions) else {
        return Err(StepError::File(
            "a step needs exactly one of `request`, `login`, `logout`, `sdk`, `clear_jar = true` \
             or `wait`"
                .into(),
        ));
    };
    let capture = s
        .capture
        .iter()
        .map(|(var, c)| Ok((var.clone(), capture(c.get_ref())?)))
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    let mut expect = expectations(&s.expect);
    if let Some(w) = &s.expect.within {
        expect.within = Some(within(w.get_ref(), settings)?);
    }
    Ok(Step {
        name: s.name.as_ref().map(|n| n.get_ref().clone()),
        client: s
            .client
            .as_ref()
            .map_or(DEFAULT_CLIENT.to_string(), |c| c.get_ref().clone()),
        parallel: s.parallel.as_ref().map(|p| p.get_ref().clone()),
        rules: if s.rules.is_empty() {
            scenario_rules.to_vec()
        } else {
            s.rules.iter().map(|r| r.get_ref().clone()).collect()
        },
        action,
        expect,
        capture,
    })
}

/// `within`: as written, else the setting's value, else its default.
fn within(w: &file::DurationValue, settings: &Settings) -> Result<Within, StepError> {
    match w {
        file::DurationValue::Literal(text) => Ok(Within {
            limit: within_duration(text)?,
            source: None,
        }),
        file::DurationValue::Setting(s) => {
            let default = within_duration(s.default.get_ref())?;
            let (limit, source) = settings
                .within(s.setting.get_ref(), default)
                .map_err(StepError::Setting)?;
            Ok(Within {
                limit,
                source: Some(source),
            })
        }
    }
}

fn request(r: &file::Request) -> Request {
    let body = if let Some(json) = &r.json {
        Some(Body::Json(toml_to_json(json.get_ref())))
    } else if let Some(form) = &r.form {
        Some(Body::Form(
            form.iter()
                .map(|(k, v)| (k.clone(), v.get_ref().clone()))
                .collect(),
        ))
    } else {
        r.body.as_ref().map(|raw| Body::Raw(raw.get_ref().clone()))
    };
    Request {
        method: r.method.get_ref().clone(),
        to: r.to,
        path: r.path.get_ref().clone(),
        headers: r
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.get_ref().clone()))
            .collect(),
        body,
        api_key: r.api_key.as_ref().map(|k| *k.get_ref()),
        session_token: r.session_token,
        cookies: r.cookies.iter().map(|c| c.get_ref().clone()).collect(),
    }
}

fn sdk(c: &file::SdkSpec) -> SdkStep {
    SdkStep {
        call: *c.call.get_ref(),
        key: c
            .api_key
            .as_ref()
            .map_or(KeyKind::Valid, |k| k.get_ref().key),
        cookies: c.cookies.iter().map(|c| c.get_ref().clone()).collect(),
    }
}

fn strings(list: &[toml::Spanned<String>]) -> Vec<String> {
    list.iter().map(|s| s.get_ref().clone()).collect()
}

fn expected(v: &Option<toml::Value>) -> Option<Expected> {
    v.as_ref().map(|v| Expected {
        value: toml_to_json(v),
        shown: v.to_string(),
    })
}

fn expectations(e: &file::Expect) -> Expectations {
    Expectations {
        status: e.status.as_ref().map(|s| s.get_ref().clone()),
        body: e.body.as_ref().map(|b| *b.get_ref()),
        json: e
            .json
            .iter()
            .map(|j| {
                let j = j.get_ref();
                JsonCheck {
                    path: j.path.get_ref().clone(),
                    equals: expected(&j.equals),
                    exists: j.exists,
                    matches: j.matches.as_ref().map(|m| m.get_ref().clone()),
                    not_equals: expected(&j.not_equals),
                }
            })
            .collect(),
        headers: e
            .headers
            .iter()
            .map(|h| {
                let h = h.get_ref();
                HeaderCheck {
                    name: h.name.clone(),
                    equals: h.equals.clone(),
                    matches: h.matches.as_ref().map(|m| m.get_ref().clone()),
                    exists: h.exists,
                }
            })
            .collect(),
        sets: strings(&e.sets),
        clears: strings(&e.clears),
        not_sets: strings(&e.not_sets),
        cookie: e
            .cookie
            .iter()
            .map(|c| {
                let c = c.get_ref();
                CookieCheck {
                    name: c.name.get_ref().clone(),
                    domain: c.domain.clone(),
                    path: c.path.clone(),
                    httponly: c.httponly,
                    secure: c.secure.clone(),
                    samesite: c.samesite.clone(),
                    lifetime: c.lifetime.clone(),
                }
            })
            .collect(),
        jar_has: strings(&e.jar_has),
        jar_lacks: strings(&e.jar_lacks),
        same_json_as: e.same_json_as.as_ref().map(|s| {
            let s = s.get_ref();
            SameJsonAs {
                step: s.step.get_ref().clone(),
                paths: if s.paths.is_empty() {
                    DEFAULT_SAME_JSON_PATHS.map(String::from).to_vec()
                } else {
                    s.paths.clone()
                },
            }
        }),
        // Resolved by `step`, which has the settings.
        within: None,
        sdk: e.sdk.as_ref().map(|s| s.get_ref().0),
    }
}

/// A capture's source and secrecy. Default secrecy: cookies, pointers ending in `token`, and
/// the `csrf_token` and `password` ui nodes are secret.
fn capture(c: &file::Capture) -> Result<Capture, String> {
    let (source, default_secret) = if let Some(p) = &c.json {
        (CaptureSource::Json(p.clone()), p.ends_with("token"))
    } else if let Some(h) = &c.header {
        let source = match &c.query {
            Some(q) => CaptureSource::HeaderQuery {
                header: h.clone(),
                query: q.get_ref().clone(),
            },
            None => CaptureSource::Header(h.clone()),
        };
        (source, false)
    } else if let Some(name) = &c.cookie {
        (CaptureSource::Cookie(name.clone()), true)
    } else if let Some(node) = &c.ui_node {
        let secret = node == "csrf_token" || node == "password";
        (CaptureSource::UiNode(node.clone()), secret)
    } else {
        return Err("the capture names no source".into());
    };
    Ok(Capture {
        source,
        secret: c.secret.unwrap_or(default_secret),
    })
}

/// A TOML value as JSON: a non-finite float becomes `null`, a date-time its RFC 3339 text.
fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, x)| (k.clone(), toml_to_json(x)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{Body, FlowKind, Service};
    use std::path::Path;

    fn plan_of(text: &str) -> Scenario {
        let path = Path::new("t/x.toml");
        let file = crate::scenario::parse(path, text).expect("valid scenario");
        resolve(
            &ScenarioFile::new(path.to_path_buf(), "t/x".into(), file),
            &Settings::none(),
        )
        .expect("resolves")
    }

    #[test]
    fn steps_resolve_to_one_action_each_with_defaults_applied() {
        let plan = plan_of(
            r#"name = "x"
rules = ["R2", "R9", "R10"]
tags = ["core"]
identities = { alice = {} }
clients = ["other"]
[[step]]
name = "first"
login = { identity = "alice", flow = "api" }
[[step]]
name = "who"
client = "other"
rules = ["R2"]
request = { method = "POST", path = "/auth/x", to = "kratos-public", json = { a = [1, 2.5, true] } }
expect = { same_json_as = { step = "first" } }
capture = { t = { json = "/session_token" }, h = { header = "X-A" } }
[[step]]
logout = { flow = "browser" }
"#,
        );
        assert_eq!(plan.rules, ["R2", "R9", "R10"]);
        assert!(plan.identities["alice"].provisioned);
        let [login, req, logout] = &plan.steps[..] else {
            panic!("three steps")
        };
        assert!(
            matches!(&login.action, Action::Login(l) if l.identity == "alice" && l.flow == FlowKind::Api)
        );
        assert_eq!(login.client, DEFAULT_CLIENT);
        assert_eq!(login.rules, ["R2", "R9", "R10"]);
        assert_eq!(login.label(), "first");
        assert_eq!(login.action.describe(), "login alice (api flow)");
        let Action::Request(r) = &req.action else {
            panic!("a request")
        };
        assert_eq!((r.method.as_str(), r.to), ("POST", Service::KratosPublic));
        assert!(
            matches!(&r.body, Some(Body::Json(v)) if v == &serde_json::json!({"a": [1, 2.5, true]}))
        );
        assert_eq!(
            (req.client.as_str(), req.rules.clone()),
            ("other", vec!["R2".to_string()])
        );
        assert_eq!(req.label(), "who");
        assert_eq!(
            req.expect.same_json_as.as_ref().unwrap().paths,
            DEFAULT_SAME_JSON_PATHS
        );
        assert!(req.capture["t"].secret && !req.capture["h"].secret);
        assert_eq!(logout.label(), "kratos logout (browser flow)");
    }

    #[test]
    fn clear_jar_wait_and_parallel_groups_resolve() {
        let plan = plan_of(
            "name = \"x\"\nrules = [\"R1\"]\nclients = [\"b\"]\n[[step]]\nclear_jar = true\n\
             [[step]]\nwait = \"1500ms\"\n[[step]]\nparallel = \"p\"\nlogout = {}\n\
             [[step]]\nclient = \"b\"\nparallel = \"p\"\nlogout = {}\n",
        );
        let [clear, wait, a, b] = &plan.steps[..] else {
            panic!("four steps")
        };
        assert!(matches!(clear.action, Action::ClearJar) && !clear.action.exchanges());
        let Action::Wait(d) = wait.action else {
            panic!("a wait")
        };
        assert_eq!(d, std::time::Duration::from_millis(1500));
        assert_eq!(
            (clear.label(), wait.label()),
            ("clear jar".into(), "wait 1500ms".into())
        );
        assert_eq!(
            (a.parallel.as_deref(), b.parallel.as_deref()),
            (Some("p"), Some("p"))
        );
        assert_eq!(clear.parallel, None);
    }

    fn within_of(expect: &str, settings: &Settings) -> Result<Option<Within>, ResolveError> {
        let path = Path::new("t/w.toml");
        let text = format!(
            "name = \"w\"\nrules = [\"R16\"]\ntags = [\"strict\"]\n[[step]]\nrequest = {{ method = \"GET\", path = \"/auth/whoami\" }}\nexpect = {{ status = 200, {expect} }}\n"
        );
        let file = crate::scenario::parse(path, &text).expect("valid scenario");
        let scenario = ScenarioFile::new(path.to_path_buf(), "t/w".into(), file);
        resolve(&scenario, settings).map(|p| p.steps[0].expect.within.clone())
    }

    #[test]
    fn within_is_written_or_read_from_its_setting_else_its_default() {
        use std::time::Duration;
        let none = Settings::none();
        assert_eq!(
            within_of("within = \"1500ms\"", &none).unwrap(),
            Some(Within {
                limit: Duration::from_millis(1500),
                source: None
            })
        );
        let form = "within = { setting = \"revocation_within\", default = \"0s\" }";
        assert_eq!(
            within_of(form, &none).unwrap(),
            Some(Within {
                limit: Duration::ZERO,
                source: Some("OPENAPP_CONFORMANCE_REVOCATION_WITHIN unset, default 0s".into())
            })
        );
        let given = Settings::given([("revocation_within", "3s")]);
        assert_eq!(
            within_of(form, &given).unwrap(),
            Some(Within {
                limit: Duration::from_secs(3),
                source: Some("OPENAPP_CONFORMANCE_REVOCATION_WITHIN=3s".into())
            })
        );
        assert_eq!(within_of("body = \"null\"", &given).unwrap(), None);
    }

    #[test]
    fn an_invalid_setting_value_is_a_configuration_error_naming_the_variable() {
        let form = "within = { setting = \"revocation_within\", default = \"0s\" }";
        let bad = Settings::given([("revocation_within", "3 sec")]);
        let err = within_of(form, &bad).unwrap_err();
        let ResolveError::Setting { path, source } = &err else {
            panic!("a setting error: {err:?}")
        };
        assert_eq!(path, Path::new("t/w.toml"));
        assert_eq!(source.variable, "OPENAPP_CONFORMANCE_REVOCATION_WITHIN");
        assert!(
            err.to_string().starts_with(
                "OPENAPP_CONFORMANCE_REVOCATION_WITHIN=`3 sec` is invalid, expected a duration"
            ),
            "{err}"
        );
        assert!(err.to_string().ends_with("(read by t/w.toml)"), "{err}");
    }

    #[test]
    fn toml_values_become_json_and_keep_how_they_were_written() {
        let e = expected(&Some(toml::Value::Float(f64::NAN))).unwrap();
        assert_eq!(e.value, Value::Null);
        let t: toml::Value = toml::from_str::<toml::Table>("v = { a = 1 }").unwrap()["v"].clone();
        let e = expected(&Some(t)).unwrap();
        assert_eq!(e.value, serde_json::json!({"a": 1}));
        assert_eq!(e.shown, "{ a = 1 }");
    }
}
