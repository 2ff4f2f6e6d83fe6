//! Checks of a step's `expect`: statuses, JSON and header checks, cookies, `same_json_as`,
//! `within` and `sdk`.

use toml::Spanned;

use crate::plan::settings::{setting_name, within_duration};
use crate::scenario::error::did_you_mean;
use crate::scenario::model::{
    CookieCheck, DurationValue, SameJsonAs, SdkExpect, StatusExpect, Step,
};

use super::step::History;
use super::{Validator, values};

impl<'f> Validator<'f> {
    pub(super) fn check_expect(&mut self, step: &'f Step, history: &History<'f>) {
        let expect = &step.expect;
        let scope = &history.scope;
        if let Some(status) = &expect.status {
            let result = match status.get_ref() {
                StatusExpect::One(code) => values::status(*code),
                StatusExpect::AnyOf(codes) if codes.is_empty() => {
                    Err("empty status list, expected at least one status code".to_string())
                }
                StatusExpect::AnyOf(codes) => codes.iter().try_for_each(|c| values::status(*c)),
            };
            self.check(status.span(), result);
        }
        for check in &expect.json {
            let c = check.get_ref();
            self.check(c.path.span(), values::json_pointer(c.path.get_ref()));
            if let Some(pattern) = &c.matches {
                let result = scope
                    .check_template(pattern.get_ref())
                    .and_then(|()| values::regex(pattern.get_ref()));
                self.check(pattern.span(), result);
            }
            for value in [&c.equals, &c.not_equals].into_iter().flatten() {
                self.check(check.span(), scope.check_value(value));
            }
            if c.equals.is_none()
                && c.not_equals.is_none()
                && c.exists.is_none()
                && c.matches.is_none()
            {
                self.error(
                    check.span(),
                    format!(
                        "json check on `{}` checks nothing, expected one of `equals`, \
                         `not_equals`, `exists` or `matches`",
                        c.path.get_ref()
                    ),
                );
            }
        }
        for check in &expect.headers {
            let c = check.get_ref();
            self.check(check.span(), values::header_name(&c.name));
            if let Some(pattern) = &c.matches {
                let result = scope
                    .check_template(pattern.get_ref())
                    .and_then(|()| values::regex(pattern.get_ref()));
                self.check(pattern.span(), result);
            }
            if let Some(value) = &c.equals {
                self.check(check.span(), scope.check_template(value));
            }
            if c.equals.is_none() && c.matches.is_none() && c.exists.is_none() {
                self.error(
                    check.span(),
                    format!(
                        "header check on `{}` checks nothing, expected one of `equals`, `exists` \
                         or `matches`",
                        c.name
                    ),
                );
            }
        }
        for entry in expect.sets.iter().chain(&expect.clears) {
            self.check(entry.span(), values::cookie_target(entry.get_ref()));
        }
        for entry in expect
            .not_sets
            .iter()
            .chain(&expect.jar_has)
            .chain(&expect.jar_lacks)
        {
            self.check(entry.span(), values::cookie_pattern(entry.get_ref(), true));
        }
        for check in &expect.cookie {
            self.check_cookie(check);
        }
        if let Some(same) = &expect.same_json_as {
            self.check_same_json_as(same, step, history);
        }
        if let Some(within) = &expect.within {
            self.check_within(within, step);
        }
        self.check_sdk_expect(step);
    }

    /// `expect.sdk` belongs to an `sdk` step and fits what its method returns; an `sdk` step
    /// has no `expect.body` (its body is what the SDK decoded).
    fn check_sdk_expect(&mut self, step: &Step) {
        let expect = &step.expect;
        let call = step.sdk.as_ref().map(|c| *c.get_ref().call.get_ref());
        if step.expect.body.is_some()
            && let Some(sdk) = &step.sdk
        {
            {
                self.error(
                    sdk.span(),
                    "an `sdk` step has no `expect.body` (the SDK decodes an empty body and \
                     `null` alike), expected `expect.sdk = \"null\"`, `\"session\"`, \
                     `\"unit\"` or `{ error = \"auth\" }`",
                );
            }
        }
        let Some(want) = &expect.sdk else { return };
        let Some(call) = call else {
            self.error(
                want.span(),
                "`expect.sdk` checks what a caller of the SDK got, expected it in a step with \
                 `sdk = \"…\"`",
            );
            return;
        };
        let fits = match want.get_ref().0 {
            SdkExpect::Unit => call.returns_unit(),
            SdkExpect::Null | SdkExpect::Session => !call.returns_unit(),
            SdkExpect::AuthError => true,
        };
        if !fits {
            let returns = if call.returns_unit() {
                "`()`: expected `\"unit\"` or `{ error = \"auth\" }`"
            } else {
                "a JSON value: expected `\"null\"`, `\"session\"` or `{ error = \"auth\" }`"
            };
            self.error(
                want.span(),
                format!(
                    "`expect.sdk = {}` cannot hold: the SDK's `{}()` returns {returns}",
                    want.get_ref().0.as_str(),
                    call.as_str()
                ),
            );
        }
    }

