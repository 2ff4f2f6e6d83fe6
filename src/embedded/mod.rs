//! The embedded stack: a Kratos emulator and a reference OpenApp server on loopback ports.

pub mod kratos;
pub mod openapp;
