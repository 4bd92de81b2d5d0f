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
    pub event: String,
    pub payload: String,
    pub attempts: i32,
    pub signing_sealed: Vec<u8>,
    pub callback_url: Option<String>,
    /// The lease this claim holds: the entry's `next_attempt_at` while it is
    /// being sent; finishing checks it, so a claim that outlived its lease
    /// cannot overwrite the work of the process that took over.
    pub lease_until: NaiveDateTime,
}

/// Claim the next entry to send, if one is due: the oldest due pending
/// entry whose ticket has no older entry still pending (so one ticket's
/// call-backs leave in the order they were made, even while an older one
/// is waiting for a retry), leased until `lease_until`. Must run inside a
/// write transaction; on PostgreSQL rows another process has locked are
/// skipped.
pub fn claim_next(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<Due>> {
    let older = diesel::alias!(outbox as older);
    let waits_for_older = older
        .filter(older.field(outbox::relay_id).eq(outbox::relay_id))
        .filter(older.field(outbox::ticket_id).eq(outbox::ticket_id))
        .filter(older.field(outbox::id).lt(outbox::id))
        .filter(older.field(outbox::state).eq(PENDING));
    let due = outbox::table
        .filter(outbox::state.eq(PENDING))
        .filter(outbox::next_attempt_at.le(now))
        .filter(diesel::dsl::not(diesel::dsl::exists(waits_for_older)))
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(1)
        .select(outbox::id);
    let id: Option<i64> = match conn {
        DbConnection::Pg(c) => due.for_update().skip_locked().first(c).optional()?,
        DbConnection::Sqlite(c) => due.first(c).optional()?,
    };
    let Some(id) = id else { return Ok(None) };
    diesel::update(outbox::table.find(id))
        .set(outbox::next_attempt_at.eq(lease_until))
        .execute(conn)?;
    outbox::table
        .inner_join(relays::table)
        .filter(outbox::id.eq(id))
        .select((
            outbox::id,
            outbox::relay_id,
            outbox::event,
            outbox::payload,
            outbox::attempts,
            relays::signing_sealed,
            relays::callback_url,
            outbox::next_attempt_at,
        ))
        .first(conn)
        .optional()
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
/// still under this claim's lease moves, so an admin's retry, or another
/// process that took over an expired lease, is never undone by a late worker.
#[allow(clippy::too_many_arguments)]
pub fn finish(
    conn: &mut DbConnection,
    id: i64,
    lease: NaiveDateTime,
    state: &str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    error: Option<&str>,
    delivered_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::state.eq(PENDING))
            .filter(outbox::next_attempt_at.eq(lease)),
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
