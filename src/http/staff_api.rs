//! The staff JSON API: session and cases.
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::body;
use super::errors::ApiError;
use super::staff_session as session;
use super::staff_session::Staff;
use crate::domain::errors::FieldErrors;
use crate::services::accounts::{self, LoginError};
use crate::services::cases;
use crate::services::cases::CaseFilter;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
    /// The 6-digit TOTP code, for accounts enrolled in the second factor.
    totp: Option<String>,
}

#[derive(Serialize)]
struct LoginReply {
    csrf_token: String,
    role: crate::domain::role::Role,
    username: String,
}

fn is_tls(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.edge.is_https(req))
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: LoginRequest = body::json(&req, payload).await?;
    let client = state.edge.client_address(&req);
    let db = state.db.clone();
    let secrets = state.secrets.clone();
    let result = actix_web::rt::task::spawn_blocking(move || {
        accounts::login(
            &db,
            &secrets,
            body.username.trim(),
            &body.password,
            body.totp.as_deref(),
            &client,
        )
    })
    .await
    .map_err(|_| ApiError::internal())?;
    match result {
        Ok(ok) => Ok(HttpResponse::Ok()
            .cookie(session::cookie(&ok.token, is_tls(&req)))
            .insert_header(("Cache-Control", "no-store"))
            .json(LoginReply {
                csrf_token: ok.csrf_token,
                role: ok.role,
                username: ok.username,
            })),
        Err(LoginError::BadCredentials(failures)) => {
            // Each failure makes the next answer slower.
            actix_web::rt::time::sleep(accounts::failure_delay(failures)).await;
            Err(ApiError::bad_credentials())
        }
        Err(LoginError::HeldBack(wait)) => Err(ApiError::held_back(wait)),
        Err(LoginError::TotpRequired) => Err(ApiError::totp_required()),
        Err(LoginError::TotpEnrolmentRequired) => Err(ApiError::totp_enrolment_required()),
        Err(LoginError::Db(e)) => Err(crate::services::ServiceError::from(e).into()),
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
) -> Result<HttpResponse, ApiError> {
    staff.check_csrf(&req)?;
    let db = state.db.clone();
    let actor = staff.actor();
    actix_web::rt::task::spawn_blocking(move || accounts::logout(&db, &staff.token_hash, &actor))
        .await
        .map_err(|_| ApiError::internal())??;
    Ok(HttpResponse::NoContent()
        .cookie(session::removal_cookie(is_tls(&req)))
        .finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    status: Option<String>,
    bureau: Option<String>,
    district: Option<String>,
    industry: Option<String>,
    q: Option<String>,
    overdue: Option<bool>,
    dimension: Option<String>,
    /// Opened on or after this date (YYYY-MM-DD, UTC).
    #[serde(default, deserialize_with = "crate::domain::day::optional")]
    from: Option<chrono::NaiveDate>,
    /// Opened before the day after this date.
    #[serde(default, deserialize_with = "crate::domain::day::optional")]
    to: Option<chrono::NaiveDate>,
    /// `new` (default) or `old`.
    sort: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub async fn list_cases(
    state: web::Data<AppState>,
    staff: Staff,
    query: Result<web::Query<CaseQuery>, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let query = query.map_err(|e| {
        let mut f = FieldErrors::default();
        f.add("query", "查询参数有误", &e.to_string());
        ApiError::invalid(f)
    })?;
    let mut errors = FieldErrors::default();
    let limit = query.limit.unwrap_or(cases::DEFAULT_LIMIT);
    if !(1..=cases::MAX_LIMIT).contains(&limit) {
        errors.add("limit", "每页条数须为1至500", "limit must be 1 to 500");
    }
    let before_id = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match c.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("cursor", "翻页标记无效", "the cursor is not valid");
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let q = query.into_inner();
    let oldest_first = q.sort.as_deref() == Some("old");
    let filter = CaseFilter {
        status: q.status,
        bureau: q.bureau,
        district: q.district,
        industry: q.industry,
        q: q.q,
        overdue: q.overdue,
        dimension: q.dimension,
        since: q.from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        until: q
            .to
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        oldest_first,
        after_id: before_id.filter(|_| oldest_first),
        before_id: before_id.filter(|_| !oldest_first),
        limit,
        ..CaseFilter::default()
    };
    let page = cases::list(&state, staff.scope(), filter).await?;
    Ok(HttpResponse::Ok().json(page))
}

pub async fn get_case(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let case = cases::detail(&state, staff.scope(), id).await?;
    Ok(HttpResponse::Ok().json(case))
}
