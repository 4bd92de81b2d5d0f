//! Use cases, each one transaction. Handlers call these; these call `db`.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod case_admin;
pub mod case_firm;
pub mod cases;
pub mod daily;
pub mod flood;
pub mod holds;
pub mod idempotency;
pub mod intake;
pub mod limiter;
pub mod list_cache;
pub mod lists;
pub mod live_index;
pub mod lookup;
pub mod ops;
pub mod outbox;
pub mod punishment;
pub mod rating;
pub mod registry;
pub mod relay;
pub mod rematch;
pub mod report_xlsx;
pub mod reports;
pub mod retention;
pub mod second_factor;
pub mod supervision;
pub mod workflow;

use crate::db::DbError;
use crate::domain::errors::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
    /// An evidence file refused before anything was stored (413/415).
    #[error("file refused: {0}")]
    Refused(crate::domain::file_kind::FileRefusal),
    /// An Idempotency-Key sent again with a different request (409).
    #[error("idempotency key reused")]
    KeyReused,
    /// Another request with the same Idempotency-Key committed first: the
    /// caller replays its answer.
    #[error("answered by another request")]
    AnsweredElsewhere,
    /// Too many uploads at once: try again shortly (503 with Retry-After).
    #[error("busy")]
    Busy,
    /// The request conflicts with the record's state (409), with a reason.
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        zh: &'static str,
        en: &'static str,
    },
    /// The reader's role may not take this action (403).
    #[error("forbidden")]
    Forbidden,
    /// The evidence store failed (disk, object store).
    #[error("evidence storage: {0}")]
    Storage(String),
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Db(DbError::Query(e))
    }
}
