//! SQL for tips, their public updates and their messages.
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{legal_holds, tip_messages, tip_ratings, tip_updates, tips};

/// What intake writes for a new tip.
pub struct NewTip<'a> {
    pub receipt_hash: &'a [u8],
    pub source: &'a str,
    pub status: &'a str,
    pub description: &'a str,
    pub enterprise_name: Option<&'a str>,
    pub enterprise_credit_code: Option<&'a str>,
    pub address: Option<&'a str>,
    pub district: Option<&'a str>,
    pub industry: Option<&'a str>,
    pub dimensions: &'a str,
    pub occurred_on: Option<NaiveDate>,
    pub contact_sealed: Option<&'a [u8]>,
    pub received_at: NaiveDateTime,
    pub case_id: Option<i64>,
    /// The routing proposal for this tip, as JSON.
    pub routing: Option<&'a str>,
    pub enterprise_id: Option<i64>,
    /// The match result for this tip, as JSON.
    pub matching: Option<&'a str>,
}

pub fn insert(conn: &mut DbConnection, t: &NewTip<'_>) -> QueryResult<i64> {
    diesel::insert_into(tips::table)
        .values((
            tips::receipt_hash.eq(t.receipt_hash),
            tips::source.eq(t.source),
            tips::status.eq(t.status),
            tips::description.eq(t.description),
            tips::enterprise_name.eq(t.enterprise_name),
            tips::enterprise_credit_code.eq(t.enterprise_credit_code),
            tips::address.eq(t.address),
            tips::district.eq(t.district),
            tips::industry.eq(t.industry),
            tips::dimensions.eq(t.dimensions),
            tips::occurred_on.eq(t.occurred_on),
            tips::contact_sealed.eq(t.contact_sealed),
            tips::received_at.eq(super::to_minute(t.received_at)),
            tips::updated_at.eq(super::to_minute(t.received_at)),
            tips::case_id.eq(t.case_id),
            tips::routing.eq(t.routing),
            tips::enterprise_id.eq(t.enterprise_id),
            tips::matching.eq(t.matching),
        ))
        .returning(tips::id)
        .get_result(conn)
}

/// What the reporter may read of their own tip.
#[derive(Debug, Queryable)]
pub struct TipPublic {
    pub id: i64,
    #[diesel(deserialize_as = String)]
    pub status: crate::domain::tip_status::TipStatus,
    pub received_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find_by_receipt(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<TipPublic>> {
    tips::table
        .filter(tips::receipt_hash.eq(hash))
        .select((tips::id, tips::status, tips::received_at, tips::updated_at))
        .first(conn)
        .optional()
}

pub fn add_update(
    conn: &mut DbConnection,
    tip_id: i64,
    status: &str,
    note: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(tip_updates::table)
        .values((
            tip_updates::tip_id.eq(tip_id),
            tip_updates::status.eq(status),
            tip_updates::note.eq(note),
            tip_updates::created_at.eq(super::to_minute(at)),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Queryable)]
pub struct TipUpdate {
    #[diesel(deserialize_as = String)]
    pub status: crate::domain::tip_status::TipStatus,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn updates(conn: &mut DbConnection, tip_id: i64) -> QueryResult<Vec<TipUpdate>> {
    tip_updates::table
        .filter(tip_updates::tip_id.eq(tip_id))
        .order(tip_updates::id.asc())
        .select((
            tip_updates::status,
            tip_updates::note,
            tip_updates::created_at,
        ))
        .load(conn)
}

pub fn add_message(
    conn: &mut DbConnection,
    tip_id: i64,
    author: &str,
    body: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(tip_messages::table)
        .values((
            tip_messages::tip_id.eq(tip_id),
            tip_messages::author.eq(author),
            tip_messages::body.eq(body),
            tip_messages::created_at.eq(super::to_minute(at)),
        ))
        .execute(conn)?;
    diesel::update(tips::table.find(tip_id))
        .set(tips::updated_at.eq(super::to_minute(at)))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Queryable)]
pub struct TipMessage {
    pub author: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn messages(conn: &mut DbConnection, tip_id: i64) -> QueryResult<Vec<TipMessage>> {
    tip_messages::table
        .filter(tip_messages::tip_id.eq(tip_id))
        .order(tip_messages::id.asc())
        .select((
            tip_messages::author,
            tip_messages::body,
            tip_messages::created_at,
        ))
        .load(conn)
}

/// The enterprise a tip was matched to.
pub fn enterprise_of(conn: &mut DbConnection, tip_id: i64) -> QueryResult<Option<i64>> {
    tips::table
        .find(tip_id)
        .select(tips::enterprise_id)
        .first(conn)
        .optional()
        .map(Option::flatten)
}

/// Set a tip's public status.
pub fn set_status(
    conn: &mut DbConnection,
    tip_id: i64,
    status: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(tips::table.find(tip_id))
        .set((tips::status.eq(status), tips::updated_at.eq(at)))
        .execute(conn)
}

/// Delete tips with their public updates, messages and released holds
/// (retention); their files and fingerprints go first, by the caller.
pub fn delete_with_history(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(tip_updates::table.filter(tip_updates::tip_id.eq_any(ids))).execute(conn)?;
    diesel::delete(tip_messages::table.filter(tip_messages::tip_id.eq_any(ids))).execute(conn)?;
    diesel::delete(tip_ratings::table.filter(tip_ratings::tip_id.eq_any(ids))).execute(conn)?;
    // Released holds on these tips are history of rows that no longer exist.
    diesel::delete(legal_holds::table.filter(legal_holds::tip_id.eq_any(ids))).execute(conn)?;
    diesel::delete(tips::table.filter(tips::id.eq_any(ids))).execute(conn)
}

/// A tip's sealed contact: `None` when there is no such tip, `Some(None)`
/// when it left none.
pub fn contact_sealed(
    conn: &mut DbConnection,
    tip_id: i64,
) -> QueryResult<Option<Option<Vec<u8>>>> {
    tips::table
        .find(tip_id)
        .select(tips::contact_sealed)
        .first(conn)
        .optional()
}

#[derive(Debug, Queryable)]
pub struct TipState {
    #[diesel(deserialize_as = String)]
    pub status: crate::domain::tip_status::TipStatus,
    pub case_id: Option<i64>,
}

/// A tip's public status and its case.
pub fn state_of(conn: &mut DbConnection, tip_id: i64) -> QueryResult<Option<TipState>> {
    tips::table
        .find(tip_id)
        .select((tips::status, tips::case_id))
        .first(conn)
        .optional()
}

/// What the reporter wrote, as they may read it back with the receipt.
#[derive(Debug, Queryable)]
pub struct Submitted {
    pub description: String,
    pub enterprise_name: Option<String>,
    pub address: Option<String>,
    pub dimensions: String,
    pub case_id: Option<i64>,
}

pub fn submitted(conn: &mut DbConnection, tip_id: i64) -> QueryResult<Submitted> {
    tips::table
        .find(tip_id)
        .select((
            tips::description,
            tips::enterprise_name,
            tips::address,
            tips::dimensions,
            tips::case_id,
        ))
        .first(conn)
}