    /// `within`: a well-formed duration or setting, on a GET request (only a GET is sent
    /// again).
    fn check_within(&mut self, within: &Spanned<DurationValue>, step: &Step) {
        match within.get_ref() {
            DurationValue::Literal(text) => {
                self.check(within.span(), within_duration(text).map(drop));
            }
            DurationValue::Setting(s) => {
                self.check(s.setting.span(), setting_name(s.setting.get_ref()));
                self.check(
                    s.default.span(),
                    within_duration(s.default.get_ref()).map(drop),
                );
            }
        }
        let sdk_call = step.sdk.as_ref().map(|c| *c.get_ref().call.get_ref());
        let action = match (&step.request, &step.login, &step.logout, sdk_call) {
            (Some(r), ..) if r.get_ref().method.get_ref() == "GET" => return,
            (Some(r), ..) => format!("a {} request", r.get_ref().method.get_ref()),
            (None, Some(_), ..) => "a login".to_string(),
            (None, None, Some(_), _) => "a logout".to_string(),
            (None, None, None, Some(call)) if call.is_get() => return,
            (None, None, None, Some(call)) => format!("the SDK's `{}()` (a POST)", call.as_str()),
            (None, None, None, None) => return,
        };
        self.error(
            within.span(),
            format!(
                "`within` sends the step again until its expectations hold, and only a GET \
                 request may be sent again, but this step is {action} (remove `within`, or wait \
                 in a GET step after it)"
            ),
        );
    }

    fn check_cookie(&mut self, check: &Spanned<CookieCheck>) {
        let c = check.get_ref();
        let span = check.span();
        self.check(
            c.name.span(),
            values::cookie_pattern(c.name.get_ref(), true),
        );
        if let Some(lifetime) = &c.lifetime {
            self.check(
                span.clone(),
                values::one_of("lifetime", lifetime, values::LIFETIMES, false),
            );
        }
        if let Some(secure) = &c.secure {
            self.check(
                span.clone(),
                values::one_of("secure", secure, values::SECURE, false),
            );
        }
        if let Some(samesite) = &c.samesite {
            self.check(
                span.clone(),
                values::one_of("samesite", samesite, values::SAMESITE, true),
            );
        }
        if let Some(path) = c.path.as_ref().filter(|p| !p.starts_with('/')) {
            self.error(
                span.clone(),
                format!("invalid cookie path `{path}`, expected a path starting with `/`"),
            );
        }
        if c.domain.as_ref().is_some_and(|d| d.trim().is_empty()) {
            self.error(
                span,
                "empty cookie domain, expected `host-only`, `cookie-domain` or a domain",
            );
        }
    }

    fn check_same_json_as(
        &mut self,
        same: &Spanned<SameJsonAs>,
        step: &Step,
        history: &History<'f>,
    ) {
        let target = &same.get_ref().step;
        let t = target.get_ref().as_str();
        let own = step.name.as_ref().is_some_and(|n| n.get_ref() == t);
        let message = if let Some(kind) = history.no_response.get(t) {
            Some(format!(
                "step `{t}` is a `{kind}` step, which makes no request, expected the `name` of \
                 an earlier step with a JSON response"
            ))
        } else if history.earlier.contains_key(t) {
            None
        } else if own {
            Some(format!(
                "step `{t}` cannot compare with itself, expected an earlier step's `name`"
            ))
        } else if history.all_names.contains(t) {
            Some(format!(
                "step `{t}` comes later, expected an earlier step's `name`"
            ))
        } else {
            Some(format!(
                "unknown step `{t}`, expected the `name` of an earlier step{}",
                did_you_mean(t, history.earlier.keys().copied())
            ))
        };
        if let Some(message) = message {
            self.error(target.span(), message);
        }
        for pointer in &same.get_ref().paths {
            self.check(same.span(), values::json_pointer(pointer));
        }
    }
}
