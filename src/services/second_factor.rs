//! The optional TOTP second factor: enrolment (by an administrator: from
//! the CLI at once, from the admin page once a first code confirms it), the
//! per-role requirement, and the check at login.
use chrono::NaiveDateTime;

use crate::db::{Db, DbConnection, DbError, audit, totp as totp_db, users};
use crate::domain::role::Role;
use crate::domain::totp;
use crate::secrets::Secrets;

pub enum Second {
    Passed,
    /// A code was sent and is wrong or replayed: counts as a failed login.
    Wrong,
    /// The account has TOTP and no code was sent.
    Missing,
    /// The role requires TOTP and the account is not enrolled.
    NotEnrolled,
}

/// Check the second factor of a user whose password was right.
pub fn check(
    conn: &mut DbConnection,
    secrets: &Secrets,
    user_id: i64,
    role: Role,
    code: Option<&str>,
    now: NaiveDateTime,
) -> Result<Second, DbError> {
    let Some((sealed, last)) = totp_db::get(conn, user_id)? else {
        return Ok(if totp_db::role_requires(conn, role.as_str())? {
            Second::NotEnrolled
        } else {
            Second::Passed
        });
    };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(Second::Missing);
    };
    let Ok(secret_hex) = secrets.open(&sealed) else {
        return Ok(Second::Wrong);
    };
    let secret = hex::decode(secret_hex).unwrap_or_default();
    match totp::verify(&secret, code, now.and_utc().timestamp()) {
        Some(step) if last.is_none_or(|l| step > l) => {
            totp_db::use_step(conn, user_id, step)?;
            Ok(Second::Passed)
        }
        _ => Ok(Second::Wrong),
    }
}

/// Enrol a user at once (the CLI): a new random secret, sealed; returns
/// the `otpauth://` URI to show once. Existing sessions end, so the next
/// login uses the code.
pub fn enrol(
    db: &Db,
    secrets: &Secrets,
    username: &str,
    now: NaiveDateTime,
) -> anyhow::Result<String> {
    let secret = new_secret()?;
    store(db, secrets, "cli", username, &secret, None, now)?;
    Ok(totp::otpauth_uri(ISSUER, username, &secret))
}

const ISSUER: &str = "tipline";
/// How long an enrolment begun on a page may wait for its first code.
const PENDING_MINUTES: i64 = 15;

fn new_secret() -> anyhow::Result<[u8; 20]> {
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    Ok(secret)
}

/// Store `secret` as the user's second factor, end their sessions, audit.
/// `first_step`: the step of the code that confirmed it, so that code
/// cannot be used again to log in.
fn store(
    db: &Db,
    secrets: &Secrets,
    actor: &str,
    username: &str,
    secret: &[u8],
    first_step: Option<i64>,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let sealed = secrets.seal(&hex::encode(secret));
    db.write_tx(|conn| -> anyhow::Result<()> {
        let user = users::by_username(conn, username)?
            .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
        totp_db::set(conn, user.id, &sealed, now)?;
        if let Some(step) = first_step {
            totp_db::use_step(conn, user.id, step)?;
        }
        users::delete_sessions_of(conn, user.id)?;
        let subject = format!("user:{username}");
        audit::append(conn, actor, "totp.enrol", &subject, "", now)?;
        Ok(())
    })
}

/// An enrolment begun on an administrator's page, not yet stored: the
/// secret to show, and `token`, the secret sealed with the account's name
/// and the time, which the confirming form sends back. Nothing is written
/// until a first code proves the app has the secret.
pub struct Pending {
    pub secret: Vec<u8>,
    pub uri: String,
    pub token: String,
}

/// Never prints the secret.
impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending(..)")
    }
}

