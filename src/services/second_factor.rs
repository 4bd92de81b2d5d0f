//! The optional TOTP second factor: enrolment (by an administrator, from the
//! CLI), the per-role requirement, and the check at login.
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

/// Enrol a user: a new random secret, sealed; returns the `otpauth://` URI
/// to show once. Existing sessions end, so the next login uses the code.
pub fn enrol(
    db: &Db,
    secrets: &Secrets,
    username: &str,
    now: NaiveDateTime,
) -> anyhow::Result<String> {
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    let sealed = secrets.seal(&hex::encode(secret));
    db.write_tx(|conn| -> anyhow::Result<String> {
        let user = users::by_username(conn, username)?
            .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
        totp_db::set(conn, user.id, &sealed, now)?;
        users::delete_sessions_of(conn, user.id)?;
        let subject = format!("user:{username}");
        audit::append(conn, "cli", "totp.enrol", &subject, "", now)?;
        Ok(totp::otpauth_uri("tipline", username, &secret))
    })
}

pub fn remove(db: &Db, username: &str, now: NaiveDateTime) -> anyhow::Result<()> {
    db.write_tx(|conn| -> anyhow::Result<()> {
        let user = users::by_username(conn, username)?
            .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
        totp_db::remove(conn, user.id)?;
        audit::append(
            conn,
            "cli",
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
    db.write_tx(|conn| -> anyhow::Result<()> {
        totp_db::set_role_requirement(conn, role.as_str(), required)?;
        audit::append(
            conn,
            "cli",
            "policy.totp",
            &format!("role:{}", role.as_str()),
            if required { "required" } else { "optional" },
            now,
        )?;
        Ok(())
    })
}
