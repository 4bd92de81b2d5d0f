//! SQL for relays and their work orders (工单).
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{cases, relay_tickets, relays, tips};

pub struct NewRelay<'a> {
    pub name: &'a str,
    pub key_hash: &'a [u8],
    pub key_prefix: &'a str,
    pub signing_sealed: &'a [u8],
    pub callback_url: Option<&'a str>,
    pub rate_limit: i32,
    /// `hotline`, `platform` or `national`: the report column of the
    /// relay's Open311 requests (see migration 000008).
    pub source: &'a str,
    pub at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, r: &NewRelay<'_>) -> QueryResult<i64> {
    diesel::insert_into(relays::table)
        .values((
            relays::name.eq(r.name),
            relays::key_hash.eq(r.key_hash),
            relays::key_prefix.eq(r.key_prefix),
            relays::signing_sealed.eq(r.signing_sealed),
            relays::callback_url.eq(r.callback_url),
            relays::rate_limit.eq(r.rate_limit),
            relays::source.eq(r.source),
            relays::key_created_at.eq(r.at),
            relays::created_at.eq(r.at),
        ))
        .returning(relays::id)
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct Relay {
    pub id: i64,
    pub name: String,
    pub key_prefix: String,
    pub callback_url: Option<String>,
    pub rate_limit: i32,
    pub revoked_at: Option<NaiveDateTime>,
    pub key_created_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub source: String,
}

type RelayColumns = (
    relays::id,
    relays::name,
    relays::key_prefix,
    relays::callback_url,
    relays::rate_limit,
    relays::revoked_at,
    relays::key_created_at,
    relays::created_at,
    relays::source,
);

const RELAY_COLUMNS: RelayColumns = (
    relays::id,
    relays::name,
    relays::key_prefix,
    relays::callback_url,
    relays::rate_limit,
    relays::revoked_at,
    relays::key_created_at,
    relays::created_at,
    relays::source,
);

/// The active relay holding this key, if any.
pub fn by_key_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<Relay>> {
    relays::table
        .filter(relays::key_hash.eq(hash))
        .filter(relays::revoked_at.is_null())
        .select(RELAY_COLUMNS)
        .first(conn)
        .optional()
}

