//! The relay API (`Authorization: Bearer <relay key>`): work orders in,
//! status out. Protocol and examples: docs/relay.md.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body;
use super::errors::ApiError;
use super::openapi::ErrorBody;
use crate::domain::errors::FieldErrors;
use crate::services::relay::{self, Outcome, RelayAuth, TicketAnswer, TicketInput, TicketView};
use crate::state::AppState;

/// Tickets per batch.
pub const BATCH_MAX: usize = 500;
/// A batch body may be this large (500 long tickets).
pub const BATCH_BODY_LIMIT: usize = 8 << 20;

pub fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "relay_unauthorized",
        "缺少中继密钥，或密钥错误、已吊销",
        "Missing, wrong or revoked relay key",
    )
}

fn rate_limited() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "请求过于频繁，请稍后再试",
        "Too many requests from this relay; try again in a minute",
    )
}

fn conflict(fields: &[String]) -> ApiError {
    let mut f = FieldErrors::default();
    for field in fields {
        f.add(
            field,
            "与该工单首次提交的内容不同",
            "differs from the first submission of this ticket",
        );
    }
    ApiError::new(
        StatusCode::CONFLICT,
        "ticket_conflict",
        "该工单号已提交过不同的内容；如需更正，请使用新的工单号",
        "This ticket_id was submitted before with different content; \
                     send a correction under a new ticket_id",
    )
    .with_fields(f)
}

/// The relay of a key, within its rate limit.
pub async fn authenticate_key(state: &AppState, key: Option<&str>) -> Result<RelayAuth, ApiError> {
    let key = key
        .filter(|k| crate::auth::relay_key::well_formed(k))
        .ok_or_else(unauthorized)?;
    let relay = relay::authenticate(state, key)
        .await?
        .ok_or_else(unauthorized)?;
    if !state.relay_limits.allow(relay.id, relay.rate_limit) {
        return Err(rate_limited());
    }
    Ok(relay)
}

/// The relay of the request's bearer key.
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<RelayAuth, ApiError> {
    let key = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::relay_key::from_bearer);
    authenticate_key(state, key).await
}

fn answer(status: StatusCode, a: &TicketAnswer) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(a)
}

