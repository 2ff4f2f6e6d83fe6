//! What a step's checks read ([`CheckInput`]) and the list they add to ([`Checks`]).

use serde_json::Value;

use crate::cite::{Route, Subject, cite_ids};
use crate::run::result::{CheckResult, Exchange, Response, SdkOutcome};
use crate::settings::Endpoints;

/// What the checks need besides the response.
pub struct CheckInput<'a> {
    /// The step's last exchange (request headers tell which cookies were sent).
    pub exchange: &'a Exchange,
    /// Its response.
    pub response: &'a Response,
    /// Cookie names in the client's jar after the response.
    pub jar_names: &'a [String],
    /// The target's endpoints (cookie domain, SameSite, Secure expectation).
    pub endpoints: &'a Endpoints,
    /// The step's rules: each check cites the one of them it enforces ([`crate::cite`]).
    pub rules: &'a [String],
    /// Renders `{{variables}}` in expected values.
    pub render: &'a dyn Fn(&str) -> Result<String, String>,
    /// The JSON body of an earlier named step, for `same_json_as`.
    pub earlier_json: Option<Option<&'a Value>>,
    /// Current unix time (for cookie lifetimes).
    pub now: i64,
    /// What the caller of an SDK step got (`expect.sdk`); `None` for other steps.
    pub sdk: Option<&'a SdkOutcome>,
}

/// The checks of one step as they are made.
pub(super) struct Checks<'a> {
    pub(super) input: &'a CheckInput<'a>,
    pub(super) out: Vec<CheckResult>,
}

impl Checks<'_> {
    /// Records one check about `subject`: what it checked and, when it failed, why; it cites
    /// the one rule it enforces.
    pub(super) fn push(&mut self, subject: Subject<'_>, what: String, failure: Option<String>) {
        let route = Route::of(&self.input.exchange.url);
        self.out.push(CheckResult {
            what,
            rules: cite_ids(subject, route, self.input.rules),
            failure,
            evaluated: true,
        });
    }
}
