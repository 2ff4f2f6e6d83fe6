//! The canary test: no secret reaches stdout, stderr, the JUnit, JSON or HTML report — raw,
//! URL-encoded or base64 at any alignment.
//!
//! `serve --json` plays the deployment; the real binary runs the suite against it as an
//! external target through a recording relay ([`super::tap`]), so the test knows every cookie
//! value, token, CSRF token, password and API key that crossed the wire, then searches every
//! output for each of them. It does so with and without a fault (a fault prints failure
//! transcripts with their `curl` lines), once with the admin API (fresh identities with
//! generated passwords) and once with canary test identities the test provisions itself.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use base64::Engine;
use serde_json::json;

use super::stack::{Served, run_with, text};
use super::tap::{secrets_in, tapped_env};

/// Every spelling of a secret a leak could take: raw, URL-encoded (either space form), and
/// the part of standard or URL-safe base64 that does not depend on the surrounding bytes.
fn spellings(secret: &str) -> Vec<String> {
    let mut out = vec![
        secret.to_string(),
        form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        form_urlencoded::byte_serialize(secret.as_bytes())
            .collect::<String>()
            .replace('+', "%20"),
    ];
    for engine in [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for shift in 0..3 {
            let mut bytes = vec![0u8; shift];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            // Drop the quantum holding the prefix and the last, partial one.
            let start = if shift == 0 { 0 } else { 4 };
            let end = encoded.len() - encoded.len() % 4;
            let end = if end == encoded.len() { end - 4 } else { end };
            if end > start + 8 {
                out.push(encoded[start..end].to_string());
            }
        }
    }
    out
}

