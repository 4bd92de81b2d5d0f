//! Supervision (督办): the daily overdue job and the dispatcher's notices.
//!
//! The job takes its clock as an argument, so tests run it for any day
//! without sleeping, and `tipline jobs overdue --today` can replay a day.
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::workflow::{Who, WorkflowError, local_day, step_due};
use crate::db::cases as case_db;
use crate::db::measures::{self, NewNotice};
use crate::db::{Db, DbConnection, DbError, audit};
use crate::domain::role::Role;
use crate::jurisdiction::Pack;

/// What one run of the job did.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct JobReport {
    /// New cases that got their dispatch due date.
    pub due_assigned: usize,
    /// Cases newly marked overdue, each with one notice.
    pub marked_overdue: usize,
}

fn step_label(step: &str) -> &'static str {
    match step {
        "dispatch" => "派单",
        "verify" => "核查反馈",
        "measure" => "整改/处置",
        _ => "办理",
    }
}

/// The daily job, as of `now`: give received cases their dispatch due date,
/// then mark every open case whose step fell due before today overdue and
/// write one notice per case, step and due date (running twice is harmless).
pub fn run_overdue(db: &Db, pack: &Pack, now: NaiveDateTime) -> Result<JobReport, DbError> {
    db.write_tx(|conn| run_overdue_in(conn, pack, now))
}

pub fn run_overdue_in(
    conn: &mut DbConnection,
    pack: &Pack,
    now: NaiveDateTime,
) -> Result<JobReport, DbError> {
    let today = local_day(now);
    let mut report = JobReport::default();
    // Intake opens cases without a due date (it stays fast and simple); the
    // dispatch limit runs from the day the tip arrived.
    for (id, created_at, dims) in case_db_unscheduled(conn)? {
        let dims = crate::db::key_list(&dims);
        if let Some(due) = step_due(pack, "dispatch", &dims, local_day(created_at)) {
            measures::schedule(conn, id, "dispatch", due)?;
            report.due_assigned += 1;
        }
    }
    for (id, step, due_on) in measures::newly_overdue(conn, today)? {
        let (Some(due_on), step) = (due_on, step.unwrap_or_else(|| "step".into())) else {
            continue;
        };
        measures::mark_overdue(conn, id)?;
        if !measures::overdue_noted(conn, id, &step, due_on)? {
            let body = format!(
                "案件 #{id} 的{}环节已于 {due_on} 到期未办结，请抓紧办理。(Step {step} was due on {due_on}.)",
                step_label(&step)
            );
            measures::insert_notice(
                conn,
                &NewNotice {
                    case_id: id,
                    kind: "overdue",
                    step: &step,
                    due_on: Some(due_on),
                    body: &body,
                    created_by: "job:overdue",
                    at: now,
                },
            )?;
            crate::services::outbox::enqueue_case_overdue(conn, id, &step, due_on, now)?;
        }
        audit::append(
            conn,
            "job:overdue",
            "case.overdue",
            &format!("case:{id}"),
            &serde_json::json!({"step": step, "due_on": due_on, "today": today}).to_string(),
            now,
        )?;
        report.marked_overdue += 1;
    }
    Ok(report)
}

fn case_db_unscheduled(
    conn: &mut DbConnection,
) -> Result<Vec<(i64, NaiveDateTime, String)>, DbError> {
    Ok(measures::unscheduled(conn)?)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuperviseBody {
    pub body: String,
}

/// `supervise` in its own transaction: what the JSON and HTML handlers call.
pub async fn send_notice(
    state: &crate::state::AppState,
    who: Who,
    case_id: i64,
    body: String,
    now: NaiveDateTime,
) -> Result<i64, WorkflowError> {
    state
        .db
        .write(move |conn| supervise(conn, &who, case_id, &body, now))
        .await
}

/// The dispatcher sends a supervision notice (督办) on an open case; the
/// bureau sees it on the case.
pub fn supervise(
    conn: &mut DbConnection,
    who: &Who,
    case_id: i64,
    body: &str,
    now: NaiveDateTime,
) -> Result<i64, WorkflowError> {
    let case = case_db::get(conn, &who.scope, case_id)?.ok_or(WorkflowError::NotFound)?;
    if !matches!(who.role, Role::Admin | Role::Dispatcher) {
        return Err(WorkflowError::Forbidden);
    }
    let status = case.status;
    if !status.is_open() {
        return Err(WorkflowError::Conflict {
            status,
            allowed: Vec::new(),
        });
    }
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 2000 {
        let mut f = crate::domain::errors::FieldErrors::default();
        f.add(
            "body",
            "督办意见须为1至2000个字",
            "the notice must be 1 to 2,000 characters",
        );
        return Err(WorkflowError::Invalid(f));
    }
    let step = case
        .due_step
        .clone()
        .unwrap_or_else(|| status.as_str().to_string());
    let id = measures::insert_notice(
        conn,
        &NewNotice {
            case_id,
            kind: "supervise",
            step: &step,
            due_on: case.due_on,
            body,
            created_by: &who.actor,
            at: now,
        },
    )?;
    audit::append(
        conn,
        &who.actor,
        "case.supervise",
        &format!("case:{case_id}"),
        &serde_json::json!({"notice_id": id, "body": body}).to_string(),
        now,
    )?;
    Ok(id)
}

/// Today in China, for callers that have no clock of their own.
pub fn today(now: NaiveDateTime) -> NaiveDate {
    local_day(now)
}
