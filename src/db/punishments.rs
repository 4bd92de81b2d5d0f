//! SQL of joint punishment records (联合惩戒). Runs in the caller's transaction.
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{case_measures, case_records, cases, punishments};

#[derive(Debug, Clone, Queryable, Serialize, PartialEq)]
pub struct PunishmentRow {
    pub id: i64,
    pub case_id: i64,
    pub enterprise_id: Option<i64>,
    pub credit_code: Option<String>,
    pub enterprise_name: String,
    pub status: String,
    pub measures: String,
    pub legal_basis: String,
    pub issuing_bureau: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub missed_due_on: NaiveDate,
    pub proposed_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub end_approver: Option<String>,
    pub updated_at: NaiveDateTime,
    /// `order58` or `order36`: the regime of the decision date (none while proposed).
    pub credit_regime: Option<String>,
    /// The Order 36 tier (`minor`, `general`, `serious`); none under Order 58.
    pub credit_tier: Option<String>,
    pub term_min_months: Option<i32>,
    pub term_max_months: Option<i32>,
    /// Why the end is later than the default (the minimum).
    pub term_reason: Option<String>,
}

pub struct NewProposal<'a> {
    pub case_id: i64,
    pub enterprise_id: Option<i64>,
    pub credit_code: Option<&'a str>,
    pub enterprise_name: &'a str,
    pub legal_basis: &'a str,
    pub issuing_bureau: Option<&'a str>,
    pub missed_due_on: NaiveDate,
    pub at: NaiveDateTime,
}

pub fn insert_proposal(conn: &mut DbConnection, p: &NewProposal<'_>) -> QueryResult<i64> {
    diesel::insert_into(punishments::table)
        .values((
            punishments::case_id.eq(p.case_id),
            punishments::enterprise_id.eq(p.enterprise_id),
            punishments::credit_code.eq(p.credit_code),
            punishments::enterprise_name.eq(p.enterprise_name),
            punishments::status.eq("proposed"),
            punishments::measures.eq(""),
            punishments::legal_basis.eq(p.legal_basis),
            punishments::issuing_bureau.eq(p.issuing_bureau),
            punishments::missed_due_on.eq(p.missed_due_on),
            punishments::proposed_at.eq(p.at),
            punishments::updated_at.eq(p.at),
        ))
        .returning(punishments::id)
        .get_result(conn)
}

pub fn get(conn: &mut DbConnection, id: i64) -> QueryResult<Option<PunishmentRow>> {
    punishments::table.find(id).first(conn).optional()
}

/// Which records to read; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct PunishmentFilter {
    pub status: Option<String>,
    pub case_id: Option<i64>,
    pub credit_code: Option<String>,
    /// Records changed at or after this instant (an incremental export).
    pub changed_since: Option<NaiveDateTime>,
}

pub fn all(conn: &mut DbConnection, f: &PunishmentFilter) -> QueryResult<Vec<PunishmentRow>> {
    let mut q = punishments::table.into_boxed();
    if let Some(s) = &f.status {
        q = q.filter(punishments::status.eq(s.clone()));
    }
    if let Some(id) = f.case_id {
        q = q.filter(punishments::case_id.eq(id));
    }
    if let Some(c) = &f.credit_code {
        q = q.filter(punishments::credit_code.eq(c.clone()));
    }
    if let Some(t) = f.changed_since {
        q = q.filter(punishments::updated_at.ge(t));
    }
    q.order(punishments::id.asc()).load(conn)
}

/// The records of one case, oldest first.
pub fn of_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<PunishmentRow>> {
    punishments::table
        .filter(punishments::case_id.eq(case_id))
        .order(punishments::id.asc())
        .load(conn)
}

/// How many records are in `status` (the queue shows the proposals).
pub fn count(conn: &mut DbConnection, status: &str) -> QueryResult<i64> {
    punishments::table
        .filter(punishments::status.eq(status))
        .count()
        .get_result(conn)
}

/// (case, enterprise id, credit code, lead bureau, dimensions, missed due
/// date): cases with an exit measure due before `today`, no accepted exit
/// and no punishment record yet.
pub type MissedExit = (
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    NaiveDate,
);

