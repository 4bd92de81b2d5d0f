//! Dispatcher tools on whole cases: merge two cases, split a tip out, and
//! read a reporter's contact (audited).
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::workflow::{Who, WorkflowError};
use crate::db::cases::{self as case_db, NewCase};
use crate::db::{audit, measures};
use crate::domain::case_state::{CaseStatus, Party};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The case that receives every tip of this one.
    pub into: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    pub tip_id: i64,
}

#[derive(Debug, Serialize)]
pub struct Moved {
    pub case_id: i64,
    pub tips: Vec<i64>,
}

fn dispatcher_only(who: &Who) -> Result<(), WorkflowError> {
    match who.role {
        crate::domain::role::Role::Admin | crate::domain::role::Role::Dispatcher => Ok(()),
        _ => Err(WorkflowError::Forbidden),
    }
}

/// Move every tip of `from` into `into`; `from` is closed as merged. Only
/// open cases merge, so no reporter's finished case changes under them.
pub async fn merge(
    state: &AppState,
    who: Who,
    from: i64,
    into: i64,
    now: NaiveDateTime,
) -> Result<Moved, WorkflowError> {
    state
        .db
        .write(move |conn| {
            let a = case_db::get(conn, &who.scope, from)?.ok_or(WorkflowError::NotFound)?;
            let b = case_db::get(conn, &who.scope, into)?.ok_or(WorkflowError::NotFound)?;
            dispatcher_only(&who)?;
            for c in [&a, &b] {
                let s = c.status;
                if !s.is_open() || from == into {
                    return Err(WorkflowError::Conflict {
                        status: s,
                        allowed: Vec::new(),
                    });
                }
            }
            let tips = merge_in(conn, &who.actor, (from, a.status), into, "", now)?;
            Ok(Moved {
                case_id: into,
                tips,
            })
        })
        .await
}

/// Inside a write transaction: move every tip of the open case `from`
/// (whose status is given) into the open case `into`, close `from` as
/// merged, and audit both with `why`. Returns the tips moved.
pub fn merge_in(
    conn: &mut crate::db::DbConnection,
    actor: &str,
    (from, from_status): (i64, CaseStatus),
    into: i64,
    why: &str,
    now: NaiveDateTime,
) -> Result<Vec<i64>, crate::db::DbError> {
    let tips = measures::tip_ids(conn, from)?;
    for t in &tips {
        measures::move_tip(conn, *t, from, into)?;
    }
    let note = format!("并入案件 #{into} (merged into case {into})");
    measures::set_status(
        conn,
        from,
        from_status.as_str(),
        CaseStatus::Closed.as_str(),
        &measures::CaseChange {
            due_step: Some(None),
            due_on: Some(None),
            public_result: Some(&note),
            ..Default::default()
        },
        now,
    )?;
    let detail =
        serde_json::json!({"from": from, "into": into, "tips": tips, "why": why}).to_string();
    for case in [from, into] {
        audit::append(
            conn,
            actor,
            "case.merge",
            &format!("case:{case}"),
            &detail,
            now,
        )?;
    }
    Ok(tips)
}

/// Open a new case, routed like the old one, for one tip of it.
pub async fn split(
    state: &AppState,
    who: Who,
    from: i64,
    tip_id: i64,
    now: NaiveDateTime,
) -> Result<Moved, WorkflowError> {
    state
        .db
        .write(move |conn| {
            let a = case_db::get(conn, &who.scope, from)?.ok_or(WorkflowError::NotFound)?;
            dispatcher_only(&who)?;
            let tips = measures::tip_ids(conn, from)?;
            if !tips.contains(&tip_id) {
                return Err(WorkflowError::NotFound);
            }
            if tips.len() < 2 {
                let s = a.status;
                return Err(WorkflowError::Conflict {
                    status: s,
                    allowed: Vec::new(),
                });
            }
            let enterprise_id = crate::db::tips::enterprise_of(conn, tip_id)?;
            let new_id = case_db::insert(
                conn,
                &NewCase {
                    status: CaseStatus::Received.as_str(),
                    industry: a.industry.as_deref(),
                    district: a.district.as_deref(),
                    dimensions: &a.dimensions,
                    lead_bureau: a.lead_bureau.as_deref(),
                    co_bureaus: &a.co_bureaus,
                    routing: &a.routing,
                    // The split-out tip keeps the enterprise it was matched to.
                    enterprise_id,
                    candidates: "[]",
                    place_key: a.place_key.as_deref(),
                    at: now,
                },
            )?;
            measures::move_tip(conn, tip_id, from, new_id)?;
            let detail =
                serde_json::json!({"from": from, "new_case": new_id, "tip": tip_id}).to_string();
            audit::append(
                conn,
                &who.actor,
                "case.split",
                &format!("case:{from}"),
                &detail,
                now,
            )?;
            audit::append(
                conn,
                &who.actor,
                "case.split",
                &format!("case:{new_id}"),
                &detail,
                now,
            )?;
            Ok(Moved {
                case_id: new_id,
                tips: vec![tip_id],
            })
        })
        .await
}

/// Who may read a reporter's contact: administrators, the dispatcher's
/// office and the lead bureau; never co-handlers or districts.
pub fn may_read_contact(party: Party) -> bool {
    matches!(party, Party::Admin | Party::Dispatcher | Party::LeadBureau)
}

/// The contact given with a tip, opened and audited in one transaction: a
/// read that cannot be recorded does not happen.
pub async fn read_contact(
    state: &AppState,
    who: Who,
    case_id: i64,
    tip_id: i64,
    now: NaiveDateTime,
) -> Result<Option<String>, WorkflowError> {
    let secrets = state.secrets.clone();
    state
        .db
        .write(move |conn| {
            let case = case_db::get(conn, &who.scope, case_id)?.ok_or(WorkflowError::NotFound)?;
            if !may_read_contact(who.party(&case)) {
                return Err(WorkflowError::Forbidden);
            }
            let sealed =
                measures::sealed_contact(conn, case_id, tip_id)?.ok_or(WorkflowError::NotFound)?;
            audit::append(
                conn,
                &who.actor,
                "contact.read",
                &format!("case:{case_id}"),
                &serde_json::json!({"tip_id": tip_id}).to_string(),
                now,
            )?;
            Ok(sealed.and_then(|b| secrets.open(&b).ok()))
        })
        .await
}
