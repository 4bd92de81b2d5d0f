//! The OpenAPI 3 document of the public and relay routes, served at
//! `/api/v1/openapi.json`. Relay handlers carry their own `#[utoipa::path]`;
//! the public JSON routes (in `api.rs`, which predates this document) are
//! described here by doc-only functions with mirror schemas. The document
//! is kept true by `tests/openapi.rs` and by schemathesis
//! (`tests/api/schemathesis.sh`).
#![allow(dead_code)]

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::domain::tip_status::TipStatus;
use crate::services::relay::{Channel, TicketAnswer, TicketInput, TicketUpdate, TicketView};

/// The JSON error of every API route.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code, e.g. `invalid`, `ticket_conflict`, `relay_unauthorized`.
    pub error: String,
    /// 中文说明
    pub message: String,
    pub message_en: String,
    /// Per field, its reasons (each "中文 (English)").
    pub fields: Option<BTreeMap<String, Vec<String>>>,
}

/// A tip, as `POST /api/v1/tips` takes it. Unknown keys are refused.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TipRequest {
    #[schema(min_length = 10, max_length = 5000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub enterprise_name: Option<String>,
    #[schema(max_length = 40)]
    pub enterprise_credit_code: Option<String>,
    #[schema(max_length = 300)]
    pub address: Option<String>,
    #[schema(max_length = 100)]
    pub district: Option<String>,
    #[schema(max_length = 100)]
    pub industry: Option<String>,
    #[schema(max_items = 8)]
    pub dimensions: Option<Vec<String>>,
    /// YYYY-MM-DD
    pub occurred_on: Option<String>,
    #[schema(max_length = 200)]
    pub contact: Option<String>,
    /// Upload tokens from `POST /api/v1/uploads` (at most 5).
    #[schema(max_items = 5)]
    pub attachments: Option<Vec<String>>,
}

#[derive(ToSchema)]
pub struct TipCreated {
    /// 20 digits in groups of five: keep it to read the progress.
    pub receipt: String,
    pub status: TipStatus,
    /// UTC, without offset.
    pub received_at: String,
    /// The bureau the routing proposes (名称; the dispatcher confirms it).
    pub handled_by: Option<String>,
    /// The day a first answer is due (dispatch and verification limits of
    /// the pack, in working days).
    pub answer_due_on: Option<String>,
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// 20 digits, dashes and spaces ignored.
    #[schema(example = "12345-67890-12345-67890")]
    pub receipt: String,
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    #[schema(example = "12345-67890-12345-67890")]
    pub receipt: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

#[derive(ToSchema)]
pub struct MessageAccepted {
    pub status: String,
}

#[derive(ToSchema)]
pub struct ProgressUpdate {
    pub status: TipStatus,
    pub status_label: String,
    pub note: Option<String>,
    pub at: String,
}

#[derive(ToSchema)]
pub struct ProgressMessage {
    /// `staff` or `reporter`.
    pub from: String,
    pub body: String,
    pub at: String,
}

#[derive(ToSchema)]
pub struct Progress {
    pub status: TipStatus,
    pub status_label: String,
    pub status_label_en: String,
    pub received_at: String,
    pub updated_at: String,
    pub updates: Vec<ProgressUpdate>,
    pub messages: Vec<ProgressMessage>,
    /// The report as submitted.
    pub description: String,
    pub enterprise_name: Option<String>,
    pub address: Option<String>,
    /// Files attached to the tip.
    pub files: i64,
    /// The handling bureau (承办单位): proposed until dispatched.
    pub handled_by: Option<String>,
    pub handler_confirmed: bool,
    /// The day the next answer is due (办理时限), while the case is open.
    pub expected_on: Option<String>,
    /// A question from staff waits for the reporter (待您回复).
    pub awaiting_reply: bool,
    pub rating: Option<crate::services::rating::RatingView>,
    /// Closed and not yet rated.
    pub can_rate: bool,
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    #[schema(example = "12345-67890-12345-67890")]
    pub receipt: String,
    /// `satisfied` (满意), `basic` (基本满意) or `dissatisfied` (不满意).
    #[schema(example = "satisfied")]
    pub rating: String,
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// Submit a tip anonymously.
#[utoipa::path(post, path = "/api/v1/tips", tag = "public", request_body = TipRequest,
    responses(
        (status = 201, description = "committed; the receipt is shown once", body = TipCreated),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody),
        (status = 415, description = "not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
        (status = 429, description = "too many tips from this client (TIPLINE_INTAKE_LIMIT)", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    ))]
fn create_tip() {}

/// A tip's progress, by its receipt.
#[utoipa::path(post, path = "/api/v1/tips/lookup", tag = "public", request_body = LookupRequest,
    responses(
        (status = 200, description = "the tip's progress", body = Progress),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 404, description = "unknown receipt", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody),
        (status = 415, description = "not application/json", body = ErrorBody),
        (status = 422, description = "not a receipt", body = ErrorBody),
        (status = 429, description = "too many lookups", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    ))]
