//! SQL for the rate windows, spent proofs and daily client salt that
//! several PostgreSQL processes share (services/limiter.rs). PostgreSQL
//! only: the calls are no-ops that allow everything on SQLite, whose one
//! process keeps these in memory.
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Integer, Text};

use super::DbConnection;

/// Milliseconds on the database's clock, so that processes on hosts whose
/// clocks differ still share one window.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

#[derive(QueryableByName)]
struct Hits {
    #[diesel(sql_type = Integer)]
    hits: i32,
}

/// Count one request of `client_hash` in `bucket`; the count within its
/// window, which opens at the client's first request and lasts `window_ms`.
pub fn hit(
    conn: &mut DbConnection,
    bucket: &str,
    client_hash: &[u8],
    window_ms: i64,
) -> QueryResult<i32> {
    let DbConnection::Pg(c) = conn else {
        return Ok(1);
    };
    // SET sees the old row, so both columns test the same opened_ms.
    let row: Hits = diesel::sql_query(format!(
        "INSERT INTO rate_windows AS w (bucket, client_hash, opened_ms, hits) \
         VALUES ($1, $2, {NOW_MS}, 1) \
         ON CONFLICT (bucket, client_hash) DO UPDATE SET \
           opened_ms = CASE WHEN w.opened_ms <= EXCLUDED.opened_ms - $3 \
                            THEN EXCLUDED.opened_ms ELSE w.opened_ms END, \
           hits = CASE WHEN w.opened_ms <= EXCLUDED.opened_ms - $3 \
                       THEN 1 ELSE w.hits + 1 END \
         RETURNING hits"
    ))
    .bind::<Text, _>(bucket)
    .bind::<Binary, _>(client_hash)
    .bind::<BigInt, _>(window_ms)
    .get_result(c)?;
    Ok(row.hits)
}

/// Record a proof as spent; false when it was spent before.
pub fn spend(conn: &mut DbConnection, proof_hash: &[u8]) -> QueryResult<bool> {
    let DbConnection::Pg(c) = conn else {
        return Ok(true);
    };
    let n = diesel::sql_query(format!(
        "INSERT INTO spent_proofs (proof_hash, spent_ms) VALUES ($1, {NOW_MS}) \
         ON CONFLICT (proof_hash) DO NOTHING"
    ))
    .bind::<Binary, _>(proof_hash)
    .execute(c)?;
    Ok(n == 1)
}

/// Forget windows opened and proofs spent more than `older_than_ms` ago.
pub fn sweep(conn: &mut DbConnection, older_than_ms: i64) -> QueryResult<usize> {
    let DbConnection::Pg(c) = conn else {
        return Ok(0);
    };
    let w = diesel::sql_query(format!(
        "DELETE FROM rate_windows WHERE opened_ms < {NOW_MS} - $1"
    ))
    .bind::<BigInt, _>(older_than_ms)
    .execute(c)?;
    let p = diesel::sql_query(format!(
        "DELETE FROM spent_proofs WHERE spent_ms < {NOW_MS} - $1"
    ))
    .bind::<BigInt, _>(older_than_ms)
    .execute(c)?;
    Ok(w + p)
}

/// The salt stored under `key`, storing `candidate` when there is none
/// (the first process of the day wins); every other `client_salt:` key is
/// deleted, so yesterday's salt is gone.
pub fn salt(conn: &mut DbConnection, key: &str, candidate: &str) -> QueryResult<String> {
    let DbConnection::Pg(c) = conn else {
        return Ok(candidate.to_string());
    };
    #[derive(QueryableByName)]
    struct Value {
        #[diesel(sql_type = Text)]
        value: String,
    }
    diesel::sql_query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, now()) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind::<Text, _>(key)
    .bind::<Text, _>(candidate)
    .execute(c)?;
    diesel::sql_query("DELETE FROM settings WHERE key LIKE 'client_salt:%' AND key <> $1")
        .bind::<Text, _>(key)
        .execute(c)?;
    let v: Value = diesel::sql_query("SELECT value FROM settings WHERE key = $1")
        .bind::<Text, _>(key)
        .get_result(c)?;
    Ok(v.value)
}
