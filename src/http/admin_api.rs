//! Admin-only JSON routes: the registry upload. The spooling and the import
//! here serve the administrator's upload page too (admin_pages/registry.rs).
use std::io::{Seek, Write};

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{Stream, StreamExt};

use super::errors::ApiError;
use super::staff_session::Staff;
use crate::domain::role::Role;
use crate::services::registry;
use crate::state::AppState;

/// The largest registry file accepted over HTTP (a province is ~100 MB).
pub const UPLOAD_LIMIT: usize = 512 << 20;

fn require_admin(staff: &Staff) -> Result<(), ApiError> {
    // Other roles learn nothing about admin routes.
    if staff.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// Spool a body (or one multipart field) to a temporary file as it
/// arrives, refusing it at the first byte over [`UPLOAD_LIMIT`]: the import
/// then streams from the file on a blocking thread.
pub async fn spool<E>(
    stream: impl Stream<Item = Result<bytes::Bytes, E>>,
) -> Result<std::fs::File, ApiError> {
    let mut stream = std::pin::pin!(stream);
    let mut file = tempfile::tempfile().map_err(|_| ApiError::internal())?;
    let mut size = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::malformed_form())?;
        size += chunk.len();
        if size > UPLOAD_LIMIT {
            return Err(ApiError::too_large());
        }
        file.write_all(&chunk).map_err(|_| ApiError::internal())?;
    }
    file.rewind().map_err(|_| ApiError::internal())?;
    Ok(file)
}

/// Import a spooled CSV under `actor` (the same service as `tipline
/// enterprises import`). This process's match index takes the import in at
/// once (others within seconds, from their watchers); since that refresh
/// leaves this process's watcher nothing new to see, the re-matching of
/// open cases without a firm (services/rematch.rs) is started here, in the
/// background, as the watcher would.
pub async fn run_import(
    state: &AppState,
    actor: String,
    file: std::fs::File,
) -> Result<registry::ImportReport, registry::ImportError> {
    let st = state.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let report = registry::import_csv(
            &st.db,
            &st.pack,
            std::io::BufReader::new(file),
            &actor,
            |_| {},
        );
        if report.is_ok() && st.registry.refresh(&st.db).is_ok_and(|n| n > 0) {
            let version = st.registry.version();
            std::thread::spawn(move || {
                let found = crate::services::rematch::after_refresh(
                    &st.db,
                    &st.router,
                    |q| st.registry.match_tip(q),
                    version,
                );
                if let Err(e) = found {
                    tracing::warn!(error = %e, "re-matching after an upload failed");
                }
            });
        }
        report
    })
    .await
    .map_err(|_| registry::ImportError::canceled())?
}

/// A refused header as reasons by field (`header`).
pub fn header_errors(h: &str) -> crate::domain::errors::FieldErrors {
    let mut f = crate::domain::errors::FieldErrors::default();
    f.add(
        "header",
        &format!("表头须包含 {h}"),
        &format!("the header must include {h}"),
    );
    f
}

async fn import_file(
    state: &AppState,
    actor: String,
    file: std::fs::File,
) -> Result<registry::ImportReport, ApiError> {
    match run_import(state, actor, file).await {
        Ok(report) => Ok(report),
        Err(registry::ImportError::Header(h)) => Err(ApiError::invalid(header_errors(&h))),
        Err(registry::ImportError::Csv(_)) => Err(ApiError::malformed_form()),
        Err(registry::ImportError::Db(e)) => Err(crate::services::ServiceError::from(e).into()),
    }
}

/// `POST /api/v1/enterprises/import` with the CSV as the body (`text/csv`):
/// the same import as `tipline enterprises import`, answered with its report.
pub async fn import_enterprises(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    require_admin(&staff)?;
    staff.check_csrf(&req)?;
    let csv_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    if !csv_type {
        return Err(ApiError::unsupported_media_type());
    }
    let file = spool(payload).await?;
    let report = import_file(&state, staff.actor(), file).await?;
    Ok(HttpResponse::Ok().json(report))
}
