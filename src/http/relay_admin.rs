//! Admin view of the relay call-back outbox: pending and failed deliveries,
//! their attempts, and retry. JSON under /api/v1/admin, a page under /staff.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::body::{self, field};
use super::errors::ApiError;
use super::public::html;
use super::staff_session::Staff;
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::services::outbox;
use crate::state::AppState;

const LIST_LIMIT: i64 = 500;

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "仅管理员可操作",
        "Administrators only",
    )
}

fn admin(staff: &Staff) -> Result<(), ApiError> {
    if staff.role == Role::Admin {
        Ok(())
    } else {
        Err(forbidden())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    state: Option<String>,
}

fn state_filter(q: &ListQuery) -> Result<Option<String>, ApiError> {
    match q.state.as_deref() {
        None | Some("") => Ok(None),
        Some(s @ (outbox::PENDING | outbox::FAILED | outbox::DELIVERED)) => Ok(Some(s.into())),
        Some(_) => {
            let mut f = FieldErrors::default();
            f.add(
                "state",
                "状态须为 pending、failed 或 delivered",
                "state must be pending, failed or delivered",
            );
            Err(ApiError::invalid(f))
        }
    }
}

async fn load(
    state: &AppState,
    filter: Option<String>,
) -> Result<Vec<outbox::EntryView>, ApiError> {
    Ok(outbox::entries(&state.db, filter, LIST_LIMIT).await?)
}

/// `GET /api/v1/admin/outbox?state=pending|failed|delivered`
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let filter = state_filter(&query)?;
    let items = load(&state, filter).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/admin/outbox/{id}/attempts`
pub async fn attempts(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let items = outbox::attempts(&state.db, id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn do_retry(state: &AppState, staff: &Staff, id: i64) -> Result<(), ApiError> {
    if !outbox::retry(&state.db, staff.actor(), id).await? {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// `POST /api/v1/admin/outbox/{id}/retry` (X-CSRF-Token): due now, with a
/// fresh retry budget. A delivered entry is not found.
pub async fn retry(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    staff.check_csrf(&req)?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    do_retry(&state, &staff, id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "id": id, "state": outbox::PENDING })))
}

#[derive(Template)]
#[template(path = "relay_outbox.html")]
struct OutboxPage {
    username: String,
    is_admin: bool,
    entries: Vec<outbox::EntryView>,
    csrf: String,
    notice: Option<&'static str>,
}

/// `GET /staff/relays/outbox` — pending by default.
pub async fn page(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let filter = state_filter(&query)?.or(Some(outbox::PENDING.into()));
    let entries = load(&state, filter).await?;
    Ok(html(
        StatusCode::OK,
        &OutboxPage {
            username: staff.username.clone(),
            is_admin: true,
            entries,
            csrf: staff.csrf_token.clone(),
            notice: None,
        },
    ))
}

/// `POST /staff/relays/outbox/{id}/retry` — the page's form (`csrf` field).
pub async fn page_retry(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let pairs = body::form(&req, payload).await?;
    staff.check_csrf_value(&field(&pairs, "csrf").unwrap_or_default())?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    do_retry(&state, &staff, id).await?;
    let entries = load(&state, Some(outbox::PENDING.into())).await?;
    Ok(html(
        StatusCode::OK,
        &OutboxPage {
            username: staff.username.clone(),
            is_admin: true,
            entries,
            csrf: staff.csrf_token.clone(),
            notice: Some("已安排立即重试 (retry scheduled)"),
        },
    ))
}

/// `POST /api/v1/tips/{id}/contact` (with the CSRF token) — the
/// confidential contact of a tip (a relay's caller contact), for
/// administrators and dispatchers only; every read is audited. A POST, so
/// no link, image or prefetch can make a browser read one.
pub async fn contact(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    staff.check_csrf(&req)?;
    if !matches!(staff.role, Role::Admin | Role::Dispatcher) {
        return Err(forbidden_contact());
    }
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let contact = crate::services::relay::reveal_contact(&state, id, staff.actor()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "tip_id": id, "contact": contact, "confidential": true })))
}

fn forbidden_contact() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "无权查看举报人联系方式（保密）",
        "Your role may not see reporters' contacts (confidential)",
    )
}
