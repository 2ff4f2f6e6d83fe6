//! Reference OpenApp server and gateway.
