//! 公开名单：`/lists/{kind}` (Chinese pages) and
//! `GET /api/v1/public/lists/{yellow|red|exit}` (JSON, or `?format=csv`).
//! No login; entries carry no reporter data (see `services::lists`).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::errors::ApiError;
use super::public::html;
use crate::domain::errors::FieldErrors;
use crate::domain::lists::{ListKind, csv_document};
use crate::services::ServiceError;
use crate::services::list_cache::Selection;
use crate::services::lists::{CSV_HEADER, ListEntry, ListFilter};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/public/lists/{kind}", web::get().to(api))
        .route("/lists/{kind}", web::get().to(page));
}

/// The query of a list, as sent. Every value is text, so that a blank
/// field of the page's form (`year=`) means "any" and a wrong one gets a
/// reason per field instead of a generic parse error.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// District: pack key, Chinese name or division code (unknown: no entries).
    district: Option<String>,
    /// Industry: pack key or Chinese name (unknown: no entries).
    industry: Option<String>,
    /// The year an entry dates from (four digits; full-width digits too).
    #[param(value_type = Option<i32>)]
    year: Option<String>,
    /// `json` (default) or `csv` (UTF-8 with a BOM, the whole filtered list).
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
    /// 1-based; with `per_page`, one page of the list (JSON and pages).
    #[param(value_type = Option<u32>)]
    page: Option<String>,
    /// Entries per page, at most 1,000.
    #[param(value_type = Option<u32>)]
    per_page: Option<String>,
}

/// Entries per page of the HTML list (a phone on a slow line), and the most
/// a JSON page may ask for.
const PAGE_SIZE: usize = 100;
const MAX_PER_PAGE: usize = 1000;

/// A list query that makes sense.
struct Asked {
    filter: ListFilter,
    csv: bool,
    page: Option<usize>,
    per_page: Option<usize>,
}

impl Asked {
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
}

/// A value folded as intake folds text (`text::fold`: full-width digits as
/// a Chinese input method types them, traditional characters, case), and
/// a blank one made absent.
fn given(v: &Option<String>) -> Option<String> {
    let v = crate::text::fold(v.as_deref()?.trim());
    (!v.is_empty()).then_some(v)
}

impl ListQuery {
    fn parse(&self) -> Result<Asked, FieldErrors> {
        let mut errors = FieldErrors::default();
        let year = given(&self.year).and_then(|y| match y.parse::<i32>() {
            Ok(y) if (1900..=2999).contains(&y) => Some(y),
            _ => {
                errors.add(
                    "year",
                    "年度应为四位数字，如 2026",
                    "year as four digits, e.g. 2026",
                );
                None
            }
        });
        let mut number = |field: &str, v: &Option<String>| {
            given(v).and_then(|n| match n.parse::<usize>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.add(field, "应为正整数", "a whole number");
                    None
                }
            })
        };
        let page = number("page", &self.page);
        let per_page = number("per_page", &self.per_page);
        let csv = match given(&self.format).as_deref() {
            None | Some("json") => false,
            Some("csv") => true,
            Some(_) => {
                errors.add(
                    "format",
                    "格式应为 json 或 csv",
                    "format must be json or csv",
                );
                false
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Asked {
            filter: ListFilter {
                district: given(&self.district),
                industry: given(&self.industry),
                year,
            },
            csv,
            page,
            per_page,
        })
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
        (status = 400, description = "a query key or value the route does not take", body = super::openapi::ErrorBody),
        (status = 404, description = "no such list", body = super::openapi::ErrorBody),
        (status = 503, description = "database unavailable", body = super::openapi::ErrorBody),
    )
)]
pub async fn api(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = ListKind::parse(&path).ok_or_else(ApiError::not_found)?;
    let asked = query.parse().map_err(ApiError::bad_request)?;
    let selected = load(&state, kind, asked.filter.clone()).await?;
    if asked.csv {
        let body = selected.body(true, |s| {
            let rows: Vec<Vec<String>> = s.entries().into_iter().map(ListEntry::csv_row).collect();
            csv_document(&CSV_HEADER, &rows).into_bytes()
        });
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{}-list.csv\"", kind.as_str()),
            ))
            .body(body));
    }
    let json = |s: &Selection, window: Option<(usize, usize)>| {
        let entries = match window {
            Some((page, per)) => s.page(page, per),
            None => s.entries(),
        };
        serde_json::to_vec(&ListBody {
            list: kind,
            title: kind.label_zh(),
            total: s.len(),
            count: entries.len(),
            page: window.map(|w| w.0),
            per_page: window.map(|w| w.1),
            entries: &entries,
        })
        .expect("a list serialises")
    };
    let body = match asked.window(None) {
        Some(w) => json(&selected, Some(w)).into(),
        None => selected.body(false, |s| json(s, None)),
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
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
    /// Why the query was refused, one line per field (the page is a 400).
    errors: Vec<String>,
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
fn page_link(kind: &str, f: &ListFilter, per: Option<usize>, page: usize) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("district", &f.district), ("industry", &f.industry)] {
        if let Some(v) = v {
            s.append_pair(k, v);
        }
    }
    if let Some(y) = f.year {
        s.append_pair("year", &y.to_string());
    }
    if let Some(per) = per {
        s.append_pair("per_page", &per.to_string());
    }
    s.append_pair("page", &page.to_string());
    format!("/lists/{kind}?{}", s.finish())
}

