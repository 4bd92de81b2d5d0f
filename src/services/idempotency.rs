//! Idempotent citizen intake, after zero2prod's design: a client that lost
//! the answer to a POST (a dropped connection on a slow phone line) and
//! sends it again with the same `Idempotency-Key` gets the first answer
//! again — from any process, for 24 hours — instead of filing the tip
//! twice. The same key with a different request is a 409.
//!
//! The key and the request are stored as keyed hashes; the answer, which
//! holds a receipt or an upload token, is sealed. The row is written in the
//! transaction that commits the tip or the upload, so a stored answer
//! always describes something committed, and of two racing requests with
//! one key exactly one commits.
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::ServiceError;
use crate::db::{DbConnection, DbError, idempotency};
use crate::domain::errors::FieldErrors;
use crate::secrets::Secrets;

/// How long a first answer is kept.
pub const LIFETIME_HOURS: i64 = 24;

/// A request made once: its key and what it asked, hashed.
#[derive(Debug, Clone)]
pub struct Once {
    key_hash: Vec<u8>,
    request_hash: Vec<u8>,
}

impl Once {
    /// From the client's key (1–255 printable ASCII characters) and the
    /// bytes that define the request.
    pub fn new(secrets: &Secrets, key: &str, request: &[u8]) -> Result<Once, ServiceError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            let mut f = FieldErrors::default();
            f.add(
                "Idempotency-Key",
                "幂等键应为1至255个可打印ASCII字符",
                "the Idempotency-Key must be 1 to 255 printable ASCII characters",
            );
            return Err(ServiceError::Invalid(f));
        }
        Ok(Once {
            key_hash: secrets.keyed_hash(b"idempotency key", key.as_bytes()),
            request_hash: Sha256::digest(request).to_vec(),
        })
    }
}

fn since(now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::hours(LIFETIME_HOURS)
}

/// The first answer for this key, when there is one: `Err(Conflict)` if it
/// answered another request.
pub fn replay<T: DeserializeOwned>(
    conn: &mut DbConnection,
    secrets: &Secrets,
    once: &Once,
    now: NaiveDateTime,
) -> Result<Option<T>, ServiceError> {
    let Some((request, sealed)) = idempotency::find(conn, &once.key_hash, since(now))? else {
        return Ok(None);
    };
    if request != once.request_hash {
        return Err(ServiceError::KeyReused);
    }
    let text = secrets
        .open(&sealed)
        .map_err(|_| ServiceError::Db(DbError::Canceled))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|_| ServiceError::Db(DbError::Canceled))
}

/// Store the first answer inside the committing transaction. A unique
/// violation (another request with this key committed first) rolls the
/// caller's transaction back as `ServiceError::AnsweredElsewhere`.
pub fn remember<T: Serialize>(
    conn: &mut DbConnection,
    secrets: &Secrets,
    once: &Once,
    answer: &T,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    let sealed = secrets.seal(&serde_json::to_string(answer).expect("answers serialise"));
    if idempotency::insert(
        conn,
        &once.key_hash,
        &once.request_hash,
        &sealed,
        since(now),
        now,
    )? {
        Ok(())
    } else {
        Err(ServiceError::AnsweredElsewhere)
    }
}

/// The daily job: answers past their lifetime are forgotten.
pub fn forget_expired(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(idempotency::prune(conn, since(now))?)
}
