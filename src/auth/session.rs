//! Server-side sessions. The cookie holds a random token; the database holds
//! only its SHA-256, so a stolen table opens no session. Every mutation must
//! send the session's CSRF token in `X-CSRF-Token` (or a form's `csrf` field).
//! The request side (cookie, extractor, CSRF check) is `http::staff_session`.
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "tipline_session";
/// A session unused for this long is over.
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;

/// A random token as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random generator failed");
    hex::encode(b)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
