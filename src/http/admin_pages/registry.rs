//! `/staff/admin/enterprises`: the registry's size and an upload form for
//! a registry CSV (multipart), answered with the import's summary. The
//! file is spooled and imported exactly as `POST /api/v1/enterprises/import`
//! does (admin_api.rs), through the service `tipline enterprises import`
//! uses.
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use super::{Refused, admin, blocking};
use crate::domain::errors::FieldErrors;
use crate::http::admin_api;
use crate::http::public::{error_page, html};
use crate::http::staff_session::Staff;
use crate::http::uploads::is_multipart;
use crate::services::registry::{self, ImportReport, RegistrySize};
use crate::state::AppState;

/// Refused lines listed on the page; the rest are counted.
const SHOWN_LINES: usize = 200;

pub struct Line {
    pub line: u64,
    pub zh: String,
    pub en: String,
}

pub struct Summary {
    pub imported: u64,
    pub updated: u64,
    pub rejected: usize,
    pub flagged: usize,
    pub rejected_lines: Vec<Line>,
    pub flagged_lines: Vec<Line>,
    /// Lines refused or flagged beyond those listed.
    pub more: usize,
}

fn summary(r: ImportReport) -> Summary {
    let lines = |v: &[registry::LineProblem]| -> Vec<Line> {
        v.iter()
            .take(SHOWN_LINES)
            .map(|p| Line {
                line: p.line,
                zh: p.reason_zh.clone(),
                en: p.reason.clone(),
            })
            .collect()
    };
    Summary {
        imported: r.imported,
        updated: r.updated,
        rejected: r.rejected.len(),
        flagged: r.warnings.len(),
        rejected_lines: lines(&r.rejected),
        flagged_lines: lines(&r.warnings),
        more: r.rejected.len().saturating_sub(SHOWN_LINES)
            + r.warnings.len().saturating_sub(SHOWN_LINES),
    }
}

#[derive(Template)]
#[template(path = "staff/admin/enterprises.html")]
struct RegistryPage {
    username: String,
    csrf: String,
    is_admin: bool,
    size: RegistrySize,
    limit_mb: usize,
    summary: Option<Summary>,
    form: Refused,
}

async fn show(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    summary: Option<Summary>,
    form: Refused,
) -> HttpResponse {
    let st = state.clone();
    let size = match blocking(move || registry::size(&st.db)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "registry size");
            return error_page(StatusCode::SERVICE_UNAVAILABLE);
        }
        Err(answer) => return answer,
    };
    html(
        status,
        &RegistryPage {
            username: staff.username.clone(),
            csrf: staff.csrf_token.clone(),
            is_admin: true,
            size,
            limit_mb: admin_api::UPLOAD_LIMIT >> 20,
            summary,
            form,
        },
    )
}

/// `GET /staff/admin/enterprises`
pub async fn page(state: web::Data<AppState>, staff: Option<Staff>) -> HttpResponse {
    match admin(staff) {
        Ok(staff) => show(&state, &staff, StatusCode::OK, None, Refused::default()).await,
        Err(answer) => answer,
    }
}

fn refused(field: &str, zh: &str, en: &str) -> Refused {
    let mut errors = FieldErrors::default();
    errors.add(field, zh, en);
    Refused {
        action: "upload".into(),
        errors,
        typed: Vec::new(),
    }
}

/// The parts a form of ours sends: the token and the file.
const MAX_PARTS: usize = 4;

/// `POST /staff/admin/enterprises` (multipart: `csrf`, then `file`): spool
/// the file within the JSON route's limit, check the token, import, show
/// the summary.
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    payload: web::Payload,
) -> HttpResponse {
    let staff = match admin(staff) {
        Ok(s) => s,
        Err(answer) => return answer,
    };
    if !is_multipart(&req) {
        return error_page(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let mut parts = Multipart::new(req.headers(), payload.into_inner());
    let (mut csrf_ok, mut file, mut count) = (false, None, 0usize);
    while let Some(part) = parts.next().await {
        let Ok(mut part) = part else {
            return error_page(StatusCode::BAD_REQUEST);
        };
        count += 1;
        if count > MAX_PARTS {
            return error_page(StatusCode::PAYLOAD_TOO_LARGE);
        }
        let name = part
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_string();
        match name.as_str() {
            "csrf" => {
                let mut value = Vec::new();
                while let Some(chunk) = part.next().await {
                    let Ok(chunk) = chunk else {
                        return error_page(StatusCode::BAD_REQUEST);
                    };
                    value.extend_from_slice(&chunk);
                    if value.len() > 256 {
                        return error_page(StatusCode::FORBIDDEN);
                    }
                }
                let sent = String::from_utf8(value).unwrap_or_default();
                if staff.check_csrf_value(&sent).is_err() {
                    return error_page(StatusCode::FORBIDDEN);
                }
                csrf_ok = true;
            }
            // The token comes first in our form: a file is spooled only
            // for a checked session.
            "file" if csrf_ok && file.is_none() => match admin_api::spool(&mut part).await {
                Ok(f) => file = Some(f),
                Err(e)
                    if actix_web::ResponseError::status_code(&e)
                        == StatusCode::PAYLOAD_TOO_LARGE =>
                {
                    let limit = admin_api::UPLOAD_LIMIT >> 20;
                    let why = refused(
                        "file",
                        &format!("文件超过 {limit} MB"),
                        &format!("the file is larger than {limit} MB"),
                    );
                    return show(&state, &staff, StatusCode::PAYLOAD_TOO_LARGE, None, why).await;
                }
                Err(_) => return error_page(StatusCode::BAD_REQUEST),
            },
            _ => {
                return error_page(if csrf_ok {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::FORBIDDEN
                });
            }
        }
    }
    if !csrf_ok {
        return error_page(StatusCode::FORBIDDEN);
    }
    let file = file.filter(|f| f.metadata().is_ok_and(|m| m.len() > 0));
    let Some(file) = file else {
        let why = refused("file", "请选择一个 CSV 文件", "choose a CSV file");
        return show(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, None, why).await;
    };
    match admin_api::run_import(&state, staff.actor(), file).await {
        Ok(report) => {
            show(
                &state,
                &staff,
                StatusCode::OK,
                Some(summary(report)),
                Refused::default(),
            )
            .await
        }
        Err(registry::ImportError::Header(h)) => {
            let errors = admin_api::header_errors(&h);
            let why = Refused {
                action: "upload".into(),
                errors,
                typed: Vec::new(),
            };
            show(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, None, why).await
        }
        Err(registry::ImportError::Csv(e)) => {
            let why = refused(
                "file",
                &format!("无法读取此 CSV：{e}"),
                &format!("the CSV cannot be read: {e}"),
            );
            show(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, None, why).await
        }
        Err(registry::ImportError::Db(e)) => {
            tracing::warn!(error = %e, "registry upload");
            error_page(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}
