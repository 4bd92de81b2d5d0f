//! Staff actions on a case: `POST /api/v1/cases/{id}/{action}`, supervision,
//! merge and split, reading a reporter's contact, and the audit log export.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::body;
use super::errors::ApiError;
use super::staff_session::Staff;
use crate::domain::case_state::Action;
use crate::domain::role::Role;
use crate::services::case_admin;
use crate::services::supervision::SuperviseBody;
use crate::services::workflow::{self, Command, Who, WorkflowError};
use crate::state::AppState;

/// The JSON answer for a workflow refusal: 404, 403, 409 with the allowed
/// actions, or 422 with the fields.
pub fn workflow_error(e: WorkflowError) -> HttpResponse {
    match e {
        WorkflowError::NotFound => actix_web::ResponseError::error_response(&ApiError::not_found()),
        WorkflowError::Forbidden => {
            HttpResponse::build(StatusCode::FORBIDDEN).json(serde_json::json!({
                "error": "forbidden",
                "message": "您的角色不能对本案执行此操作",
                "message_en": "Your role may not take this action on this case",
            }))
        }
        WorkflowError::Conflict { status, allowed } => HttpResponse::build(StatusCode::CONFLICT)
            .json(serde_json::json!({
                "error": "illegal_transition",
                "message": format!("案件当前状态为“{}”，不能执行此操作", status.label_zh()),
                "message_en": "This action is not allowed in the case's current status",
                "status": status,
                "allowed": allowed,
            })),
        WorkflowError::Invalid(fields) => {
            actix_web::ResponseError::error_response(&ApiError::invalid(fields))
        }
        WorkflowError::Db(e) => actix_web::ResponseError::error_response(&ApiError::from(
            crate::services::ServiceError::from(e),
        )),
    }
}

fn parse_command(action: Action, bytes: &[u8]) -> Result<Command, ApiError> {
    // An empty body is an empty object, for actions that need nothing.
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    use body::parse_json as p;
    Ok(match action {
        Action::Dispatch => Command::Dispatch(p(bytes)?),
        Action::Accept => Command::Accept(p(bytes)?),
        Action::Return => Command::Return(p(bytes)?),
        Action::Verify => Command::Verify(p(bytes)?),
        Action::Order => Command::Order(p(bytes)?),
        Action::Extend => Command::Extend(p(bytes)?),
        Action::Reinspect => Command::Reinspect(p(bytes)?),
        Action::AcceptExit => Command::AcceptExit(p(bytes)?),
        Action::Close => Command::Close(p(bytes)?),
        Action::Question => Command::Question(p(bytes)?),
        Action::Reopen => Command::Reopen(p(bytes)?),
        Action::RejectReturn => Command::RejectReturn(p(bytes)?),
        Action::Redispatch => Command::Redispatch(p(bytes)?),
    })
}

fn case_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Every `POST /api/v1/cases/{id}/{name}`.
pub async fn case_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    staff.check_csrf(&req)?;
    let (id, name) = path.into_inner();
    let id = case_id(&id)?;
    let bytes = body::read_limited(&req, payload, body::BODY_LIMIT).await?;
    let who = Who::from(&staff);
    let now = crate::clock::now();
    match name.as_str() {
        "supervise" => {
            let b: SuperviseBody = body::parse_json(&bytes)?;
            let r = crate::services::supervision::send_notice(&state, who, id, b.body, now).await;
            return Ok(match r {
                Ok(nid) => HttpResponse::Created().json(serde_json::json!({"notice_id": nid})),
                Err(e) => workflow_error(e),
            });
        }
        // The dispatcher keeps a case closed after a 不满意 and says why.
        "rating-review" => {
            let b: ReviewBody = body::parse_json(&bytes)?;
            let n = crate::services::rating::decline_review(&state, who, id, b.reason).await?;
            return Ok(HttpResponse::Ok().json(serde_json::json!({"reviewed": n})));
        }
        "merge" | "split" => {
            let r = if name == "merge" {
                let b: case_admin::MergeBody = body::parse_json(&bytes)?;
                case_admin::merge(&state, who, id, b.into, now).await
            } else {
                let b: case_admin::SplitBody = body::parse_json(&bytes)?;
                case_admin::split(&state, who, id, b.tip_id, now).await
            };
            return Ok(match r {
                Ok(v) => HttpResponse::Ok().json(v),
                Err(e) => workflow_error(e),
            });
        }
        _ => {}
    }
    let Some(action) = Action::parse(&name) else {
        return Err(ApiError::not_found());
    };
    if !content_is_json_or_empty(&req, &bytes) {
        return Err(ApiError::unsupported_media_type());
    }
    let cmd = parse_command(action, &bytes)?;
    Ok(match workflow::act(&state, who, id, cmd, now).await {
        Ok(out) => HttpResponse::Ok().json(out),
        Err(e) => workflow_error(e),
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    reason: String,
}

fn content_is_json_or_empty(req: &HttpRequest, bytes: &[u8]) -> bool {
    use actix_web::HttpMessage;
    bytes.is_empty()
        || req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.essence_str() == "application/json")
}

/// `POST /api/v1/cases/{id}/tips/{tip_id}/contact`: the reporter's contact,
/// for the roles allowed to see it; every read is audited.
pub async fn read_contact(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    staff.check_csrf(&req)?;
    let (id, tip) = path.into_inner();
    let (id, tip) = (case_id(&id)?, case_id(&tip)?);
    let who = Who::from(&staff);
    match case_admin::read_contact(&state, who, id, tip, crate::clock::now()).await {
        Ok(contact) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(serde_json::json!({"tip_id": tip, "contact": contact}))),
        Err(e) => Ok(workflow_error(e)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    case: Option<i64>,
    user: Option<String>,
    format: Option<String>,
}

/// `GET /api/v1/audit?case=ID|user=NAME[&format=csv]`: the audit log of one
/// case or one user, for administrators and the dispatcher's office.
pub async fn audit_log(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(staff.role, Role::Admin | Role::Dispatcher) {
        return Err(ApiError::not_found());
    }
    let q = query.into_inner();
    let entries = match (q.case, q.user.clone()) {
        (Some(id), _) => crate::services::audit::of_case(&state.db, id).await?,
        (None, Some(u)) => crate::services::audit::by_user(&state.db, u).await?,
        (None, None) => Vec::new(),
    };
    if q.format.as_deref() == Some("csv") {
        let mut out = String::from("id,at,actor,action,subject,detail\n");
        for e in &entries {
            let cells = [
                e.id.to_string(),
                e.at.to_string(),
                e.actor.clone(),
                e.action.clone(),
                e.subject.clone(),
                e.detail.clone(),
            ];
            let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", "attachment; filename=\"audit.csv\""))
            .body(out));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({"items": entries})))
}

/// A CSV cell, quoted; a leading formula character is neutralised so a
/// spreadsheet never runs text a reporter wrote.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}
