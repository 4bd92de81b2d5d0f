//! Health, readiness and metrics for operators.
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready when the database answers and every migration is applied.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let ready = actix_web::rt::task::spawn_blocking(move || db.is_ready()).await;
    match ready {
        Ok(Ok(true)) => HttpResponse::Ok().json(serde_json::json!({
            "status": "ready",
            // Which registry import this process matches against.
            "registry_version": state.registry.version(),
            "enterprises": state.registry.len(),
        })),
        Ok(Ok(false)) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "migrations pending"})),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "database unreachable"}))
        }
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// Prometheus text, for the scraper that holds `TIPLINE_METRICS_TOKEN` only:
/// request and tip counters move when a tip arrives, so a public page of
/// them would let anyone time a submission. Without a token configured the
/// route is not served at all.
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(expected) = state.metrics_token.as_deref() else {
        return crate::http::public::error_page(StatusCode::NOT_FOUND);
    };
    let sent = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::secrets::same_secret(sent.as_bytes(), expected.as_bytes()) {
        return HttpResponse::Unauthorized()
            .insert_header((WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
            .content_type("text/plain")
            .body("401: a bearer token is required");
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .insert_header(("Cache-Control", "no-store"))
        .body(state.metrics.render())
}
