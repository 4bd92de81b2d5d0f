//! Open311 GeoReport v2 (JSON only), so existing civic-tech clients can
//! relay tips: the pack's dimensions are the services, `api_key` is a relay
//! key, and a request is a ticket of that relay (channel `open311`), numbered
//! by us. Errors follow GeoReport: `[{"code", "description"}]`.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;

use super::body::{self, field};
use super::errors::ApiError;
use crate::domain::tip::TipInput;
use crate::domain::tip_status::TipStatus;
use crate::services::relay::{self, Channel, Outcome, RelayAuth};
use crate::services::relay::{TicketStatus, TipUpdate};
use crate::services::{ServiceError, intake};
use crate::state::AppState;

/// Requests listed at most per call.
const LIST_MAX: i64 = 200;

#[derive(Serialize)]
struct GeoError {
    code: u16,
    description: String,
}

fn geo_error(status: StatusCode, description: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json([GeoError {
            code: status.as_u16(),
            description: description.into(),
        }])
}

/// An `ApiError` in GeoReport's shape.
fn from_api(e: ApiError) -> HttpResponse {
    let mut text = format!("{} ({})", e.message, e.message_en);
    for (k, reasons) in &e.fields.0 {
        text.push_str(&format!("; {k}: {}", reasons.join(", ")));
    }
    let status = match e.status {
        StatusCode::UNAUTHORIZED => StatusCode::FORBIDDEN,
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        s => s,
    };
    geo_error(status, text)
}

#[derive(Serialize)]
struct Service {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

/// `GET /open311/v2/services.json`: the pack's dimensions.
pub async fn services(state: web::Data<AppState>) -> HttpResponse {
    let list: Vec<Service> = state
        .pack
        .dimensions
        .iter()
        .map(|d| Service {
            service_code: d.key.clone(),
            service_name: d.name.clone(),
            description: format!("{} · {}", d.name, d.name_en),
            metadata: false,
            kind: "realtime",
            keywords: d.name_en.clone(),
            group: "落后产能 obsolete capacity".into(),
        })
        .collect();
    HttpResponse::Ok().json(list)
}

async fn relay_of(state: &AppState, key: Option<&str>) -> Result<RelayAuth, HttpResponse> {
    super::relay::authenticate_key(state, key)
        .await
        .map_err(from_api)
}

/// A ticket number for an Open311 request: random, so it says nothing.
fn new_request_id() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the OS random generator failed");
    format!("o311-{}", hex::encode(b))
}

#[derive(Serialize)]
struct Created {
    service_request_id: String,
    service_notice: String,
    account_id: Option<String>,
}

/// `POST /open311/v2/requests.json` (form fields, `api_key` a relay key).
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let pairs = match body::form(&req, payload).await {
        Ok(p) => p,
        Err(e) => return from_api(e),
    };
    let relay = match relay_of(&state, field(&pairs, "api_key").as_deref()).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let Some(service_code) = field(&pairs, "service_code").filter(|s| !s.trim().is_empty()) else {
        return geo_error(
            StatusCode::BAD_REQUEST,
            "缺少 service_code (service_code is required)",
        );
    };
    let address = field(&pairs, "address_string")
        .filter(|s| !s.trim().is_empty())
        .or_else(|| match (field(&pairs, "lat"), field(&pairs, "long")) {
            (Some(lat), Some(long)) if !lat.is_empty() && !long.is_empty() => {
                Some(format!("坐标 {lat},{long}"))
            }
            _ => None,
        });
    let contact: Vec<String> = ["first_name", "last_name", "phone", "email"]
        .iter()
        .filter_map(|k| field(&pairs, k))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    let input = TipInput {
        description: field(&pairs, "description").unwrap_or_default(),
        address,
        dimensions: Some(vec![service_code]),
        contact: (!contact.is_empty()).then(|| contact.join(" ")),
        ..TipInput::default()
    };
    let draft = match intake::check(&state, input) {
        Ok(d) => d,
        Err(e) => return from_api(e.into()),
    };
    let ticket = relay::ticket_from_draft(
        &state,
        new_request_id(),
        Channel::Open311,
        crate::clock::now(),
        draft,
    );
    match relay::submit(&state, &relay, ticket).await {
        Ok(Outcome::Created(a) | Outcome::Replayed(a)) => HttpResponse::Created()
            .insert_header(("Cache-Control", "no-store"))
            .json([Created {
                service_request_id: a.ticket_id,
                service_notice: format!(
                    "已受理，举报回执码 {}，请告知来电人妥善保存 (received; receipt {})",
                    a.receipt, a.receipt
                ),
                account_id: None,
            }]),
        // Our numbers are random: a clash is practically impossible.
        Ok(Outcome::Conflict(_)) => geo_error(StatusCode::CONFLICT, "请重试 (retry)"),
        Err(e) => from_api(e.into()),
    }
}

