//! SQL for cases and the tips gathered in them.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{cases, tips};
use crate::domain::role::Scope;

/// What a new case starts from: the routing of its first tip.
pub struct NewCase<'a> {
    pub status: &'a str,
    pub industry: Option<&'a str>,
    pub district: Option<&'a str>,
    pub dimensions: &'a str,
    pub lead_bureau: Option<&'a str>,
    /// Already in the stored form `,a,b,` (see [`co_bureaus_column`]).
    pub co_bureaus: &'a str,
    pub routing: &'a str,
    pub enterprise_id: Option<i64>,
    pub candidates: &'a str,
    pub place_key: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// `["a","b"]` → `",a,b,"`, so `LIKE '%,a,%'` finds a co-handler.
pub fn co_bureaus_column(keys: &[String]) -> String {
    if keys.is_empty() {
        String::new()
    } else {
        format!(",{},", keys.join(","))
    }
}

pub fn insert(conn: &mut DbConnection, c: &NewCase<'_>) -> QueryResult<i64> {
    diesel::insert_into(cases::table)
        .values((
            cases::status.eq(c.status),
            cases::industry.eq(c.industry),
            cases::district.eq(c.district),
            cases::dimensions.eq(c.dimensions),
            cases::lead_bureau.eq(c.lead_bureau),
            cases::co_bureaus.eq(c.co_bureaus),
            cases::routing.eq(c.routing),
            cases::tip_count.eq(1),
            cases::first_seen_at.eq(c.at),
            cases::last_seen_at.eq(c.at),
            cases::created_at.eq(c.at),
            cases::updated_at.eq(c.at),
            cases::enterprise_id.eq(c.enterprise_id),
            cases::candidates.eq(c.candidates),
            cases::place_key.eq(c.place_key),
        ))
        .returning(cases::id)
        .get_result(conn)
}

/// Statuses after which a new tip opens a new case.
pub const FINAL_STATUSES: [&str; 1] = ["closed"];

/// Open cases about one enterprise: (id, dimensions), newest first.
pub fn open_for_enterprise(
    conn: &mut DbConnection,
    enterprise_id: i64,
) -> QueryResult<Vec<(i64, String)>> {
    cases::table
        .filter(cases::enterprise_id.eq(enterprise_id))
        .filter(cases::status.ne_all(FINAL_STATUSES))
        .order(cases::id.desc())
        .select((cases::id, cases::dimensions))
        .load(conn)
}

/// An open case without an enterprise, as re-matching reads it.
#[derive(Debug, Queryable)]
pub struct Unlinked {
    pub id: i64,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub dimensions: String,
}

/// Open cases without an enterprise, oldest first.
pub fn open_unlinked(conn: &mut DbConnection) -> QueryResult<Vec<Unlinked>> {
    cases::table
        .filter(cases::enterprise_id.is_null())
        .filter(cases::status.ne_all(FINAL_STATUSES))
        .order(cases::id.asc())
        .select((
            cases::id,
            cases::district,
            cases::industry,
            cases::dimensions,
        ))
        .load(conn)
}

