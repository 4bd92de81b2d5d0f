//! The database: one connection type over SQLite and PostgreSQL, the pools,
//! migrations, and one module of queries per table group.
//!
//! Every query runs on a blocking thread (`Db::read` / `Db::write` wrap
//! `web::block`-style `spawn_blocking`), never on an actix worker.

pub mod attachments;
pub mod audit;
pub mod cases;
pub mod enterprises;
mod group_commit;
pub mod idempotency;
pub mod measures;
pub mod outbox;
mod pool;
pub mod punishments;
pub mod ratings;
pub mod reference;
pub mod relays;
pub mod safeguards;
pub mod schema;
pub mod search;
pub mod settings;
pub mod shared_limits;
pub mod tips;
pub mod totp;
pub mod users;

pub use pool::{Backend, Db, DbBackend, DbConnection, DbError, DbUrl, lock_in_transaction};

pub use crate::clock::{now, to_minute};

/// A comma-joined key column (`cases.dimensions`, `cases.co_bureaus`,
/// `punishments.measures`) as its keys.
pub fn key_list(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
