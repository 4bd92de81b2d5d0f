//! Evidence files as use cases: clean and seal uploads, hand them to a tip
//! (at intake, by upload token, or later with the receipt), and open them
//! for staff within the case's access rules, every open audited.
use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ServiceError;
use super::idempotency::{self, Once};
use crate::db::attachments::{self as rows, AttachmentRow, NewAttachment};
use crate::db::{self, DbConnection, DbError, audit, cases, tips};
use crate::domain::file_kind::{FileKind, UploadLimits};
use crate::domain::receipt::Receipt;
use crate::domain::role::Scope;
use crate::evidence::{self, CleanFile};
use crate::state::AppState;

/// A cleaned file sealed in the store, not yet in the database.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub storage_key: String,
    pub thumb_key: Option<String>,
    pub kind: FileKind,
    pub size: u64,
    pub removed: String,
}

/// What staff see of an attachment in the case JSON.
#[derive(Debug, Serialize)]
pub struct AttachmentView {
    pub id: i64,
    pub kind: String,
    pub size: i64,
    /// What was removed before storage (`exif, xmp` …).
    pub removed: String,
    pub url: String,
    pub thumbnail_url: Option<String>,
    pub created_at: NaiveDateTime,
}

impl AttachmentView {
    pub fn from_row(r: &AttachmentRow) -> AttachmentView {
        AttachmentView {
            id: r.id,
            kind: r.kind.clone(),
            size: r.size,
            removed: r.removed.clone(),
            url: format!("/api/v1/attachments/{}", r.id),
            thumbnail_url: r
                .thumb_key
                .as_ref()
                .map(|_| format!("/api/v1/attachments/{}/thumbnail", r.id)),
            created_at: r.created_at,
        }
    }
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

/// Check the count and sizes first, then sniff, strip and thumbnail every
/// file, one at a time in a decoder slot of the gate, each within the
/// decoding budget. Nothing is written here: a refusal leaves no trace.
pub async fn clean_all(
    state: &AppState,
    already: (usize, u64),
    files: Vec<Vec<u8>>,
) -> Result<Vec<CleanFile>, ServiceError> {
    let limits: UploadLimits = state.upload_limits;
    let (mut count, mut total) = already;
    for f in &files {
        limits
            .admit(count, total, f.len() as u64)
            .map_err(ServiceError::Refused)?;
        count += 1;
        total += f.len() as u64;
    }
    let budget = state.gate.budget;
    let mut cleaned = Vec::with_capacity(files.len());
    for f in files {
        let _slot = state.gate.decoder().await.map_err(|_| ServiceError::Busy)?;
        let file = actix_web::rt::task::spawn_blocking(move || evidence::clean(&f, &budget))
            .await
            .map_err(|_| ServiceError::Db(DbError::Canceled))?
            .map_err(ServiceError::Refused)?;
        cleaned.push(file);
    }
    Ok(cleaned)
}

/// Like [`clean_all`], but one answer per file: the form keeps the files
/// that pass and names the ones refused, instead of dropping them all.
pub async fn clean_each(
    state: &AppState,
    already: (usize, u64),
    files: Vec<Vec<u8>>,
) -> Result<Vec<Result<CleanFile, crate::domain::file_kind::FileRefusal>>, ServiceError> {
    let limits: UploadLimits = state.upload_limits;
    let (mut count, mut total) = already;
    let budget = state.gate.budget;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        if let Err(r) = limits.admit(count, total, f.len() as u64) {
            out.push(Err(r));
            continue;
        }
        let _slot = state.gate.decoder().await.map_err(|_| ServiceError::Busy)?;
        let size = f.len() as u64;
        let file = actix_web::rt::task::spawn_blocking(move || evidence::clean(&f, &budget))
            .await
            .map_err(|_| ServiceError::Db(DbError::Canceled))?;
        if file.is_ok() {
            count += 1;
            total += size;
        }
        out.push(file);
    }
    Ok(out)
}

/// Keep cleaned files as uploads under fresh tokens, so a form shown again
/// (a typo, a limit, one refused file) does not make the reporter choose
/// them again. Unclaimed uploads are swept like any other.
pub async fn keep_as_uploads(
    state: &AppState,
    files: Vec<CleanFile>,
) -> Result<Vec<UploadToken>, ServiceError> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let stored = seal_all(state, files).await?;
    let tokens: Vec<UploadToken> = stored
        .iter()
        .map(|s| UploadToken {
            token: crate::evidence::store::random_name(),
            kind: s.kind,
            size: s.size,
            removed: s.removed.clone(),
        })
        .collect();
    let (rows_of, answer) = (stored.clone(), tokens.clone());
    let at = db::now();
    let result = state
        .db
        .write(move |conn| -> Result<(), ServiceError> {
            for (s, t) in rows_of.iter().zip(&answer) {
                insert_row(conn, s, Owner::Token(&token_hash(&t.token)), at)?;
            }
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(tokens),
        Err(e) => {
            discard(state, stored).await;
            Err(e)
        }
    }
}

