//! SQL for what protects the process itself: legal holds (stop retention)
//! and flood flags (near-identical bursts about one enterprise).
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{case_flags, legal_holds, tip_fingerprints};

/// The subject of a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldOn {
    Case(i64),
    Tip(i64),
}

pub fn set_hold(
    conn: &mut DbConnection,
    on: HoldOn,
    reason: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let (case_id, tip_id) = match on {
        HoldOn::Case(id) => (Some(id), None),
        HoldOn::Tip(id) => (None, Some(id)),
    };
    diesel::insert_into(legal_holds::table)
        .values((
            legal_holds::case_id.eq(case_id),
            legal_holds::tip_id.eq(tip_id),
            legal_holds::reason.eq(reason),
            legal_holds::set_by.eq(by),
            legal_holds::set_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Release every active hold on the subject; returns how many.
pub fn release_hold(conn: &mut DbConnection, on: HoldOn, at: NaiveDateTime) -> QueryResult<usize> {
    let active = legal_holds::table.filter(legal_holds::released_at.is_null());
    match on {
        HoldOn::Case(id) => diesel::update(active.filter(legal_holds::case_id.eq(id)))
            .set(legal_holds::released_at.eq(at))
            .execute(conn),
        HoldOn::Tip(id) => diesel::update(active.filter(legal_holds::tip_id.eq(id)))
            .set(legal_holds::released_at.eq(at))
            .execute(conn),
    }
}

pub fn case_held(conn: &mut DbConnection, case_id: i64) -> QueryResult<bool> {
    legal_holds::table
        .filter(legal_holds::released_at.is_null())
        .filter(legal_holds::case_id.eq(case_id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Tips (of `tip_ids`) under an active hold of their own.
pub fn held_tips(conn: &mut DbConnection, tip_ids: &[i64]) -> QueryResult<Vec<i64>> {
    legal_holds::table
        .filter(legal_holds::released_at.is_null())
        .filter(legal_holds::tip_id.eq_any(tip_ids.to_vec()))
        .select(legal_holds::tip_id.assume_not_null())
        .load(conn)
}

pub fn add_fingerprint(
    conn: &mut DbConnection,
    tip_id: i64,
    enterprise_key: &str,
    text_key: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(tip_fingerprints::table)
        .values((
            tip_fingerprints::tip_id.eq(tip_id),
            tip_fingerprints::enterprise_key.eq(enterprise_key),
            tip_fingerprints::text_key.eq(text_key),
            tip_fingerprints::received_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// (tip id, folded text) of the latest `limit` tips about `enterprise_key`
/// since `since`, newest first. The limit keeps a flood from making each
/// further tip slower than the last.
pub fn recent_fingerprints(
    conn: &mut DbConnection,
    enterprise_key: &str,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(i64, String)>> {
    tip_fingerprints::table
        .filter(tip_fingerprints::enterprise_key.eq(enterprise_key))
        .filter(tip_fingerprints::received_at.ge(since))
        .order((
            tip_fingerprints::received_at.desc(),
            tip_fingerprints::tip_id.desc(),
        ))
        .limit(limit)
        .select((tip_fingerprints::tip_id, tip_fingerprints::text_key))
        .load(conn)
}

pub fn delete_fingerprints(conn: &mut DbConnection, tip_ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(
        tip_fingerprints::table.filter(tip_fingerprints::tip_id.eq_any(tip_ids.to_vec())),
    )
    .execute(conn)
}

/// Mark a case as a suspected flood of `count` near-identical tips. An
/// update first, then an insert: upserts do not compile on the multi backend.
pub fn flag_flood(
    conn: &mut DbConnection,
    case_id: i64,
    count: i32,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let updated = diesel::update(case_flags::table.find(case_id))
        .set((
            case_flags::flood_suspected.eq(true),
            case_flags::flood_count.eq(count),
            case_flags::updated_at.eq(at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(case_flags::table)
            .values((
                case_flags::case_id.eq(case_id),
                case_flags::flood_suspected.eq(true),
                case_flags::flood_count.eq(count),
                case_flags::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// (flood_suspected, flood_count) of a case; (false, 0) when unflagged.
pub fn flood_flag(conn: &mut DbConnection, case_id: i64) -> QueryResult<(bool, i32)> {
    Ok(case_flags::table
        .find(case_id)
        .select((case_flags::flood_suspected, case_flags::flood_count))
        .first(conn)
        .optional()?
        .unwrap_or((false, 0)))
}
