//! SQL for the call-back outbox: enqueue, claim, record, list, retry.
//!
//! Claiming is the one place the backends differ: on PostgreSQL several
//! processes share the table, so due rows are selected `FOR UPDATE SKIP
//! LOCKED` and leased (their `next_attempt_at` pushed past the delivery
//! timeout) before the claiming transaction commits; on SQLite the claim runs
//! in a `BEGIN IMMEDIATE` transaction, which already excludes every other
//! writer, so a plain select is enough.
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{outbox, outbox_attempts, relays};

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

pub struct NewEntry<'a> {
    pub relay_id: i64,
    pub tip_id: i64,
    pub ticket_id: &'a str,
    pub event: &'a str,
    pub payload: &'a str,
    pub at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, e: &NewEntry<'_>) -> QueryResult<i64> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::relay_id.eq(e.relay_id),
            outbox::tip_id.eq(e.tip_id),
            outbox::ticket_id.eq(e.ticket_id),
            outbox::event.eq(e.event),
            outbox::payload.eq(e.payload),
            outbox::state.eq(PENDING),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(e.at),
            outbox::created_at.eq(e.at),
        ))
        .returning(outbox::id)
        .get_result(conn)
}

/// A claimed entry, with what its delivery needs.
#[derive(Debug, Clone, Queryable)]
pub struct Due {
    pub id: i64,
    pub relay_id: i64,
    pub payload: String,
    pub attempts: i32,
    pub signing_sealed: Vec<u8>,
    pub callback_url: Option<String>,
}

/// Claim up to `limit` due entries and lease them until `lease_until`.
/// Must run inside a write transaction.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Due>> {
    let due = outbox::table
        .filter(outbox::state.eq(PENDING))
        .filter(outbox::next_attempt_at.le(now))
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id);
    let ids: Vec<i64> = match conn {
        DbConnection::Pg(c) => due.for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => due.load(c)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set(outbox::next_attempt_at.eq(lease_until))
        .execute(conn)?;
    outbox::table
        .inner_join(relays::table)
        .filter(outbox::id.eq_any(&ids))
        .order(outbox::id.asc())
        .select((
            outbox::id,
            outbox::relay_id,
            outbox::payload,
            outbox::attempts,
            relays::signing_sealed,
            relays::callback_url,
        ))
        .load(conn)
}

pub struct Attempt<'a> {
    pub outbox_id: i64,
    pub at: NaiveDateTime,
    pub http_status: Option<i32>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    pub worker: &'a str,
}

pub fn record_attempt(conn: &mut DbConnection, a: &Attempt<'_>) -> QueryResult<()> {
    diesel::insert_into(outbox_attempts::table)
        .values((
            outbox_attempts::outbox_id.eq(a.outbox_id),
            outbox_attempts::attempted_at.eq(a.at),
            outbox_attempts::http_status.eq(a.http_status),
            outbox_attempts::error.eq(a.error),
            outbox_attempts::duration_ms.eq(a.duration_ms),
            outbox_attempts::worker.eq(a.worker),
        ))
        .execute(conn)
        .map(|_| ())
}

/// After an attempt: delivered, rescheduled or given up. Only a pending row
/// moves, so an admin's retry and a late worker cannot undo each other.
pub fn finish(
    conn: &mut DbConnection,
    id: i64,
    state: &str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    error: Option<&str>,
    delivered_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::state.eq(PENDING)),
    )
    .set((
        outbox::state.eq(state),
        outbox::attempts.eq(attempts),
        outbox::next_attempt_at.eq(next_attempt_at),
        outbox::last_error.eq(error),
        outbox::delivered_at.eq(delivered_at),
    ))
    .execute(conn)
}

/// Make a pending or failed entry due now, with a fresh retry budget.
pub fn retry(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::state.ne(DELIVERED)),
    )
    .set((
        outbox::state.eq(PENDING),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)
}

#[derive(Debug, Clone, Queryable, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub id: i64,
    pub relay: String,
    pub ticket_id: String,
    pub event: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// Entries in `state` (all when None), oldest first.
pub fn list(
    conn: &mut DbConnection,
    state: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<EntryView>> {
    let mut q = outbox::table.inner_join(relays::table).into_boxed();
    if let Some(s) = state {
        q = q.filter(outbox::state.eq(s.to_string()));
    }
    q.order(outbox::id.asc())
        .limit(limit)
        .select((
            outbox::id,
            relays::name,
            outbox::ticket_id,
            outbox::event,
            outbox::state,
            outbox::attempts,
            outbox::next_attempt_at,
            outbox::last_error,
            outbox::created_at,
            outbox::delivered_at,
        ))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub attempted_at: NaiveDateTime,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub worker: String,
}

pub fn attempts(conn: &mut DbConnection, outbox_id: i64) -> QueryResult<Vec<AttemptView>> {
    outbox_attempts::table
        .filter(outbox_attempts::outbox_id.eq(outbox_id))
        .order(outbox_attempts::id.asc())
        .select((
            outbox_attempts::attempted_at,
            outbox_attempts::http_status,
            outbox_attempts::error,
            outbox_attempts::duration_ms,
            outbox_attempts::worker,
        ))
        .load(conn)
}
