//! 公开名单：`/lists/{kind}` (Chinese pages) and
//! `GET /api/v1/public/lists/{yellow|red|exit}` (JSON, or `?format=csv`).
//! No login; entries carry no reporter data (see `services::lists`).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::errors::ApiError;
use super::public::html;
use crate::domain::lists::{ListKind, csv_document};
use crate::services::ServiceError;
use crate::services::lists::{self, CSV_HEADER, ListEntry, ListFilter};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/public/lists/{kind}", web::get().to(api))
        .route("/lists/{kind}", web::get().to(page));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    district: Option<String>,
    industry: Option<String>,
    year: Option<i32>,
    format: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> ListFilter {
        let keep = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        ListFilter {
            district: keep(&self.district),
            industry: keep(&self.industry),
            year: self.year,
        }
    }
}

async fn load(state: &AppState, kind: ListKind, f: ListFilter) -> Result<Vec<ListEntry>, ApiError> {
    let pack = state.pack.clone();
    Ok(state
        .db
        .read(move |conn| -> Result<_, ServiceError> { Ok(lists::list(conn, &pack, kind, &f)?) })
        .await?)
}

pub async fn api(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = ListKind::parse(&path).ok_or_else(ApiError::not_found)?;
    let entries = load(&state, kind, query.filter()).await?;
    match query.format.as_deref() {
        Some("csv") => {
            let rows: Vec<Vec<String>> = entries.iter().map(ListEntry::csv_row).collect();
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    "Content-Disposition",
                    format!("attachment; filename=\"{}-list.csv\"", kind.as_str()),
                ))
                .body(csv_document(&CSV_HEADER, &rows)))
        }
        None | Some("json") => Ok(HttpResponse::Ok().json(serde_json::json!({
            "list": kind,
            "title": kind.label_zh(),
            "count": entries.len(),
            "entries": entries,
        }))),
        Some(_) => Err(ApiError::not_found()),
    }
}

#[derive(Template)]
#[template(path = "lists.html")]
struct ListPage {
    kind: &'static str,
    title: &'static str,
    entries: Vec<ListEntry>,
    district: String,
    industry: String,
    year: String,
}

pub async fn page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = ListKind::parse(&path).ok_or_else(ApiError::not_found)?;
    let entries = load(&state, kind, query.filter()).await?;
    Ok(html(
        StatusCode::OK,
        &ListPage {
            kind: kind.as_str(),
            title: kind.label_zh(),
            entries,
            district: query.district.clone().unwrap_or_default(),
            industry: query.industry.clone().unwrap_or_default(),
            year: query.year.map(|y| y.to_string()).unwrap_or_default(),
        },
    ))
}