impl Pending {
    /// The secret in base32, in groups of four, as one types it into an app.
    pub fn secret_groups(&self) -> String {
        let b32 = totp::base32(&self.secret);
        b32.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn pending(username: &str, secret: Vec<u8>, token: String) -> Pending {
    Pending {
        uri: totp::otpauth_uri(ISSUER, username, &secret),
        secret,
        token,
    }
}

/// Begin enrolling `username`: a new secret, sealed into a token.
pub fn begin(secrets: &Secrets, username: &str, now: NaiveDateTime) -> anyhow::Result<Pending> {
    let secret = new_secret()?;
    let plain = format!(
        "totp-enrol\n{username}\n{}\n{}",
        now.and_utc().timestamp(),
        hex::encode(secret)
    );
    let token = hex::encode(secrets.seal(&plain));
    Ok(pending(username, secret.to_vec(), token))
}

/// Why a confirmation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// The token is not one of ours, is for another account, or is older
    /// than [`PENDING_MINUTES`]: begin again.
    #[error("the enrolment expired or is not for this account")]
    Expired,
    /// The code is not the app's current one; the enrolment may be retried.
    #[error("wrong code")]
    WrongCode(Pending),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Reopen a pending enrolment from its token.
pub fn reopen(
    secrets: &Secrets,
    username: &str,
    token: &str,
    now: NaiveDateTime,
) -> Result<Pending, ConfirmError> {
    let plain = hex::decode(token.trim())
        .ok()
        .and_then(|sealed| secrets.open(&sealed).ok())
        .ok_or(ConfirmError::Expired)?;
    let parts: Vec<&str> = plain.split('\n').collect();
    let [kind, name, at, secret] = parts[..] else {
        return Err(ConfirmError::Expired);
    };
    let at: i64 = at.parse().map_err(|_| ConfirmError::Expired)?;
    let age = now.and_utc().timestamp() - at;
    if kind != "totp-enrol" || name != username || !(0..=PENDING_MINUTES * 60).contains(&age) {
        return Err(ConfirmError::Expired);
    }
    let secret = hex::decode(secret).map_err(|_| ConfirmError::Expired)?;
    Ok(pending(username, secret, token.trim().to_string()))
}

/// Finish an enrolment with the app's first code: store the secret (that
/// code's step used up), end the account's sessions, audit under `actor`.
pub fn confirm(
    db: &Db,
    secrets: &Secrets,
    actor: &str,
    username: &str,
    token: &str,
    code: &str,
    now: NaiveDateTime,
) -> Result<(), ConfirmError> {
    let p = reopen(secrets, username, token, now)?;
    let Some(step) = totp::verify(&p.secret, code, now.and_utc().timestamp()) else {
        return Err(ConfirmError::WrongCode(p));
    };
    store(db, secrets, actor, username, &p.secret, Some(step), now)?;
    Ok(())
}

/// Remove an account's second factor (CLI).
pub fn remove(db: &Db, username: &str, now: NaiveDateTime) -> anyhow::Result<()> {
    remove_by(db, "cli", username, now)
}

/// Remove an account's second factor, audited under `actor`.
pub fn remove_by(db: &Db, actor: &str, username: &str, now: NaiveDateTime) -> anyhow::Result<()> {
    db.write_tx(|conn| -> anyhow::Result<()> {
        let user = users::by_username(conn, username)?
            .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
        totp_db::remove(conn, user.id)?;
        audit::append(
            conn,
            actor,
            "totp.remove",
            &format!("user:{username}"),
            "",
            now,
        )?;
        Ok(())
    })
}

/// An administrator requires (or stops requiring) TOTP for a role.
pub fn require_for_role(
    db: &Db,
    role: Role,
    required: bool,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    require_for_role_by(db, "cli", role, required, now)
}

/// [`require_for_role`], audited under `actor`.
pub fn require_for_role_by(
    db: &Db,
    actor: &str,
    role: Role,
    required: bool,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    db.write_tx(|conn| -> anyhow::Result<()> {
        totp_db::set_role_requirement(conn, role.as_str(), required)?;
        audit::append(
            conn,
            actor,
            "policy.totp",
            &format!("role:{}", role.as_str()),
            if required { "required" } else { "optional" },
            now,
        )?;
        Ok(())
    })
}

/// The roles whose accounts must use TOTP at login.
pub fn required_roles(db: &Db) -> Result<Vec<Role>, DbError> {
    let mut conn = db.read_conn()?;
    Ok(totp_db::roles_requiring(&mut conn)?
        .iter()
        .filter_map(|r| Role::parse(r))
        .collect())
}
