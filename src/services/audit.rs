//! The audit log as staff read it: the entries of one case or one user.
//! Entries are written by every other service in the transaction of the
//! change they record; nothing here writes.
use super::ServiceError;
use crate::db::{Db, audit};

pub use crate::db::audit::AuditEntry;

/// Every entry about a case, oldest first.
pub async fn of_case(db: &Db, id: i64) -> Result<Vec<AuditEntry>, ServiceError> {
    db.read(move |conn| Ok(audit::for_subject(conn, &format!("case:{id}"))?))
        .await
}

/// Every entry a user made, oldest first.
pub async fn by_user(db: &Db, username: String) -> Result<Vec<AuditEntry>, ServiceError> {
    db.read(move |conn| Ok(audit::by_actor(conn, &format!("user:{username}"))?))
        .await
}
