//! SQL for the reporter's ratings (回访、评价) and the dispatcher's review
//! of dissatisfied ones.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{cases, tip_ratings, tips};
use crate::domain::role::Scope;

pub struct NewRating<'a> {
    pub tip_id: i64,
    pub rating: &'a str,
    pub comment: Option<&'a str>,
    /// `web` (the status page or the API, by receipt) or `relay`.
    pub source: &'a str,
    pub rated_at: NaiveDateTime,
}

/// Insert the tip's rating; false when it already has one (the first wins,
/// also under a race: the primary key decides).
pub fn insert(conn: &mut DbConnection, r: &NewRating<'_>) -> QueryResult<bool> {
    let insert = diesel::insert_into(tip_ratings::table).values((
        tip_ratings::tip_id.eq(r.tip_id),
        tip_ratings::rating.eq(r.rating),
        tip_ratings::comment.eq(r.comment),
        tip_ratings::source.eq(r.source),
        tip_ratings::rated_at.eq(super::to_minute(r.rated_at)),
    ));
    // Upserts compile per backend only (STACK.md).
    let n = match conn {
        DbConnection::Pg(c) => insert.on_conflict_do_nothing().execute(c)?,
        DbConnection::Sqlite(c) => insert.on_conflict_do_nothing().execute(c)?,
    };
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable)]
pub struct RatingRow {
    pub tip_id: i64,
    pub rating: String,
    pub comment: Option<String>,
    pub source: String,
    pub rated_at: NaiveDateTime,
    pub review: Option<String>,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
}

pub fn of_tip(conn: &mut DbConnection, tip_id: i64) -> QueryResult<Option<RatingRow>> {
    tip_ratings::table
        .find(tip_id)
        .select(tip_ratings::all_columns)
        .first(conn)
        .optional()
}

/// The ratings of a case's tips, oldest first.
pub fn of_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<RatingRow>> {
    tip_ratings::table
        .inner_join(tips::table)
        .filter(tips::case_id.eq(case_id))
        .order(tip_ratings::rated_at.asc())
        .select(tip_ratings::all_columns)
        .load(conn)
}

/// Record the dispatcher's review on every dissatisfied rating of the case
/// still waiting for one; the number reviewed.
pub fn review_case(
    conn: &mut DbConnection,
    case_id: i64,
    review: &str,
    note: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let tip_ids = tips::table
        .filter(tips::case_id.eq(case_id))
        .select(tips::id);
    diesel::update(
        tip_ratings::table
            .filter(tip_ratings::tip_id.eq_any(tip_ids))
            .filter(tip_ratings::rating.eq("dissatisfied"))
            .filter(tip_ratings::review.is_null()),
    )
    .set((
        tip_ratings::review.eq(review),
        tip_ratings::review_note.eq(note),
        tip_ratings::reviewed_by.eq(by),
        tip_ratings::reviewed_at.eq(at),
    ))
    .execute(conn)
}

/// Cases with a dissatisfied rating waiting for review, within `scope`,
/// newest rating first.
pub fn waiting_review(conn: &mut DbConnection, scope: &Scope, limit: i64) -> QueryResult<Vec<i64>> {
    let mut q = tip_ratings::table
        .inner_join(tips::table.inner_join(cases::table))
        .filter(tip_ratings::rating.eq("dissatisfied"))
        .filter(tip_ratings::review.is_null())
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::District(d) => q = q.filter(cases::district.eq(d.clone())),
        Scope::Bureau(b) => q = q.filter(cases::lead_bureau.eq(b.clone())),
    }
    let rows: Vec<(i64, NaiveDateTime)> = q
        .order(tip_ratings::rated_at.desc())
        .select((cases::id, tip_ratings::rated_at))
        .limit(limit)
        .load(conn)?;
    let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
    for (id, _) in rows {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Ratings given in `[from, until)`: the rated tip's case and the grade.
pub fn rated_in(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<(i64, String)>> {
    let rows: Vec<(Option<i64>, String)> = tip_ratings::table
        .inner_join(tips::table)
        .filter(tip_ratings::rated_at.ge(from))
        .filter(tip_ratings::rated_at.lt(until))
        .select((tips::case_id, tip_ratings::rating))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, r)| c.map(|c| (c, r)))
        .collect())
}

/// Bump a case's 二次办理 count.
pub fn count_reopen(conn: &mut DbConnection, case_id: i64) -> QueryResult<()> {
    diesel::update(cases::table.find(case_id))
        .set(cases::reopen_count.eq(cases::reopen_count + 1))
        .execute(conn)
        .map(|_| ())
}
