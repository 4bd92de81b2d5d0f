//! Evidence uploads over HTTP: the form's multipart body, the JSON flow's
//! raw upload that returns a token, and adding files later with a receipt.
//!
//! Bodies are streamed and counted as they arrive: the first byte over a
//! limit ends the request with 413, before anything is cleaned or stored.
use actix_multipart::Multipart;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::body::{self, BODY_LIMIT};
use super::errors::ApiError;
use crate::domain::errors::FieldErrors;
use crate::domain::file_kind::FileRefusal;
use crate::domain::receipt::Receipt;
use crate::evidence::gate::Room;
use crate::services::attachments;
use crate::state::AppState;

/// A multipart form: its text fields and its files' bytes (names dropped),
/// and the room they hold in the upload pool until the form is dropped.
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Vec<u8>>,
    /// Files refused while reading (too large, too many): their position
    /// among the files sent (from 1) and why. Their bytes were skipped, so
    /// the rest of the form (the reporter's text) still arrives.
    pub refused: Vec<(usize, FileRefusal)>,
    pub room: Room,
}

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

pub fn is_multipart(req: &HttpRequest) -> bool {
    matches!(req.mime_type(), Ok(Some(m)) if m.essence_str() == "multipart/form-data")
}

/// Parts one form may have: the tip form has about a dozen fields and a few
/// files; an attacker's 30,000 parts are cut off at the 65th.
pub const MAX_PARTS: usize = 64;
/// The longest field name a form of ours uses is far below this.
pub const MAX_PART_NAME: usize = 64;

/// Read a multipart form within `limits`: at most `max_files` files, each at
/// most `max_file_bytes`, all at most `max_tip_bytes`, text fields at most
/// 64 KiB together, at most [`MAX_PARTS`] parts with names of at most
/// [`MAX_PART_NAME`] bytes. The original file names are never read into memory.
pub async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<MultipartForm, ApiError> {
    let limits = &state.upload_limits;
    if declared_length(req).is_some_and(|n| n > limits.max_tip_bytes + BODY_LIMIT as u64) {
        return Err(ApiError::file_refused(&FileRefusal::TipTooLarge));
    }
    let mut parts = Multipart::new(req.headers(), payload.into_inner());
    let mut form = MultipartForm {
        fields: Vec::new(),
        files: Vec::new(),
        refused: Vec::new(),
        room: state.gate.room(),
    };
    let (mut text_bytes, mut file_bytes, mut count) = (0usize, 0u64, 0usize);
    // Bytes of refused files skipped: bounded like the whole body.
    let (mut skipped, mut sent_files) = (0u64, 0usize);
    let skip_limit = limits.max_tip_bytes + BODY_LIMIT as u64;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| ApiError::malformed_form())?;
        count += 1;
        if count > MAX_PARTS {
            return Err(ApiError::too_large());
        }
        let disposition = part.content_disposition().cloned();
        let name = disposition
            .as_ref()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_string();
        if name.len() > MAX_PART_NAME {
            return Err(ApiError::malformed_form());
        }
        let is_file = disposition
            .as_ref()
            .is_some_and(|d| d.get_filename().is_some());
        let mut data = Vec::new();
        let mut refusal: Option<FileRefusal> = None;
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| ApiError::malformed_form())?;
            if is_file && refusal.is_none() {
                if data.is_empty() && form.files.len() >= limits.max_files {
                    refusal = Some(FileRefusal::TooMany);
                } else if (data.len() + chunk.len()) as u64 > limits.max_file_bytes {
                    refusal = Some(FileRefusal::TooLarge);
                } else if file_bytes + chunk.len() as u64 > limits.max_tip_bytes {
                    refusal = Some(FileRefusal::TipTooLarge);
                }
                if refusal.is_some() {
                    // Forget what was kept of it; skip the rest.
                    file_bytes -= data.len() as u64;
                    data = Vec::new();
                }
            }
            if refusal.is_some() {
                skipped += chunk.len() as u64;
                if skipped > skip_limit {
                    return Err(ApiError::file_refused(&FileRefusal::TipTooLarge));
                }
                continue;
            }
            if is_file {
                file_bytes += chunk.len() as u64;
                // Twice the bytes: the body now, its cleaned copy later.
                form.room
                    .grow_to(2 * file_bytes)
                    .await
                    .map_err(|_| ApiError::busy())?;
            } else {
                text_bytes += chunk.len();
                if text_bytes > BODY_LIMIT {
                    return Err(ApiError::too_large());
                }
            }
            data.extend_from_slice(&chunk);
        }
        if is_file {
            // A file input left empty still sends a part with no bytes.
            if let Some(r) = refusal {
                sent_files += 1;
                form.refused.push((sent_files, r));
            } else if !data.is_empty() {
                sent_files += 1;
                form.files.push(data);
            }
        } else {
            let value = String::from_utf8(data).map_err(|_| ApiError::malformed_form())?;
            form.fields.push((name, value));
        }
    }
    body::controls_in_pairs(&form.fields)?;
    Ok(form)
}

