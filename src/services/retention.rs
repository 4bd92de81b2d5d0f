//! Retention: once a case has ended, its tips' text and files are kept for
//! the pack's period and then deleted, unless a legal hold is on the case
//! or the tip. A daily job runs it on a clock that tests control; each run
//! leaves its counts in the audit log.
use std::sync::Arc;

use chrono::{Duration, Months, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::ServiceError;
use crate::db::schema::{cases, tips};
use crate::db::{DbConnection, attachments, audit, safeguards};
use crate::jurisdiction::RetentionRule;
use crate::state::AppState;

/// Uploads never claimed by a tip are deleted after this.
pub const PENDING_UPLOAD_LIFETIME_HOURS: i64 = 24;

pub use crate::clock::{Clock, FixedClock, SystemClock};

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub cases_due: usize,
    pub tips_deleted: usize,
    pub files_deleted: usize,
    pub tips_held: usize,
    pub uploads_expired: usize,
}

/// When a case that ended at `changed` under `rule` is due.
pub fn due_at(rule: &RetentionRule, changed: NaiveDateTime) -> NaiveDateTime {
    changed
        .checked_add_months(Months::new(rule.months))
        .unwrap_or(NaiveDateTime::MAX)
}

/// Delete what is due at `now`. Rows go in one transaction; the sealed blobs
/// after it commits (a blob without a row cannot be opened by anyone, and
/// is listed in the log for an operator if its deletion fails).
pub async fn run(state: &AppState, now: NaiveDateTime) -> Result<RetentionReport, ServiceError> {
    let rules = state.pack.retention.clone();
    let (report, blobs) = state
        .db
        .write(
            move |conn| -> Result<(RetentionReport, Vec<String>), ServiceError> {
                let mut report = RetentionReport::default();
                let mut blobs = Vec::new();
                for rule in &rules {
                    let latest_change = now
                        .checked_sub_months(Months::new(rule.months))
                        .unwrap_or(NaiveDateTime::MIN);
                    let due: Vec<i64> = cases::table
                        .filter(cases::status.eq(&rule.case_status))
                        .filter(cases::updated_at.le(latest_change))
                        .select(cases::id)
                        .load(conn)?;
                    for case_id in due {
                        report.cases_due += 1;
                        delete_case_tips(conn, case_id, now, &mut report, &mut blobs)?;
                    }
                }
                let stale = attachments::stale_pending(
                    conn,
                    now - Duration::hours(PENDING_UPLOAD_LIFETIME_HOURS),
                )?;
                report.uploads_expired = stale.len();
                collect_blobs(&stale, &mut blobs);
                attachments::delete(conn, &stale.iter().map(|a| a.id).collect::<Vec<_>>())?;
                audit::append(
                    conn,
                    "system:retention",
                    "retention.run",
                    "retention",
                    &serde_json::to_string(&report).expect("counts serialise"),
                    now,
                )?;
                Ok((report, blobs))
            },
        )
        .await?;
    let vault = state.vault.clone();
    let _ = actix_web::rt::task::spawn_blocking(move || {
        for name in blobs {
            if let Err(e) = vault.delete(&name) {
                tracing::error!(blob = %name, error = %e, "retention could not delete a sealed file");
            }
        }
    })
    .await;
    Ok(report)
}

fn collect_blobs(rows: &[attachments::AttachmentRow], blobs: &mut Vec<String>) {
    for a in rows {
        blobs.push(a.storage_key.clone());
        blobs.extend(a.thumb_key.clone());
    }
}

fn delete_case_tips(
    conn: &mut DbConnection,
    case_id: i64,
    now: NaiveDateTime,
    report: &mut RetentionReport,
    blobs: &mut Vec<String>,
) -> Result<(), ServiceError> {
    let tip_ids: Vec<i64> = tips::table
        .filter(tips::case_id.eq(case_id))
        .select(tips::id)
        .load(conn)?;
    if tip_ids.is_empty() {
        return Ok(());
    }
    if safeguards::case_held(conn, case_id)? {
        report.tips_held += tip_ids.len();
        return Ok(());
    }
    let held = safeguards::held_tips(conn, &tip_ids)?;
    let doomed: Vec<i64> = tip_ids
        .iter()
        .copied()
        .filter(|id| !held.contains(id))
        .collect();
    report.tips_held += held.len();
    if doomed.is_empty() {
        return Ok(());
    }
    let files = attachments::of_tips(conn, &doomed)?;
    collect_blobs(&files, blobs);
    attachments::delete(conn, &files.iter().map(|a| a.id).collect::<Vec<_>>())?;
    safeguards::delete_fingerprints(conn, &doomed)?;
    let n = crate::db::tips::delete_with_history(conn, &doomed)?;
    report.tips_deleted += n;
    report.files_deleted += files.len();
    audit::append(
        conn,
        "system:retention",
        "retention.deleted",
        &format!("case:{case_id}"),
        &serde_json::json!({"tips": n, "files": files.len(), "kept_on_hold": held.len()})
            .to_string(),
        now,
    )?;
    Ok(())
}

/// Run retention once a day, on `clock`, for as long as the process lives.
pub fn spawn_daily(state: AppState, clock: Arc<dyn Clock>) {
    actix_web::rt::spawn(async move {
        loop {
            match run(&state, clock.now()).await {
                Ok(r) => tracing::info!(
                    tips = r.tips_deleted,
                    files = r.files_deleted,
                    held = r.tips_held,
                    "retention ran"
                ),
                Err(e) => tracing::error!(error = %e, "retention failed; retrying tomorrow"),
            }
            actix_web::rt::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_after_the_rules_months() {
        let rule = RetentionRule {
            key: "closed".into(),
            case_status: "closed".into(),
            months: 36,
            citation: "x".into(),
        };
        let closed = chrono::NaiveDate::from_ymd_opt(2026, 1, 31)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(due_at(&rule, closed).date().to_string(), "2029-01-31");
    }
}
