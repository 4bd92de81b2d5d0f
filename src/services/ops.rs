//! What operators ask of the deployment: is this process ready, and does it
//! share the deployment's master secret.
use super::ServiceError;
use crate::db::{Db, DbError, settings};
use crate::secrets::Secrets;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    MigrationsPending,
    WritesRefused,
}

impl Readiness {
    pub fn as_str(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::MigrationsPending => "migrations pending",
            Readiness::WritesRefused => "the database refuses writes",
        }
    }
}

/// Migrations applied and a write taken (on a blocking thread).
pub async fn readiness(db: &Db) -> Result<Readiness, ServiceError> {
    let db = db.clone();
    actix_web::rt::task::spawn_blocking(move || -> Result<Readiness, ServiceError> {
        if !db.is_ready()? {
            return Ok(Readiness::MigrationsPending);
        }
        Ok(match db.takes_writes() {
            Ok(()) => Readiness::Ready,
            Err(e) => {
                tracing::warn!(error = %e, "the database refuses writes");
                Readiness::WritesRefused
            }
        })
    })
    .await
    .map_err(|_| ServiceError::Db(DbError::Canceled))?
}

/// The setting that holds the master secret's fingerprint.
const FINGERPRINT: &str = "secret_fingerprint";

/// Every process of a deployment must hold the same master secret, or the
/// receipts one issues are unknown to another and the contacts and files
/// one seals cannot be opened by another. The first process to start on a
/// database records the secret's fingerprint (a keyed hash that reveals
/// nothing of it); a process whose secret does not match refuses to start.
pub fn check_secret(db: &Db, secrets: &Secrets) -> Result<(), SecretMismatch> {
    let mine = secrets.fingerprint();
    let stored = db
        .with_startup_lock(|conn| {
            Ok(settings::get_or_insert(
                conn,
                FINGERPRINT,
                &mine,
                crate::clock::now(),
            )?)
        })
        .map_err(SecretMismatch::Db)?;
    if stored == mine {
        Ok(())
    } else {
        Err(SecretMismatch::Differs)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretMismatch {
    #[error(
        "this process's master secret is not the one this database was first used with: \
         every process of a deployment must share it — set TIPLINE_SECRET (or \
         TIPLINE_SECRET_FILE) to the deployment's secret"
    )]
    Differs,
    #[error(transparent)]
    Db(DbError),
}
