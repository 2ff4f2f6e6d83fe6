//! Scenario files: the format ([`model`]), parsing and validation.

pub mod model;
