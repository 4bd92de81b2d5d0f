//! SQL of the case workflow: status changes, measures, step records and
//! supervision notices. Every function runs inside the caller's transaction.
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{case_measures, case_records, cases, supervision_notices, tips};

/// What a transition changes on the case row besides its status.
#[derive(Debug, Default)]
pub struct CaseChange<'a> {
    pub due_step: Option<Option<&'a str>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub finding: Option<&'a str>,
    pub returned_reason: Option<Option<&'a str>>,
    pub public_result: Option<&'a str>,
}

#[derive(AsChangeset)]
#[diesel(table_name = cases)]
struct CaseSet<'a> {
    status: &'a str,
    updated_at: NaiveDateTime,
    overdue: Option<bool>,
    due_step: Option<Option<&'a str>>,
    due_on: Option<Option<NaiveDate>>,
    finding: Option<&'a str>,
    returned_reason: Option<Option<&'a str>>,
    public_result: Option<&'a str>,
}

/// Move the case from `from` to `to`, only if it is still in `from`:
/// a concurrent transition makes this return `false` (the caller answers 409).
/// A step change clears the overdue mark; the job sets it again if needed.
pub fn set_status(
    conn: &mut DbConnection,
    id: i64,
    from: &str,
    to: &str,
    change: &CaseChange<'_>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let set = CaseSet {
        status: to,
        updated_at: at,
        overdue: change.due_on.map(|_| false),
        due_step: change.due_step,
        due_on: change.due_on,
        finding: change.finding,
        returned_reason: change.returned_reason,
        public_result: change.public_result,
    };
    let n = diesel::update(cases::table.filter(cases::id.eq(id).and(cases::status.eq(from))))
        .set(set)
        .execute(conn)?;
    Ok(n == 1)
}

/// The routing the dispatcher confirmed.
pub struct Routing<'a> {
    pub lead_bureau: &'a str,
    pub co_bureaus: &'a str,
    pub district: &'a str,
    pub industry: Option<&'a str>,
    pub dimensions: &'a str,
    pub enterprise_credit_code: Option<&'a str>,
}

/// 改派: a new lead bureau (and the co-handlers without it).
pub fn set_lead(
    conn: &mut DbConnection,
    id: i64,
    lead_bureau: &str,
    co_bureaus: &str,
) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set((
            cases::lead_bureau.eq(lead_bureau),
            cases::co_bureaus.eq(co_bureaus),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn set_routing(conn: &mut DbConnection, id: i64, r: &Routing<'_>) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set((
            cases::lead_bureau.eq(r.lead_bureau),
            cases::co_bureaus.eq(r.co_bureaus),
            cases::district.eq(r.district),
            cases::industry.eq(r.industry),
            cases::dimensions.eq(r.dimensions),
            cases::enterprise_credit_code.eq(r.enterprise_credit_code),
        ))
        .execute(conn)
        .map(|_| ())
}

pub struct NewMeasure<'a> {
    pub case_id: i64,
    pub measure: &'a str,
    pub rule_key: Option<&'a str>,
    pub ordered_on: NaiveDate,
    pub due_on: NaiveDate,
    pub note: &'a str,
    pub created_by: &'a str,
    pub at: NaiveDateTime,
}