pub fn by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Relay>> {
    relays::table
        .filter(relays::name.eq(name))
        .select(RELAY_COLUMNS)
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Relay>> {
    relays::table
        .order(relays::id.asc())
        .select(RELAY_COLUMNS)
        .load(conn)
}

pub fn revoke(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(relays::table.find(id))
        .set(relays::revoked_at.eq(Some(at)))
        .execute(conn)
}

/// A new key for the same relay: its tickets and outbox stay with it.
pub fn replace_key(
    conn: &mut DbConnection,
    id: i64,
    key_hash: &[u8],
    key_prefix: &str,
    signing_sealed: &[u8],
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(relays::table.find(id))
        .set((
            relays::key_hash.eq(key_hash),
            relays::key_prefix.eq(key_prefix),
            relays::signing_sealed.eq(signing_sealed),
            relays::key_created_at.eq(at),
            relays::revoked_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Change the relay settings that are given (`Some`): the call-back URL
/// (`Some(None)` removes it), the rate limit and the report source.
pub fn configure(
    conn: &mut DbConnection,
    id: i64,
    url: Option<Option<&str>>,
    rate_limit: Option<i32>,
    source: Option<&str>,
) -> QueryResult<()> {
    if let Some(u) = url {
        diesel::update(relays::table.find(id))
            .set(relays::callback_url.eq(u))
            .execute(conn)?;
    }
    if let Some(r) = rate_limit {
        diesel::update(relays::table.find(id))
            .set(relays::rate_limit.eq(r))
            .execute(conn)?;
    }
    if let Some(s) = source {
        diesel::update(relays::table.find(id))
            .set(relays::source.eq(s))
            .execute(conn)?;
    }
    Ok(())
}

/// The sealed signing secret and callback URL of a relay.
pub fn signing(conn: &mut DbConnection, id: i64) -> QueryResult<(Vec<u8>, Option<String>)> {
    relays::table
        .find(id)
        .select((relays::signing_sealed, relays::callback_url))
        .first(conn)
}

pub struct NewTicket<'a> {
    pub relay_id: i64,
    pub ticket_id: &'a str,
    pub tip_id: i64,
    pub channel: &'a str,
    pub content_hash: &'a [u8],
    pub content: &'a str,
    pub answer_sealed: &'a [u8],
    pub ticket_received_at: NaiveDateTime,
    pub confidential: bool,
    pub at: NaiveDateTime,
}

pub fn insert_ticket(conn: &mut DbConnection, t: &NewTicket<'_>) -> QueryResult<()> {
    diesel::insert_into(relay_tickets::table)
        .values((
            relay_tickets::relay_id.eq(t.relay_id),
            relay_tickets::ticket_id.eq(t.ticket_id),
            relay_tickets::tip_id.eq(t.tip_id),
            relay_tickets::channel.eq(t.channel),
            relay_tickets::content_hash.eq(t.content_hash),
            relay_tickets::content.eq(t.content),
            relay_tickets::answer_sealed.eq(t.answer_sealed),
            relay_tickets::ticket_received_at.eq(super::to_minute(t.ticket_received_at)),
            relay_tickets::confidential.eq(t.confidential),
            relay_tickets::created_at.eq(t.at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// What a resend is compared with.
#[derive(Debug, Clone, Queryable)]
pub struct StoredTicket {
    pub tip_id: i64,
    pub content_hash: Vec<u8>,
    pub content: String,
    pub answer_sealed: Vec<u8>,
}

pub fn ticket(
    conn: &mut DbConnection,
    relay_id: i64,
    ticket_id: &str,
) -> QueryResult<Option<StoredTicket>> {
    relay_tickets::table
        .filter(relay_tickets::relay_id.eq(relay_id))
        .filter(relay_tickets::ticket_id.eq(ticket_id))
        .select((
            relay_tickets::tip_id,
            relay_tickets::content_hash,
            relay_tickets::content,
            relay_tickets::answer_sealed,
        ))
        .first(conn)
        .optional()
}

/// A ticket as its relay reads it back: the tip's public state and the case's lead bureau.
#[derive(Debug, Clone, Queryable)]
pub struct TicketStatus {
    pub ticket_id: String,
    pub channel: String,
    pub tip_id: i64,
    pub ticket_received_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub status: crate::domain::tip_status::TipStatus,
    pub description: String,
    pub dimensions: String,
    pub address: Option<String>,
    pub received_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub lead_bureau: Option<String>,
}

type StatusColumns = (
    relay_tickets::ticket_id,
    relay_tickets::channel,
    relay_tickets::tip_id,
    relay_tickets::ticket_received_at,
    tips::status,
    tips::description,
    tips::dimensions,
    tips::address,
    tips::received_at,
    tips::updated_at,
    diesel::helper_types::Nullable<cases::lead_bureau>,
);

fn status_columns() -> StatusColumns {
    (
        relay_tickets::ticket_id,
        relay_tickets::channel,
        relay_tickets::tip_id,
        relay_tickets::ticket_received_at,
        tips::status,
        tips::description,
        tips::dimensions,
        tips::address,
        tips::received_at,
        tips::updated_at,
        cases::lead_bureau.nullable(),
    )
}

/// One of this relay's tickets; another relay's ticket is simply not found.
pub fn ticket_status(
    conn: &mut DbConnection,
    relay_id: i64,
    ticket_id: &str,
) -> QueryResult<Option<TicketStatus>> {
    relay_tickets::table
        .inner_join(tips::table.left_join(cases::table))
        .filter(relay_tickets::relay_id.eq(relay_id))
        .filter(relay_tickets::ticket_id.eq(ticket_id))
        .select(status_columns())
        .first(conn)
        .optional()
}

/// Newest first, this relay's tickets only.
pub fn tickets_of(
    conn: &mut DbConnection,
    relay_id: i64,
    channel: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<TicketStatus>> {
    let mut q = relay_tickets::table
        .inner_join(tips::table.left_join(cases::table))
        .filter(relay_tickets::relay_id.eq(relay_id))
        .into_boxed();
    if let Some(c) = channel {
        q = q.filter(relay_tickets::channel.eq(c.to_string()));
    }
    q.order(relay_tickets::id.desc())
        .limit(limit)
        .select(status_columns())
        .load(conn)
}

/// The relay and ticket behind a tip, for call-backs.
pub fn ticket_of_tip(conn: &mut DbConnection, tip_id: i64) -> QueryResult<Option<(i64, String)>> {
    relay_tickets::table
        .filter(relay_tickets::tip_id.eq(tip_id))
        .select((relay_tickets::relay_id, relay_tickets::ticket_id))
        .first(conn)
        .optional()
}