pub fn missed_exits(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<MissedExit>> {
    let exited = case_records::table
        .filter(case_records::kind.eq("exit"))
        .select(case_records::case_id);
    let proposed = punishments::table.select(punishments::case_id);
    let rows: Vec<MissedExit> = case_measures::table
        .inner_join(cases::table)
        .filter(
            case_measures::measure
                .eq_any(["close", "revoke_licence", "dismantle", "seal"])
                .and(case_measures::due_on.lt(today))
                .and(case_measures::due_on.gt(case_measures::ordered_on))
                .and(cases::status.ne("closed"))
                .and(cases::id.ne_all(exited))
                .and(cases::id.ne_all(proposed)),
        )
        .order((cases::id.asc(), case_measures::due_on.asc()))
        .select((
            cases::id,
            cases::enterprise_id,
            cases::enterprise_credit_code,
            cases::lead_bureau,
            cases::dimensions,
            case_measures::due_on,
        ))
        .load(conn)?;
    let mut out: Vec<MissedExit> = Vec::new();
    for r in rows {
        if out.last().is_none_or(|l| l.0 != r.0) {
            out.push(r);
        }
    }
    Ok(out)
}

pub struct Decision<'a> {
    pub measures: &'a str,
    pub legal_basis: &'a str,
    pub issuing_bureau: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub regime: &'a str,
    pub tier: Option<&'a str>,
    pub min_months: i32,
    pub max_months: i32,
    pub term_reason: Option<&'a str>,
    pub by: &'a str,
    pub at: NaiveDateTime,
}

/// Apply a proposal; false when it is no longer a proposal.
pub fn apply(conn: &mut DbConnection, id: i64, d: &Decision<'_>) -> QueryResult<bool> {
    let n = diesel::update(
        punishments::table.filter(
            punishments::id
                .eq(id)
                .and(punishments::status.eq("proposed")),
        ),
    )
    .set((
        punishments::status.eq("active"),
        punishments::measures.eq(d.measures),
        punishments::legal_basis.eq(d.legal_basis),
        punishments::issuing_bureau.eq(d.issuing_bureau),
        punishments::starts_on.eq(d.starts_on),
        punishments::ends_on.eq(d.ends_on),
        punishments::credit_regime.eq(d.regime),
        punishments::credit_tier.eq(d.tier),
        punishments::term_min_months.eq(d.min_months),
        punishments::term_max_months.eq(d.max_months),
        punishments::term_reason.eq(d.term_reason),
        punishments::decided_by.eq(d.by),
        punishments::decided_at.eq(d.at),
        punishments::updated_at.eq(d.at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn reject(
    conn: &mut DbConnection,
    id: i64,
    reason: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        punishments::table.filter(
            punishments::id
                .eq(id)
                .and(punishments::status.eq("proposed")),
        ),
    )
    .set((
        punishments::status.eq("rejected"),
        punishments::end_reason.eq(reason),
        punishments::decided_by.eq(by),
        punishments::decided_at.eq(at),
        punishments::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// End an active record (`repaired` early, or `expired` on its end date).
#[allow(clippy::too_many_arguments)]
pub fn end(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    on: NaiveDate,
    reason: &str,
    approver: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        punishments::table.filter(punishments::id.eq(id).and(punishments::status.eq("active"))),
    )
    .set((
        punishments::status.eq(status),
        punishments::ended_on.eq(on),
        punishments::end_reason.eq(reason),
        punishments::end_approver.eq(approver),
        punishments::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Active records whose end date has come, or whose start is the term's
/// maximum ago (publication ends by itself at the maximum, whatever the
/// end date says).
pub fn due_to_expire(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<(i64, i64)>> {
    type Active = (i64, i64, Option<NaiveDate>, Option<NaiveDate>, Option<i32>);
    let rows: Vec<Active> = punishments::table
        .filter(punishments::status.eq("active"))
        .select((
            punishments::id,
            punishments::case_id,
            punishments::starts_on,
            punishments::ends_on,
            punishments::term_max_months,
        ))
        .order(punishments::id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, starts, ends, max)| {
            let at_max = match (starts, max) {
                (Some(s), Some(m)) => s
                    .checked_add_months(chrono::Months::new((*m).max(0) as u32))
                    .is_some_and(|d| d <= today),
                _ => false,
            };
            at_max || ends.is_some_and(|e| e <= today)
        })
        .map(|(id, case_id, ..)| (id, case_id))
        .collect())
}