fn lookup_tip() {}

/// The reporter adds information or answers a question.
#[utoipa::path(post, path = "/api/v1/tips/messages", tag = "public", request_body = MessageRequest,
    responses(
        (status = 201, description = "message stored", body = MessageAccepted),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 404, description = "unknown receipt", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody),
        (status = 415, description = "not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
        (status = 429, description = "too many requests", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    ))]
fn add_message() {}

/// 回访、评价: the reporter rates a closed case's outcome, once.
#[utoipa::path(post, path = "/api/v1/tips/rating", tag = "public", request_body = RatingRequest,
    responses(
        (status = 200, description = "the rating", body = crate::services::rating::RatingView),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 404, description = "unknown receipt", body = ErrorBody),
        (status = 409, description = "not closed yet (not_closed) or rated already (already_rated)", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody),
        (status = 415, description = "not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
        (status = 429, description = "too many requests", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    ))]
fn rate_tip() {}

struct RelayKey;

impl Modify for RelayKey {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "relay_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The relay key printed once by `tipline relay add` (tlr_ + 64 hex digits)",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tipline",
        description = "举报落后产能 · tips about obsolete and illegal industrial capacity: \
                       the public tip API, the published lists (docs/outcomes.md) and the \
                       relay API for the 12345 hotline and upper-level platforms \
                       (docs/relay.md). Times are UTC without an offset unless a field \
                       says otherwise."
    ),
    paths(
        create_tip,
        lookup_tip,
        add_message,
        rate_tip,
        super::relay::create_tip,
        super::relay::create_batch,
        super::relay::get_tip,
        super::relay::rate_tip,
        super::open_data::api,
    ),
    components(schemas(
        ErrorBody, TipRequest, TipCreated, LookupRequest, MessageRequest, MessageAccepted,
        Progress, ProgressUpdate, ProgressMessage, TipStatus, Channel, TicketInput,
        RatingRequest, crate::services::rating::RatingBody, crate::services::rating::RatingView,
        crate::domain::rating::Rating,
        TicketAnswer, TicketView, TicketUpdate,
        super::relay::BatchRequest, super::relay::BatchItem, super::relay::BatchReply,
        super::open_data::ListBody, crate::services::lists::ListEntry,
        crate::domain::lists::ListKind,
    )),
    modifiers(&RelayKey),
    tags(
        (name = "public", description = "anonymous reporters"),
        (name = "relay", description = "12345 hotline and upper-level platforms"),
        (name = "open data", description = "the published yellow, red and exit lists"),
    )
)]
pub struct ApiDoc;

/// Our instants are UTC without an offset (STACK.md), which JSON Schema's
/// `date-time` format does not allow: say what they are instead.
fn naive_times(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            if map.get("format").and_then(|f| f.as_str()) == Some("date-time") {
                map.insert("format".into(), "utc-naive-date-time".into());
            }
            map.values_mut().for_each(naive_times);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(naive_times),
        _ => {}
    }
}

/// The document as JSON.
pub fn document() -> serde_json::Value {
    let mut v = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    naive_times(&mut v);
    v
}

pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
