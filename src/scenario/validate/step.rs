//! Checks of the steps: names, clients, the action (request, login, logout, sdk, clear_jar,
//! wait) and captures. Steps without an exchange are checked further in `no_exchange`,
//! parallel groups in `parallel`.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use crate::plan::template;
use crate::scenario::error::did_you_mean;
use crate::scenario::model::{
    Capture, DEFAULT_CLIENT, FlowKind, KeyChannel, Request, SdkSpec, SeedCookie, Step,
};

use super::no_exchange::no_exchange_kind;
use super::vars::{COOKIE_DOMAIN, KRATOS_PUBLIC_URL, Scope};
use super::{Validator, values};

/// What the checks of one step need to know about the steps before it.
pub(super) struct History<'f> {
    /// Variables in scope.
    pub scope: Scope<'f>,
    /// Names of the earlier steps, with their 1-based numbers.
    pub earlier: BTreeMap<&'f str, usize>,
    /// Every step name of the scenario.
    pub all_names: BTreeSet<&'f str>,
    /// Names of the earlier steps that make no request (`clear_jar`, `wait`), with their kind.
    pub no_response: BTreeMap<&'f str, &'static str>,
    /// Clients that did an API login (and so hold a session token).
    api_clients: BTreeSet<&'f str>,
}

impl<'f> Validator<'f> {
    pub(super) fn check_steps(&mut self) {
        let file = self.file;
        if file.steps.is_empty() {
            self.file_error(
                "no steps, expected at least one `[[step]]` with a `request`, `login` or `logout`",
            );
        }
        let captures: Vec<Vec<&str>> = file
            .steps
            .iter()
            .map(|s| s.get_ref().capture.keys().map(String::as_str).collect())
            .collect();
        let mut history = History {
            scope: Scope::new(file.identities.keys().map(String::as_str), &captures),
            earlier: BTreeMap::new(),
            all_names: file
                .steps
                .iter()
                .filter_map(|s| s.get_ref().name.as_ref().map(|n| n.get_ref().as_str()))
                .collect(),
            no_response: BTreeMap::new(),
            api_clients: BTreeSet::new(),
        };
        for (index, step) in file.steps.iter().enumerate() {
            let s = step.get_ref();
            history.scope.enter(s.capture.keys().map(String::as_str));
            let client = self.check_client(s);
            self.check_step_rules(s);
            self.check_action(step, client, &mut history);
            self.check_no_exchange(step);
            self.check_expect(s, &history);
            self.check_captures(s);
            // A group's captures are defined once the whole group has run.
            let group = s.parallel.as_ref().map(|p| p.get_ref().as_str());
            let next = file.steps.get(index + 1).map(|n| n.get_ref());
            let next_group = next
                .and_then(|n| n.parallel.as_ref())
                .map(|p| p.get_ref().as_str());
            match group {
                Some(g) if next_group == Some(g) => history.scope.leave_in_group(g),
                _ => history.scope.leave(),
            }
            if let Some(name) = &s.name {
                self.check_step_name(name, index + 1, &mut history.earlier);
                if let Some(kind) = no_exchange_kind(s) {
                    history.no_response.insert(name.get_ref(), kind);
                }
            }
        }
        self.check_groups();
    }

    fn check_step_name(
        &mut self,
        name: &'f Spanned<String>,
        number: usize,
        earlier: &mut BTreeMap<&'f str, usize>,
    ) {
        let n = name.get_ref().as_str();
        if n.trim().is_empty() {
            self.error(
                name.span(),
                "empty step name, expected a short label or no `name`",
            );
        } else if let Some(first) = earlier.get(n) {
            self.error(
                name.span(),
                format!("duplicate step name `{n}`, already used by step {first}"),
            );
        } else {
            earlier.insert(n, number);
        }
    }

