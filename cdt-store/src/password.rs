//! Password hashes: Argon2id with the `argon2` crate's defaults (19 MiB, 2 passes,
//! 1 lane: OWASP's first recommended setting), in the PHC string format. Hashing is
//! deliberately slow, so it runs on a blocking thread, never on an async worker.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};

use crate::{Error, Result};

/// The shortest password accepted.
pub const MIN_LEN: usize = 12;
/// The longest password accepted (Argon2 takes any length; this bounds the work).
pub const MAX_LEN: usize = 256;

/// Hashes `password` (after checking its length).
pub async fn hash(password: String) -> Result<String> {
    check(&password)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Hash(e.to_string()))
    })
    .await
    .map_err(|e| Error::Hash(e.to_string()))?
}

/// Whether `password` matches `phc`. A malformed stored hash never matches.
pub async fn verify(password: String, phc: String) -> bool {
    if password.len() > MAX_LEN {
        return false;
    }
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash that matches no password, verified against for unknown users so that a
/// login takes as long whether or not the user exists.
pub(crate) const DECOY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZqQ0sZc8JdYmP0Y6m6JtIhV0GmBOGk1bGL0QhZ2mJZ8";

fn check(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(Error::Invalid {
            field: "password",
            reason: format!("must be at least {MIN_LEN} characters"),
        });
    }
    if password.len() > MAX_LEN {
        return Err(Error::Invalid {
            field: "password",
            reason: format!("must be at most {MAX_LEN} bytes"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_and_verifies_only_its_password() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("correct horse battery".into(), h.clone()).await);
        assert!(!verify("correct horse battery!".into(), h).await);
        assert!(!verify("anything at all".into(), DECOY.into()).await);
        assert!(matches!(hash("short".into()).await, Err(Error::Invalid { .. })));
    }
}
