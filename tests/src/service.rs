//! Tests that need a service skip on a machine without it, saying why, and fail
//! instead under CI (`CI=true`).

/// Whether this is a CI run, where a missing service is a failure.
#[must_use]
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Reports a missing service: panics under CI, otherwise prints why the test skips.
#[allow(clippy::print_stderr)]
pub fn unavailable(test: &str, why: &str) {
    assert!(!in_ci(), "{test}: {why} (CI=true, so this fails instead of skipping)");
    eprintln!("SKIPPED {test}: {why}");
}
