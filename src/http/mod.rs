//! HTTP handlers, thin: parse → call a service → render.

pub mod admin_api;
pub mod admin_pages;
pub mod api;
pub mod assets;
pub mod body;
pub mod charts;
pub mod client;
pub mod errors;

pub mod observe;
pub mod open311;
pub mod open_data;
pub mod openapi;
pub mod ops;
pub mod pace;
pub mod pages;
pub mod pow;
pub mod public;
pub mod punishments;
pub mod relay;
pub mod relay_admin;
pub mod staff_actions;
pub mod staff_api;
pub mod staff_files;
pub mod staff_forms;
pub mod staff_outcomes;
pub mod staff_pages;
pub mod staff_session;
pub mod timeline;
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
        .route("/api/v1/tips/rating", web::post().to(api::rate_tip))
        .route("/status/rating", web::post().to(public::status_rating))
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
        .route(
            "/api/v1/enterprises/import",
            web::post().to(admin_api::import_enterprises),
        )
        .route(
            "/api/v1/cases/{id}/tips/{tip}/contact",
            web::post().to(staff_actions::read_contact),
        )
        .route(
            "/api/v1/cases/{id}/{action}",
            web::post().to(staff_actions::case_action),
        )
        .route("/api/v1/audit", web::get().to(staff_actions::audit_log))
        .configure(open_data::routes)
        .configure(punishments::routes)
        .configure(staff_pages::routes)
        .configure(admin_pages::routes)
        .configure(staff_outcomes::routes)
        .configure(relay_routes)
        .route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics));
}

/// The relay API, its admin, Open311 and the OpenAPI document (issue 5).
fn relay_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi::openapi_json))
        .route("/api/v1/relay/tips", web::post().to(relay::create_tip))
        .route(
            "/api/v1/relay/tips:batch",
            web::post().to(relay::create_batch),
        )
        .route(
            "/api/v1/relay/tips/{ticket_id}",
            web::get().to(relay::get_tip),
        )
        .route(
            "/api/v1/relay/tips/{ticket_id}/rating",
            web::post().to(relay::rate_tip),
        )
        .route("/api/v1/admin/outbox", web::get().to(relay_admin::list))
        .route(
            "/api/v1/admin/outbox/{id}/attempts",
            web::get().to(relay_admin::attempts),
        )
        .route(
            "/api/v1/admin/outbox/{id}/retry",
            web::post().to(relay_admin::retry),
        )
        .route(
            "/api/v1/tips/{id}/contact",
            web::post().to(relay_admin::contact),
        )
        .route("/staff/relays/outbox", web::get().to(relay_admin::page))
        .route(
            "/staff/relays/outbox/{id}/retry",
            web::post().to(relay_admin::page_retry),
        )
        .route(
            "/open311/v2/services.json",
            web::get().to(open311::services),
        )
        .route("/open311/v2/requests.json", web::get().to(open311::list))
        .route("/open311/v2/requests.json", web::post().to(open311::create))
        .route(
            "/open311/v2/requests/{id}.json",
            web::get().to(open311::get),
        );
}

/// Unknown routes: JSON under /api, a page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        actix_web::ResponseError::error_response(&errors::ApiError::not_found())
    } else {
        public::error_page(StatusCode::NOT_FOUND)
    }
}
