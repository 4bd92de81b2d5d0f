//! Staff access to evidence: files and thumbnails within the case's access
//! rules (every open audited), a minimal thumbnail page, and legal holds.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::body;
use super::errors::ApiError;
use super::pages::AttachmentsPage;
use super::public::html;
use super::staff_session::Staff;
use crate::domain::file_kind::FileKind;
use crate::services::holds::HoldOn;
use crate::services::{ServiceError, attachments, holds};
use crate::state::AppState;

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::not_found())
}

fn file_response(kind: FileKind, id: i64, bytes: Vec<u8>, inline: bool) -> HttpResponse {
    let disposition = if inline { "inline" } else { "attachment" };
    HttpResponse::Ok()
        .content_type(kind.mime())
        .insert_header(("Cache-Control", "no-store, private"))
        .insert_header((
            "Content-Disposition",
            format!(
                "{disposition}; filename=\"evidence-{id}.{}\"",
                kind.extension()
            ),
        ))
        // A PDF or anything else opened in the browser runs nothing.
        .insert_header((
            "Content-Security-Policy",
            "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
        ))
        .body(bytes)
}

/// `GET /api/v1/attachments/{id}`: the cleaned file, decrypted.
pub async fn open(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let (kind, bytes) = attachments::open(&state, staff.scope(), staff.actor(), id, false).await?;
    // Images and video may show inline; PDFs download.
    Ok(file_response(kind, id, bytes, kind != FileKind::Pdf))
}

/// `GET /api/v1/attachments/{id}/thumbnail`: a small JPEG of an image.
pub async fn thumbnail(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let (kind, bytes) = attachments::open(&state, staff.scope(), staff.actor(), id, true).await?;
    Ok(file_response(kind, id, bytes, true))
}

/// `GET /staff/cases/{id}/attachments`: the case's evidence as thumbnails.
pub async fn case_page(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let case_id = parse_id(&id)?;
    let items = attachments::of_case(&state, staff.scope(), case_id).await?;
    Ok(html(StatusCode::OK, &AttachmentsPage { case_id, items }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldRequest {
    hold: bool,
    #[serde(default)]
    reason: String,
}

async fn hold(
    state: &AppState,
    req: &HttpRequest,
    staff: Staff,
    on: HoldOn,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    staff.check_csrf(req)?;
    let body: HoldRequest = body::json(req, payload).await?;
    if body.hold && body.reason.trim().is_empty() {
        let mut f = crate::domain::errors::FieldErrors::default();
        f.add("reason", "请写明保全理由", "give the reason for the hold");
        return Err(ApiError::invalid(f));
    }
    match holds::set(state, staff.role, staff.actor(), on, body.hold, body.reason).await {
        Ok(()) => Ok(HttpResponse::Ok().json(serde_json::json!({"legal_hold": body.hold}))),
        Err(ServiceError::NotFound)
            if !matches!(
                staff.role,
                crate::domain::role::Role::Admin | crate::domain::role::Role::Dispatcher
            ) =>
        {
            Err(ApiError::forbidden())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/v1/cases/{id}/hold` `{"hold": true, "reason"}` (admin, dispatcher).
pub async fn hold_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    hold(&state, &req, staff, HoldOn::Case(id), payload).await
}

/// `POST /api/v1/tips/{id}/hold` `{"hold": true, "reason"}` (admin, dispatcher).
pub async fn hold_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    hold(&state, &req, staff, HoldOn::Tip(id), payload).await
}
