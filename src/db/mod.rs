//! The database: one connection type over SQLite and PostgreSQL, the pools,
//! migrations, and one module of queries per table group.
//!
//! Every query runs on a blocking thread (`Db::read` / `Db::write` wrap
//! `web::block`-style `spawn_blocking`), never on an actix worker.

pub mod attachments;
pub mod audit;
pub mod cases;
pub mod enterprises;
pub mod measures;
pub mod outbox;
mod pool;
pub mod punishments;
pub mod reference;
pub mod relays;
pub mod safeguards;
pub mod schema;
pub mod tips;
pub mod totp;
pub mod users;

pub use pool::{Backend, Db, DbBackend, DbConnection, DbError, DbUrl, lock_in_transaction};

use chrono::{NaiveDateTime, Timelike, Utc};

/// Now in UTC, truncated to microseconds so both backends store the same value.
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// A time truncated to the minute: what is stored of every time that
/// tells when a reporter acted (tips, their updates and messages, uploads,
/// a new case, a relay ticket), so no record can be lined up with a
/// connection log to the second.
pub fn to_minute(t: NaiveDateTime) -> NaiveDateTime {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// A comma-joined key column (`cases.dimensions`, `cases.co_bureaus`,
/// `punishments.measures`) as its keys.
pub fn key_list(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
