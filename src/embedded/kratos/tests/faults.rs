//! The fault and benign switches.
