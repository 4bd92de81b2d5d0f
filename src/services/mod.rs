//! Use cases, each one transaction. Handlers call these; these call `db`.

pub mod accounts;
pub mod case_admin;
pub mod cases;
pub mod intake;
pub mod lookup;
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
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Db(DbError::Query(e))
    }
}
