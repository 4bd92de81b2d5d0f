//! Health, readiness and metrics for operators.
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready when the database answers, every migration is applied and the
/// database takes a write (a read-only database, a full disk: 503). Also
/// says which registry import this process matches against. `/healthz`
/// stays a liveness check that touches nothing.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match crate::services::ops::readiness(&state.db).await {
        Ok(crate::services::ops::Readiness::Ready) => HttpResponse::Ok().json(serde_json::json!({
            "status": "ready",
            "registry_version": state.registry.version(),
            "enterprises": state.registry.len(),
        })),
        Ok(not_ready) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": not_ready.as_str()})),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "database unreachable"}))
        }
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