/// Link a case, and those of its tips not linked yet, to an enterprise;
/// the case's candidates become the new match's. False when the case was
/// linked meanwhile (by another process or a dispatcher).
pub fn link_enterprise(
    conn: &mut DbConnection,
    case_id: i64,
    enterprise_id: i64,
    candidates: &str,
    district: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        cases::table
            .find(case_id)
            .filter(cases::enterprise_id.is_null()),
    )
    .set((
        cases::enterprise_id.eq(enterprise_id),
        cases::candidates.eq(candidates),
        cases::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    if let Some(d) = district {
        diesel::update(cases::table.find(case_id).filter(cases::district.is_null()))
            .set(cases::district.eq(d))
            .execute(conn)?;
    }
    link_tips(conn, case_id, enterprise_id)?;
    Ok(true)
}

/// Recent open cases without an enterprise, in one district (or none):
/// (id, dimensions, place key), newest first.
pub fn open_by_place(
    conn: &mut DbConnection,
    district: Option<&str>,
    since: NaiveDateTime,
) -> QueryResult<Vec<(i64, String, Option<String>)>> {
    let mut q = cases::table
        .filter(cases::enterprise_id.is_null())
        .filter(cases::place_key.is_not_null())
        .filter(cases::status.ne_all(FINAL_STATUSES))
        .filter(cases::last_seen_at.ge(since))
        .into_boxed();
    q = match district {
        Some(d) => q.filter(cases::district.eq(d.to_string())),
        None => q.filter(cases::district.is_null()),
    };
    q.order(cases::id.desc())
        .limit(50)
        .select((cases::id, cases::dimensions, cases::place_key))
        .load(conn)
}

/// One more tip joined the case.
pub fn add_tip(conn: &mut DbConnection, case_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(cases::table.find(case_id))
        .set((
            cases::tip_count.eq(cases::tip_count + 1),
            cases::last_seen_at.eq(at),
            cases::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable)]
pub struct CaseRow {
    pub id: i64,
    #[diesel(deserialize_as = String)]
    pub status: crate::domain::case_state::CaseStatus,
    pub industry: Option<String>,
    pub district: Option<String>,
    pub dimensions: String,
    pub lead_bureau: Option<String>,
    pub co_bureaus: String,
    pub routing: String,
    pub tip_count: i32,
    pub first_seen_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub enterprise_id: Option<i64>,
    /// Match candidates kept for the dispatcher (JSON).
    pub candidates: String,
    pub place_key: Option<String>,
    pub enterprise_credit_code: Option<String>,
    pub finding: Option<String>,
    pub due_step: Option<String>,
    pub due_on: Option<chrono::NaiveDate>,
    pub overdue: bool,
    pub returned_reason: Option<String>,
    pub public_result: Option<String>,
    /// Times reopened for 二次办理.
    pub reopen_count: i32,
}

#[derive(Debug, Default, Clone)]
pub struct CaseFilter {
    pub status: Option<String>,
    pub bureau: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub q: Option<String>,
    /// Any of these statuses (when not empty).
    pub statuses: Vec<String>,
    /// Cases this bureau leads (not co-handles).
    pub lead_bureau: Option<String>,
    /// Not closed.
    pub open_only: bool,
    /// Only cases marked overdue by the daily job.
    pub overdue: Option<bool>,
    /// Only cases with a dissatisfied rating waiting for the dispatcher.
    pub rating_review: bool,
    pub dimension: Option<String>,
    /// Opened on or after / before this instant.
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// Oldest first (keyset on `after_id`) instead of newest first.
    pub oldest_first: bool,
    pub after_id: Option<i64>,
    /// Keyset cursor: only cases with a smaller id.
    pub before_id: Option<i64>,
    pub limit: i64,
}

fn scoped<'a>(scope: &Scope) -> cases::BoxedQuery<'a, super::DbBackend> {
    let q = cases::table.into_boxed();
    match scope {
        Scope::All => q,
        Scope::Bureau(b) => q.filter(
            cases::lead_bureau
                .eq(b.clone())
                .or(cases::co_bureaus.like(format!("%,{b},%"))),
        ),
        Scope::District(d) => q.filter(cases::district.eq(d.clone())),
    }
}

/// What the scope may see, narrowed by the filter's conditions; not its
/// text (`db::search` handles `q`), cursor or order.
fn filtered<'a>(scope: &Scope, f: &CaseFilter) -> cases::BoxedQuery<'a, super::DbBackend> {
    let mut q = scoped(scope);
    if let Some(s) = &f.status {
        q = q.filter(cases::status.eq(s.clone()));
    }
    if let Some(b) = &f.bureau {
        q = q.filter(
            cases::lead_bureau
                .eq(b.clone())
                .or(cases::co_bureaus.like(format!("%,{b},%"))),
        );
    }
    if let Some(d) = &f.district {
        q = q.filter(cases::district.eq(d.clone()));
    }
    if let Some(i) = &f.industry {
        q = q.filter(cases::industry.eq(i.clone()));
    }
    if !f.statuses.is_empty() {
        q = q.filter(cases::status.eq_any(f.statuses.clone()));
    }
    if let Some(b) = &f.lead_bureau {
        q = q.filter(cases::lead_bureau.eq(b.clone()));
    }
    if f.open_only {
        q = q.filter(cases::status.ne("closed"));
    }
    if let Some(o) = f.overdue {
        q = q.filter(cases::overdue.eq(o));
    }
    if f.rating_review {
        q = q.filter(cases::id.nullable().eq_any(waiting_review_cases()));
    }
    if let Some(d) = &f.dimension {
        q = q.filter(
            cases::dimensions
                .eq(d.clone())
                .or(cases::dimensions.like(format!("{d},%")))
                .or(cases::dimensions.like(format!("%,{d}")))
                .or(cases::dimensions.like(format!("%,{d},%"))),
        );
    }
    if let Some(t) = f.since {
        q = q.filter(cases::created_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(cases::created_at.lt(t));
    }
    q
}

/// Newest first, within what the scope may see. The filter's text is not
/// read here: a search goes through `db::search::search`.
pub fn list(conn: &mut DbConnection, scope: &Scope, f: &CaseFilter) -> QueryResult<Vec<CaseRow>> {
    let mut q = filtered(scope, f);
    if f.oldest_first {
        if let Some(id) = f.after_id {
            q = q.filter(cases::id.gt(id));
        }
        return q.order(cases::id.asc()).limit(f.limit).load(conn);
    }
    if let Some(id) = f.before_id {
        q = q.filter(cases::id.lt(id));
    }
    q.order(cases::id.desc()).limit(f.limit).load(conn)
}

/// Which of these cases the scope may see and the filter lets through.
pub fn passing(
    conn: &mut DbConnection,
    scope: &Scope,
    f: &CaseFilter,
    ids: &[i64],
) -> QueryResult<std::collections::HashSet<i64>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let found: Vec<i64> = filtered(scope, f)
        .filter(cases::id.eq_any(ids.to_vec()))
        .select(cases::id)
        .load(conn)?;
    Ok(found.into_iter().collect())
}

/// These cases, in no particular order (the caller has checked the scope).
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<CaseRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    cases::table
        .filter(cases::id.eq_any(ids.to_vec()))
        .load(conn)
}

/// The counts on the queue's tabs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct QueueCounts {
    /// Waiting on the reader: new and returned cases for the dispatcher's
    /// office, cases the bureau leads and has not closed, open cases of the district.
    pub mine: i64,
    pub new: i64,
    pub overdue: i64,
    pub returned: i64,
    /// Cases with a 不满意 rating waiting for the dispatcher's review.
    pub review: i64,
}

