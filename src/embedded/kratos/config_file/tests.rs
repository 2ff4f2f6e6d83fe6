use std::collections::HashMap;

use super::*;

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/kratos/kratos.yml")
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// Writes `yaml` (and the identity schema next to it) into a fresh directory.
fn write(yaml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kratos.yml");
    std::fs::write(&path, yaml).expect("write config");
    std::fs::write(
        dir.path().join("identity.schema.json"),
        r#"{"type": "object"}"#,
    )
    .expect("write schema");
    (dir, path)
}

const MINIMAL: &str = "dsn: memory\nselfservice:\n  default_browser_return_url: http://app.test/\nidentity:\n  schemas:\n    - id: default\n      url: file:///etc/config/kratos/identity.schema.json\n";

#[test]
fn the_shipped_config_is_the_embedded_configuration() {
    let loaded = load(&shipped(), &no_env).expect("config/kratos/kratos.yml loads");
    let mut expected = KratosConfig::embedded(
        "http://auth.openapp.test:4433/".parse().unwrap(),
        "http://127.0.0.1:4434/".parse().unwrap(),
        Some("openapp.test".into()),
    );
    expected.dev = false;
    assert_eq!(loaded.kratos, expected);
    assert_eq!(loaded.dsn, "memory");
    assert_eq!(loaded.public_listen, "0.0.0.0:4433");
    assert_eq!(loaded.admin_listen, "0.0.0.0:4434");
    assert!(loaded.public_tls.is_none());
    assert!(
        loaded.identity_schema["properties"]["traits"].is_object(),
        "the file:// schema resolves next to the config file"
    );
}

#[test]
fn environment_overrides_win_like_in_kratos() {
    let env: HashMap<&str, &str> = HashMap::from([
        ("SERVE_PUBLIC_BASE_URL", "https://auth.example.test"),
        ("SERVE_ADMIN_BASE_URL", "http://127.0.0.1:9434/"),
        ("SERVE_PUBLIC_PORT", "9433"),
        ("COOKIES_DOMAIN", ""),
        ("DSN", "sqlite:///tmp/db.sqlite?_fk=true"),
        ("SELFSERVICE_FLOWS_LOGIN_LIFESPAN", "4s"),
        (
            "SELFSERVICE_ALLOWED_RETURN_URLS",
            "http://a.test, http://b.test:8080",
        ),
        ("SESSION_COOKIE_PERSISTENT", "false"),
        ("DEV", "true"),
    ]);
    let lookup = |k: &str| env.get(k).map(|v| v.to_string());
    let c = load(&shipped(), &lookup).expect("loads");
    assert_eq!(
        c.kratos.public_base_url.as_str(),
        "https://auth.example.test/"
    );
    assert_eq!(c.kratos.admin_base_url.as_str(), "http://127.0.0.1:9434/");
    assert_eq!(c.public_listen, "0.0.0.0:9433");
    assert_eq!(
        c.kratos.cookie_domain, None,
        "an empty COOKIES_DOMAIN means host-only"
    );
    assert_eq!(c.dsn, "sqlite:///tmp/db.sqlite?_fk=true");
    assert_eq!(c.kratos.flow_lifespan, Duration::from_secs(4));
    assert_eq!(c.kratos.allowed_return_urls.len(), 2);
    assert!(!c.kratos.session_cookie.persistent);
    assert!(c.kratos.dev);
}

#[test]
fn defaults_follow_kratos() {
    let (_dir, path) = write(MINIMAL);
    let c = load(&path, &no_env).expect("loads");
    assert_eq!(c.kratos.public_base_url.as_str(), "http://localhost:4433/");
    assert_eq!(c.kratos.cookie_domain, None);
    assert_eq!(c.kratos.flow_lifespan, Duration::from_secs(3600));
    assert_eq!(c.kratos.session_lifespan, Duration::from_secs(86_400));
    assert_eq!(c.kratos.logout_after_url.as_str(), "http://app.test/");
    assert_eq!(
        c.kratos.login_ui_url.as_str(),
        "https://www.ory.sh/kratos/docs/fallback/login"
    );
    assert_eq!(c.kratos.session_cookie, SessionCookieConfig::default());
}

