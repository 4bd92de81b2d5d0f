//! The enterprise side of a case, for the dispatcher: searching the
//! registry, linking a firm to the case, and the open cases that look like
//! the same one (to merge with one click).
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::ServiceError;
use super::cases::CaseSummary;
use super::workflow::{Who, WorkflowError};
use crate::db::{DbError, audit, cases as case_db, enterprises};
use crate::domain::credit_code::CreditCode;
use crate::domain::errors::FieldErrors;
use crate::domain::place;
use crate::domain::role::Role;
use crate::matching::{Candidate, MatchQuery};
use crate::state::AppState;

/// Two places this alike (bigram Dice, 0–1) are shown as "similar": lower
/// than intake's bar for joining a case by itself, as a person decides here.
const SIMILAR_PLACE: f64 = 0.6;

/// Firms in the registry for what a dispatcher typed: a credit code, a
/// full or short name. Best first, as many as the matcher keeps (five).
pub fn search_registry(state: &AppState, q: &str) -> Vec<Candidate> {
    let q = q.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let query = match CreditCode::parse_lenient(q) {
        Ok(code) => MatchQuery {
            credit_code: Some(code.as_str().to_string()),
            ..MatchQuery::default()
        },
        Err(_) => MatchQuery {
            enterprise_name: Some(q.to_string()),
            text: q.to_string(),
            ..MatchQuery::default()
        },
    };
    state.registry.match_tip(&query).candidates
}

fn dispatcher(who: &Who) -> Result<(), WorkflowError> {
    match who.role {
        Role::Admin | Role::Dispatcher => Ok(()),
        _ => Err(WorkflowError::Forbidden),
    }
}

fn invalid(field: &str, zh: &str, en: &str) -> WorkflowError {
    let mut e = FieldErrors::default();
    e.add(field, zh, en);
    WorkflowError::Invalid(e)
}

/// Link an open case to the registered firm holding `credit_code`
/// (dispatchers and administrators; audited as `case.link`).
pub async fn link(
    state: &AppState,
    who: Who,
    case_id: i64,
    credit_code: String,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    dispatcher(&who)?;
    let code = CreditCode::parse_lenient(credit_code.trim())
        .map_err(|e| invalid("credit_code", &e.zh(), &e.en()))?;
    let code = code.as_str().to_string();
    state
        .db
        .write(move |conn| {
            let case = case_db::get(conn, &who.scope, case_id)?.ok_or(WorkflowError::NotFound)?;
            if !case.status.is_open() {
                return Err(WorkflowError::Conflict {
                    status: case.status,
                    allowed: Vec::new(),
                });
            }
            let Some((firm, name)) = enterprises::id_and_name_by_code(conn, &code)? else {
                return Err(invalid(
                    "credit_code",
                    "企业登记库中没有这个统一社会信用代码",
                    "no firm in the registry has this credit code",
                ));
            };
            let before = case_db::set_enterprise(conn, case_id, firm, &code, now)?;
            let detail = serde_json::json!({
                "before": before, "enterprise_id": firm, "credit_code": code, "name": name,
            });
            audit::append(
                conn,
                &who.actor,
                "case.link",
                &format!("case:{case_id}"),
                &detail.to_string(),
                now,
            )?;
            Ok(())
        })
        .await
}

/// An open case that may be about the same thing, and why.
#[derive(Debug, Serialize)]
pub struct Similar {
    pub case: CaseSummary,
    /// 同一企业 / 同区、同类问题、地点相近.
    pub why: String,
}

/// Open cases about the same firm, or in the same district with a shared
/// dimension at a similar place, seen within the pack's grouping window.
/// For dispatchers and administrators (who decide merges); empty for others.
pub async fn similar(
    state: &AppState,
    who: &Who,
    case_id: i64,
) -> Result<Vec<Similar>, ServiceError> {
    if dispatcher(who).is_err() {
        return Ok(Vec::new());
    }
    let scope = who.scope.clone();
    let window = Duration::days(i64::from(state.pack.routing.case_grouping_days));
    state
        .db
        .read(move |conn| -> Result<Vec<Similar>, ServiceError> {
            let Some(case) = case_db::get(conn, &scope, case_id)? else {
                return Ok(Vec::new());
            };
            let dims: Vec<String> = crate::db::key_list(&case.dimensions);
            let near = case_db::open_near(
                conn,
                case.district.as_deref(),
                case.last_seen_at - window,
                case_id,
            )?;
            let mut why = std::collections::HashMap::new();
            for n in &near {
                let same_firm =
                    case.enterprise_id.is_some() && n.enterprise_id == case.enterprise_id;
                let place_alike = match (&case.place_key, &n.place_key) {
                    (Some(a), Some(b)) => place::similarity(a, b) >= SIMILAR_PLACE,
                    _ => false,
                };
                if same_firm {
                    why.insert(n.id, "同一企业".to_string());
                } else if place_alike && place::dimensions_overlap(&n.dimensions, &dims) {
                    why.insert(n.id, "同区、同类问题、地点相近".to_string());
                }
            }
            // Same firm in other districts too (a firm's tips may name
            // different places).
            if let Some(firm) = case.enterprise_id {
                for (id, _) in case_db::open_for_enterprise(conn, firm)? {
                    if id != case_id {
                        why.entry(id).or_insert_with(|| "同一企业".to_string());
                    }
                }
            }
            let mut ids: Vec<i64> = why.keys().copied().collect();
            ids.sort_unstable_by_key(|id| std::cmp::Reverse(*id));
            ids.truncate(10);
            let rows = case_db::by_ids(conn, &ids).map_err(DbError::from)?;
            let mut out: Vec<Similar> = super::cases::summaries(conn, &rows)?
                .into_iter()
                .map(|c| Similar {
                    why: why.remove(&c.id).unwrap_or_default(),
                    case: c,
                })
                .collect();
            out.sort_by_key(|s| std::cmp::Reverse(s.case.id));
            Ok(out)
        })
        .await
}
