//! Health, readiness and metrics for operators.
use actix_web::{HttpResponse, web};

use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready when the database answers and every migration is applied.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let ready = actix_web::rt::task::spawn_blocking(move || db.is_ready()).await;
    match ready {
        Ok(Ok(true)) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
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

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
