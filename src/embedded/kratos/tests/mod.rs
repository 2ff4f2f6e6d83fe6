//! Tests of the emulator over real HTTP on loopback: focused contract checks against the
//! golden captures, and the fault and benign switches. The golden replay of all capture sets
//! is the integration test `tests/kratos_golden/`.

mod contract;
mod faults;
mod support;
