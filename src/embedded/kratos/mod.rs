//! Kratos v1.3.1 emulator (public and admin APIs).
