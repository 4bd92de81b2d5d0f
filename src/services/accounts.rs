//! Staff accounts: creation, changes that end sessions, login held back
//! per (account, client) and slowed per account, logout. Every login
//! attempt and every change is audited.
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};

use super::ServiceError;
use crate::auth::password;
use crate::auth::session::{random_token, token_hash};
use crate::db::{self, Db, DbError, audit, users};
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::jurisdiction::Pack;

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

/// Create an account (blocking: hashes the password), audited as the CLI.
pub fn add_user(db: &Db, pack: &Pack, user: NewUser) -> Result<i64, ServiceError> {
    add_user_by(db, pack, user, "cli")
}

/// Create an account, audited under `actor` (the CLI or an administrator's
/// page). Blocking: hashes the password.
pub fn add_user_by(db: &Db, pack: &Pack, user: NewUser, actor: &str) -> Result<i64, ServiceError> {
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
            actor,
            "user.add",
            &format!("user:{}", user.username),
            user.role.as_str(),
            now,
        )?;
        Ok(id)
    })
}

pub enum LoginError {
    /// With the account's recent failures, which set the answer's delay.
    BadCredentials(i32),
    /// This client has tried this account too often: wait this long.
    HeldBack(StdDuration),
    /// The password is right and the account has TOTP: send the code too.
    TotpRequired,
    /// The role requires TOTP and the account has none: an admin must enrol it.
    TotpEnrolmentRequired,
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

/// Attempts one client may make on one account within [`ATTEMPT_WINDOW`];
/// past them it is held back, even with the right password, until it has
/// been quiet for the whole window. Nobody else is affected: there is no
/// lock a stranger can put on an account.
pub const ATTEMPTS_PER_CLIENT: i32 = 5;
pub const ATTEMPT_WINDOW: Duration = Duration::minutes(15);

/// The delay before answering a failed login, growing with the account's
/// failures from every client in the window (GlobaLeaks-style): 100 ms,
/// doubling, at most 5 s. A right password is never delayed.
pub fn failure_delay(failures: i32) -> StdDuration {
    let shift = failures.clamp(1, 7) as u32 - 1;
    StdDuration::from_millis((100u64 << shift).min(5_000))
}

/// The key a client's attempts on an account are counted under: a keyed
/// hash of both, so the table names neither an address nor an account.
fn attempt_key(secrets: &crate::secrets::Secrets, username: &str, client: &str) -> Vec<u8> {
    let mut data = username.to_lowercase().into_bytes();
    data.push(0);
    data.extend_from_slice(client.as_bytes());
    secrets.keyed_hash(b"login attempts", &data)
}

/// Check a password (and the TOTP code when the account has one) and open
/// a new session (a fresh id at every login). Blocking: argon2 runs here,
/// between two short write transactions, never inside one.
pub fn login(
    db: &Db,
    secrets: &crate::secrets::Secrets,
    username: &str,
    pass: &str,
    totp: Option<&str>,
    client: &str,
) -> Result<LoggedIn, LoginError> {
    let now = db::now();
    let key = attempt_key(secrets, username, client);
    // Count the attempt before checking anything, atomically.
    let (user, attempts) = db.write_tx(|conn| -> Result<_, LoginError> {
        let attempts = users::count_attempt(conn, &key, now - ATTEMPT_WINDOW, now)?;
        let user = users::by_username(conn, username)?;
        if attempts > ATTEMPTS_PER_CLIENT {
            if let Some(u) = &user {
                let subject = format!("user:{}", u.username);
                audit::append(conn, &subject, "login", &subject, "held back", now)?;
            }
        }
        Ok((user, attempts))
    })?;
    if attempts > ATTEMPTS_PER_CLIENT {
        return Err(LoginError::HeldBack(
            ATTEMPT_WINDOW.to_std().unwrap_or_default(),
        ));
    }
    let Some(user) = user else {
        password::verify_dummy(pass);
        return Err(LoginError::BadCredentials(1));
    };
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
                users::clear_failures(conn, user.id)?;
                users::clear_attempts(conn, &key)?;
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
                let failures = users::count_failure(conn, user.id, now - ATTEMPT_WINDOW, now)?;
                audit::append(conn, &subject, "login", &subject, "failed", now)?;
                Err(LoginError::BadCredentials(failures))
            }
        })
    })?
}

