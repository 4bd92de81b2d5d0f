//! HTTP handlers, thin: parse → call a service → render.

pub mod api;
pub mod assets;
pub mod body;
pub mod errors;
pub mod limiter;
pub mod observe;
pub mod ops;
pub mod pages;
pub mod pow;
pub mod public;
pub mod staff_api;
pub mod staff_files;
pub mod uploads;

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
        .route(
            "/api/v1/tips/attachments",
            web::post().to(uploads::add_to_tip),
        )
        .route("/api/v1/uploads", web::post().to(uploads::upload))
        .route("/api/v1/attachments/{id}", web::get().to(staff_files::open))
        .route(
            "/api/v1/attachments/{id}/thumbnail",
            web::get().to(staff_files::thumbnail),
        )
        .route(
            "/api/v1/cases/{id}/hold",
            web::post().to(staff_files::hold_case),
        )
        .route(
            "/api/v1/tips/{id}/hold",
            web::post().to(staff_files::hold_tip),
        )
        .route(
            "/staff/cases/{id}/attachments",
            web::get().to(staff_files::case_page),
        )
        .route("/api/v1/session", web::post().to(staff_api::login))
        .route("/api/v1/session", web::delete().to(staff_api::logout))
        .route("/api/v1/cases", web::get().to(staff_api::list_cases))
        .route("/api/v1/cases/{id}", web::get().to(staff_api::get_case))
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