/// One request as GeoReport lists it.
#[derive(Serialize)]
struct Request {
    service_request_id: String,
    status: &'static str,
    status_notes: Option<String>,
    service_name: Option<String>,
    service_code: Option<String>,
    description: String,
    agency_responsible: Option<String>,
    service_notice: Option<String>,
    requested_datetime: String,
    updated_datetime: String,
    expected_datetime: Option<String>,
    address: Option<String>,
    address_id: Option<String>,
    zipcode: Option<String>,
    lat: Option<f64>,
    long: Option<f64>,
    media_url: Option<String>,
}

fn iso(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn to_request(state: &AppState, row: TicketStatus, updates: Vec<TipUpdate>) -> Request {
    let code = row
        .dimensions
        .split(',')
        .find(|k| !k.is_empty())
        .map(str::to_string);
    let name = code
        .as_deref()
        .and_then(|c| state.pack.dimension(c))
        .map(|d| d.name.clone());
    let description = row.description.clone();
    let address = row.address.clone();
    let view = relay::view(state, row, updates);
    Request {
        service_request_id: view.ticket_id,
        status: if view.status == TipStatus::Closed {
            "closed"
        } else {
            "open"
        },
        status_notes: view
            .result
            .or_else(|| Some(format!("{} ({})", view.status_label, view.status_label_en))),
        service_name: name,
        service_code: code,
        description,
        agency_responsible: view.agency_responsible,
        service_notice: None,
        requested_datetime: iso(view.accepted_at),
        updated_datetime: iso(view.updated_at),
        expected_datetime: None,
        address,
        address_id: None,
        zipcode: None,
        lat: None,
        long: None,
        media_url: None,
    }
}

fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

fn api_key(req: &HttpRequest, pairs: &[(String, String)]) -> Option<String> {
    field(pairs, "api_key").or_else(|| {
        req.headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::auth::relay_key::from_bearer)
            .map(str::to_string)
    })
}

/// `GET /open311/v2/requests.json`: the relay's own requests, newest first.
/// Filters: `service_request_id` (comma-separated), `service_code`, `status`.
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let pairs = query_pairs(&req);
    let relay = match relay_of(&state, api_key(&req, &pairs).as_deref()).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let ids: Option<Vec<String>> = field(&pairs, "service_request_id")
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect());
    let code = field(&pairs, "service_code").filter(|s| !s.is_empty());
    let status = field(&pairs, "status").filter(|s| !s.is_empty());
    if status
        .as_deref()
        .is_some_and(|s| s != "open" && s != "closed")
    {
        return geo_error(
            StatusCode::BAD_REQUEST,
            "status 须为 open 或 closed (status must be open or closed)",
        );
    }
    let relay_id = relay.id;
    let rows = crate::services::relay::tickets_with_updates(&state, relay_id, ids, LIST_MAX).await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return from_api(e.into()),
    };
    let list: Vec<Request> = rows
        .into_iter()
        .map(|(row, updates)| to_request(&state, row, updates))
        .filter(|r| code.is_none() || r.service_code == code)
        .filter(|r| status.as_deref().is_none_or(|s| s == r.status))
        .collect();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(list)
}

/// `GET /open311/v2/requests/{id}.json`: one of the relay's requests, as a
/// one-element list (GeoReport's shape).
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let pairs = query_pairs(&req);
    let relay = match relay_of(&state, api_key(&req, &pairs).as_deref()).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let id = id.into_inner();
    let relay_id = relay.id;
    let found = crate::services::relay::ticket_with_updates(&state, relay_id, id).await;
    match found {
        Ok((row, updates)) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json([to_request(&state, row, updates)]),
        Err(ServiceError::NotFound) => {
            geo_error(StatusCode::NOT_FOUND, "未找到该请求 (no such request)")
        }
        Err(e) => from_api(e.into()),
    }
}
