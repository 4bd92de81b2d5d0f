//! 联合惩戒 for staff: `GET /api/v1/punishments`, the credit-platform export,
//! and `POST /api/v1/punishments/{id}/{apply|reject|repair}`.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::body;
use super::errors::ApiError;
use crate::auth::Staff;
use crate::db::punishments as pdb;
use crate::services::ServiceError;
use crate::services::punishment::{self, ApplyBody, PunishmentError, RejectBody, RepairBody};
use crate::services::workflow;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/punishments", web::get().to(list))
        .route("/api/v1/punishments/export", web::get().to(export))
        .route("/api/v1/punishments/{id}/{action}", web::post().to(act));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    format: Option<String>,
}

/// Every record, for all staff (the dispatcher's queue shows the proposals).
pub async fn list(
    state: web::Data<AppState>,
    _staff: Staff,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = q.status.clone();
    let rows = state
        .db
        .read(move |conn| -> Result<_, ServiceError> { Ok(pdb::all(conn, status.as_deref())?) })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({"count": rows.len(), "punishments": rows})))
}

/// The export for the national credit-sharing platform (JSON or CSV, the
/// same fields; docs/outcomes.md).
pub async fn export(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::role::Role;
    if !matches!(staff.role, Role::Admin | Role::Dispatcher) {
        return Err(ApiError::forbidden());
    }
    let rows = state
        .db
        .read(move |conn| -> Result<_, ServiceError> { Ok(pdb::all(conn, None)?) })
        .await?;
    let records = punishment::export(&state.pack, &rows);
    Ok(match q.format.as_deref() {
        Some("csv") => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(punishment::export_csv(&records)),
        _ => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(serde_json::json!({"fields": punishment::EXPORT_FIELDS, "records": records})),
    })
}

fn error(e: PunishmentError) -> HttpResponse {
    use actix_web::ResponseError;
    match e {
        PunishmentError::NotFound => ApiError::not_found().error_response(),
        PunishmentError::Forbidden => ApiError::forbidden().error_response(),
        PunishmentError::Conflict(status) => HttpResponse::build(StatusCode::CONFLICT).json(
            serde_json::json!({"error": "illegal_transition", "status": status,
                "message": "该惩戒记录当前状态不允许此操作",
                "message_en": "Not allowed in the record's current status"}),
        ),
        PunishmentError::Invalid(f) => ApiError::invalid(f).error_response(),
        PunishmentError::Db(e) => ApiError::from(e).error_response(),
    }
}

pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    staff.check_csrf(&req)?;
    let (id, action) = path.into_inner();
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let bytes = body::read_limited(&req, payload, body::BODY_LIMIT).await?;
    let (role, actor, now, pack) = (
        staff.role,
        staff.actor(),
        workflow::now(),
        state.pack.clone(),
    );
    let r = match action.as_str() {
        "apply" => {
            let b: ApplyBody = body::parse_json(&bytes)?;
            state
                .db
                .write(move |c| punishment::apply(c, &pack, role, &actor, id, &b, now))
                .await
        }
        "reject" => {
            let b: RejectBody = body::parse_json(&bytes)?;
            state
                .db
                .write(move |c| punishment::reject(c, role, &actor, id, &b, now))
                .await
        }
        "repair" => {
            let b: RepairBody = body::parse_json(&bytes)?;
            state
                .db
                .write(move |c| punishment::repair(c, role, &actor, id, &b, now))
                .await
        }
        _ => return Err(ApiError::not_found()),
    };
    Ok(match r {
        Ok(row) => HttpResponse::Ok().json(row),
        Err(e) => error(e),
    })
}