/// The page's query from its form: keys it does not know (a shared link's
/// tracking tags) are ignored rather than refused, unlike the API.
fn page_query(query_string: &str) -> ListQuery {
    let mut q = ListQuery {
        district: None,
        industry: None,
        year: None,
        format: None,
        page: None,
        per_page: None,
    };
    for (k, v) in form_urlencoded::parse(query_string.as_bytes()) {
        let slot = match k.as_ref() {
            "district" => &mut q.district,
            "industry" => &mut q.industry,
            "year" => &mut q.year,
            "page" => &mut q.page,
            "per_page" => &mut q.per_page,
            _ => continue,
        };
        *slot = Some(v.into_owned());
    }
    q
}

pub async fn page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: actix_web::HttpRequest,
) -> HttpResponse {
    let Some(kind) = ListKind::parse(&path) else {
        return super::public::error_page(StatusCode::NOT_FOUND);
    };
    let query = page_query(req.query_string());
    let (asked, errors) = match query.parse() {
        Ok(a) => (a, Vec::new()),
        Err(e) => {
            let lines = e.0.into_values().flatten().collect();
            let none = Asked {
                filter: ListFilter::default(),
                csv: false,
                page: None,
                per_page: None,
            };
            (none, lines)
        }
    };
    let selected = match errors.is_empty() {
        true => match load(&state, kind, asked.filter.clone()).await {
            Ok(s) => Some(s),
            Err(_) => return super::public::error_page(StatusCode::SERVICE_UNAVAILABLE),
        },
        false => None,
    };
    let total = selected.as_ref().map_or(0, Selection::len);
    let (page, per) = asked.window(Some(PAGE_SIZE)).unwrap_or((1, PAGE_SIZE));
    let entries = selected
        .as_ref()
        .map(|s| s.page(page, per))
        .unwrap_or_default();
    let f = &asked.filter;
    let choice = |key: &str, label: &str, current: &Option<String>| super::pages::Choice {
        key: key.to_string(),
        label: label.to_string(),
        selected: current.as_deref() == Some(key),
    };
    let pack = &state.pack;
    let status = match errors.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::BAD_REQUEST,
    };
    html(
        status,
        &ListPage {
            kind: kind.as_str(),
            title: kind.label_zh(),
            errors,
            entries,
            total,
            prev: (page > 1).then(|| page_link(kind.as_str(), f, asked.per_page, page - 1)),
            next: (page.saturating_mul(per) < total)
                .then(|| page_link(kind.as_str(), f, asked.per_page, page + 1)),
            districts: pack
                .districts
                .iter()
                .map(|d| choice(&d.key, &d.name, &f.district))
                .collect(),
            industries: pack
                .industries
                .iter()
                .map(|i| choice(&i.key, &i.name, &f.industry))
                .collect(),
            district: f.district.clone().unwrap_or_default(),
            industry: f.industry.clone().unwrap_or_default(),
            // What the visitor typed, so a wrong year can be corrected.
            year: query.year.clone().unwrap_or_default(),
        },
    )
}