    /// Checks the step's client and returns its name.
    fn check_client(&mut self, step: &'f Step) -> &'f str {
        let Some(client) = &step.client else {
            return DEFAULT_CLIENT;
        };
        let c = client.get_ref().as_str();
        let declared = self.file.clients.iter().map(|c| c.get_ref().as_str());
        if c != DEFAULT_CLIENT && !declared.clone().any(|d| d == c) {
            self.error(
                client.span(),
                format!(
                    "unknown client `{c}`, expected `{DEFAULT_CLIENT}` or a client declared in \
                     `clients`{}",
                    did_you_mean(c, declared.chain([DEFAULT_CLIENT]))
                ),
            );
        }
        c
    }

    fn check_step_rules(&mut self, step: &Step) {
        for id in &step.rules {
            let Some(rule) = self.rule(id) else { continue };
            if !self.file.rules.iter().any(|r| r.get_ref() == rule.id) {
                self.error(
                    id.span(),
                    format!(
                        "step rule `{}` is not among the scenario's `rules`, expected a subset \
                         of them",
                        rule.id
                    ),
                );
            }
        }
    }

    fn check_action(
        &mut self,
        step: &'f Spanned<Step>,
        client: &'f str,
        history: &mut History<'f>,
    ) {
        let s = step.get_ref();
        let actions: Vec<(&str, std::ops::Range<usize>)> = [
            s.request.as_ref().map(|r| ("request", r.span())),
            s.login.as_ref().map(|l| ("login", l.span())),
            s.logout.as_ref().map(|l| ("logout", l.span())),
            s.sdk.as_ref().map(|c| ("sdk", c.span())),
            s.clear_jar.as_ref().map(|c| ("clear_jar", c.span())),
            s.wait.as_ref().map(|w| ("wait", w.span())),
        ]
        .into_iter()
        .flatten()
        .collect();
        match actions.as_slice() {
            [] => self.error(
                step.span(),
                "step has no action, expected exactly one of `request`, `login`, `logout`, \
                 `sdk`, `clear_jar` or `wait`",
            ),
            [_] => {}
            [(first, _), (second, span), ..] => {
                let expected = if s.clear_jar.is_some() || s.wait.is_some() {
                    "`request`, `login`, `logout`, `sdk`, `clear_jar` or `wait`"
                } else if s.sdk.is_some() {
                    "`request`, `login`, `logout` or `sdk`"
                } else {
                    "`request`, `login` or `logout`"
                };
                self.error(
                    span.clone(),
                    format!(
                        "step has both `{first}` and `{second}`, expected exactly one of \
                         {expected} (split it into two steps)"
                    ),
                );
            }
        }
        if let Some(login) = &s.login {
            let identity = &login.get_ref().identity;
            let name = identity.get_ref().as_str();
            if !self.file.identities.contains_key(name) {
                self.error(
                    identity.span(),
                    format!(
                        "unknown identity `{name}`, expected an identity declared under \
                         `identities`{}",
                        did_you_mean(name, self.file.identities.keys().map(String::as_str))
                    ),
                );
            }
            match login.get_ref().flow {
                FlowKind::Api => {
                    history.api_clients.insert(client);
                }
                FlowKind::BrowserForm => self.check_form_login(s),
                FlowKind::Browser => {}
            }
        }
        if let Some(logout) = &s.logout
            && logout.get_ref().flow == FlowKind::Api
            && !history.api_clients.contains(client)
        {
            self.error(
                logout.span(),
                format!(
                    "api logout needs a session token, expected an earlier step with \
                     `login = {{ identity = \"…\", flow = \"api\" }}` for client `{client}`"
                ),
            );
        }
        if let Some(request) = &s.request {
            self.check_request(request, client, history);
        }
        if let Some(sdk) = &s.sdk {
            self.check_sdk(sdk, &history.scope);
        }
    }

    /// An SDK step: the key goes on `X-API-Key` (the only channel the SDK has), and the step
    /// records no body of its own (`expect.sdk` says what the caller got).
    fn check_sdk(&mut self, sdk: &Spanned<SdkSpec>, scope: &Scope<'f>) {
        let c = sdk.get_ref();
        if let Some(key) = &c.api_key
            && key.get_ref().via != KeyChannel::XApiKey
        {
            self.error(
                key.span(),
                "the SDK sends its key on `X-API-Key` only, expected no `via` (or \
                 `via = \"x-api-key\"`)",
            );
        }
        self.check_seed_cookies(&c.cookies, scope);
    }

    /// Seeded cookies: a valid name, defined `{{variables}}` in the value and a path starting
    /// with `/`.
    fn check_seed_cookies(&mut self, cookies: &[Spanned<SeedCookie>], scope: &Scope<'f>) {
        for cookie in cookies {
            let c = cookie.get_ref();
            self.check(cookie.span(), values::cookie_pattern(&c.name, false));
            if let Some(value) = &c.value {
                self.check(cookie.span(), scope.check_template(value));
            }
            if !c.path.starts_with('/') {
                self.error(
                    cookie.span(),
                    format!(
                        "invalid cookie path `{}`, expected a path starting with `/`",
                        c.path
                    ),
                );
            }
        }
    }

    /// A browser-form login ends on Kratos's `303` to `return_to`, which has no body: checks
    /// and captures that read a JSON body cannot hold there.
    fn check_form_login(&mut self, step: &Step) {
        const WHY: &str = "the login ends on Kratos's 303 to return_to, which has no body";
        const HINT: &str = "read the session in a later step: `GET /sessions/whoami` on \
                            `kratos-public`, or `/auth/whoami`";
        for check in &step.expect.json {
            self.error(
                check.span(),
                format!("json check on a `browser-form` login: {WHY}, expected no `json` ({HINT})"),
            );
        }
        if let Some(same) = &step.expect.same_json_as {
            self.error(
                same.span(),
                format!(
                    "`same_json_as` on a `browser-form` login: {WHY}, expected no \
                     `same_json_as` ({HINT})"
                ),
            );
        }
        for (key, capture) in &step.capture {
            let c = capture.get_ref();
            if c.json.is_some() || c.ui_node.is_some() {
                self.error(
                    capture.span(),
                    format!(
                        "capture `{key}` reads the body of a `browser-form` login: {WHY}, \
                         expected `header`, `cookie` or a capture in a later step"
                    ),
                );
            }
        }
    }

    fn check_request(&mut self, request: &Spanned<Request>, client: &str, history: &History<'f>) {
        let r = request.get_ref();
        let scope = &history.scope;
        self.check(r.method.span(), values::method(r.method.get_ref()));
        let path = r.path.get_ref();
        if !path.starts_with('/') && !path.starts_with("{{") {
            self.error(
                r.path.span(),
                format!("invalid request path `{path}`, expected a path starting with `/`"),
            );
        }
        self.check(r.path.span(), scope.check_template(path));
        for (name, value) in &r.headers {
            self.check(value.span(), values::header_name(name));
            self.check(value.span(), scope.check_template(value.get_ref()));
        }
        let mut bodies = Vec::new();
        if let Some(json) = &r.json {
            self.check(json.span(), scope.check_value(json.get_ref()));
            bodies.push(("json", json.span()));
        }
        if let Some(form) = &r.form {
            for value in form.values() {
                self.check(value.span(), scope.check_template(value.get_ref()));
            }
            let span = form.values().next().map_or(request.span(), Spanned::span);
            bodies.push(("form", span));
        }
        if let Some(body) = &r.body {
            self.check(body.span(), scope.check_template(body.get_ref()));
            bodies.push(("body", body.span()));
        }
        bodies.sort_by_key(|(_, span)| span.start);
        if let [(first, _), (second, span), ..] = bodies.as_slice() {
            self.error(
                span.clone(),
                format!(
                    "request has both `{first}` and `{second}`, expected at most one of `json`, \
                     `form` or `body`"
                ),
            );
        }
        if r.session_token && !history.api_clients.contains(client) {
            self.error(
                request.span(),
                format!(
                    "`session_token = true` needs a session token, expected an earlier step with \
                     `login = {{ identity = \"…\", flow = \"api\" }}` for client `{client}`"
                ),
            );
        }
        self.check_seed_cookies(&r.cookies, scope);
    }

    fn check_captures(&mut self, step: &Step) {
        for (key, capture) in &step.capture {
            let span = capture.span();
            if !template::is_variable_name(key) {
                self.error(
                    span.clone(),
                    format!(
                        "invalid capture name `{key}`, expected letters, digits, `_`, `.` or \
                         `-`, not starting with a digit"
                    ),
                );
            } else if key == COOKIE_DOMAIN
                || key == KRATOS_PUBLIC_URL
                || key.starts_with("identity.")
            {
                self.error(
                    span.clone(),
                    format!(
                        "capture `{key}` would hide a built-in variable, expected another name"
                    ),
                );
            }
            self.check(span, capture_source(key, capture.get_ref()));
            if let Some(query) = &capture.get_ref().query {
                self.check(query.span(), capture_query(key, capture.get_ref(), query));
            }
        }
    }
}

/// `query` reads one parameter of a URL-valued header, so it needs `header` and a name.
fn capture_query(key: &str, c: &Capture, query: &Spanned<String>) -> Result<(), String> {
    if c.header.is_none() {
        return Err(format!(
            "capture `{key}` has `query` without `header`, expected `query` next to a \
             URL-valued `header` (`{{ header = \"location\", query = \"flow\" }}`)"
        ));
    }
    if query.get_ref().trim().is_empty() {
        return Err(format!(
            "capture `{key}` has an empty `query`, expected a query parameter name"
        ));
    }
    Ok(())
}

/// A capture has exactly one source, and that source is well-formed.
fn capture_source(key: &str, c: &Capture) -> Result<(), String> {
    let sources: Vec<&str> = [
        c.json.as_ref().map(|_| "json"),
        c.header.as_ref().map(|_| "header"),
        c.cookie.as_ref().map(|_| "cookie"),
        c.ui_node.as_ref().map(|_| "ui_node"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if sources.len() != 1 {
        let found = if sources.is_empty() {
            "none".to_string()
        } else {
            values::list(&sources).replace(" or ", " and ")
        };
        return Err(format!(
            "capture `{key}` has {found}, expected exactly one source: `json`, `header`, \
             `cookie` or `ui_node`"
        ));
    }
    if let Some(pointer) = &c.json {
        values::json_pointer(pointer)?;
    }
    if let Some(header) = &c.header {
        values::header_name(header)?;
    }
    if let Some(cookie) = &c.cookie {
        values::cookie_pattern(cookie, false)?;
    }
    if let Some(node) = &c.ui_node
        && node.is_empty()
    {
        return Err(format!(
            "capture `{key}` has an empty `ui_node`, expected an input name"
        ));
    }
    Ok(())
}
