//! The administrator's pages under `/staff/admin` (issue 17): accounts,
//! relays, the registry upload and the pack. Administrators only — every
//! other role gets 404, as the admin JSON routes do; every form carries the
//! session's CSRF token; every change goes through the same service
//! function as the CLI, which audits it under the administrator's name.
//! A refused form comes back with each reason by its field and what was
//! typed kept (passwords excepted).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::body;
use super::public::{error_page, html};
use super::staff_forms::see_other;
use super::staff_session::Staff;
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::jurisdiction::Pack;
use crate::state::AppState;

pub mod registry;
pub mod relays;
pub mod users;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/admin", web::get().to(index))
        .route("/staff/admin/users", web::get().to(users::list))
        .route("/staff/admin/users", web::post().to(users::add))
        .route("/staff/admin/totp-policy", web::post().to(users::policy))
        .route("/staff/admin/users/{name}", web::get().to(users::page))
        .route(
            "/staff/admin/users/{name}/{action}",
            web::post().to(users::act),
        )
        .route("/staff/admin/relays", web::get().to(relays::list))
        .route("/staff/admin/relays", web::post().to(relays::add))
        .route("/staff/admin/relays/{id}", web::get().to(relays::page))
        .route(
            "/staff/admin/relays/{id}/{action}",
            web::post().to(relays::act),
        )
        .route("/staff/admin/enterprises", web::get().to(registry::page))
        .route("/staff/admin/enterprises", web::post().to(registry::upload));
}

/// The signed-in administrator, or the answer to send instead: the login
/// page when signed out, 404 for every other role (they learn nothing of
/// these pages). The answer is sent at once, never carried further, so its
/// size does not matter.
#[allow(clippy::result_large_err)]
pub fn admin(staff: Option<Staff>) -> Result<Staff, HttpResponse> {
    match staff {
        None => Err(see_other("/staff/login")),
        Some(s) if s.role == Role::Admin => Ok(s),
        Some(_) => Err(error_page(StatusCode::NOT_FOUND)),
    }
}

/// An administrator's urlencoded form post, its CSRF token checked.
pub struct AdminForm {
    pub staff: Staff,
    pub pairs: Vec<(String, String)>,
}

impl AdminForm {
    /// The field's value trimmed, or "" when it is absent.
    pub fn text(&self, name: &str) -> String {
        body::field(&self.pairs, name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }

    /// The field's value when it is there and not blank.
    pub fn given(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|v| !v.is_empty())
    }

    /// What was typed, for the form shown again (never a password).
    pub fn typed(&self) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter(|(k, _)| k != "csrf" && !k.contains("password"))
            .cloned()
            .collect()
    }
}

pub async fn read_form(
    req: &HttpRequest,
    staff: Option<Staff>,
    payload: web::Payload,
) -> Result<AdminForm, HttpResponse> {
    let staff = admin(staff)?;
    let Ok(pairs) = body::form(req, payload).await else {
        return Err(error_page(StatusCode::BAD_REQUEST));
    };
    if staff
        .check_csrf_value(&body::field(&pairs, "csrf").unwrap_or_default())
        .is_err()
    {
        return Err(error_page(StatusCode::FORBIDDEN));
    }
    Ok(AdminForm { staff, pairs })
}

/// A refused form: which one, the reasons by field, what was typed.
#[derive(Default)]
pub struct Refused {
    pub action: String,
    pub errors: FieldErrors,
    pub typed: Vec<(String, String)>,
}

impl Refused {
    pub fn new(action: &str, errors: FieldErrors, form: &AdminForm) -> Refused {
        Refused {
            action: action.to_string(),
            errors,
            typed: form.typed(),
        }
    }

    /// What was typed into `field` of the refused `action` form.
    pub fn typed(&self, action: &str, field: &str) -> String {
        if self.action != action {
            return String::new();
        }
        body::field(&self.typed, field).unwrap_or_default()
    }

    /// The reasons `field` of the refused `action` form was refused.
    pub fn errs(&self, action: &str, field: &str) -> Vec<String> {
        if self.action != action {
            return Vec::new();
        }
        self.errors.get(field).to_vec()
    }

    /// Whether `action` is the refused form.
    pub fn is(&self, action: &str) -> bool {
        self.action == action
    }
}

/// The role as staff read it: (Chinese, English).
pub fn role_label(role: Option<Role>) -> (&'static str, &'static str) {
    match role {
        Some(Role::Admin) => ("管理员", "Administrator"),
        Some(Role::Dispatcher) => ("调度员", "Dispatcher"),
        Some(Role::Bureau) => ("部门", "Bureau"),
        Some(Role::District) => ("区", "District"),
        None => ("未知角色", "Unknown role"),
    }
}

pub const ROLES: [Role; 4] = [Role::Admin, Role::Dispatcher, Role::Bureau, Role::District];

/// A bureau's or district's name from the pack (the key itself only for a
/// key the pack no longer has).
pub fn bureau_name(pack: &Pack, key: &str) -> String {
    pack.bureau(key)
        .map(|b| b.name.clone())
        .unwrap_or_else(|| key.to_string())
}

pub fn district_name(pack: &Pack, key: &str) -> String {
    pack.district(key)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| key.to_string())
}

/// Service failures the pages cannot explain by a field: 404 or 503.
pub fn failed(e: &crate::services::ServiceError) -> HttpResponse {
    match e {
        crate::services::ServiceError::NotFound => error_page(StatusCode::NOT_FOUND),
        _ => {
            tracing::warn!(error = %e, "admin page");
            error_page(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

/// Run blocking service work (argon2, transactions) off the worker thread.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HttpResponse> {
    actix_web::rt::task::spawn_blocking(f)
        .await
        .map_err(|_| error_page(StatusCode::SERVICE_UNAVAILABLE))
}

#[derive(Template)]
#[template(path = "staff/admin/index.html")]
struct IndexPage {
    username: String,
    csrf: String,
    is_admin: bool,
    pack_name: String,
    pack_key: String,
    years: Vec<i32>,
    missing: Vec<i32>,
    users: usize,
    relays: usize,
    enterprises: i64,
}

/// `GET /staff/admin`: the sections and the pack.
async fn index(state: web::Data<AppState>, staff: Option<Staff>) -> HttpResponse {
    let staff = match admin(staff) {
        Ok(s) => s,
        Err(answer) => return answer,
    };
    let st = state.clone();
    let counts = blocking(move || -> Result<_, crate::services::ServiceError> {
        let users = crate::services::accounts::list(&st.db)?.len();
        let relays = crate::services::relay::accounts::list(&st.db)
            .map(|r| r.len())
            .unwrap_or(0);
        let size = crate::services::registry::size(&st.db)?;
        Ok((users, relays, size.enterprises))
    })
    .await;
    let (users, relays, enterprises) = match counts {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return failed(&e),
        Err(answer) => return answer,
    };
    let p = &state.pack;
    let today = crate::clock::local_day(crate::clock::now());
    let mut years: Vec<i32> = p.workdays.iter().map(|y| y.year).collect();
    years.sort_unstable();
    years.dedup();
    html(
        StatusCode::OK,
        &IndexPage {
            username: staff.username.clone(),
            csrf: staff.csrf_token.clone(),
            is_admin: true,
            pack_name: p.meta.name.clone(),
            pack_key: p.meta.key.clone(),
            years,
            missing: p.work_calendar().missing_years(today, 60),
            users,
            relays,
            enterprises,
        },
    )
}