/// Read a raw upload body within the per-file limit, holding room for it
/// (and its cleaned copy) in the upload pool.
async fn read_file(
    req: &HttpRequest,
    mut payload: web::Payload,
    state: &AppState,
) -> Result<(Vec<u8>, Room), ApiError> {
    let limits = &state.upload_limits;
    let too_large = || ApiError::file_refused(&FileRefusal::TooLarge);
    if declared_length(req).is_some_and(|n| n > limits.max_file_bytes) {
        return Err(too_large());
    }
    let mut room = state.gate.room();
    let mut data = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::malformed())?;
        if (data.len() + chunk.len()) as u64 > limits.max_file_bytes {
            return Err(too_large());
        }
        room.grow_to(2 * (data.len() + chunk.len()) as u64)
            .await
            .map_err(|_| ApiError::busy())?;
        data.extend_from_slice(&chunk);
    }
    if data.is_empty() {
        return Err(ApiError::file_refused(&FileRefusal::UnsupportedType));
    }
    Ok((data, room))
}

/// One request of the intake limit (tips and uploads share it).
pub async fn intake_allowed(state: &AppState, req: &HttpRequest) -> bool {
    state
        .intake_limiter
        .allow(&state.edge.client_address(req))
        .await
}

/// `POST /api/v1/uploads`: the file is the body (any declared type; the
/// content decides). Answers `201 {"token", "kind", "size", "removed"}`;
/// send the token in the tip's `attachments`.
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !intake_allowed(&state, &req).await {
        return Err(ApiError::rate_limited());
    }
    let (bytes, _room) = read_file(&req, payload, &state).await?;
    let once = super::api::idempotency(&state, &req, &bytes)?;
    let token = attachments::upload(&state, bytes, once).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(token))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddFiles {
    receipt: String,
    attachments: Vec<String>,
}

/// `POST /api/v1/tips/attachments`: `{"receipt", "attachments": [tokens]}`
/// adds uploads to an existing tip, within its limits.
pub async fn add_to_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !state
        .lookup_limiter
        .allow(&state.edge.client_address(&req))
        .await
    {
        return Err(ApiError::rate_limited());
    }
    let body: AddFiles = body::json(&req, payload).await?;
    let receipt = Receipt::parse(&body.receipt).map_err(|e| {
        let mut f = FieldErrors::default();
        f.add("receipt", e.zh(), &e.to_string());
        ApiError::invalid(f)
    })?;
    let n = attachments::add_with_receipt(&state, receipt, body.attachments).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({"status": "received", "added": n})))
}

/// Split `"attachments": [tokens]` off a JSON tip body, leaving the tip fields.
pub fn take_tokens(bytes: &[u8]) -> Result<(Vec<u8>, Vec<String>), ApiError> {
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| ApiError::malformed())?;
    let tokens = match value.as_object_mut().and_then(|o| o.remove("attachments")) {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(v) => serde_json::from_value::<Vec<String>>(v).map_err(|_| {
            let mut f = FieldErrors::default();
            f.add("attachments", "应为上传凭证列表", "a list of upload tokens");
            ApiError::invalid(f)
        })?,
    };
    Ok((
        serde_json::to_vec(&value).expect("a value serialises"),
        tokens,
    ))
}