/// Fails with every secret found in every output, naming where.
fn assert_nothing_leaks(secrets: &[String], outputs: &[(String, String)]) {
    let mut leaks = Vec::new();
    for secret in secrets {
        for (name, content) in outputs {
            let forms = spellings(secret);
            if let Some((at, form)) = forms.iter().find_map(|f| Some((content.find(f)?, f))) {
                let context: String = content[at..].chars().take(form.len() + 30).collect();
                leaks.push(format!("{name}: `{form}` in `{context}`"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// Runs the suite with every report into `dir`; gives the outputs to search.
fn run_and_collect(
    label: &str,
    env: &[(String, String)],
    dir: &Path,
    expect: i32,
) -> Vec<(String, String)> {
    let path = |ext: &str| dir.join(format!("{label}.{ext}"));
    let (junit, json, html) = (path("xml"), path("json"), path("html"));
    let out = run_with(
        &[
            "run",
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
        env,
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(expect),
        "{label}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let mut outputs = vec![
        (format!("{label} stdout"), stdout),
        (format!("{label} stderr"), stderr),
    ];
    for p in [junit, json, html] {
        let content = std::fs::read_to_string(&p).expect("the report was written");
        assert!(content.len() > 200, "{} is nearly empty", p.display());
        outputs.push((p.display().to_string(), content));
    }
    outputs
}

/// `POST` of a JSON body over a fresh connection; gives status and body.
fn post_json(origin: &url::Url, path: &str, body: &serde_json::Value) -> (u16, String) {
    let host = origin.host_str().expect("host");
    let port = origin.port_or_known_default().expect("port");
    let mut s = TcpStream::connect((host, port)).expect("admin API reachable");
    let body = body.to_string();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("request sent");
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let status = resp
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// Creates an identity with this password through the admin API.
fn create_identity(admin: &str, email: &str, password: &str, openapp_user: Option<&str>) {
    let mut body = json!({
        "schema_id": "default",
        "traits": { "email": email },
        "credentials": { "password": { "config": { "password": password } } },
    });
    if let Some(uid) = openapp_user {
        body["metadata_public"] = json!({ "openapp_user_id": uid });
    }
    let admin = url::Url::parse(admin).expect("admin URL");
    let (status, answer) = post_json(&admin, "/admin/identities", &body);
    assert_eq!(status, 201, "identity creation answered {status}: {answer}");
}

#[test]
fn no_secret_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let canary = format!("Canary-Pw-{}", uuid::Uuid::new_v4().simple());
    let canary_unprov = format!("Canary-Unprov-{}", uuid::Uuid::new_v4().simple());
    let passed_re = regex::Regex::new(r"(\d+) passed").unwrap();
    for (fault, expect) in [(None, 0), (Some("sign-out-missing"), 1)] {
        let served = Served::start(&fault.map_or(vec![], |f| vec!["--fault", f]));
        let Some((env, capture)) = tapped_env(&served) else {
            eprintln!("skipped: cannot bind 127.0.0.2 for the recording relay");
            return;
        };
        let tag = fault.unwrap_or("conforming");
        let mut outputs = run_and_collect(&format!("{tag}-admin"), &env, dir.path(), expect);

        // Without the admin API: the canary identities are the only ones.
        let admin = served.get("kratos_admin_url");
        create_identity(&admin, "canary@example.test", &canary, Some("canary-user"));
        create_identity(&admin, "canary-unprov@example.test", &canary_unprov, None);
        let mut env: Vec<_> = env
            .into_iter()
            .filter(|(k, _)| k != "KRATOS_ADMIN_URL")
            .collect();
        env.extend([
            (
                "OPENAPP_TEST_IDENTIFIER".into(),
                "canary@example.test".into(),
            ),
            ("OPENAPP_TEST_PASSWORD".into(), canary.clone()),
            (
                "OPENAPP_TEST_UNPROVISIONED_IDENTIFIER".into(),
                "canary-unprov@example.test".into(),
            ),
            (
                "OPENAPP_TEST_UNPROVISIONED_PASSWORD".into(),
                canary_unprov.clone(),
            ),
        ]);
        let canary_outputs = run_and_collect(&format!("{tag}-canary"), &env, dir.path(), expect);
        let passed: usize = passed_re
            .captures(&canary_outputs[0].1)
            .and_then(|c| c[1].parse().ok())
            .unwrap_or(0);
        assert!(
            passed >= 10,
            "the canary identities ran only {passed} scenarios"
        );
        outputs.extend(canary_outputs);

        let raw = capture.text();
        let mut secrets = secrets_in(&raw);
        let api_key = served.get("api_key");
        secrets.push(
            api_key
                .rsplit("_openapp_")
                .next()
                .unwrap_or(&api_key)
                .to_string(),
        );
        secrets.extend([canary.clone(), canary_unprov.clone()]);
        // The capture must have seen the secrets it is meant to find.
        for must in [&canary, &api_key] {
            assert!(
                raw.contains(must.as_str()),
                "the relay did not see a secret"
            );
        }
        assert!(
            secrets.iter().any(|s| s.starts_with("ory_st_")),
            "no session token seen"
        );
        assert!(
            secrets.len() >= 50,
            "only {} secrets captured",
            secrets.len()
        );
        eprintln!(
            "{tag}: {} secrets searched in {} outputs",
            secrets.len(),
            outputs.len()
        );
        assert_nothing_leaks(&secrets, &outputs);
    }
}

#[test]
fn the_embedded_run_shows_no_token_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = run_and_collect(
        "embedded",
        &[(
            "OPENAPP_CONFORMANCE_FAULT".into(),
            "sign-out-missing".into(),
        )],
        dir.path(),
        1,
    );
    let shapes = regex::Regex::new(
        r"ory_(st|lo)_[A-Za-z0-9]{4,}|_openapp_[A-Za-z0-9]{4,}|(ory_kratos_session|csrf_token_[0-9a-f]+)=[^<&$\s]",
    )
    .unwrap();
    for (name, content) in &outputs {
        if let Some(m) = shapes.find(content) {
            panic!("{name} shows a secret-shaped value: {}", m.as_str());
        }
    }
    let html = &outputs
        .iter()
        .find(|(n, _)| n.ends_with(".html"))
        .unwrap()
        .1;
    assert!(html.contains("data-outcome=\"failed\""));
}

#[test]
fn spellings_cover_encodings() {
    let s = spellings("a secret/value+1");
    assert!(s.contains(&"a+secret%2Fvalue%2B1".to_string()));
    assert!(s.contains(&"a%20secret%2Fvalue%2B1".to_string()));
    let blob = base64::engine::general_purpose::STANDARD.encode(b"xx:a secret/value+1:yy");
    assert!(
        s.iter().skip(3).any(|f| blob.contains(f.as_str())),
        "{s:?} / {blob}"
    );
}
