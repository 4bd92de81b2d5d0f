//! Reading cases as staff: the queue and one case, each within what the
//! reader's role may see. A case outside that scope is simply not found.
use chrono::NaiveDateTime;
use serde::Serialize;

use super::ServiceError;
use super::attachments::AttachmentView;
use crate::db::cases::{self, CaseRow};
use std::collections::HashMap;

use crate::db::{self, DbError, audit, enterprises, measures, safeguards, tips as tip_db};
use crate::domain::role::Scope;
use crate::matching::Candidate;
use crate::routing::{Finding, RoutingProposal};
use crate::state::AppState;

pub use crate::db::cases::{CaseFilter, QueueCounts, WITH_BUREAU};
pub use crate::db::search::{COUNT_BOUND, MatchCount};
use crate::domain::search::{Excerpt, SearchText};
use crate::domain::tip_status::Origin;

/// The queue's counts (new, returned, overdue …) within a scope.
pub async fn counts(state: &AppState, scope: Scope) -> Result<QueueCounts, ServiceError> {
    state
        .db
        .read(move |conn| Ok(cases::counts(conn, &scope)?))
        .await
}

pub const MAX_LIMIT: i64 = 500;
pub const DEFAULT_LIMIT: i64 = 50;

#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseRef {
    pub credit_code: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub status: crate::domain::case_state::CaseStatus,
    pub enterprise: Option<EnterpriseRef>,
    pub industry: Option<String>,
    pub district: Option<String>,
    pub dimensions: Vec<String>,
    pub lead_bureau: Option<String>,
    pub co_bureaus: Vec<String>,
    pub tip_count: i32,
    pub first_seen_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub status_label: &'static str,
    pub due_step: Option<String>,
    pub due_on: Option<chrono::NaiveDate>,
    pub overdue: bool,
    /// In a search: the first matching tip's text around the match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<Excerpt>,
    /// What the first tip said, its channel and when it came: enough to
    /// triage from the queue without opening the case.
    pub first_tip: Option<FirstTipView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FirstTipView {
    /// About forty characters of the report, on one line.
    pub summary: String,
    pub origin: Origin,
    pub received_at: NaiveDateTime,
}

/// Length of a queue row's summary, in characters.
const SUMMARY_CHARS: usize = 40;

