//! 联合惩戒 for staff: `GET /api/v1/punishments`, the credit-platform export,
//! and `POST /api/v1/punishments/{id}/{apply|reject|repair}`.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::body;
use super::errors::ApiError;
use super::staff_session::Staff;
use crate::domain::errors::FieldErrors;
use crate::services::punishment::{self, ApplyBody, PunishmentError, RejectBody, RepairBody};
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
    case_id: Option<i64>,
    credit_code: Option<String>,
    /// `YYYY-MM-DD` (China time): records changed on or after that day.
    changed_since: Option<String>,
    format: Option<String>,
}

impl ListQuery {
    /// The filter asked for, or every field that is wrong, in both languages.
    fn filter(&self) -> Result<punishment::PunishmentFilter, ApiError> {
        let mut errors = FieldErrors::default();
        let blank = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let status = blank(&self.status);
        if let Some(s) = &status
            && !punishment::STATUSES.contains(&s.as_str())
        {
            errors.add(
                "status",
                "状态应为 proposed、active、repaired、expired 或 rejected",
                "status must be proposed, active, repaired, expired or rejected",
            );
        }
        let credit_code = blank(&self.credit_code).map(|c| c.trim().to_uppercase());
        if credit_code
            .as_ref()
            .is_some_and(|c| c.chars().count() != 18)
        {
            errors.add(
                "credit_code",
                "统一社会信用代码应为18位",
                "a credit code has 18 characters",
            );
        }
        let changed_since = match blank(&self.changed_since) {
            None => None,
            Some(d) => match crate::domain::day::parse(&d) {
                // The day starts at 00:00 China time, 16:00 UTC the day before.
                Ok(day) => day
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t - chrono::Duration::hours(8)),
                Err(e) => {
                    errors.add("changed_since", e.zh(), e.en());
                    None
                }
            },
        };
        if !matches!(self.format.as_deref(), None | Some("json") | Some("csv")) {
            errors.add(
                "format",
                "格式应为 json 或 csv",
                "format must be json or csv",
            );
        }
        if !errors.is_empty() {
            return Err(ApiError::bad_request(errors));
        }
        Ok(punishment::PunishmentFilter {
            status,
            case_id: self.case_id,
            credit_code,
            changed_since,
        })
    }
}

/// The records, for all staff (the dispatcher's queue links to the
/// proposals): `status`, `case_id`, `credit_code`, `changed_since` narrow.
pub async fn list(
    state: web::Data<AppState>,
    _staff: Staff,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let f = q.filter()?;
    let rows = punishment::records(&state.db, f).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({"count": rows.len(), "punishments": rows})))
}

/// The export for the national credit-sharing platform (JSON or CSV, the
/// same fields; docs/outcomes.md): applied records only, narrowed like the
/// list (`changed_since` for an incremental export).
pub async fn export(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::role::Role;
    if !matches!(staff.role, Role::Admin | Role::Dispatcher) {
        return Err(ApiError::forbidden());
    }
    let f = q.filter()?;
    let rows = punishment::records(&state.db, f).await?;
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
        PunishmentError::Db(e) => {
            ApiError::from(crate::services::ServiceError::from(e)).error_response()
        }
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
        crate::clock::now(),
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
                .write(move |c| punishment::repair(c, &pack, role, &actor, id, &b, now))
                .await
        }
        _ => return Err(ApiError::not_found()),
    };
    Ok(match r {
        Ok(row) => HttpResponse::Ok().json(row),
        Err(e) => error(e),
    })
}