/// What an administrator changes about an account. Every change but
/// enabling ends the account's sessions, so a reset password or a lost
/// role takes effect at once rather than at the next login.
pub enum AccountChange {
    Disable,
    Enable,
    ResetPassword(String),
    Role {
        role: Role,
        bureau: Option<String>,
        district: Option<String>,
    },
}

/// Apply one change to an account, audited under `actor`.
pub fn change_account(
    db: &Db,
    pack: &Pack,
    actor: &str,
    username: &str,
    change: AccountChange,
) -> Result<(), ServiceError> {
    let now = db::now();
    let mut invalid = FieldErrors::default();
    // Hash outside the transaction: argon2 must not hold the writer.
    let hash = match &change {
        AccountChange::ResetPassword(p) if p.chars().count() < password::MIN_LENGTH => {
            invalid.add(
                "password",
                "密码至少12位",
                "the password must have at least 12 characters",
            );
            None
        }
        AccountChange::ResetPassword(p) => Some(password::hash(p)),
        AccountChange::Role {
            role,
            bureau,
            district,
        } => {
            let probe = NewUser {
                username: username.to_string(),
                password: "x".repeat(password::MIN_LENGTH),
                role: *role,
                bureau: bureau.clone(),
                district: district.clone(),
            };
            if let Err(e) = check_new_user(&probe, pack) {
                invalid = e;
            }
            None
        }
        _ => None,
    };
    // An administrator cannot lock themselves out from their own page.
    if actor == format!("user:{username}") {
        match &change {
            AccountChange::Disable => invalid.add(
                "disabled",
                "不能停用自己的账号",
                "you cannot disable your own account",
            ),
            AccountChange::Role { role, .. } if *role != Role::Admin => invalid.add(
                "role",
                "不能取消自己的管理员角色",
                "you cannot take the administrator role from yourself",
            ),
            _ => {}
        }
    }
    if !invalid.is_empty() {
        return Err(ServiceError::Invalid(invalid));
    }
    db.write_tx(|conn| -> Result<(), ServiceError> {
        let Some(user) = users::by_username(conn, username)? else {
            return Err(ServiceError::NotFound);
        };
        let subject = format!("user:{}", user.username);
        let (action, detail) = match &change {
            AccountChange::Disable => {
                users::set_disabled(conn, username, true)?;
                ("user.disable", String::new())
            }
            AccountChange::Enable => {
                users::set_disabled(conn, username, false)?;
                ("user.enable", String::new())
            }
            AccountChange::ResetPassword(_) => {
                users::set_password(conn, username, hash.as_deref().unwrap_or_default())?;
                ("user.reset_password", String::new())
            }
            AccountChange::Role {
                role,
                bureau,
                district,
            } => {
                let (bureau, district) = match role {
                    Role::Bureau => (bureau.as_deref(), None),
                    Role::District => (None, district.as_deref()),
                    Role::Admin | Role::Dispatcher => (None, None),
                };
                users::set_role(conn, user.id, role.as_str(), bureau, district)?;
                let scope = bureau.or(district).unwrap_or("");
                (
                    "user.role",
                    format!("{} {scope}", role.as_str()).trim().to_string(),
                )
            }
        };
        if !matches!(change, AccountChange::Enable) {
            users::delete_sessions_of(conn, user.id)?;
        }
        audit::append(conn, actor, action, &subject, &detail, now)?;
        Ok(())
    })
}

