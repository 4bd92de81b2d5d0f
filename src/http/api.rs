//! The public JSON API: intake, lookup and reporter messages.
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::body;
use super::errors::ApiError;
use crate::domain::errors::FieldErrors;
use crate::domain::receipt::Receipt;
use crate::domain::tip::TipInput;
use crate::domain::tip_status::TipSource;
use crate::services::{intake, lookup, rating};
use crate::state::AppState;

/// The request's `Idempotency-Key`, if it sent one, over these bytes.
pub fn idempotency(
    state: &AppState,
    req: &HttpRequest,
    request: &[u8],
) -> Result<Option<crate::services::idempotency::Once>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().unwrap_or("\u{0}");
    Ok(Some(crate::services::idempotency::Once::new(
        &state.secrets,
        key,
        request,
    )?))
}

pub async fn create_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !super::uploads::intake_allowed(&state, &req).await {
        return Err(ApiError::rate_limited());
    }
    if !matches!(req.mime_type(), Ok(Some(m)) if m.essence_str() == "application/json" || m.suffix().is_some_and(|s| s == "json"))
    {
        return Err(ApiError::unsupported_media_type());
    }
    let bytes = body::read_limited(&req, payload, body::BODY_LIMIT).await?;
    let once = idempotency(&state, &req, &bytes)?;
    let (fields, tokens) = super::uploads::take_tokens(&bytes)?;
    let input: TipInput = body::parse_json(&fields)?;
    let draft = intake::check(&state, input)?;
    let evidence = intake::Evidence {
        stored: Vec::new(),
        tokens,
    };
    let answer = intake::submit_with(&state, draft, TipSource::Api, evidence, once).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupRequest {
    receipt: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageRequest {
    receipt: String,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingRequest {
    receipt: String,
    rating: String,
    comment: Option<String>,
}

/// `POST /api/v1/tips/rating`: the reporter rates a closed case's outcome
/// once (回访、评价). 409 before closure and on a second rating.
pub async fn rate_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &req).await?;
    let body: RatingRequest = body::json(&req, payload).await?;
    let receipt = parse_receipt(&body.receipt)?;
    let checked = rating::check(&rating::RatingBody {
        rating: body.rating,
        comment: body.comment,
    })
    .map_err(ApiError::invalid)?;
    let view = rating::rate_by_receipt(&state, receipt, checked).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

async fn limit(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    if state
        .lookup_limiter
        .allow(&state.edge.client_address(req))
        .await
    {
        Ok(())
    } else {
        Err(ApiError::rate_limited())
    }
}

fn parse_receipt(text: &str) -> Result<Receipt, ApiError> {
    Receipt::parse(text).map_err(|e| {
        let mut f = FieldErrors::default();
        f.add("receipt", e.zh(), &e.to_string());
        ApiError::invalid(f)
    })
}

pub async fn lookup_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &req).await?;
    let body: LookupRequest = body::json(&req, payload).await?;
    let receipt = parse_receipt(&body.receipt)?;
    let progress = lookup::progress(&state, receipt).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(progress))
}

pub async fn add_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &req).await?;
    let body: MessageRequest = body::json(&req, payload).await?;
    let receipt = parse_receipt(&body.receipt)?;
    let text = lookup::check_message(&body.body).map_err(ApiError::invalid)?;
    lookup::add_message(&state, receipt, text).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({"status": "received"})))
}
