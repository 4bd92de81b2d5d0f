//! HTTP handlers, thin: parse → call a service → render.

pub mod api;
pub mod assets;
pub mod body;
pub mod errors;
pub mod limiter;
pub mod observe;
pub mod ops;
pub mod pages;
pub mod public;
pub mod staff_actions;
pub mod staff_api;
pub mod staff_pages;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// Every route of the service.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::form))
        .route("/tips", web::post().to(public::submit))
        .route("/status", web::get().to(public::status_page))
        .route("/status", web::post().to(public::status_lookup))
        .route("/status/messages", web::post().to(public::status_message))
        .route("/static/{path:.*}", web::get().to(assets::file))
        .route("/api/v1/tips", web::post().to(api::create_tip))
        .route("/api/v1/tips/lookup", web::post().to(api::lookup_tip))
        .route("/api/v1/tips/messages", web::post().to(api::add_message))
        .route("/api/v1/session", web::post().to(staff_api::login))
        .route("/api/v1/session", web::delete().to(staff_api::logout))
        .route("/api/v1/cases", web::get().to(staff_api::list_cases))
        .route("/api/v1/cases/{id}", web::get().to(staff_api::get_case))
        .route(
            "/api/v1/cases/{id}/tips/{tip}/contact",
            web::post().to(staff_actions::read_contact),
        )
        .route(
            "/api/v1/cases/{id}/{action}",
            web::post().to(staff_actions::case_action),
        )
        .route("/api/v1/audit", web::get().to(staff_actions::audit_log))
        .configure(staff_pages::routes)
        .route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics));
}

/// Unknown routes: JSON under /api, a page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        actix_web::ResponseError::error_response(&errors::ApiError::not_found())
    } else {
        public::error_page(StatusCode::NOT_FOUND)
    }
}