/// Statuses in which the lead bureau has work to do.
pub const WITH_BUREAU: [&str; 6] = [
    "dispatched",
    "verifying",
    "verified",
    "enforcing",
    "reinspected",
    "exit_accepted",
];

/// The query of [`waiting_review_cases`].
type WaitingReview = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::InnerJoin<super::schema::tip_ratings::table, tips::table>,
        diesel::dsl::And<
            diesel::dsl::Eq<super::schema::tip_ratings::rating, &'static str>,
            diesel::dsl::IsNull<super::schema::tip_ratings::review>,
        >,
    >,
    tips::case_id,
>;

/// The cases of tips rated 不满意 whose rating waits for review.
fn waiting_review_cases() -> WaitingReview {
    use super::schema::tip_ratings;
    tip_ratings::table
        .inner_join(tips::table)
        .filter(
            tip_ratings::rating
                .eq("dissatisfied")
                .and(tip_ratings::review.is_null()),
        )
        .select(tips::case_id)
}

/// Each count is one query an index narrows (status, overdue, lead bureau or
/// district), so a page of the queue never counts the whole table: with
/// 100,000 cases a full scan costs more than the page itself.
pub fn counts(conn: &mut DbConnection, scope: &Scope) -> QueryResult<QueueCounts> {
    let count = |conn: &mut DbConnection,
                 q: cases::BoxedQuery<'static, super::DbBackend>|
     -> QueryResult<i64> { q.count().get_result(conn) };
    let new = count(conn, scoped(scope).filter(cases::status.eq("received")))?;
    let returned = count(conn, scoped(scope).filter(cases::status.eq("returned")))?;
    let overdue = count(
        conn,
        scoped(scope).filter(cases::overdue.eq(true).and(cases::status.ne("closed"))),
    )?;
    let mine = match scope {
        Scope::All => new + returned,
        Scope::Bureau(b) => count(
            conn,
            cases::table.into_boxed().filter(
                cases::lead_bureau
                    .eq(b.clone())
                    .and(cases::status.eq_any(WITH_BUREAU)),
            ),
        )?,
        Scope::District(d) => count(
            conn,
            cases::table.into_boxed().filter(
                cases::district
                    .eq(d.clone())
                    .and(cases::status.ne("closed")),
            ),
        )?,
    };
    let review = count(
        conn,
        scoped(scope).filter(cases::id.nullable().eq_any(waiting_review_cases())),
    )?;
    Ok(QueueCounts {
        mine,
        new,
        overdue,
        returned,
        review,
    })
}

/// One case, if the scope may see it.
pub fn get(conn: &mut DbConnection, scope: &Scope, id: i64) -> QueryResult<Option<CaseRow>> {
    scoped(scope)
        .filter(cases::id.eq(id))
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable)]
pub struct CaseTip {
    pub id: i64,
    pub source: String,
    pub description: String,
    pub enterprise_name: Option<String>,
    pub enterprise_credit_code: Option<String>,
    pub address: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub dimensions: String,
    pub occurred_on: Option<chrono::NaiveDate>,
    pub has_contact: bool,
    pub routing: Option<String>,
    pub received_at: NaiveDateTime,
    pub enterprise_id: Option<i64>,
}

