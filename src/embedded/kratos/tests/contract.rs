//! Focused checks of the contract-level behaviour.
