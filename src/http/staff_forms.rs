//! What every staff form post shares: the checks before the action (a
//! signed-in account, a numeric record id, the decoded fields, a valid CSRF
//! token) and the wording of a refusal shown on the page.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::body;
use super::public::error_page;
use super::staff_session::Staff;
use crate::domain::errors::FieldErrors;

pub const FORBIDDEN: &str = "您的角色不能执行此操作 (your role may not do this)";

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_string()))
        .finish()
}

/// A checked staff form post on the record `id`.
pub struct StaffForm {
    pub staff: Staff,
    pub id: i64,
    pub pairs: Vec<(String, String)>,
}

impl StaffForm {
    /// The field's value, or "" when it is absent.
    pub fn text(&self, name: &str) -> String {
        body::field(&self.pairs, name).unwrap_or_default()
    }
}

/// Check a staff form post. The `Err` is the answer to send instead:
/// signed out → the login page; a bad id → 404; an unreadable body → 400;
/// a wrong CSRF token → 403.
pub async fn read(
    req: &HttpRequest,
    staff: Option<Staff>,
    id: &str,
    payload: web::Payload,
) -> Result<StaffForm, HttpResponse> {
    let Some(staff) = staff else {
        return Err(see_other("/staff/login"));
    };
    let Ok(id) = id.parse::<i64>() else {
        return Err(error_page(StatusCode::NOT_FOUND));
    };
    let Ok(pairs) = body::form(req, payload).await else {
        return Err(error_page(StatusCode::BAD_REQUEST));
    };
    if staff
        .check_csrf_value(&body::field(&pairs, "csrf").unwrap_or_default())
        .is_err()
    {
        return Err(error_page(StatusCode::FORBIDDEN));
    }
    Ok(StaffForm { staff, id, pairs })
}

/// Field errors as one line for the page: `field: 中文 (English) / …`.
pub fn field_errors(f: &FieldErrors) -> String {
    f.0.iter()
        .map(|(k, v)| format!("{k}: {}", v.join("；")))
        .collect::<Vec<_>>()
        .join(" / ")
}
