//! Staff accounts: creation, login with a growing delay and a temporary
//! lock after repeated failures, logout. Every login is audited.
use std::time::Duration as StdDuration;

use chrono::Duration;

use super::ServiceError;
use crate::auth::password;
use crate::auth::session::{random_token, token_hash};
use crate::db::{self, Db, DbError, audit, users};
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::jurisdiction::Pack;

/// Failed logins before the account is locked.
pub const LOCK_AFTER: i32 = 10;
pub const LOCK_MINUTES: i64 = 15;

pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub bureau: Option<String>,
    pub district: Option<String>,
}

/// Check a new account against the pack: a bureau account names a bureau
/// the pack knows, a district account a district.
pub fn check_new_user(user: &NewUser, pack: &Pack) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::default();
    let name_ok = (3..=64).contains(&user.username.chars().count())
        && user
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !name_ok {
        e.add(
            "username",
            "用户名须为3至64位字母、数字或 ._-",
            "username: 3 to 64 of a-z 0-9 . _ -",
        );
    }
    if user.password.chars().count() < password::MIN_LENGTH {
        e.add(
            "password",
            "密码至少12位",
            "the password must have at least 12 characters",
        );
    }
    match (user.role, &user.bureau, &user.district) {
        (Role::Bureau, Some(b), _) if pack.bureau(b).is_some() => {}
        (Role::Bureau, _, _) => e.add(
            "bureau",
            "部门账号须指定本方案中的部门",
            "a bureau account needs a bureau of the pack",
        ),
        (Role::District, _, Some(d)) if pack.district(d).is_some() => {}
        (Role::District, _, _) => e.add(
            "district",
            "区账号须指定本方案中的区",
            "a district account needs a district of the pack",
        ),
        _ => {}
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

/// Create an account (blocking: hashes the password).
pub fn add_user(db: &Db, pack: &Pack, user: NewUser) -> Result<i64, ServiceError> {
    check_new_user(&user, pack).map_err(ServiceError::Invalid)?;
    let hash = password::hash(&user.password);
    db.write_tx(|conn| -> Result<i64, ServiceError> {
        if users::by_username(conn, &user.username)?.is_some() {
            let mut e = FieldErrors::default();
            e.add("username", "用户名已存在", "the username is taken");
            return Err(ServiceError::Invalid(e));
        }
        let now = db::now();
        let id = users::insert(
            conn,
            &user.username,
            &hash,
            user.role.as_str(),
            user.bureau.as_deref(),
            user.district.as_deref(),
            now,
        )?;
        audit::append(
            conn,
            "cli",
            "user.add",
            &format!("user:{}", user.username),
            user.role.as_str(),
            now,
        )?;
        Ok(id)
    })
}

pub enum LoginError {
    /// With the number of failures so far, which sets the answer's delay.
    BadCredentials(i32),
    /// The password is right and the account has TOTP: send the code too.
    TotpRequired,
    /// The role requires TOTP and the account has none: an admin must enrol it.
    TotpEnrolmentRequired,
    Locked,
    Db(DbError),
}

impl From<DbError> for LoginError {
    fn from(e: DbError) -> Self {
        LoginError::Db(e)
    }
}

impl From<diesel::result::Error> for LoginError {
    fn from(e: diesel::result::Error) -> Self {
        LoginError::Db(e.into())
    }
}

pub struct LoggedIn {
    pub token: String,
    pub csrf_token: String,
    pub role: Role,
    pub username: String,
}

/// The delay before answering a failed login: doubles with each failure,
/// from 50 ms up to one second, until the lock takes over.
pub fn failure_delay(failures: i32) -> StdDuration {
    StdDuration::from_millis((25u64 << failures.clamp(0, 6) as u32).min(1_000))
}

/// Check a password (and the TOTP code when the account has one) and open
/// a new session (a fresh id at every login). Blocking: argon2 runs here.
pub fn login(
    db: &Db,
    secrets: &crate::secrets::Secrets,
    username: &str,
    pass: &str,
    totp: Option<&str>,
) -> Result<LoggedIn, LoginError> {
    let user = users::by_username(&mut *db.read_conn()?, username)?;
    let Some(user) = user else {
        password::verify_dummy(pass);
        return Err(LoginError::BadCredentials(0));
    };
    let now = db::now();
    if user.locked_until.is_some_and(|t| t > now) {
        return Err(LoginError::Locked);
    }
    let ok = !user.disabled && password::verify(pass, &user.password_hash);
    let role = Role::parse(&user.role);
    let subject = format!("user:{}", user.username);
    // The inner result is the answer; only the outer error rolls back, so a
    // failed attempt's count is committed.
    db.write_tx(|conn| -> Result<Result<LoggedIn, LoginError>, LoginError> {
        // The second factor, checked only after the password, in this transaction.
        let second = match (ok, role) {
            (true, Some(role)) => {
                super::second_factor::check(conn, secrets, user.id, role, totp, now)?
            }
            _ => super::second_factor::Second::Passed,
        };
        let ok = match second {
            super::second_factor::Second::Passed => ok,
            super::second_factor::Second::Wrong => false,
            super::second_factor::Second::Missing => {
                audit::append(conn, &subject, "login", &subject, "totp required", now)?;
                return Ok(Err(LoginError::TotpRequired));
            }
            super::second_factor::Second::NotEnrolled => {
                audit::append(
                    conn,
                    &subject,
                    "login",
                    &subject,
                    "totp enrolment required",
                    now,
                )?;
                return Ok(Err(LoginError::TotpEnrolmentRequired));
            }
        };
        Ok(match (ok, role) {
            (true, Some(role)) => {
                users::set_failures(conn, user.id, 0, None)?;
                let token = random_token();
                let csrf_token = random_token();
                users::insert_session(conn, &token_hash(&token), user.id, &csrf_token, now)?;
                audit::append(conn, &subject, "login", &subject, "ok", now)?;
                Ok(LoggedIn {
                    token,
                    csrf_token,
                    role,
                    username: user.username.clone(),
                })
            }
            _ => {
                let failed = user.failed_logins + 1;
                let locked = (failed >= LOCK_AFTER).then(|| now + Duration::minutes(LOCK_MINUTES));
                users::set_failures(
                    conn,
                    user.id,
                    if locked.is_some() { 0 } else { failed },
                    locked,
                )?;
                let detail = if locked.is_some() {
                    "failed; locked"
                } else {
                    "failed"
                };
                audit::append(conn, &subject, "login", &subject, detail, now)?;
                Err(LoginError::BadCredentials(failed))
            }
        })
    })?
}

pub fn logout(db: &Db, token_hash: &[u8], actor: &str) -> Result<(), DbError> {
    db.write_tx(|conn| -> Result<(), DbError> {
        users::delete_session(conn, token_hash)?;
        audit::append(conn, actor, "logout", actor, "", db::now())?;
        Ok(())
    })
}
