//! `expect.sdk`: each expectation passes on what it names and fails on everything else; an
//! auth error passes only from a real 401 or 403.

use serde_json::json;

use super::super::sdk_failure;
use crate::plan::model::SdkExpect;
use crate::run::result::SdkOutcome;

fn auth() -> SdkOutcome {
    SdkOutcome::Error {
        kind: "auth".into(),
        status: None,
        message: "auth error: invalid api key".into(),
    }
}

fn outcomes() -> Vec<(&'static str, SdkOutcome)> {
    vec![
        ("null", SdkOutcome::Value(json!(null))),
        (
            "session",
            SdkOutcome::Value(json!({ "id": "s", "identity": { "id": "i" } })),
        ),
        ("object", SdkOutcome::Value(json!({ "id": "s" }))),
        ("unit", SdkOutcome::Unit),
        ("auth", auth()),
        (
            "decode",
            SdkOutcome::Error {
                kind: "deserialize".into(),
                status: None,
                message: "failed to decode response".into(),
            },
        ),
    ]
}

#[test]
fn each_expectation_holds_for_its_own_outcome_only() {
    let cases = [
        (SdkExpect::Null, "null"),
        (SdkExpect::Session, "session"),
        (SdkExpect::Unit, "unit"),
        (SdkExpect::AuthError, "auth"),
    ];
    for (want, own) in cases {
        for (name, got) in outcomes() {
            let failure = sdk_failure(want, Some(&got), 401);
            assert_eq!(
                failure.is_none(),
                name == own,
                "{want:?} on {name}: {failure:?}"
            );
        }
    }
}

#[test]
fn an_auth_error_counts_only_from_a_401_or_403() {
    assert!(sdk_failure(SdkExpect::AuthError, Some(&auth()), 401).is_none());
    assert!(sdk_failure(SdkExpect::AuthError, Some(&auth()), 403).is_none());
    // The SDK reports a malformed key as an auth error too, without any request.
    let failure = sdk_failure(SdkExpect::AuthError, Some(&auth()), 200).expect("fails");
    assert!(failure.contains("the server answered 200"), "{failure}");
}

#[test]
fn a_step_without_an_sdk_call_fails_the_expectation() {
    assert!(sdk_failure(SdkExpect::Null, None, 200).is_some());
}
