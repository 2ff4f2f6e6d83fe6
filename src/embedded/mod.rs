//! The embedded stack: a Kratos emulator and a reference OpenApp server on loopback ports.
//! It is the offline default target and the project's self-test (fault and benign switches).

pub mod kratos;
pub mod openapp;
mod stack;

pub use stack::{
    API_HOST, COOKIE_DOMAIN, EmbeddedStack, KRATOS_HOST, StackError, StackOptions,
    production_like_endpoints,
};
