//! Staff authentication: argon2id passwords, server-side sessions, CSRF;
//! and relay keys.

pub mod password;
pub mod relay_key;
pub mod session;

pub use session::SESSION_COOKIE;