pub fn insert_measure(conn: &mut DbConnection, m: &NewMeasure<'_>) -> QueryResult<i64> {
    diesel::insert_into(case_measures::table)
        .values((
            case_measures::case_id.eq(m.case_id),
            case_measures::measure.eq(m.measure),
            case_measures::rule_key.eq(m.rule_key),
            case_measures::ordered_on.eq(m.ordered_on),
            case_measures::due_on.eq(m.due_on),
            case_measures::note.eq(m.note),
            case_measures::is_open.eq(true),
            case_measures::created_by.eq(m.created_by),
            case_measures::created_at.eq(m.at),
        ))
        .returning(case_measures::id)
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct MeasureRow {
    pub id: i64,
    #[serde(skip)]
    pub case_id: i64,
    pub measure: String,
    pub rule_key: Option<String>,
    pub ordered_on: NaiveDate,
    pub due_on: NaiveDate,
    pub extensions: i32,
    pub extended_months: i32,
    pub extension_reason: Option<String>,
    pub note: String,
    pub is_open: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn measures_of(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<MeasureRow>> {
    case_measures::table
        .filter(case_measures::case_id.eq(case_id))
        .order(case_measures::id.asc())
        .load(conn)
}

pub fn extend_measure(
    conn: &mut DbConnection,
    id: i64,
    due_on: NaiveDate,
    months: i32,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(case_measures::table.find(id))
        .set((
            case_measures::due_on.eq(due_on),
            case_measures::extensions.eq(case_measures::extensions + 1),
            case_measures::extended_months.eq(case_measures::extended_months + months),
            case_measures::extension_reason.eq(reason),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A passed re-inspection or an accepted exit closes the open measures.
pub fn close_measures(conn: &mut DbConnection, case_id: i64) -> QueryResult<()> {
    diesel::update(
        case_measures::table.filter(
            case_measures::case_id
                .eq(case_id)
                .and(case_measures::is_open.eq(true)),
        ),
    )
    .set(case_measures::is_open.eq(false))
    .execute(conn)
    .map(|_| ())
}

pub fn add_record(
    conn: &mut DbConnection,
    case_id: i64,
    kind: &str,
    detail: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(case_records::table)
        .values((
            case_records::case_id.eq(case_id),
            case_records::kind.eq(kind),
            case_records::detail.eq(detail),
            case_records::created_by.eq(by),
            case_records::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct RecordRow {
    pub id: i64,
    #[serde(skip)]
    pub case_id: i64,
    pub kind: String,
    pub detail: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn records_of(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<RecordRow>> {
    case_records::table
        .filter(case_records::case_id.eq(case_id))
        .order(case_records::id.asc())
        .load(conn)
}

pub struct NewNotice<'a> {
    pub case_id: i64,
    pub kind: &'a str,
    pub step: &'a str,
    pub due_on: Option<NaiveDate>,
    pub body: &'a str,
    pub created_by: &'a str,
    pub at: NaiveDateTime,
}

pub fn insert_notice(conn: &mut DbConnection, n: &NewNotice<'_>) -> QueryResult<i64> {
    diesel::insert_into(supervision_notices::table)
        .values((
            supervision_notices::case_id.eq(n.case_id),
            supervision_notices::kind.eq(n.kind),
            supervision_notices::step.eq(n.step),
            supervision_notices::due_on.eq(n.due_on),
            supervision_notices::body.eq(n.body),
            supervision_notices::created_by.eq(n.created_by),
            supervision_notices::created_at.eq(n.at),
        ))
        .returning(supervision_notices::id)
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct NoticeRow {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub step: String,
    pub due_on: Option<NaiveDate>,
    pub body: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn notices_of(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<NoticeRow>> {
    supervision_notices::table
        .filter(supervision_notices::case_id.eq(case_id))
        .order(supervision_notices::id.asc())
        .load(conn)
}

/// Whether the job already noted this case's step as overdue for this due date.
pub fn overdue_noted(
    conn: &mut DbConnection,
    case_id: i64,
    step: &str,
    due_on: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        supervision_notices::table.filter(
            supervision_notices::case_id
                .eq(case_id)
                .and(supervision_notices::kind.eq("overdue"))
                .and(supervision_notices::step.eq(step))
                .and(supervision_notices::due_on.eq(due_on)),
        ),
    ))
    .get_result(conn)
}

/// (case id, step, due date) of a case whose step is late.
pub type LateStep = (i64, Option<String>, Option<NaiveDate>);

/// Open cases whose step fell due before `today` and are not yet marked.
pub fn newly_overdue(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<LateStep>> {
    cases::table
        .filter(
            cases::due_on
                .lt(today)
                .and(cases::overdue.eq(false))
                .and(cases::status.ne("closed")),
        )
        .order(cases::id.asc())
        .select((cases::id, cases::due_step, cases::due_on))
        .load(conn)
}

pub fn mark_overdue(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set(cases::overdue.eq(true))
        .execute(conn)
        .map(|_| ())
}

/// Ids of the tips in a case.
pub fn tip_ids(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<i64>> {
    tips::table
        .filter(tips::case_id.eq(case_id))
        .order(tips::id.asc())
        .select(tips::id)
        .load(conn)
}

/// Sealed contact of one tip of a case, if it has one.
pub fn sealed_contact(
    conn: &mut DbConnection,
    case_id: i64,
    tip_id: i64,
) -> QueryResult<Option<Option<Vec<u8>>>> {
    tips::table
        .filter(tips::id.eq(tip_id).and(tips::case_id.eq(case_id)))
        .select(tips::contact_sealed)
        .first(conn)
        .optional()
}

/// Move a tip to another case and recount both.
pub fn move_tip(conn: &mut DbConnection, tip_id: i64, from: i64, to: i64) -> QueryResult<()> {
    diesel::update(tips::table.find(tip_id))
        .set(tips::case_id.eq(to))
        .execute(conn)?;
    recount(conn, from)?;
    recount(conn, to)
}

pub fn recount(conn: &mut DbConnection, case_id: i64) -> QueryResult<()> {
    let n: i64 = tips::table
        .filter(tips::case_id.eq(case_id))
        .count()
        .get_result(conn)?;
    diesel::update(cases::table.find(case_id))
        .set(cases::tip_count.eq(n as i32))
        .execute(conn)
        .map(|_| ())
}

/// Received cases without a due date: (id, created_at, dimensions).
pub fn unscheduled(conn: &mut DbConnection) -> QueryResult<Vec<(i64, NaiveDateTime, String)>> {
    cases::table
        .filter(cases::status.eq("received").and(cases::due_step.is_null()))
        .order(cases::id.asc())
        .select((cases::id, cases::created_at, cases::dimensions))
        .load(conn)
}

pub fn schedule(conn: &mut DbConnection, id: i64, step: &str, due: NaiveDate) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set((cases::due_step.eq(step), cases::due_on.eq(due)))
        .execute(conn)
        .map(|_| ())
}
