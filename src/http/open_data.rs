//! 公开名单：`/lists/{kind}` (Chinese pages) and
//! `GET /api/v1/public/lists/{yellow|red|exit}` (JSON, or `?format=csv`).
//! No login; entries carry no reporter data (see `services::lists`).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::errors::ApiError;
#[allow(unused_imports)] // named by the OpenAPI attribute
use super::openapi::ErrorBody;
use super::public::html;
use crate::domain::lists::{ListKind, csv_document};
use crate::services::ServiceError;
use crate::services::list_cache::Selection;
use crate::services::lists::{CSV_HEADER, ListEntry, ListFilter};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/public/lists/{kind}", web::get().to(api))
        .route("/lists/{kind}", web::get().to(page));
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// District: pack key, Chinese name or division code (unknown: no entries).
    district: Option<String>,
    /// Industry: pack key or Chinese name (unknown: no entries).
    industry: Option<String>,
    /// The year an entry dates from.
    year: Option<i32>,
    /// `json` (default) or `csv` (UTF-8 with a BOM, the whole filtered list).
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
    /// 1-based; with `per_page`, one page of the list (JSON and pages).
    #[param(minimum = 0)]
    page: Option<usize>,
    /// Entries per page, at most 1,000.
    #[param(minimum = 0)]
    per_page: Option<usize>,
}

/// Entries per page of the HTML list (a phone on a slow line), and the most
/// a JSON page may ask for.
const PAGE_SIZE: usize = 100;
const MAX_PER_PAGE: usize = 1000;

impl ListQuery {
    /// The page asked for: the whole list when neither is given (JSON).
    fn window(&self, default: Option<usize>) -> Option<(usize, usize)> {
        let per = self.per_page.or(default);
        let per = match (per, self.page) {
            (None, None) => return None,
            (None, Some(_)) => PAGE_SIZE,
            (Some(p), _) => p.clamp(1, MAX_PER_PAGE),
        };
        Some((self.page.unwrap_or(1).max(1), per))
    }

    fn filter(&self) -> ListFilter {
        let keep = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        ListFilter {
            district: keep(&self.district),
            industry: keep(&self.industry),
            year: self.year,
        }
    }
}

async fn load(state: &AppState, kind: ListKind, f: ListFilter) -> Result<Selection, ApiError> {
    let (pack, cache) = (state.pack.clone(), state.list_cache.clone());
    Ok(state
        .db
        .read(move |conn| -> Result<_, ServiceError> { Ok(cache.get(conn, &pack, kind, &f)?) })
        .await?)
}

/// A published list: 黄牌 (yellow), 红牌 (red) or the yearly exit list.
#[utoipa::path(
    get,
    path = "/api/v1/public/lists/{kind}",
    tag = "open data",
    params(
        ("kind" = ListKind, Path, description = "yellow, red or exit"),
        ListQuery,
    ),
    responses(
        (status = 200, description = "the filtered list (the whole list unless a page is asked for)",
            content((ListBody = "application/json"), (String = "text/csv"))),
        (status = 400, description = "a query key or value the route does not take", body = ErrorBody),
        (status = 404, description = "no such list or format", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
pub async fn api(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = ListKind::parse(&path).ok_or_else(ApiError::not_found)?;
    let selected = load(&state, kind, query.filter()).await?;
    match query.format.as_deref() {
        Some("csv") => {
            let rows: Vec<Vec<String>> = selected
                .entries()
                .into_iter()
                .map(ListEntry::csv_row)
                .collect();
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    "Content-Disposition",
                    format!("attachment; filename=\"{}-list.csv\"", kind.as_str()),
                ))
                .body(csv_document(&CSV_HEADER, &rows)))
        }
        None | Some("json") => {
            let total = selected.len();
            let (page, per_page, entries) = match query.window(None) {
                Some((page, per)) => (Some(page), Some(per), selected.page(page, per)),
                None => (None, None, selected.entries()),
            };
            Ok(HttpResponse::Ok().json(ListBody {
                list: kind,
                title: kind.label_zh(),
                total,
                count: entries.len(),
                page,
                per_page,
                entries: &entries,
            }))
        }
        Some(_) => Err(ApiError::not_found()),
    }
}

/// The JSON answer, serialised straight from the entries (a `json!` value
/// would copy 10,000 entries into a tree first).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ListBody<'a> {
    pub list: ListKind,
    pub title: &'static str,
    /// Entries of the filtered list, on every page.
    pub total: usize,
    /// Entries in this answer.
    pub count: usize,
    pub page: Option<usize>,
    pub per_page: Option<usize>,
    #[schema(value_type = Vec<ListEntry>)]
    pub entries: &'a [&'a ListEntry],
}

#[derive(Template)]
#[template(path = "lists.html")]
struct ListPage<'a> {
    kind: &'static str,
    title: &'static str,
    entries: Vec<&'a ListEntry>,
    total: usize,
    district: String,
    industry: String,
    year: String,
    districts: Vec<super::pages::Choice>,
    industries: Vec<super::pages::Choice>,
    prev: Option<String>,
    next: Option<String>,
}

/// The link to another page of the same filtered list.
fn page_link(kind: &str, q: &ListQuery, page: usize) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("district", &q.district), ("industry", &q.industry)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    if let Some(y) = q.year {
        s.append_pair("year", &y.to_string());
    }
    s.append_pair("page", &page.to_string());
    format!("/lists/{kind}?{}", s.finish())
}

pub async fn page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = ListKind::parse(&path).ok_or_else(ApiError::not_found)?;
    let selected = load(&state, kind, query.filter()).await?;
    let total = selected.len();
    let (page, per) = query.window(Some(PAGE_SIZE)).unwrap_or((1, PAGE_SIZE));
    let entries = selected.page(page, per);
    let choice = |key: &str, label: &str, current: &Option<String>| super::pages::Choice {
        key: key.to_string(),
        label: label.to_string(),
        selected: current.as_deref() == Some(key),
    };
    let pack = &state.pack;
    Ok(html(
        StatusCode::OK,
        &ListPage {
            kind: kind.as_str(),
            title: kind.label_zh(),
            entries,
            total,
            prev: (page > 1).then(|| page_link(kind.as_str(), &query, page - 1)),
            next: (page * per < total).then(|| page_link(kind.as_str(), &query, page + 1)),
            districts: pack
                .districts
                .iter()
                .map(|d| choice(&d.key, &d.name, &query.district))
                .collect(),
            industries: pack
                .industries
                .iter()
                .map(|i| choice(&i.key, &i.name, &query.industry))
                .collect(),
            district: query.district.clone().unwrap_or_default(),
            industry: query.industry.clone().unwrap_or_default(),
            year: query.year.map(|y| y.to_string()).unwrap_or_default(),
        },
    ))
}
