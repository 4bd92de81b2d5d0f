//! The daily jobs: due dates and overdue notices (督办, `supervision`), then
//! joint-punishment proposals and expiries (`punishment`), then forgetting
//! day-old login attempts, idempotent answers and rate windows. `serve` runs
//! them itself, at start and then every hour (`TIPLINE_JOBS_EVERY_MIN`), so
//! a deployment needs no cron; `tipline jobs overdue` runs them once, on a
//! clock it is given. Both are idempotent within a day, and each takes a
//! lock in its transaction, so several processes on one PostgreSQL run them
//! one after another, the later finding nothing left to do.
use std::time::Duration;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::{Db, DbError, lock_in_transaction};
use crate::jurisdiction::Pack;
use crate::services::punishment::{self, PunishmentJob};
use crate::services::supervision::{self, JobReport};

/// Advisory-lock space of the daily jobs (PostgreSQL; SQLite's writer is
/// serial anyway).
const LOCK_SPACE: i32 = 0x6a6f6273; // "jobs"

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct DailyReport {
    pub overdue: JobReport,
    pub punishment: PunishmentJob,
    /// Login attempts older than a day, forgotten (services/accounts.rs).
    pub login_attempts_forgotten: usize,
    /// First answers of idempotent requests past their 24 hours
    /// (services/idempotency.rs).
    pub idempotent_answers_forgotten: usize,
    /// Shared rate windows and spent proofs past their hour (PostgreSQL;
    /// services/limiter.rs).
    pub rate_windows_forgotten: usize,
}

/// Both jobs as of `now`, each in its own transaction.
pub fn run(db: &Db, pack: &Pack, now: NaiveDateTime) -> Result<DailyReport, DbError> {
    let overdue = db.write_tx(|conn| {
        lock_in_transaction(conn, LOCK_SPACE, 1)?;
        supervision::run_overdue_in(conn, pack, now)
    })?;
    let punishment = db.write_tx(|conn| {
        lock_in_transaction(conn, LOCK_SPACE, 2)?;
        punishment::run_daily_in(conn, pack, now)
    })?;
    let login_attempts_forgotten = db.write_tx(|conn| -> Result<usize, DbError> {
        Ok(crate::db::users::prune_attempts(
            conn,
            now - chrono::Duration::days(1),
        )?)
    })?;
    let idempotent_answers_forgotten =
        db.write_tx(|conn| crate::services::idempotency::forget_expired(conn, now))?;
    let rate_windows_forgotten = db.write_tx(crate::services::limiter::sweep_shared)?;
    Ok(DailyReport {
        overdue,
        punishment,
        login_attempts_forgotten,
        idempotent_answers_forgotten,
        rate_windows_forgotten,
    })
}

/// How often `serve` runs the jobs: `TIPLINE_JOBS=off` turns them off (for a
/// deployment that runs `tipline jobs overdue` from cron instead).
pub fn every_from_env() -> Result<Option<Duration>, String> {
    if let Ok(v) = std::env::var("TIPLINE_JOBS")
        && matches!(v.trim(), "off" | "0" | "false" | "no")
    {
        return Ok(None);
    }
    match std::env::var("TIPLINE_JOBS_EVERY_MIN") {
        Err(_) => Ok(Some(Duration::from_secs(3600))),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(m) if m > 0 => Ok(Some(Duration::from_secs(m * 60))),
            _ => Err(format!(
                "TIPLINE_JOBS_EVERY_MIN must be a number of minutes, not {v:?}"
            )),
        },
    }
}

/// Run the jobs now and then every `every`, on the server's runtime; a
/// failure is logged and retried at the next turn.
pub fn spawn(db: Db, pack: std::sync::Arc<Pack>, every: Duration) {
    actix_web::rt::spawn(async move {
        loop {
            let (db2, pack2) = (db.clone(), pack.clone());
            let now = crate::db::now();
            match actix_web::rt::task::spawn_blocking(move || run(&db2, &pack2, now)).await {
                Ok(Ok(r)) => tracing::info!(
                    due_assigned = r.overdue.due_assigned,
                    marked_overdue = r.overdue.marked_overdue,
                    proposed = r.punishment.proposed,
                    expired = r.punishment.expired,
                    "daily jobs ran"
                ),
                Ok(Err(e)) => tracing::error!(error = %e, "daily jobs failed; retrying next turn"),
                Err(_) => tracing::error!("daily jobs panicked; retrying next turn"),
            }
            actix_web::rt::time::sleep(every).await;
        }
    });
}
