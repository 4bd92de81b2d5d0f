//! SQL for evidence attachments: rows that point at sealed blobs.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{attachments, tips};

pub struct NewAttachment<'a> {
    pub tip_id: Option<i64>,
    pub token_hash: Option<&'a [u8]>,
    pub storage_key: &'a str,
    pub thumb_key: Option<&'a str>,
    pub kind: &'a str,
    pub size: i64,
    pub removed: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, a: &NewAttachment<'_>) -> QueryResult<i64> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::tip_id.eq(a.tip_id),
            attachments::token_hash.eq(a.token_hash),
            attachments::storage_key.eq(a.storage_key),
            attachments::thumb_key.eq(a.thumb_key),
            attachments::kind.eq(a.kind),
            attachments::size.eq(a.size),
            attachments::removed.eq(a.removed),
            attachments::created_at.eq(super::to_minute(a.created_at)),
        ))
        .returning(attachments::id)
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct AttachmentRow {
    pub id: i64,
    pub tip_id: Option<i64>,
    pub storage_key: String,
    pub thumb_key: Option<String>,
    pub kind: String,
    pub size: i64,
    pub removed: String,
    pub created_at: NaiveDateTime,
}

type Columns = (
    attachments::id,
    attachments::tip_id,
    attachments::storage_key,
    attachments::thumb_key,
    attachments::kind,
    attachments::size,
    attachments::removed,
    attachments::created_at,
);

const COLUMNS: Columns = (
    attachments::id,
    attachments::tip_id,
    attachments::storage_key,
    attachments::thumb_key,
    attachments::kind,
    attachments::size,
    attachments::removed,
    attachments::created_at,
);

pub fn get(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AttachmentRow>> {
    attachments::table
        .find(id)
        .select(COLUMNS)
        .first(conn)
        .optional()
}

/// The case an attachment's tip belongs to (for access checks).
pub fn case_of(conn: &mut DbConnection, tip_id: i64) -> QueryResult<Option<i64>> {
    tips::table
        .find(tip_id)
        .select(tips::case_id)
        .first::<Option<i64>>(conn)
        .optional()
        .map(Option::flatten)
}

pub fn of_tips(conn: &mut DbConnection, tip_ids: &[i64]) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::tip_id.eq_any(tip_ids.to_vec()))
        .order(attachments::id.asc())
        .select(COLUMNS)
        .load(conn)
}

/// (count, total bytes) of a tip's files.
pub fn usage(conn: &mut DbConnection, tip_id: i64) -> QueryResult<(i64, i64)> {
    let sizes: Vec<i64> = attachments::table
        .filter(attachments::tip_id.eq(tip_id))
        .select(attachments::size)
        .load(conn)?;
    Ok((sizes.len() as i64, sizes.iter().sum()))
}

/// Unclaimed uploads by token hash.
pub fn pending_by_tokens(
    conn: &mut DbConnection,
    hashes: &[Vec<u8>],
) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::token_hash.eq_any(hashes.to_vec()))
        .filter(attachments::tip_id.is_null())
        .select(COLUMNS)
        .load(conn)
}

/// Give unclaimed uploads to a tip; the token is spent.
pub fn claim(conn: &mut DbConnection, ids: &[i64], tip_id: i64) -> QueryResult<usize> {
    diesel::update(
        attachments::table
            .filter(attachments::id.eq_any(ids.to_vec()))
            .filter(attachments::tip_id.is_null()),
    )
    .set((
        attachments::tip_id.eq(tip_id),
        attachments::token_hash.eq(None::<Vec<u8>>),
    ))
    .execute(conn)
}

/// Uploads never claimed by a tip, made before `before`.
pub fn stale_pending(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::tip_id.is_null())
        .filter(attachments::created_at.lt(before))
        .select(COLUMNS)
        .load(conn)
}

pub fn delete(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(attachments::table.filter(attachments::id.eq_any(ids.to_vec()))).execute(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    attachments::table.count().get_result(conn)
}
