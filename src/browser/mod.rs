//! A real browser engine as the second opinion on every jar verdict (issue 22): headless
//! Chromium receives every `Set-Cookie` line our jar absorbed, and after each step its cookies
//! are compared with our jar's. [`compare`] is the engine-neutral core of that check: it matches
//! and compares two jars and classifies each difference as Chromium's documented policy (a
//! finding about the server, R20) or an engine difference (a bug in our jar).

pub mod check;
pub mod chromium;
pub mod compare;
pub mod mirror;
