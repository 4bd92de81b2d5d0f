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
    pub created_at: NaiveDateTime,
    pub last_failed_at: Option<NaiveDateTime>,
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

/// Count one failed login of an account, atomically (so parallel guesses
/// all count), restarting the count when the last failure is older than
/// `since`. Returns the account's recent failures, this one included.
pub fn count_failure(
    conn: &mut DbConnection,
    id: i64,
    since: NaiveDateTime,
    at: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::update(
        users::table.find(id).filter(
            users::last_failed_at
                .lt(since)
                .or(users::last_failed_at.is_null()),
        ),
    )
    .set(users::failed_logins.eq(0))
    .execute(conn)?;
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(users::failed_logins + 1),
            users::last_failed_at.eq(at),
        ))
        .returning(users::failed_logins)
        .get_result(conn)
}

/// A good login: the account's failures start again from zero.
pub fn clear_failures(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::failed_logins.eq(0))
        .execute(conn)
        .map(|_| ())
}

/// Count one login attempt by a (account, client) key, atomically, after
/// forgetting attempts older than `since`; returns the attempts so far.
/// Counted before the password is checked, so parallel guesses cannot all
/// slip under the limit.
pub fn count_attempt(
    conn: &mut DbConnection,
    key: &[u8],
    since: NaiveDateTime,
    at: NaiveDateTime,
) -> QueryResult<i32> {
    use super::schema::login_throttle as t;
    diesel::delete(t::table.find(key).filter(t::last_at.lt(since))).execute(conn)?;
    let insert = diesel::insert_into(t::table).values((
        t::key.eq(key),
        t::attempts.eq(1),
        t::last_at.eq(at),
    ));
    // Upserts compile per backend only (STACK.md).
    match conn {
        DbConnection::Pg(c) => insert
            .on_conflict(t::key)
            .do_update()
            .set((t::attempts.eq(t::attempts + 1), t::last_at.eq(at)))
            .returning(t::attempts)
            .get_result(c),
        DbConnection::Sqlite(c) => insert
            .on_conflict(t::key)
            .do_update()
            .set((t::attempts.eq(t::attempts + 1), t::last_at.eq(at)))
            .returning(t::attempts)
            .get_result(c),
    }
}

/// A good login from this client: its attempts are forgotten.
pub fn clear_attempts(conn: &mut DbConnection, key: &[u8]) -> QueryResult<()> {
    use super::schema::login_throttle as t;
    diesel::delete(t::table.find(key)).execute(conn).map(|_| ())
}

/// The daily job: attempts older than `before` are forgotten.
pub fn prune_attempts(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    use super::schema::login_throttle as t;
    diesel::delete(t::table.filter(t::last_at.lt(before))).execute(conn)
}

/// Change an account's role and its bureau or district.
pub fn set_role(
    conn: &mut DbConnection,
    id: i64,
    role: &str,
    bureau: Option<&str>,
    district: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::role.eq(role),
            users::bureau.eq(bureau),
            users::district.eq(district),
        ))
        .execute(conn)
}

pub fn set_disabled(conn: &mut DbConnection, username: &str, disabled: bool) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::username.eq(username)))
        .set(users::disabled.eq(disabled))
        .execute(conn)
}

pub fn set_password(conn: &mut DbConnection, username: &str, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::username.eq(username)))
        .set((users::password_hash.eq(hash), users::failed_logins.eq(0)))
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

/// A session with its user.
#[derive(Debug, Queryable)]
pub struct SessionRow {
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub user: UserRow,
}

pub fn session(conn: &mut DbConnection, token_hash: &[u8]) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((
            sessions::csrf_token,
            sessions::created_at,
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