/// The first tip of each case on a page, by case id.
fn first_tips(
    conn: &mut crate::db::DbConnection,
    rows: &[CaseRow],
) -> Result<HashMap<i64, FirstTipView>, DbError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    Ok(cases::first_tips(conn, &ids)?
        .into_iter()
        .filter_map(|t| {
            let view = FirstTipView {
                summary: crate::text::one_line(&t.description, SUMMARY_CHARS),
                origin: Origin::of(&t.source, t.channel.as_deref(), t.relay_source.as_deref()),
                received_at: t.received_at,
            };
            t.case_id.map(|id| (id, view))
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// Pass back as `cursor` for the next page; null on the last page.
    pub next: Option<String>,
    /// In a search, on its first page: how many cases match, counted up to
    /// 1,000 (`more` when there are more, or when the search stopped at its
    /// read bound before seeing every match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<MatchCount>,
}

#[derive(Debug, Serialize)]
pub struct TipView {
    pub id: i64,
    pub source: String,
    pub description: String,
    pub enterprise_name: Option<String>,
    pub enterprise_credit_code: Option<String>,
    pub address: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub dimensions: Vec<String>,
    pub occurred_on: Option<chrono::NaiveDate>,
    pub has_contact: bool,
    pub received_at: NaiveDateTime,
    /// The enterprise this tip was matched to, if any.
    pub enterprise_id: Option<i64>,
    /// This tip's own routing proposal, with its explanation.
    pub routing: Option<RoutingProposal>,
    /// Evidence files of this tip (they follow the tip through merges).
    pub attachments: Vec<AttachmentView>,
    /// Whether a legal hold on this tip stops retention.
    pub legal_hold: bool,
}

#[derive(Debug, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// Table 5 findings of the case's routing.
    pub obsolete_findings: Vec<Finding>,
    /// Enterprises the first tip may be about, best first, for the dispatcher.
    pub candidates: Vec<Candidate>,
    /// The routing proposal the case was opened with, and why.
    pub routing: Option<RoutingProposal>,
    pub tips: Vec<TipView>,
    pub deadlines: Vec<DeadlineView>,
    /// The credit code the dispatcher confirmed (issue 4 links it to the registry).
    pub enterprise_credit_code: Option<String>,
    pub finding: Option<String>,
    pub returned_reason: Option<String>,
    pub public_result: Option<String>,
    /// Enforcement measures, each with `measure`, `due_on`, `extended_months`.
    pub measures: Vec<measures::MeasureRow>,
    /// What each step carried (finding, re-inspection, exit, return).
    pub records: Vec<measures::RecordRow>,
    /// Supervision notices (督办, overdue).
    pub notices: Vec<measures::NoticeRow>,
    /// Questions to and answers from the reporters, per tip.
    pub messages: Vec<MessageView>,
    /// Actions the case's state allows next (the reader's role may allow fewer).
    pub allowed: Vec<crate::domain::case_state::Action>,
    pub history: Vec<audit::AuditEntry>,
    /// A burst of near-identical tips about this enterprise (for the dispatcher).
    pub flood_suspected: bool,
    pub flood_count: i32,
    /// A legal hold on the case stops retention.
    pub legal_hold: bool,
    /// Where the case stands on the public yellow or red list now.
    pub list_standing: Option<crate::domain::lists::Standing>,
    /// Its joint-punishment records (联合惩戒), proposed or decided.
    pub punishments: Vec<db::punishments::PunishmentRow>,
    /// The reporters' ratings (回访、评价) of this case's tips.
    pub ratings: Vec<crate::services::rating::RatingView>,
    /// Times reopened for 二次办理.
    pub reopen_count: i32,
}

#[derive(Debug, Serialize)]
pub struct DeadlineView {
    /// `dispatch`, `verify` or `measure:<id>`.
    pub step: String,
    pub due_on: chrono::NaiveDate,
    pub overdue: bool,
    /// The pack entry the date comes from.
    pub source: Option<String>,
    /// False when the working-day calendar does not cover the dates counted.
    pub calendar_covered: bool,
}

#[derive(Debug, Serialize)]
pub struct MessageView {
    pub tip_id: i64,
    pub from: String,
    pub body: String,
    pub at: NaiveDateTime,
}

/// Credit code and name of each case's enterprise, in one query.
fn enterprise_refs(
    conn: &mut crate::db::DbConnection,
    rows: &[CaseRow],
) -> Result<HashMap<i64, EnterpriseRef>, DbError> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.enterprise_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(enterprises::names(conn, &ids)?
        .into_iter()
        .map(|(id, credit_code, name)| (id, EnterpriseRef { credit_code, name }))
        .collect())
}

/// A case row as the queue shows it. `refs` is shared by every row of a
/// page: two cases about one firm both show it.
fn summary(row: &CaseRow, refs: &PageRefs) -> CaseSummary {
    CaseSummary {
        id: row.id,
        status: row.status,
        enterprise: row
            .enterprise_id
            .and_then(|id| refs.firms.get(&id).cloned()),
        industry: row.industry.clone(),
        district: row.district.clone(),
        dimensions: crate::db::key_list(&row.dimensions),
        lead_bureau: row.lead_bureau.clone(),
        co_bureaus: crate::db::key_list(&row.co_bureaus),
        tip_count: row.tip_count,
        first_seen_at: row.first_seen_at,
        last_seen_at: row.last_seen_at,
        status_label: row.status.label_zh(),
        due_step: row.due_step.clone(),
        due_on: row.due_on,
        overdue: row.overdue,
        excerpt: None,
        first_tip: refs.first_tips.get(&row.id).cloned(),
    }
}