#[test]
fn an_inline_base64_schema_is_read() {
    let yaml = MINIMAL.replace(
        "file:///etc/config/kratos/identity.schema.json",
        &format!("base64://{}", STANDARD.encode(r#"{"title":"inline"}"#)),
    );
    let (_dir, path) = write(&yaml);
    let c = load(&path, &no_env).expect("loads");
    assert_eq!(c.identity_schema["title"], "inline");
}

#[test]
fn invalid_configurations_name_the_key() {
    let cases = [
        ("dsn: memory\n", "selfservice.default_browser_return_url"),
        (&MINIMAL.replace("dsn: memory\n", "") as &str, "dsn"),
        (
            &format!("{MINIMAL}cookies:\n  same_site: Loose\n"),
            "cookies.same_site",
        ),
        (
            &format!("{MINIMAL}session:\n  lifespan: forever\n"),
            "session.lifespan",
        ),
        (
            &format!("{MINIMAL}secrets:\n  cookie: [short]\n"),
            "secrets.cookie",
        ),
        (
            &format!("{MINIMAL}serve:\n  public:\n    base_url: not a url\n"),
            "serve.public.base_url",
        ),
        (
            &MINIMAL.replace("identity.schema.json", "missing.json"),
            "identity.schemas",
        ),
    ];
    for (yaml, key) in cases {
        let (_dir, path) = write(yaml);
        let err = load(&path, &no_env).expect_err(key).to_string();
        assert!(err.contains(key), "{key}: {err}");
    }
    let (_dir, path) = write("serve: [1, 2\n");
    assert!(matches!(
        load(&path, &no_env),
        Err(ConfigError::Syntax { .. })
    ));
    let (_dir, path) = write(&format!("{MINIMAL}serve:\n  public:\n    port: high\n"));
    assert!(matches!(
        load(&path, &no_env),
        Err(ConfigError::Syntax { .. })
    ));
}

#[test]
fn go_durations() {
    assert_eq!(parse_go_duration("4s"), Some(Duration::from_secs(4)));
    assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
    assert_eq!(parse_go_duration("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
    assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
    assert_eq!(parse_go_duration("4"), None);
    assert_eq!(parse_go_duration("4d"), None);
    assert_eq!(parse_go_duration(""), None);
}

#[test]
fn public_tls_files_resolve_next_to_the_config_and_make_an_acceptor() {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["auth.openapp.test".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let yaml = format!(
        "{MINIMAL}serve:\n  public:\n    base_url: https://auth.openapp.test:4433/\n    tls:\n      cert:\n        path: tls/cert.pem\n      key:\n        base64: {}\n",
        STANDARD.encode(key.serialize_pem())
    );
    let (dir, path) = write(&yaml);
    std::fs::create_dir(dir.path().join("tls")).expect("mkdir");
    std::fs::write(dir.path().join("tls/cert.pem"), cert.pem()).expect("write cert");
    let c = load(&path, &no_env).expect("loads");
    let (cert_pem, key_pem) = c.public_tls.expect("serve.public.tls is read");
    assert!(crate::embedded::kratos::tls::acceptor_from_pem(&cert_pem, &key_pem).is_ok());
    let without_key = yaml.replace("      key:\n", "      other:\n");
    let (dir, path) = write(&without_key);
    std::fs::create_dir(dir.path().join("tls")).expect("mkdir");
    std::fs::write(dir.path().join("tls/cert.pem"), cert.pem()).expect("write cert");
    let err = load(&path, &no_env)
        .expect_err("a key is needed")
        .to_string();
    assert!(err.contains("serve.public.tls.key"), "{err}");
}
