//! Generic carry-over of values between the capture and the live emulator: each captured value
//! is paired with the live value found at the same place of the live answer (same JSON path,
//! same `Location` query key, same `Set-Cookie` line), and later requests have every captured
//! value replaced by its live partner. Addresses (base URLs, host:port, the CSRF cookie name)
//! are paired from the start.

use std::collections::HashMap;

use serde_json::Value;
use url::Url;

use crate::capture::{CapturedResponse, all, first};
use crate::live::LiveResponse;
use crate::normalize::Addresses;

/// Captured value → live value.
#[derive(Debug, Default)]
pub(crate) struct CarryOver {
    pairs: Vec<(String, String)>,
}

/// Values shorter than this are never paired (status words, `aal1`, …).
const MIN_LEN: usize = 8;

impl CarryOver {
    /// Starts with the two sides' addresses and CSRF cookie names.
    pub(crate) fn new(
        captured: &Addresses,
        live: &Addresses,
        csrf_names: (String, String),
    ) -> Self {
        let mut carry = Self::default();
        let authority = |s: &str| s.split_once("://").map(|(_, a)| a.to_string());
        for (c, l) in [
            (&captured.public, &live.public),
            (&captured.admin, &live.admin),
        ] {
            carry.pairs.push((c.clone(), l.clone()));
            if let (Some(c), Some(l)) = (authority(c), authority(l)) {
                carry.pairs.push((c, l));
            }
        }
        carry.pairs.push(csrf_names);
        carry
    }

    /// `text` with every known captured value replaced, the longest match first at each place,
    /// in one pass: a replacement is never searched again (a live `127.0.0.1:44341` must not
    /// have the captured `127.0.0.1:4434` inside it replaced a second time).
    pub(crate) fn subst(&self, text: &str) -> String {
        let mut pairs: Vec<&(String, String)> =
            self.pairs.iter().filter(|(c, _)| !c.is_empty()).collect();
        pairs.sort_by_key(|(c, _)| std::cmp::Reverse(c.len()));
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            match pairs
                .iter()
                .find(|(captured, _)| rest.starts_with(captured.as_str()))
            {
                Some((captured, live)) => {
                    out.push_str(live);
                    rest = &rest[captured.len()..];
                }
                None => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        out
    }

    /// Pairs two values (and, for two URLs, their query values by key).
    pub(crate) fn learn(&mut self, captured: &str, live: &str) {
        if captured == live
            || captured.len() < MIN_LEN
            || self.pairs.iter().any(|(c, _)| c == captured)
        {
            return;
        }
        self.pairs.push((captured.to_string(), live.to_string()));
        if let (Ok(c), Ok(l)) = (Url::parse(captured), Url::parse(live)) {
            let l_pairs: HashMap<String, String> = l.query_pairs().into_owned().collect();
            for (k, cv) in c.query_pairs().into_owned() {
                if let Some(lv) = l_pairs.get(&k) {
                    self.learn(&cv, lv);
                }
            }
        }
    }

    /// Pairs the strings found at the same paths of two JSON values.
    pub(crate) fn learn_json(&mut self, captured: &Value, live: &Value) {
        match (captured, live) {
            (Value::String(c), Value::String(l)) => self.learn(c, l),
            (Value::Array(c), Value::Array(l)) => {
                c.iter().zip(l).for_each(|(c, l)| self.learn_json(c, l))
            }
            (Value::Object(c), Value::Object(l)) => {
                for (k, cv) in c {
                    if let Some(lv) = l.get(k) {
                        self.learn_json(cv, lv);
                    }
                }
            }
            _ => {}
        }
    }

    /// Pairs what two answers to the same request hold: `Set-Cookie` values line by line,
    /// `Location`, and the JSON bodies.
    pub(crate) fn learn_response(&mut self, captured: &CapturedResponse, live: &LiveResponse) {
        let value = |line: &str| {
            line.split(';')
                .next()
                .and_then(|p| p.split_once('='))
                .map(|(_, v)| v.to_string())
        };
        let live_lines = all(&live.headers, "set-cookie");
        for (c, l) in all(&captured.headers, "set-cookie").iter().zip(&live_lines) {
            if let (Some(cv), Some(lv)) = (value(c), value(l)) {
                self.learn(&cv, &lv);
            }
        }
        if let (Some(c), Some(l)) = (
            captured.header("location"),
            first(&live.headers, "location"),
        ) {
            self.learn(c, l);
        }
        if let (Ok(c), Ok(l)) = (
            serde_json::from_str::<Value>(&captured.body_text()),
            serde_json::from_str::<Value>(&live.body),
        ) {
            self.learn_json(&c, &l);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_live_port_that_extends_the_captured_one_is_not_replaced_twice() {
        let captured = Addresses::new("http://auth.openapp.test:4433/", "http://127.0.0.1:4434/");
        let live = Addresses::new("http://auth.openapp.test:44331/", "http://127.0.0.1:44341/");
        let carry = CarryOver::new(&captured, &live, ("csrf_a".into(), "csrf_b".into()));
        assert_eq!(
            carry.subst("http://127.0.0.1:4434/admin/identities and auth.openapp.test:4433/x"),
            "http://127.0.0.1:44341/admin/identities and auth.openapp.test:44331/x"
        );
    }

    #[test]
    fn values_found_at_the_same_place_are_carried_over() {
        let captured = Addresses::new("http://auth.openapp.test:4433/", "http://127.0.0.1:4434/");
        let live = Addresses::new("http://auth.openapp.test:5000/", "http://127.0.0.1:5001/");
        let mut carry = CarryOver::new(&captured, &live, ("csrf_a".into(), "csrf_b".into()));
        carry.learn_json(
            &json!({"id": "11111111-aaaa", "ui": {"action": "http://auth.openapp.test:4433/x?flow=11111111-aaaa"}}),
            &json!({"id": "22222222-bbbb", "ui": {"action": "http://auth.openapp.test:5000/x?flow=22222222-bbbb"}}),
        );
        assert_eq!(
            carry.subst(
                "http://auth.openapp.test:4433/self-service/login?flow=11111111-aaaa; csrf_a=1"
            ),
            "http://auth.openapp.test:5000/self-service/login?flow=22222222-bbbb; csrf_b=1"
        );
        assert_eq!(carry.subst("Host: 127.0.0.1:4434"), "Host: 127.0.0.1:5001");
    }
}
