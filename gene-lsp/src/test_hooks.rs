//! Test-only fault injection (cargo feature `test-hooks`, off in every normal
//! build): with `GENE_TEST_PANIC=<name>` in the environment, the request of that
//! name panics inside the server's per-request guard, so tests can check that the
//! server answers it with an error and keeps serving. Without the feature this is
//! an empty inline function and nothing reads the variable.

#[cfg(feature = "test-hooks")]
pub(crate) fn maybe_panic(name: &str) {
    if std::env::var("GENE_TEST_PANIC").is_ok_and(|v| v == name) {
        panic!("GENE_TEST_PANIC hook: {name}");
    }
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn maybe_panic(_name: &str) {}

/// Whether this build has the hooks (`--version` says so).
pub const ENABLED: bool = cfg!(feature = "test-hooks");