/// What every row of a page looks up at once.
struct PageRefs {
    firms: HashMap<i64, EnterpriseRef>,
    first_tips: HashMap<i64, FirstTipView>,
}

impl PageRefs {
    fn load(conn: &mut crate::db::DbConnection, rows: &[CaseRow]) -> Result<PageRefs, DbError> {
        Ok(PageRefs {
            firms: enterprise_refs(conn, rows)?,
            first_tips: first_tips(conn, rows)?,
        })
    }
}

/// Case rows as queue rows (firm and first tip looked up once for all).
pub(crate) fn summaries(
    conn: &mut crate::db::DbConnection,
    rows: &[CaseRow],
) -> Result<Vec<CaseSummary>, DbError> {
    let refs = PageRefs::load(conn, rows)?;
    Ok(rows.iter().map(|r| summary(r, &refs)).collect())
}

/// The queue: newest (or oldest) first, one page from the filter's cursor.
/// With a search text (`filter.q`), the cases whose tips match it, each with
/// an excerpt, through the search index (`db::search`).
pub async fn list(
    state: &AppState,
    scope: Scope,
    mut filter: CaseFilter,
) -> Result<CasePage, ServiceError> {
    filter.limit = filter.limit.clamp(1, MAX_LIMIT);
    let limit = filter.limit;
    let text = match SearchText::parse(filter.q.as_deref().unwrap_or("")) {
        Ok(t) => t,
        Err(e) => {
            let mut errors = crate::domain::errors::FieldErrors::default();
            errors.add("q", e.zh(), e.en());
            return Err(ServiceError::Invalid(errors));
        }
    };
    let mut page = state
        .db
        .read(move |conn| -> Result<CasePage, ServiceError> {
            if let Some(text) = text {
                let found = db::search::search(conn, &scope, &filter, &text)?;
                let refs = PageRefs::load(conn, &found.rows)?;
                let items = found
                    .rows
                    .iter()
                    .map(|r| CaseSummary {
                        excerpt: found
                            .docs
                            .get(&r.id)
                            .map(|doc| crate::domain::search::excerpt(doc, &text)),
                        ..summary(r, &refs)
                    })
                    .collect();
                return Ok(CasePage {
                    items,
                    next: found.next.map(|id| id.to_string()),
                    matches: found.count,
                });
            }
            let rows = cases::list(conn, &scope, &filter).map_err(DbError::from)?;
            let next = (rows.len() as i64 == limit)
                .then(|| rows.last().map(|r| r.id.to_string()))
                .flatten();
            let refs = PageRefs::load(conn, &rows)?;
            let items = rows.iter().map(|r| summary(r, &refs)).collect();
            Ok(CasePage {
                items,
                next,
                matches: None,
            })
        })
        .await?;
    // The daily job writes a new case's dispatch deadline; until it runs,
    // show the date it will write (the limit runs from the day the tip came).
    for c in page.items.iter_mut().filter(|c| c.due_on.is_none()) {
        if c.status == crate::domain::case_state::CaseStatus::Received {
            let opened = crate::clock::local_day(c.first_seen_at);
            c.due_on = super::workflow::step_due(&state.pack, "dispatch", &c.dimensions, opened);
            c.due_step = c.due_on.map(|_| "dispatch".to_string());
        }
    }
    Ok(page)
}