/// The uploads still waiting under these tokens (spent or swept ones are
/// left out), with their kind and size for the form to list.
pub async fn pending_tokens(
    state: &AppState,
    tokens: Vec<String>,
) -> Result<Vec<UploadToken>, ServiceError> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    state
        .db
        .read(move |conn| -> Result<Vec<UploadToken>, ServiceError> {
            let mut out = Vec::new();
            for t in tokens.iter().take(16) {
                let row = rows::pending_by_tokens(conn, &[token_hash(t)])?.pop();
                if let Some((row, kind)) =
                    row.and_then(|r| FileKind::parse(&r.kind).map(|k| (r, k)))
                {
                    out.push(UploadToken {
                        token: t.trim().to_string(),
                        kind,
                        size: row.size as u64,
                        removed: row.removed,
                    });
                }
            }
            Ok(out)
        })
        .await
}

/// Seal cleaned files into the store. On failure, whatever was written is removed.
pub async fn seal_all(
    state: &AppState,
    files: Vec<CleanFile>,
) -> Result<Vec<StoredFile>, ServiceError> {
    let vault = state.vault.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut stored: Vec<StoredFile> = Vec::new();
        for f in files {
            let result = vault.put(&f.bytes).and_then(|key| {
                let thumb = match &f.thumbnail {
                    Some(t) => match vault.put(t) {
                        Ok(k) => Some(k),
                        Err(e) => {
                            let _ = vault.delete(&key);
                            return Err(e);
                        }
                    },
                    None => None,
                };
                Ok(StoredFile {
                    storage_key: key,
                    thumb_key: thumb,
                    kind: f.kind,
                    size: f.bytes.len() as u64,
                    removed: f.removed.join(", "),
                })
            });
            match result {
                Ok(s) => stored.push(s),
                Err(e) => {
                    discard_blobs(&vault, &stored);
                    return Err(ServiceError::Storage(e.to_string()));
                }
            }
        }
        Ok(stored)
    })
    .await
    .map_err(|_| ServiceError::Db(DbError::Canceled))?
}

fn discard_blobs(vault: &crate::evidence::store::Vault, stored: &[StoredFile]) {
    for s in stored {
        let _ = vault.delete(&s.storage_key);
        if let Some(t) = &s.thumb_key {
            let _ = vault.delete(t);
        }
    }
}

/// Remove sealed files whose database rows were never committed.
pub async fn discard(state: &AppState, stored: Vec<StoredFile>) {
    let vault = state.vault.clone();
    let _ = actix_web::rt::task::spawn_blocking(move || discard_blobs(&vault, &stored)).await;
}

/// Rows for files sealed for `tip_id` (inside the caller's transaction).
pub fn insert_for_tip(
    conn: &mut DbConnection,
    tip_id: i64,
    stored: &[StoredFile],
    at: NaiveDateTime,
) -> Result<(), ServiceError> {
    for s in stored {
        insert_row(conn, s, Owner::Tip(tip_id), at)?;
    }
    Ok(())
}

/// Who a stored file's row belongs to: a tip, or an upload token waiting
/// for one.
enum Owner<'a> {
    Tip(i64),
    Token(&'a [u8]),
}

/// The row of one sealed file (inside the caller's transaction).
fn insert_row(
    conn: &mut DbConnection,
    s: &StoredFile,
    owner: Owner<'_>,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let (tip_id, token_hash) = match owner {
        Owner::Tip(id) => (Some(id), None),
        Owner::Token(hash) => (None, Some(hash)),
    };
    rows::insert(
        conn,
        &NewAttachment {
            tip_id,
            token_hash,
            storage_key: &s.storage_key,
            thumb_key: s.thumb_key.as_deref(),
            kind: s.kind.as_str(),
            size: s.size as i64,
            removed: &s.removed,
            created_at: at,
        },
    )?;
    Ok(())
}