/// An account as an administrator sees it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    /// None for a role this version does not know (a damaged row).
    pub role: Option<Role>,
    pub bureau: Option<String>,
    pub district: Option<String>,
    pub disabled: bool,
    /// Enrolled in the TOTP second factor.
    pub totp_enrolled: bool,
    /// The account's role requires TOTP at login.
    pub totp_required: bool,
    /// The newest successful login, from the audit log.
    pub last_login: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Every account, oldest first (blocking).
pub fn list(db: &Db) -> Result<Vec<Account>, ServiceError> {
    let mut conn = db.read_conn()?;
    let rows = users::list(&mut conn)?;
    let enrolled: std::collections::HashSet<i64> = crate::db::totp::enrolled_ids(&mut conn)?
        .into_iter()
        .collect();
    let required = crate::db::totp::roles_requiring(&mut conn)?;
    let subjects: Vec<String> = rows
        .iter()
        .map(|u| format!("user:{}", u.username))
        .collect();
    let last: std::collections::HashMap<String, NaiveDateTime> =
        audit::last_logins(&mut conn, &subjects)?
            .into_iter()
            .filter_map(|(s, at)| Some((s, at?)))
            .collect();
    Ok(rows
        .into_iter()
        .map(|u| Account {
            totp_enrolled: enrolled.contains(&u.id),
            totp_required: required.contains(&u.role),
            last_login: last.get(&format!("user:{}", u.username)).copied(),
            role: Role::parse(&u.role),
            id: u.id,
            username: u.username,
            bureau: u.bureau,
            district: u.district,
            disabled: u.disabled,
            created_at: u.created_at,
        })
        .collect())
}

/// One account as [`list`] shows it.
pub fn get(db: &Db, username: &str) -> Result<Account, ServiceError> {
    list(db)?
        .into_iter()
        .find(|a| a.username == username)
        .ok_or(ServiceError::NotFound)
}

/// Who a session belongs to, when it is still valid.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub bureau: Option<String>,
    pub district: Option<String>,
    pub csrf_token: String,
}

/// The session of a cookie's token hash, if it is alive: not idle for more
/// than `IDLE_TIMEOUT_MINUTES`, younger than `lifetime`, its account
/// enabled. An ended session is deleted; a live one has its idle clock
/// refreshed at most once a minute, so most reads stay reads.
pub async fn session(
    db: &Db,
    hash: Vec<u8>,
    lifetime: Duration,
) -> Result<Option<SessionUser>, ServiceError> {
    use crate::auth::session::IDLE_TIMEOUT_MINUTES;
    let lookup = hash.clone();
    let found = db
        .read(move |conn| users::session(conn, &lookup).map_err(DbError::from))
        .await?;
    let Some(users::SessionRow {
        csrf_token,
        created_at,
        last_seen_at,
        user,
    }) = found
    else {
        return Ok(None);
    };
    let now = db::now();
    let expired =
        now - last_seen_at > Duration::minutes(IDLE_TIMEOUT_MINUTES) || now - created_at > lifetime;
    let end = user.disabled || expired;
    if end || now - last_seen_at > Duration::minutes(1) {
        db.write(move |conn| -> Result<(), DbError> {
            if end {
                users::delete_session(conn, &hash)?;
            } else {
                users::touch_session(conn, &hash, now)?;
            }
            Ok(())
        })
        .await?;
    }
    if end {
        return Ok(None);
    }
    let Some(role) = Role::parse(&user.role) else {
        return Ok(None);
    };
    Ok(Some(SessionUser {
        user_id: user.id,
        username: user.username,
        role,
        bureau: user.bureau,
        district: user.district,
        csrf_token,
    }))
}

pub fn logout(db: &Db, token_hash: &[u8], actor: &str) -> Result<(), ServiceError> {
    db.write_tx(|conn| -> Result<(), ServiceError> {
        users::delete_session(conn, token_hash)?;
        audit::append(conn, actor, "logout", actor, "", db::now())?;
        Ok(())
    })
}