pub fn tips_of(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<CaseTip>> {
    tips::table
        .filter(tips::case_id.eq(case_id))
        .order(tips::id.asc())
        .select((
            tips::id,
            tips::source,
            tips::description,
            tips::enterprise_name,
            tips::enterprise_credit_code,
            tips::address,
            tips::district,
            tips::industry,
            tips::dimensions,
            tips::occurred_on,
            tips::contact_sealed.is_not_null(),
            tips::routing,
            tips::received_at,
            tips::enterprise_id,
        ))
        .load(conn)
}

/// A case's dimensions column (comma-joined keys).
pub fn dimensions_of(conn: &mut DbConnection, case_id: i64) -> QueryResult<String> {
    cases::table
        .find(case_id)
        .select(cases::dimensions)
        .first(conn)
}

/// The first tip of a case as the queue shows it: what was reported, by
/// which channel (its relay ticket's channel and the relay's declared
/// source, for a relayed tip), and when.
#[derive(Debug, Clone, Queryable)]
pub struct FirstTip {
    pub case_id: Option<i64>,
    pub source: String,
    pub description: String,
    pub received_at: NaiveDateTime,
    pub channel: Option<String>,
    pub relay_source: Option<String>,
}

/// The first tip of each of these cases, in two indexed queries (a case
/// may gather thousands of tips; only the first is read).
pub fn first_tips(conn: &mut DbConnection, case_ids: &[i64]) -> QueryResult<Vec<FirstTip>> {
    use super::schema::{relay_tickets, relays};
    use diesel::dsl::min;
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    let firsts: Vec<Option<i64>> = tips::table
        .filter(tips::case_id.eq_any(case_ids))
        .group_by(tips::case_id)
        .select(min(tips::id))
        .load(conn)?;
    let ids: Vec<i64> = firsts.into_iter().flatten().collect();
    tips::table
        .left_join(relay_tickets::table.on(relay_tickets::tip_id.eq(tips::id)))
        .left_join(relays::table.on(relays::id.eq(relay_tickets::relay_id)))
        .filter(tips::id.eq_any(&ids))
        .select((
            tips::case_id,
            tips::source,
            tips::description,
            tips::received_at,
            relay_tickets::channel.nullable(),
            relays::source.nullable(),
        ))
        .load(conn)
}

/// Link a case to a registered firm as a dispatcher decides it: the case's
/// enterprise and credit code, and those of its tips not linked yet.
/// Returns the case's enterprise before.
pub fn set_enterprise(
    conn: &mut DbConnection,
    case_id: i64,
    enterprise_id: i64,
    credit_code: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let before: Option<i64> = cases::table
        .find(case_id)
        .select(cases::enterprise_id)
        .first(conn)?;
    diesel::update(cases::table.find(case_id))
        .set((
            cases::enterprise_id.eq(enterprise_id),
            cases::enterprise_credit_code.eq(credit_code),
            cases::updated_at.eq(at),
        ))
        .execute(conn)?;
    link_tips(conn, case_id, enterprise_id)?;
    Ok(before)
}

/// The case's tips not linked to a firm yet are linked to this one.
fn link_tips(conn: &mut DbConnection, case_id: i64, enterprise_id: i64) -> QueryResult<usize> {
    diesel::update(
        tips::table
            .filter(tips::case_id.eq(case_id))
            .filter(tips::enterprise_id.is_null()),
    )
    .set(tips::enterprise_id.eq(enterprise_id))
    .execute(conn)
}

/// An open case near another, as "similar open cases" compares them.
#[derive(Debug, Queryable)]
pub struct Near {
    pub id: i64,
    pub dimensions: String,
    pub place_key: Option<String>,
    pub enterprise_id: Option<i64>,
}

/// Open cases in one district (or none) seen since `since`, other than
/// `except`, newest first, at most 200.
pub fn open_near(
    conn: &mut DbConnection,
    district: Option<&str>,
    since: NaiveDateTime,
    except: i64,
) -> QueryResult<Vec<Near>> {
    let mut q = cases::table
        .filter(cases::status.ne_all(FINAL_STATUSES))
        .filter(cases::last_seen_at.ge(since))
        .filter(cases::id.ne(except))
        .into_boxed();
    q = match district {
        Some(d) => q.filter(cases::district.eq(d.to_string())),
        None => q.filter(cases::district.is_null()),
    };
    q.order(cases::id.desc())
        .limit(200)
        .select((
            cases::id,
            cases::dimensions,
            cases::place_key,
            cases::enterprise_id,
        ))
        .load(conn)
}
