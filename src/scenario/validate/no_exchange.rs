//! Checks of the steps that exchange nothing with the target: `clear_jar = true` (empties the
//! client's jar) and `wait = "2s"` (pauses the scenario). They have no response, so no
//! `expect` and no `capture`; a wait has no client; neither joins a parallel group.

use std::ops::Range;

use toml::Spanned;

use crate::plan::settings::within_duration;
use crate::scenario::model::{Expect, Step};

use super::Validator;

/// `clear_jar` or `wait` for a step that makes no request, else `None`.
pub(super) fn no_exchange_kind(step: &Step) -> Option<&'static str> {
    if step.clear_jar.is_some() {
        Some("clear_jar")
    } else if step.wait.is_some() {
        Some("wait")
    } else {
        None
    }
}

impl<'f> Validator<'f> {
    pub(super) fn check_no_exchange(&mut self, step: &'f Spanned<Step>) {
        let s = step.get_ref();
        let Some(kind) = no_exchange_kind(s) else {
            return;
        };
        if let Some(clear) = &s.clear_jar
            && !*clear.get_ref()
        {
            self.error(
                clear.span(),
                "`clear_jar = false` does nothing, expected `clear_jar = true` (or no `clear_jar`)",
            );
        }
        if let Some(wait) = &s.wait {
            self.check(wait.span(), within_duration(wait.get_ref()).map(drop));
            if let Some(client) = &s.client {
                self.error(
                    client.span(),
                    "a `wait` step pauses the whole scenario and uses no client, expected no \
                     `client`",
                );
            }
        }
        if let Some(group) = &s.parallel {
            self.error(
                group.span(),
                format!(
                    "a `{kind}` step cannot join a parallel group, expected `parallel` only on \
                     `request`, `login`, `logout` and `sdk` steps"
                ),
            );
        }
        for (key, span) in expect_keys(&s.expect) {
            self.error(
                span,
                format!(
                    "`expect.{key}` on a `{kind}` step, which makes no request, expected no \
                     `expect` (check the effect in a later step)"
                ),
            );
        }
        for (name, capture) in &s.capture {
            self.error(
                capture.span(),
                format!(
                    "capture `{name}` on a `{kind}` step, which makes no request, expected no \
                     `capture`"
                ),
            );
        }
    }
}

/// Every key an `expect` table sets, with the span of its value (one entry per list item).
fn expect_keys(e: &Expect) -> Vec<(&'static str, Range<usize>)> {
    fn each<T>(key: &'static str, list: &[Spanned<T>]) -> Vec<(&'static str, Range<usize>)> {
        list.iter().map(|x| (key, x.span())).collect()
    }
    let mut keys: Vec<(&'static str, Range<usize>)> = [
        e.status.as_ref().map(|x| ("status", x.span())),
        e.body.as_ref().map(|x| ("body", x.span())),
        e.same_json_as.as_ref().map(|x| ("same_json_as", x.span())),
        e.within.as_ref().map(|x| ("within", x.span())),
        e.sdk.as_ref().map(|x| ("sdk", x.span())),
    ]
    .into_iter()
    .flatten()
    .collect();
    keys.extend(each("json", &e.json));
    keys.extend(each("headers", &e.headers));
    keys.extend(each("sets", &e.sets));
    keys.extend(each("clears", &e.clears));
    keys.extend(each("not_sets", &e.not_sets));
    keys.extend(each("cookie", &e.cookie));
    keys.extend(each("jar_has", &e.jar_has));
    keys.extend(each("jar_lacks", &e.jar_lacks));
    keys
}
