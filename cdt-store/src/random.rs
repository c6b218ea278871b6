//! Randomness from the operating system (ring's `SystemRandom`).

use base64::Engine as _;
use ring::rand::{SecureRandom as _, SystemRandom};

fn bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS generator failing is not recoverable: nothing secret could be made.
    SystemRandom::new()
        .fill(&mut b)
        .unwrap_or_else(|_| std::process::abort());
    b
}

/// `N` random bytes as lowercase hex.
pub(crate) fn hex_id<const N: usize>() -> String {
    hex::encode(bytes::<N>())
}

/// 256 random bits, base64url without padding (43 characters).
pub(crate) fn secret() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes::<32>())
}

/// `N` random bytes.
pub(crate) fn raw<const N: usize>() -> [u8; N] {
    bytes::<N>()
}

/// SHA-256 of a secret, hex: what the database keeps of tokens and session ids.
pub(crate) fn digest(secret: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Compares two strings of public length in time that depends only on the length.
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
