//! The checks of `clear_jar`, `wait` and parallel groups; messages are asserted on the first
//! error line.

use crate::scenario::fixtures::{GET, ok, step_error};

#[test]
fn clear_jar_and_wait_are_steps_without_a_response() {
    ok(
        "[[step]]\nclient = \"c2\"\nclear_jar = true\n[[step]]\nwait = \"1500ms\"\n[[step]]\nname = \"w\"\nwait = \"10m\"\n",
    );
    assert_eq!(
        step_error("[[step]]\nclear_jar = false\n"),
        "t.toml:6:13: `clear_jar = false` does nothing, expected `clear_jar = true` (or no \
         `clear_jar`)"
    );
    assert_eq!(
        step_error("[[step]]\nclear_jar = true\nexpect = { status = 200 }\n"),
        "t.toml:7:21: `expect.status` on a `clear_jar` step, which makes no request, expected \
         no `expect` (check the effect in a later step)"
    );
    assert!(
        step_error("[[step]]\nwait = \"1s\"\nexpect.body = \"null\"\n")
            .starts_with("t.toml:7:15: `expect.body` on a `wait` step")
    );
    assert_eq!(
        step_error("[[step]]\nwait = \"1s\"\ncapture = { x = { header = \"a\" } }\n"),
        "t.toml:7:17: capture `x` on a `wait` step, which makes no request, expected no \
         `capture`"
    );
    assert_eq!(
        step_error("[[step]]\nwait = \"11m\"\n"),
        "t.toml:6:8: invalid duration `11m`, expected a duration such as `0s`, `500ms`, `5s` or \
         `2m` (units ms, s, m, h), at most 10m"
    );
    assert!(step_error("[[step]]\nwait = \"soon\"\n").contains("invalid duration `soon`"));
    assert!(
        step_error("[[step]]\nclient = \"c2\"\nwait = \"1s\"\n")
            .starts_with("t.toml:6:10: a `wait` step pauses the whole scenario and uses no client")
    );
    assert!(
        step_error(&format!(
            "[[step]]\nclear_jar = true\nparallel = \"p\"\n[[step]]\nclient = \"c2\"\nparallel = \"p\"\n{GET}\n"
        ))
        .starts_with("t.toml:7:12: a `clear_jar` step cannot join a parallel group")
    );
    assert_eq!(
        step_error(&format!("[[step]]\n{GET}\nclear_jar = true\n")),
        "t.toml:7:13: step has both `request` and `clear_jar`, expected exactly one of \
         `request`, `login`, `logout`, `sdk`, `clear_jar` or `wait` (split it into two steps)"
    );
    assert!(
        step_error(&format!(
            "[[step]]\nname = \"c\"\nclear_jar = true\n[[step]]\n{GET}\nexpect.same_json_as = {{ step = \"c\" }}\n"
        ))
        .contains("step `c` is a `clear_jar` step, which makes no request")
    );
}

/// Two whoamis of a group on `default` and `c2`, with `extra` added to the second.
fn group(extra: &str) -> String {
    format!(
        "[[step]]\nname = \"a\"\nparallel = \"p1\"\n{GET}\n\
         [[step]]\nclient = \"c2\"\nparallel = \"p1\"\n{GET}\n{extra}"
    )
}

#[test]
fn parallel_groups_are_consecutive_steps_on_different_clients() {
    ok(&group(""));
    // Two groups one after the other.
    ok(&format!(
        "{}{}",
        group(""),
        group("").replace("p1", "p2").replace("name = \"a\"\n", "")
    ));
    assert_eq!(
        step_error(&format!(
            "[[step]]\nparallel = \"p1\"\n{GET}\n[[step]]\n{GET}\n"
        )),
        "t.toml:6:12: parallel group `p1` has one step, expected at least two consecutive steps \
         with `parallel = \"p1\"` (or no `parallel`)"
    );
    assert_eq!(
        step_error(&format!(
            "{}[[step]]\n{GET}\n{}",
            group(""),
            group("").replace("name = \"a\"\n", "")
        )),
        "t.toml:16:12: parallel group `p1` comes back after another step (it ran as steps 1 to \
         2), expected the steps of a group to be consecutive (give this group another name)"
    );
    assert_eq!(
        step_error(&format!(
            "[[step]]\nparallel = \"p1\"\n{GET}\n[[step]]\nparallel = \"p1\"\n{GET}\n"
        )),
        "t.toml:9:12: steps 1 and 2 of parallel group `p1` both use client `default`, expected \
         a different client for each step of a group (one jar cannot run two steps at once)"
    );
    assert!(
        step_error(&format!(
            "[[step]]\nclient = \"c2\"\nparallel = \"p1\"\n{GET}\n[[step]]\nclient = \"c2\"\nparallel = \"p1\"\n{GET}\n"
        ))
        .starts_with("t.toml:10:10: steps 1 and 2 of parallel group `p1` both use client `c2`")
    );
    assert_eq!(
        step_error(&group("expect.within = \"1s\"\n")),
        "t.toml:13:17: `within` in parallel group `p1`, expected no `within` in a group (its \
         steps start together and run once: wait in a step after the group)"
    );
    assert_eq!(
        step_error(&group("expect.same_json_as = { step = \"a\" }\n")),
        "t.toml:13:32: step `a` (step 1) is in the same parallel group `p1`, so its response may \
         not have arrived yet, expected a step before the group"
    );
    assert!(
        step_error(&format!(
            "[[step]]\nparallel = \"\"\n{GET}\n[[step]]\nclient = \"c2\"\nparallel = \"\"\n{GET}\n"
        ))
        .contains("empty parallel group name")
    );
}

#[test]
fn a_capture_is_not_visible_inside_its_own_group() {
    let capture = "capture = { x = { header = \"a\" } }\n";
    let use_x = "request = { method = \"GET\", path = \"/x/{{x}}\" }";
    let text = format!(
        "[[step]]\nparallel = \"p1\"\n{GET}\n{capture}\
         [[step]]\nclient = \"c2\"\nparallel = \"p1\"\n{use_x}\n"
    );
    assert_eq!(
        step_error(&text),
        "t.toml:12:36: variable `x` is captured by another step of parallel group `p1`, which \
         runs at the same time, so it is not defined until the group has run"
    );
    // After the group it is defined.
    ok(&format!(
        "[[step]]\nparallel = \"p1\"\n{GET}\n{capture}\
         [[step]]\nclient = \"c2\"\nparallel = \"p1\"\n{GET}\n[[step]]\n{use_x}\n"
    ));
}
