//! Staff authentication: argon2id passwords, server-side sessions, CSRF.

pub mod password;
pub mod session;

pub use session::{SESSION_COOKIE, Staff};
