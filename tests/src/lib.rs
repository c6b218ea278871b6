//! Cross-crate integration tests of Customer Data Tools live in `tests/tests/`: they
//! use the crates as a Rust service would, on the committed demo district.