/// Give uploads (by token) to a tip, within the tip's limits (inside the
/// caller's transaction). An unknown or spent token is a 422.
pub fn claim_tokens(
    conn: &mut DbConnection,
    limits: &UploadLimits,
    tip_id: i64,
    tokens: &[String],
) -> Result<(), ServiceError> {
    if tokens.is_empty() {
        return Ok(());
    }
    let hashes: Vec<Vec<u8>> = tokens.iter().map(|t| token_hash(t)).collect();
    let found = rows::pending_by_tokens(conn, &hashes)?;
    let distinct: std::collections::HashSet<&Vec<u8>> = hashes.iter().collect();
    if found.len() != distinct.len() {
        let mut f = crate::domain::errors::FieldErrors::default();
        f.add(
            "attachments",
            "上传凭证无效或已使用",
            "an upload token is unknown or already used",
        );
        return Err(ServiceError::Invalid(f));
    }
    let (count, total) = rows::usage(conn, tip_id)?;
    let (mut count, mut total) = (count as usize, total as u64);
    for a in &found {
        limits
            .admit(count, total, a.size as u64)
            .map_err(ServiceError::Refused)?;
        count += 1;
        total += a.size as u64;
    }
    let ids: Vec<i64> = found.iter().map(|a| a.id).collect();
    rows::claim(conn, &ids, tip_id)?;
    Ok(())
}

/// A sealed upload waiting for its tip.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct UploadToken {
    pub token: String,
    pub kind: FileKind,
    pub size: u64,
    /// What was removed before storage.
    pub removed: String,
}

