//! Admin-only JSON routes: the registry upload.
use std::io::{Seek, Write};

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::errors::ApiError;
use super::staff_session::Staff;
use crate::domain::role::Role;
use crate::services::registry;
use crate::state::AppState;

/// The largest registry file accepted over HTTP (a province is ~100 MB).
const UPLOAD_LIMIT: usize = 512 << 20;

fn require_admin(staff: &Staff) -> Result<(), ApiError> {
    // Other roles learn nothing about admin routes.
    if staff.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// `POST /api/v1/enterprises/import` with the CSV as the body (`text/csv`):
/// the same import as `tipline enterprises import`, answered with its report.
pub async fn import_enterprises(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    mut payload: web::Payload,
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
    // Spool to a temporary file: the import streams from it on a blocking thread.
    let mut file = tempfile::tempfile().map_err(|_| ApiError::internal())?;
    let mut size = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::malformed_form())?;
        size += chunk.len();
        if size > UPLOAD_LIMIT {
            return Err(ApiError::too_large());
        }
        file.write_all(&chunk).map_err(|_| ApiError::internal())?;
    }
    file.rewind().map_err(|_| ApiError::internal())?;
    let st = state.clone();
    let actor = staff.actor();
    let report = actix_web::rt::task::spawn_blocking(move || {
        let report = registry::import_csv(
            &st.db,
            &st.pack,
            std::io::BufReader::new(file),
            &actor,
            |_| {},
        );
        if report.is_ok() {
            // This process sees its own import at once; others within seconds.
            let _ = st.registry.refresh(&st.db);
        }
        report
    })
    .await
    .map_err(|_| ApiError::internal())?;
    match report {
        Ok(report) => Ok(HttpResponse::Ok().json(report)),
        Err(registry::ImportError::Header(h)) => {
            let mut f = crate::domain::errors::FieldErrors::default();
            f.add(
                "header",
                &format!("表头须包含 {h}"),
                &format!("the header must include {h}"),
            );
            Err(ApiError::invalid(f))
        }
        Err(registry::ImportError::Csv(_)) => Err(ApiError::malformed_form()),
        Err(registry::ImportError::Db(e)) => Err(crate::services::ServiceError::from(e).into()),
    }
}