/// Submit a work order (工单). Idempotent on (relay, `ticket_id`).
#[utoipa::path(
    post,
    path = "/api/v1/relay/tips",
    tag = "relay",
    request_body = TicketInput,
    security(("relay_key" = [])),
    responses(
        (status = 201, description = "新工单已受理 · a new ticket, committed", body = TicketAnswer),
        (status = 200, description = "同一工单、同样内容：返回首次应答 · the same ticket again: the first answer", body = TicketAnswer),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 401, description = "missing, wrong or revoked key", body = ErrorBody),
        (status = 409, description = "同一工单号、不同内容 · same ticket_id, different content; `fields` names each difference", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody),
        (status = 415, description = "not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
        (status = 429, description = "over this relay's rate limit", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
pub async fn create_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let relay = authenticate(&state, &req).await?;
    let input: TicketInput = body::json(&req, payload).await?;
    let ticket = relay::check(&state, input).map_err(ApiError::invalid)?;
    match relay::submit(&state, &relay, ticket).await? {
        Outcome::Created(a) => Ok(answer(StatusCode::CREATED, &a)),
        Outcome::Replayed(a) => Ok(answer(StatusCode::OK, &a)),
        Outcome::Conflict(fields) => Err(conflict(&fields)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 500 tickets, each as for `POST /api/v1/relay/tips`. Each is
    /// checked on its own: one bad ticket does not fail the others.
    #[schema(value_type = Vec<TicketInput>, min_items = 1, max_items = 500)]
    pub tickets: Vec<serde_json::Value>,
}

/// The answer for one ticket of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    /// The ticket's position in the request, from 0.
    pub index: usize,
    pub ticket_id: Option<String>,
    /// What `POST /api/v1/relay/tips` would have answered: 201, 200, 409 or 422.
    pub status: u16,
    pub answer: Option<TicketAnswer>,
    #[schema(value_type = Option<ErrorBody>)]
    pub error: Option<ApiError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchReply {
    pub created: usize,
    pub replayed: usize,
    pub failed: usize,
    pub results: Vec<BatchItem>,
}

/// Submit up to 500 work orders at once (after an outage). Answers per ticket.
#[utoipa::path(
    post,
    path = "/api/v1/relay/tips:batch",
    tag = "relay",
    request_body = BatchRequest,
    security(("relay_key" = [])),
    responses(
        (status = 200, description = "每个工单各自的结果 · one result per ticket", body = BatchReply),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 401, description = "missing, wrong or revoked key", body = ErrorBody),
        (status = 413, description = "body over 8 MiB", body = ErrorBody),
        (status = 415, description = "not application/json", body = ErrorBody),
        (status = 422, description = "not a list of 1 to 500 tickets", body = ErrorBody),
        (status = 429, description = "over this relay's rate limit", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
pub async fn create_batch(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let relay = authenticate(&state, &req).await?;
    let batch: BatchRequest = body::json_limited(&req, payload, BATCH_BODY_LIMIT).await?;
    if batch.tickets.is_empty() || batch.tickets.len() > BATCH_MAX {
        let mut f = FieldErrors::default();
        f.add(
            "tickets",
            "每批须有1至500个工单",
            "a batch holds 1 to 500 tickets",
        );
        return Err(ApiError::invalid(f));
    }
    let mut reply = BatchReply {
        created: 0,
        replayed: 0,
        failed: 0,
        results: Vec::with_capacity(batch.tickets.len()),
    };
    for (index, value) in batch.tickets.into_iter().enumerate() {
        let ticket_id = value
            .get("ticket_id")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let item = match one(&state, &relay, value).await {
            Ok((status, a)) => {
                if status == StatusCode::CREATED {
                    reply.created += 1;
                } else {
                    reply.replayed += 1;
                }
                BatchItem {
                    index,
                    ticket_id,
                    status: status.as_u16(),
                    answer: Some(a),
                    error: None,
                }
            }
            // The database failing is not the ticket's fault: fail the call,
            // so the relay resends the batch (the tickets already done replay).
            Err(e) if e.status.is_server_error() => return Err(e),
            Err(e) => {
                reply.failed += 1;
                BatchItem {
                    index,
                    ticket_id,
                    status: e.status.as_u16(),
                    answer: None,
                    error: Some(e),
                }
            }
        };
        reply.results.push(item);
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(reply))
}

async fn one(
    state: &AppState,
    relay: &RelayAuth,
    value: serde_json::Value,
) -> Result<(StatusCode, TicketAnswer), ApiError> {
    let input: TicketInput = body::from_value(value)?;
    let ticket = relay::check(state, input).map_err(ApiError::invalid)?;
    match relay::submit(state, relay, ticket).await? {
        Outcome::Created(a) => Ok((StatusCode::CREATED, a)),
        Outcome::Replayed(a) => Ok((StatusCode::OK, a)),
        Outcome::Conflict(fields) => Err(conflict(&fields)),
    }
}

/// `POST /api/v1/relay/tips/{ticket_id}/rating`: the caller's rating from
/// the relay's own 回访. Sending the same rating again answers 200 again.
#[utoipa::path(
    post,
    path = "/api/v1/relay/tips/{ticket_id}/rating",
    tag = "relay",
    params(("ticket_id" = String, Path, description = "the relay's work-order number")),
    request_body = crate::services::rating::RatingBody,
    security(("relay_key" = [])),
    responses(
        (status = 200, description = "the rating (the same answer when sent again)", body = crate::services::rating::RatingView),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 401, description = "missing, wrong or revoked key", body = ErrorBody),
        (status = 404, description = "no such ticket of this relay", body = ErrorBody),
        (status = 409, description = "not closed yet (not_closed), or rated already with another grade (already_rated)", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody),
        (status = 415, description = "not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
        (status = 429, description = "over this relay's rate limit", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
pub async fn rate_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    ticket_id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let relay = authenticate(&state, &req).await?;
    let ticket_id = ticket_id.into_inner();
    if ticket_id.len() > relay::TICKET_ID_MAX {
        return Err(ApiError::not_found());
    }
    let body: crate::services::rating::RatingBody = body::json(&req, payload).await?;
    let checked = crate::services::rating::check(&body).map_err(ApiError::invalid)?;
    let view =
        crate::services::rating::rate_by_ticket(&state, relay.id, ticket_id, checked).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

/// A ticket's status, result text and dates, for the call-back (回访).
/// Only the relay's own tickets are found.
#[utoipa::path(
    get,
    path = "/api/v1/relay/tips/{ticket_id}",
    tag = "relay",
    params(("ticket_id" = String, Path, description = "the relay's work-order number")),
    security(("relay_key" = [])),
    responses(
        (status = 200, description = "the ticket", body = TicketView),
        (status = 401, description = "missing, wrong or revoked key", body = ErrorBody),
        (status = 404, description = "no such ticket of this relay", body = ErrorBody),
        (status = 429, description = "over this relay's rate limit", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
pub async fn get_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    ticket_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let relay = authenticate(&state, &req).await?;
    let ticket_id = ticket_id.into_inner();
    if ticket_id.len() > relay::TICKET_ID_MAX {
        return Err(ApiError::not_found());
    }
    let view = relay::status(&state, &relay, ticket_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}
