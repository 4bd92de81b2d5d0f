//! SQL for stored first answers of idempotent requests.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::idempotency as t;

/// The request hash and sealed answer stored under a key, if younger than `since`.
pub fn find(
    conn: &mut DbConnection,
    key_hash: &[u8],
    since: NaiveDateTime,
) -> QueryResult<Option<(Vec<u8>, Vec<u8>)>> {
    t::table
        .find(key_hash)
        .filter(t::created_at.ge(since))
        .select((t::request_hash, t::answer_sealed))
        .first(conn)
        .optional()
}

/// Store the first answer; false when another request with the key
/// committed first (a unique violation). An expired row under the key is
/// replaced.
pub fn insert(
    conn: &mut DbConnection,
    key_hash: &[u8],
    request_hash: &[u8],
    answer_sealed: &[u8],
    since: NaiveDateTime,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::delete(t::table.find(key_hash).filter(t::created_at.lt(since))).execute(conn)?;
    let inserted = diesel::insert_into(t::table)
        .values((
            t::key_hash.eq(key_hash),
            t::request_hash.eq(request_hash),
            t::answer_sealed.eq(answer_sealed),
            t::created_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The daily job: answers older than `before` are forgotten.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::created_at.lt(before))).execute(conn)
}
