//! SQL for the TOTP second factor and the per-role login policy.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{role_policies, user_totp};

/// (sealed secret, last accepted step) of a user enrolled in TOTP.
pub fn get(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<(Vec<u8>, Option<i64>)>> {
    user_totp::table
        .find(user_id)
        .select((user_totp::secret_sealed, user_totp::last_step))
        .first(conn)
        .optional()
}

/// Enrol (or re-enrol, replacing the secret).
pub fn set(
    conn: &mut DbConnection,
    user_id: i64,
    sealed: &[u8],
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(user_totp::table.find(user_id)).execute(conn)?;
    diesel::insert_into(user_totp::table)
        .values((
            user_totp::user_id.eq(user_id),
            user_totp::secret_sealed.eq(sealed),
            user_totp::enrolled_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn remove(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
    diesel::delete(user_totp::table.find(user_id)).execute(conn)
}

/// Record the step a code was accepted for; only a later step is accepted next.
pub fn use_step(conn: &mut DbConnection, user_id: i64, step: i64) -> QueryResult<()> {
    diesel::update(user_totp::table.find(user_id))
        .set(user_totp::last_step.eq(step))
        .execute(conn)
        .map(|_| ())
}

pub fn role_requires(conn: &mut DbConnection, role: &str) -> QueryResult<bool> {
    Ok(role_policies::table
        .find(role)
        .select(role_policies::totp_required)
        .first(conn)
        .optional()?
        .unwrap_or(false))
}

pub fn set_role_requirement(
    conn: &mut DbConnection,
    role: &str,
    required: bool,
) -> QueryResult<()> {
    diesel::delete(role_policies::table.find(role)).execute(conn)?;
    diesel::insert_into(role_policies::table)
        .values((
            role_policies::role.eq(role),
            role_policies::totp_required.eq(required),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The ids of every user enrolled in TOTP.
pub fn enrolled_ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    user_totp::table.select(user_totp::user_id).load(conn)
}

/// The roles whose accounts must use TOTP.
pub fn roles_requiring(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    role_policies::table
        .filter(role_policies::totp_required.eq(true))
        .select(role_policies::role)
        .load(conn)
}
