//! SQL for staff accounts and their sessions.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{sessions, users};

#[derive(Debug, Clone, Queryable)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub bureau: Option<String>,
    pub district: Option<String>,
    pub disabled: bool,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    username: &str,
    password_hash: &str,
    role: &str,
    bureau: Option<&str>,
    district: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::bureau.eq(bureau),
            users::district.eq(district),
            users::disabled.eq(false),
            users::failed_logins.eq(0),
            users::created_at.eq(at),
        ))
        .returning(users::id)
        .get_result(conn)
}

pub fn by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    users::table.order(users::id).load(conn)
}

pub fn set_failures(
    conn: &mut DbConnection,
    id: i64,
    failed: i32,
    locked_until: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(failed),
            users::locked_until.eq(locked_until),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn set_disabled(conn: &mut DbConnection, username: &str, disabled: bool) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::username.eq(username)))
        .set(users::disabled.eq(disabled))
        .execute(conn)
}

pub fn set_password(conn: &mut DbConnection, username: &str, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::username.eq(username)))
        .set((
            users::password_hash.eq(hash),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

pub fn insert_session(
    conn: &mut DbConnection,
    token_hash: &[u8],
    user_id: i64,
    csrf: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf),
            sessions::created_at.eq(at),
            sessions::last_seen_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A session with its user: (csrf token, last seen, user).
pub fn session(
    conn: &mut DbConnection,
    token_hash: &[u8],
) -> QueryResult<Option<(String, NaiveDateTime, UserRow)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((
            sessions::csrf_token,
            sessions::last_seen_at,
            users::all_columns,
        ))
        .first(conn)
        .optional()
}

pub fn touch_session(
    conn: &mut DbConnection,
    token_hash: &[u8],
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sessions::table.find(token_hash))
        .set(sessions::last_seen_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

pub fn delete_session(conn: &mut DbConnection, token_hash: &[u8]) -> QueryResult<()> {
    diesel::delete(sessions::table.find(token_hash))
        .execute(conn)
        .map(|_| ())
}

pub fn delete_sessions_of(conn: &mut DbConnection, user_id: i64) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)))
        .execute(conn)
        .map(|_| ())
}