/// The JSON flow's first step: clean, seal and keep one file under a token.
/// With `once` (an Idempotency-Key), the same upload sent again gets the
/// first token back and stores nothing new.
pub async fn upload(
    state: &AppState,
    bytes: Vec<u8>,
    once: Option<Once>,
) -> Result<UploadToken, ServiceError> {
    let first = |once: Option<Once>| async move {
        let Some(o) = once else { return Ok(None) };
        let secrets = state.secrets.clone();
        state
            .db
            .read(move |conn| idempotency::replay(conn, &secrets, &o, db::now()))
            .await
    };
    if let Some(answer) = first(once.clone()).await? {
        return Ok(answer);
    }
    let cleaned = clean_all(state, (0, 0), vec![bytes]).await?;
    let stored = seal_all(state, cleaned).await?;
    let file = stored[0].clone();
    let answer = UploadToken {
        token: crate::evidence::store::random_name(),
        kind: file.kind,
        size: file.size,
        removed: file.removed.clone(),
    };
    let hash = token_hash(&answer.token);
    let row = file.clone();
    let at = db::now();
    let (secrets, remembered, once2) = (state.secrets.clone(), answer.clone(), once.clone());
    let result = state
        .db
        .write(move |conn| -> Result<(), ServiceError> {
            insert_row(conn, &row, Owner::Token(&hash), at)?;
            if let Some(o) = &once2 {
                idempotency::remember(conn, &secrets, o, &remembered, at)?;
            }
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(answer),
        Err(e) => {
            discard(state, stored).await;
            match e {
                // Another request with the key committed first: its answer.
                ServiceError::AnsweredElsewhere => {
                    first(once).await?.ok_or(ServiceError::AnsweredElsewhere)
                }
                e => Err(e),
            }
        }
    }
}

/// The reporter adds uploads to their tip later, with the receipt.
pub async fn add_with_receipt(
    state: &AppState,
    receipt: Receipt,
    tokens: Vec<String>,
) -> Result<usize, ServiceError> {
    let hash = state.secrets.receipt_hash(&receipt);
    let limits = state.upload_limits;
    let n = tokens.len();
    state
        .db
        .write(move |conn| -> Result<usize, ServiceError> {
            let tip = tips::find_by_receipt(conn, &hash)?.ok_or(ServiceError::NotFound)?;
            claim_tokens(conn, &limits, tip.id, &tokens)?;
            if let Some(case_id) = rows::case_of(conn, tip.id)? {
                audit::append(
                    conn,
                    "reporter",
                    "attachment.added",
                    &format!("case:{case_id}"),
                    &format!("{{\"tip\":{},\"files\":{n}}}", tip.id),
                    db::now(),
                )?;
            }
            Ok(n)
        })
        .await
}

/// The reporter adds files from the status page: cleaned and sealed as at
/// intake, within the tip's own limits (files already attached count).
/// Sealed files whose rows do not commit are removed again.
pub async fn add_files_with_receipt(
    state: &AppState,
    receipt: Receipt,
    files: Vec<Vec<u8>>,
) -> Result<usize, ServiceError> {
    let hash = state.secrets.receipt_hash(&receipt);
    let limits = state.upload_limits;
    // Known tip and its usage first, so a refusal costs no decoding.
    let hash2 = hash.clone();
    let already = state
        .db
        .read(move |conn| -> Result<(usize, u64), ServiceError> {
            let tip = tips::find_by_receipt(conn, &hash2)?.ok_or(ServiceError::NotFound)?;
            let (n, total) = rows::usage(conn, tip.id)?;
            Ok((n as usize, total as u64))
        })
        .await?;
    let cleaned = clean_all(state, already, files).await?;
    let stored = seal_all(state, cleaned).await?;
    let n = stored.len();
    let rows_of = stored.clone();
    let result = state
        .db
        .write(move |conn| -> Result<(), ServiceError> {
            let tip = tips::find_by_receipt(conn, &hash)?.ok_or(ServiceError::NotFound)?;
            // Checked again under the writer: two pages sent at once must
            // not pass the limits together.
            let (count, total) = rows::usage(conn, tip.id)?;
            let (mut count, mut total) = (count as usize, total as u64);
            for s in &rows_of {
                limits
                    .admit(count, total, s.size)
                    .map_err(ServiceError::Refused)?;
                count += 1;
                total += s.size;
            }
            let at = db::now();
            insert_for_tip(conn, tip.id, &rows_of, at)?;
            if let Some(case_id) = rows::case_of(conn, tip.id)? {
                audit::append(
                    conn,
                    "reporter",
                    "attachment.added",
                    &format!("case:{case_id}"),
                    &format!("{{\"tip\":{},\"files\":{n}}}", tip.id),
                    at,
                )?;
            }
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(n),
        Err(e) => {
            discard(state, stored).await;
            Err(e)
        }
    }
}

/// An attachment row, if `scope` may see its case.
fn visible(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
) -> Result<(AttachmentRow, i64), ServiceError> {
    let row = rows::get(conn, id)?.ok_or(ServiceError::NotFound)?;
    let tip_id = row.tip_id.ok_or(ServiceError::NotFound)?;
    let case_id = rows::case_of(conn, tip_id)?.ok_or(ServiceError::NotFound)?;
    cases::get(conn, scope, case_id)?.ok_or(ServiceError::NotFound)?;
    Ok((row, case_id))
}

/// Open a file (or its thumbnail) for a member of staff; the open is audited
/// in the same transaction that checks access, before any byte is read.
pub async fn open(
    state: &AppState,
    scope: Scope,
    actor: String,
    id: i64,
    thumbnail: bool,
) -> Result<(FileKind, Vec<u8>), ServiceError> {
    let (row, key) = state
        .db
        .write(
            move |conn| -> Result<(AttachmentRow, String), ServiceError> {
                let (row, case_id) = visible(conn, &scope, id)?;
                let key = if thumbnail {
                    row.thumb_key.clone().ok_or(ServiceError::NotFound)?
                } else {
                    row.storage_key.clone()
                };
                audit::append(
                    conn,
                    &actor,
                    if thumbnail {
                        "attachment.thumbnail"
                    } else {
                        "attachment.open"
                    },
                    &format!("case:{case_id}"),
                    &format!(
                        "{{\"attachment\":{},\"tip\":{}}}",
                        row.id,
                        row.tip_id.unwrap_or_default()
                    ),
                    db::now(),
                )?;
                Ok((row, key))
            },
        )
        .await?;
    let kind = if thumbnail {
        FileKind::Jpeg
    } else {
        FileKind::parse(&row.kind).ok_or(ServiceError::NotFound)?
    };
    let vault = state.vault.clone();
    let bytes = actix_web::rt::task::spawn_blocking(move || vault.get(&key))
        .await
        .map_err(|_| ServiceError::Db(DbError::Canceled))?
        .map_err(|e| ServiceError::Storage(e.to_string()))?;
    Ok((kind, bytes))
}

/// Every attachment of a case's tips, if `scope` may see the case.
pub async fn of_case(
    state: &AppState,
    scope: Scope,
    case_id: i64,
) -> Result<Vec<AttachmentView>, ServiceError> {
    state
        .db
        .read(move |conn| -> Result<Vec<AttachmentView>, ServiceError> {
            cases::get(conn, &scope, case_id)?.ok_or(ServiceError::NotFound)?;
            let tip_ids: Vec<i64> = cases::tips_of(conn, case_id)?
                .iter()
                .map(|t| t.id)
                .collect();
            Ok(rows::of_tips(conn, &tip_ids)?
                .iter()
                .map(AttachmentView::from_row)
                .collect())
        })
        .await
}