pub async fn detail(state: &AppState, scope: Scope, id: i64) -> Result<CaseDetail, ServiceError> {
    let pack = state.pack.clone();
    state
        .db
        .read(move |conn| -> Result<CaseDetail, ServiceError> {
            let row = cases::get(conn, &scope, id)?.ok_or(ServiceError::NotFound)?;
            let routing: Option<RoutingProposal> = serde_json::from_str(&row.routing).ok();
            let case_tips = cases::tips_of(conn, id)?;
            let tip_ids: Vec<i64> = case_tips.iter().map(|t| t.id).collect();
            let files = db::attachments::of_tips(conn, &tip_ids)?;
            let held_tips = safeguards::held_tips(conn, &tip_ids)?;
            let (flood_suspected, flood_count) = safeguards::flood_flag(conn, id)?;
            let legal_hold = safeguards::case_held(conn, id)?;
            let tips = case_tips
                .into_iter()
                .map(|t| TipView {
                    attachments: files
                        .iter()
                        .filter(|f| f.tip_id == Some(t.id))
                        .map(AttachmentView::from_row)
                        .collect(),
                    legal_hold: held_tips.contains(&t.id),
                    id: t.id,
                    source: t.source,
                    description: t.description,
                    enterprise_name: t.enterprise_name,
                    enterprise_credit_code: t.enterprise_credit_code,
                    address: t.address,
                    district: t.district,
                    industry: t.industry,
                    dimensions: crate::db::key_list(&t.dimensions),
                    occurred_on: t.occurred_on,
                    has_contact: t.has_contact,
                    received_at: t.received_at,
                    enterprise_id: t.enterprise_id,
                    routing: t
                        .routing
                        .as_deref()
                        .and_then(|r| serde_json::from_str(r).ok()),
                })
                .collect();
            let history = audit::for_subject(conn, &format!("case:{id}"))?;
            let refs = PageRefs::load(conn, std::slice::from_ref(&row))?;
            let ms = measures::measures_of(conn, id)?;
            let today = crate::services::workflow::local_day(crate::db::now());
            let cal = pack.work_calendar();
            let mut deadlines = Vec::new();
            if let (Some(step), Some(due)) = (&row.due_step, row.due_on)
                && step != "measure"
            {
                let src = pack
                    .step_deadline(step, &crate::db::key_list(&row.dimensions))
                    .map(|d| d.key.clone());
                deadlines.push(DeadlineView {
                    step: step.clone(),
                    due_on: due,
                    overdue: due < today,
                    source: src,
                    calendar_covered: cal.covers_span(row.updated_at.date(), due),
                });
            }
            for m in ms.iter().filter(|m| m.is_open && m.due_on > m.ordered_on) {
                deadlines.push(DeadlineView {
                    step: format!("measure:{}", m.id),
                    due_on: m.due_on,
                    overdue: m.due_on < today,
                    source: m.rule_key.clone(),
                    calendar_covered: true,
                });
            }
            let mut messages = Vec::new();
            for t in measures::tip_ids(conn, id)? {
                for m in tip_db::messages(conn, t)? {
                    messages.push(MessageView {
                        tip_id: t,
                        from: m.author,
                        body: m.body,
                        at: m.created_at,
                    });
                }
            }
            messages.sort_by_key(|m| m.at);
            let status = row.status;
            let facts = crate::domain::case_state::Facts {
                finding: row
                    .finding
                    .as_deref()
                    .and_then(crate::domain::case_state::Finding::parse),
                open_rectification: ms.iter().any(|m| m.is_open && m.measure == "rectify"),
                passed: false,
            };
            let records = measures::records_of(conn, id)?;
            Ok(CaseDetail {
                list_standing: crate::services::lists::case_standing(&ms, &records),
                punishments: db::punishments::of_case(conn, id)?,
                ratings: crate::services::rating::of_case(conn, id)?,
                reopen_count: row.reopen_count,
                records,
                deadlines,
                enterprise_credit_code: row.enterprise_credit_code.clone(),
                finding: row.finding.clone(),
                returned_reason: row.returned_reason.clone(),
                public_result: row.public_result.clone(),
                notices: measures::notices_of(conn, id)?,
                measures: ms,
                messages,
                allowed: crate::domain::case_state::allowed(status, facts),
                candidates: serde_json::from_str(&row.candidates).unwrap_or_default(),
                summary: summary(&row, &refs),
                obsolete_findings: routing
                    .as_ref()
                    .map(|r| r.findings.clone())
                    .unwrap_or_default(),
                routing,
                tips,
                history,
                flood_suspected,
                flood_count,
                legal_hold,
            })
        })
        .await
}
