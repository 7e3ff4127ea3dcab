//! End-to-end tests across the binaries live in tests/*.rs of this crate.
