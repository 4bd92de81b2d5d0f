//! The append-only audit log. This module has no update or delete.
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::audit_log;

pub fn append(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(at),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject),
            audit_log::detail.eq(detail),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Queryable, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

pub fn for_subject(conn: &mut DbConnection, subject: &str) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .filter(audit_log::subject.eq(subject))
        .order(audit_log::id.asc())
        .load(conn)
}

pub fn by_actor(conn: &mut DbConnection, actor: &str) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .filter(audit_log::actor.eq(actor))
        .order(audit_log::id.asc())
        .load(conn)
}

/// The newest successful login of each of `subjects` (`user:NAME`) that
/// has one, read from the log through its subject index.
pub fn last_logins(
    conn: &mut DbConnection,
    subjects: &[String],
) -> QueryResult<Vec<(String, Option<NaiveDateTime>)>> {
    use diesel::dsl::max;
    audit_log::table
        .filter(audit_log::subject.eq_any(subjects.to_vec()))
        .filter(audit_log::action.eq("login"))
        .filter(audit_log::detail.eq("ok"))
        .group_by(audit_log::subject)
        .select((audit_log::subject, max(audit_log::at)))
        .load(conn)
}
