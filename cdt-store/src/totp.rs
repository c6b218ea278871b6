//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits),
//! the second factor an authenticator app gives. Tested against the RFC's vectors.

use std::fmt;

use hmac::{Hmac, Mac as _};

use crate::random;

const STEP_SECS: i64 = 30;
const DIGITS: u32 = 6;

/// A new secret: 160 random bits, base32 (RFC 4648, no padding).
pub(crate) fn new_secret() -> String {
    base32(&random::raw::<20>())
}

/// A freshly enrolled second factor: shown once, never logged.
pub struct Enrolment {
    username: String,
    secret: String,
}

impl Enrolment {
    pub(crate) fn new(username: &str, secret: String) -> Self {
        Self {
            username: username.to_owned(),
            secret,
        }
    }

    /// The secret, base32, for typing into an authenticator app.
    #[must_use]
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The `otpauth://` URI an authenticator app reads (from a QR code).
    #[must_use]
    pub fn uri(&self) -> String {
        format!(
            "otpauth://totp/cdt:{}?secret={}&issuer=cdt&algorithm=SHA1&digits=6&period=30",
            self.username, self.secret
        )
    }
}

impl fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrolment")
            .field("username", &self.username)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The code of `secret` (base32) at Unix time `secs`.
#[must_use]
pub fn code_at(secret: &str, secs: i64) -> Option<String> {
    let key = unbase32(secret)?;
    Some(hotp(&key, secs.div_euclid(STEP_SECS), DIGITS))
}

/// Whether `code` is the code at `secs`, or one step before or after it.
pub(crate) fn check(secret: &str, code: &str, secs: i64) -> bool {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Some(key) = unbase32(secret) else { return false };
    let step = secs.div_euclid(STEP_SECS);
    (-1..=1).any(|d| {
        let want = hotp(&key, step + d, DIGITS);
        random::same(&want, code)
    })
}

fn hotp(key: &[u8], counter: i64, digits: u32) -> String {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    format!("{:0width$}", bin % 10u32.pow(digits), width = digits as usize)
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

fn unbase32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=' && *c != b' ') {
        let v = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())?;
        buf = (buf << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buf >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, eight digits, key "12345678901234567890".
    #[test]
    fn rfc_6238_vectors() {
        let key = b"12345678901234567890";
        for (t, want) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(key, t / 30, 8), want, "t = {t}");
        }
    }

    #[test]
    fn base32_round_trips_and_codes_check_within_one_step() {
        let secret = base32(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(unbase32(&secret).unwrap(), b"12345678901234567890");
        let code = code_at(&secret, 1_111_111_109).unwrap();
        assert_eq!(code, "081804");
        assert!(check(&secret, &code, 1_111_111_109));
        assert!(check(&secret, &code, 1_111_111_109 + 30));
        assert!(!check(&secret, &code, 1_111_111_109 + 90));
        assert!(!check(&secret, "08180", 1_111_111_109));
        assert!(!check(&secret, "abcdef", 1_111_111_109));
    }
}
