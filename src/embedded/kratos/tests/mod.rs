//! Tests of the emulator over real HTTP on loopback: a replay of the 24 golden captures of
//! Kratos v1.3.1 (`tests/golden/kratos/v1.3.1/`), focused contract checks, and the fault and
//! benign switches.

mod contract;
mod faults;
mod replay;
mod support;
