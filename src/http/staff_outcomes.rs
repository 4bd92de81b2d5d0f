//! Staff pages of the outcomes: the half-year and yearly report with its
//! charts (`/staff/reports`, and `GET /api/v1/reports` for the files), and
//! the joint-punishment records (`/staff/punishments`), where a dispatcher
//! applies or rejects a proposal and approves credit repair.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::body;
use super::charts;
use super::errors::ApiError;
use super::pages::Choice;
use super::public::{error_page, html};
use super::staff_forms::{self, see_other};
use super::staff_session::Staff;
use crate::domain::case_state::CaseStatus;
use crate::domain::role::Role;
use crate::services::ServiceError;
use crate::services::punishment::{self, ApplyBody, PunishmentError, RejectBody, RepairBody};
use crate::services::punishment::{PunishmentFilter, Record as PunishmentRow};
use crate::services::reports::{self, Report, ReportRequest};
use crate::services::workflow::local_day;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/reports", web::get().to(report_page))
        .route("/api/v1/reports", web::get().to(report_api))
        .route("/staff/punishments", web::get().to(punishments_page))
        .route(
            "/staff/punishments/{id}/{action}",
            web::post().to(punishment_form),
        );
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    period: Option<String>,
    district: Option<String>,
    format: Option<String>,
}

/// District staff see their own district's report; others choose. A
/// district account without a district sees none (`Err`), never the city.
fn report_district(staff: &Staff, asked: Option<&str>) -> Result<Option<String>, ()> {
    match staff.role {
        Role::District => staff.district.clone().map(Some).ok_or(()),
        _ => Ok(asked.filter(|d| !d.trim().is_empty()).map(str::to_string)),
    }
}

async fn load_report(state: &AppState, ask: ReportRequest) -> Result<Report, ApiError> {
    let pack = state.pack.clone();
    Ok(state
        .db
        .read(move |conn| -> Result<_, ServiceError> { Ok(reports::build(conn, &pack, &ask)?) })
        .await?)
}

/// `GET /api/v1/reports?period=2019H1[&district=KEY][&format=json|csv|xlsx]`.
pub async fn report_api(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = q.period.clone().unwrap_or_default();
    let district =
        report_district(&staff, q.district.as_deref()).map_err(|()| ApiError::forbidden())?;
    let ask = ReportRequest::parse(&state.pack, &period, district.as_deref())
        .map_err(ApiError::invalid)?;
    let report = load_report(&state, ask).await?;
    let name = |ext: &str| {
        (
            "Content-Disposition",
            format!(
                "attachment; filename=\"tipline-report-{}.{ext}\"",
                report.period
            ),
        )
    };
    Ok(match q.format.as_deref() {
        None | Some("json") => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(&report),
        Some("csv") => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(name("csv"))
            .body(reports::to_csv(&report)),
        Some("xlsx") => {
            let bytes = crate::services::report_xlsx::to_xlsx(&report).map_err(|e| {
                tracing::error!(error = %e, "xlsx report failed");
                ApiError::internal()
            })?;
            HttpResponse::Ok()
                .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .insert_header(("Cache-Control", "no-store"))
                .insert_header(name("xlsx"))
                .body(bytes)
        }
        Some(_) => {
            let mut f = crate::domain::errors::FieldErrors::default();
            f.add(
                "format",
                "须为 json、csv 或 xlsx",
                "must be json, csv or xlsx",
            );
            return Err(ApiError::invalid(f));
        }
    })
}

pub struct ReportRow {
    name: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/reports.html")]
struct ReportPage {
    username: String,
    /// Shows the administration link (staff/links.html).
    is_admin: bool,
    csrf: String,
    periods: Vec<Choice>,
    districts: Vec<Choice>,
    district_locked: bool,
    query: String,
    error: Option<String>,
    headers: Vec<&'static str>,
    by_district: Vec<ReportRow>,
    by_bureau: Vec<ReportRow>,
    total: Option<ReportRow>,
    capacity: Vec<reports::CapacityRow>,
    trend_svg: String,
    status_svg: String,
    heat_svg: String,
    /// The pack's 12345 rates: name, formula and source.
    rates: Vec<crate::jurisdiction::RateDefinition>,
}

/// The periods offered: this year and the three before, halves first.
fn periods(today: chrono::NaiveDate, current: &str) -> Vec<Choice> {
    let y = today.year();
    (y - 3..=y)
        .rev()
        .flat_map(|y| {
            [
                (format!("{y}"), format!("{y} 全年")),
                (format!("{y}H2"), format!("{y} 下半年")),
                (format!("{y}H1"), format!("{y} 上半年")),
            ]
        })
        .map(|(key, label)| Choice {
            selected: key == current,
            key,
            label,
        })
        .collect()
}

fn rows(v: &[reports::Row]) -> Vec<ReportRow> {
    v.iter()
        .map(|r| {
            // The key column is for machines; the page shows the name.
            let cells = reports::row_cells_readable(r).into_iter().skip(2).collect();
            ReportRow {
                name: r.name.clone(),
                cells,
            }
        })
        .collect()
}

fn report_charts(state: &AppState, r: &Report) -> (String, String, String) {
    // Months read as 1月…12月 within one year, as 2026-12 across years.
    let one_year = r
        .tips_per_month
        .first()
        .zip(r.tips_per_month.last())
        .is_some_and(|(a, b)| a.0.get(..4) == b.0.get(..4));
    let months: Vec<(String, i64)> = r
        .tips_per_month
        .iter()
        .map(|(m, n)| {
            let label = match (one_year, m.get(5..).and_then(|x| x.parse::<u32>().ok())) {
                (true, Some(month)) => format!("{month}月"),
                _ => m.clone(),
            };
            (label, *n)
        })
        .collect();
    let trend = charts::columns("每月举报数 Tips per month", &months);
    let status: Vec<(String, i64)> = r
        .cases_by_status
        .iter()
        .map(|(k, n)| {
            let label = CaseStatus::parse(k)
                .map(|s| s.label_zh().to_string())
                .unwrap_or(k.clone());
            (label, *n)
        })
        .collect();
    let status = charts::bars("期末案件状态 Cases by status at period end", &status);
    // Rows and columns in pack order, only those with a notice.
    let p = &state.pack;
    let districts = heat_axis(
        p.districts
            .iter()
            .map(|d| (d.key.as_str(), d.name.as_str())),
        "未定区",
        |k| r.overdue_matrix.iter().any(|m| m.0 == k),
    );
    let bureaus = heat_axis(
        p.bureaus.iter().map(|b| (b.key.as_str(), b.name.as_str())),
        "未派单",
        |k| r.overdue_matrix.iter().any(|m| m.1 == k),
    );
    let cells: Vec<(usize, usize, i64)> = r
        .overdue_matrix
        .iter()
        .filter_map(|(d, b, n)| {
            let i = districts.iter().position(|(k, _)| k == d)?;
            let j = bureaus.iter().position(|(k, _)| k == b)?;
            Some((i, j, *n))
        })
        .collect();
    let names = |axis: &[(&str, String)]| axis.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>();
    let (d_names, b_names) = (names(&districts), names(&bureaus));
    let heat = charts::heat_map(
        "逾期督办 Overdue: district × bureau",
        &d_names,
        &b_names,
        &cells,
    );
    (trend, status, heat)
}

/// One axis of the heat map: the pack's (key, name) pairs then "" (none,
/// named `none`), keeping those `present`.
fn heat_axis<'a>(
    keyed: impl Iterator<Item = (&'a str, &'a str)>,
    none: &str,
    present: impl Fn(&str) -> bool,
) -> Vec<(&'a str, String)> {
    keyed
        .map(|(k, n)| (k, n.to_string()))
        .chain([("", none.to_string())])
        .filter(|(k, _)| present(k))
        .collect()
}

async fn report_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
) -> HttpResponse {
    let Some(staff) = staff else {
        return see_other("/staff/login");
    };
    let Ok(q) = web::Query::<ReportQuery>::from_query(req.query_string()) else {
        return error_page(StatusCode::BAD_REQUEST);
    };
    let today = local_day(crate::clock::now());
    let period = q
        .period
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| today.year().to_string());
    let Ok(district) = report_district(&staff, q.district.as_deref()) else {
        return error_page(StatusCode::FORBIDDEN);
    };
    let (report, error) = match ReportRequest::parse(&state.pack, &period, district.as_deref()) {
        Ok(ask) => match load_report(&state, ask).await {
            Ok(r) => (Some(r), None),
            Err(_) => return error_page(StatusCode::SERVICE_UNAVAILABLE),
        },
        Err(e) => (
            None,
            Some(e.0.into_values().flatten().collect::<Vec<_>>().join("；")),
        ),
    };
    let status = match error {
        None => StatusCode::OK,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let (trend_svg, status_svg, heat_svg) = report
        .as_ref()
        .map(|r| report_charts(&state, r))
        .unwrap_or_default();
    let current = district.clone().unwrap_or_default();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("period", &period)
        .append_pair("district", &current)
        .finish();
    let r = report.as_ref();
    html(
        status,
        &ReportPage {
            username: staff.username.clone(),
            is_admin: staff.role == Role::Admin,
            csrf: staff.csrf_token.clone(),
            periods: periods(today, &period),
            districts: state
                .pack
                .districts
                .iter()
                .map(|d| Choice {
                    key: d.key.clone(),
                    label: d.name.clone(),
                    selected: d.key == current,
                })
                .collect(),
            district_locked: staff.role == Role::District,
            query,
            error,
            headers: reports::ROW_HEADERS[2..].to_vec(),
            by_district: r.map(|r| rows(&r.by_district)).unwrap_or_default(),
            by_bureau: r.map(|r| rows(&r.by_bureau)).unwrap_or_default(),
            total: r
                .filter(|r| !r.by_district.is_empty())
                .and_then(|r| rows(std::slice::from_ref(&r.total)).pop()),
            capacity: r.map(|r| r.capacity.clone()).unwrap_or_default(),
            rates: state.pack.rates.clone(),
            trend_svg,
            status_svg,
            heat_svg,
        },
    )
}

/// A punishment record as the staff pages show it (names from the pack).
pub struct PunishmentView {
    pub row: PunishmentRow,
    pub status_label: &'static str,
    pub measure_names: String,
    pub bureau_name: String,
    /// Tier, regime and term in Chinese ("一般失信 · 《信用修复管理办法》
    /// （2026年4月1日起）· 公示期 3–12 个月"); empty while proposed.
    pub term_label: String,
    /// The first day credit repair is possible (an active record).
    pub repair_from: Option<chrono::NaiveDate>,
}

impl PunishmentView {
    pub fn new(p: &crate::jurisdiction::Pack, row: PunishmentRow) -> PunishmentView {
        PunishmentView {
            status_label: status_label(&row.status),
            measure_names: crate::services::punishment::measure_keys(&row)
                .iter()
                .map(|k| p.punishment_name(k))
                .collect::<Vec<_>>()
                .join("、"),
            bureau_name: row
                .issuing_bureau
                .as_deref()
                .and_then(|b| p.bureau(b))
                .map(|b| b.name.clone())
                .unwrap_or_default(),
            term_label: crate::jurisdiction::term_label(
                p,
                row.credit_regime.as_deref(),
                row.credit_tier.as_deref(),
                row.term_min_months,
                row.term_max_months,
            ),
            repair_from: match (row.starts_on, row.term_min_months) {
                (Some(s), Some(m)) => s.checked_add_months(chrono::Months::new(m.max(0) as u32)),
                _ => None,
            },
            row,
        }
    }
}

#[derive(Template)]
#[template(path = "staff/punishments.html")]
struct PunishmentsPage {
    username: String,
    /// Shows the administration link (staff/links.html).
    is_admin: bool,
    csrf: String,
    can_decide: bool,
    tabs: Vec<Choice>,
    error: Option<String>,
    items: Vec<PunishmentView>,
    measures: Vec<Choice>,
    bureaus: Vec<Choice>,
    today: String,
    /// The publication terms of the pack's regimes, for the form's hints.
    term_hints: Vec<String>,
}

/// One line per regime: which decisions it governs and its terms, in Chinese.
fn term_hints(p: &crate::jurisdiction::Pack) -> Vec<String> {
    p.regimes
        .iter()
        .map(|r| {
            let terms = if r.tier.is_empty() {
                let mut t = format!(
                    "公示期 {}–{} 个月",
                    r.min_months.unwrap_or(0),
                    r.max_months.unwrap_or(0)
                );
                for (d, m) in &r.min_months_by_dimension {
                    let name = p
                        .dimensions
                        .iter()
                        .find(|x| x.key == *d)
                        .map_or(d.as_str(), |x| x.name.as_str());
                    t.push_str(&format!("，{name}最短 {m} 个月"));
                }
                t
            } else {
                r.tier
                    .iter()
                    .map(|t| {
                        if t.published {
                            format!("{}失信 {}–{} 个月", t.name, t.min_months, t.max_months)
                        } else {
                            format!("{}失信原则上不予公示（最长 {} 个月）", t.name, t.max_months)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("；")
            };
            format!("{}：{terms}", r.label())
        })
        .collect()
}

fn status_label(s: &str) -> &'static str {
    match s {
        "proposed" => "待决定 Proposed",
        "active" => "惩戒中 Active",
        "rejected" => "不予惩戒 Rejected",
        "repaired" => "信用修复 Repaired",
        "expired" => "期满解除 Expired",
        _ => "—",
    }
}

async fn render_punishments(
    state: &AppState,
    staff: &Staff,
    status: String,
    code: StatusCode,
    error: Option<String>,
) -> HttpResponse {
    let s = Some(status.clone()).filter(|s| !s.is_empty());
    let f = PunishmentFilter {
        status: s,
        ..Default::default()
    };
    let Ok(rows) = crate::services::punishment::records(&state.db, f).await else {
        return error_page(StatusCode::SERVICE_UNAVAILABLE);
    };
    let p = &state.pack;
    let items = rows
        .into_iter()
        .map(|row| PunishmentView::new(&state.pack, row))
        .collect();
    let mut tabs = vec![Choice {
        key: String::new(),
        label: "全部 All".into(),
        selected: status.is_empty(),
    }];
    tabs.extend(
        crate::services::punishment::STATUSES
            .iter()
            .map(|s| Choice {
                key: s.to_string(),
                label: status_label(s).to_string(),
                selected: *s == status,
            }),
    );
    html(
        code,
        &PunishmentsPage {
            username: staff.username.clone(),
            is_admin: staff.role == Role::Admin,
            csrf: staff.csrf_token.clone(),
            can_decide: matches!(staff.role, Role::Admin | Role::Dispatcher),
            tabs,
            error,
            items,
            measures: p
                .punishments
                .iter()
                .map(|m| Choice {
                    key: m.key.clone(),
                    label: m.name.clone(),
                    selected: false,
                })
                .collect(),
            bureaus: p
                .bureaus
                .iter()
                .map(|b| Choice {
                    key: b.key.clone(),
                    label: b.name.clone(),
                    selected: false,
                })
                .collect(),
            today: local_day(crate::clock::now()).to_string(),
            term_hints: term_hints(&state.pack),
        },
    )
}

async fn punishments_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
) -> HttpResponse {
    let Some(staff) = staff else {
        return see_other("/staff/login");
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let status = body::field(&pairs, "status")
        .filter(|s| crate::services::punishment::STATUSES.contains(&s.as_str()))
        .unwrap_or_default();
    render_punishments(&state, &staff, status, StatusCode::OK, None).await
}

/// The form's fields as the JSON API's bodies, so both share validation.
fn date_field(
    pairs: &[(String, String)],
    name: &str,
) -> Result<chrono::NaiveDate, PunishmentError> {
    let value = body::field(pairs, name).unwrap_or_default();
    crate::domain::day::parse(&value).map_err(|e| {
        let mut f = crate::domain::errors::FieldErrors::default();
        f.add(name, e.zh(), e.en());
        PunishmentError::Invalid(f)
    })
}

async fn punishment_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (id, action) = path.into_inner();
    let form = match staff_forms::read(&req, staff, &id, payload).await {
        Ok(f) => f,
        Err(answer) => return answer,
    };
    let (staff, id, pairs) = (&form.staff, form.id, &form.pairs);
    let text = |k: &str| form.text(k);
    let (role, actor, now, pack) = (
        staff.role,
        staff.actor(),
        crate::clock::now(),
        state.pack.clone(),
    );
    let result = match action.as_str() {
        "apply" => {
            let b = date_field(pairs, "starts_on").and_then(|starts_on| {
                Ok(ApplyBody {
                    measures: pairs
                        .iter()
                        .filter(|(k, _)| k == "measures")
                        .map(|(_, v)| v.clone())
                        .collect(),
                    starts_on,
                    // Blank: the shortest term of the record's tier.
                    ends_on: match body::field(pairs, "ends_on").filter(|v| !v.trim().is_empty()) {
                        Some(_) => Some(date_field(pairs, "ends_on")?),
                        None => None,
                    },
                    issuing_bureau: Some(text("issuing_bureau")).filter(|s| !s.is_empty()),
                    term_reason: Some(text("term_reason")).filter(|s| !s.trim().is_empty()),
                    legal_basis: Some(text("legal_basis")).filter(|s| !s.trim().is_empty()),
                })
            });
            match b {
                Ok(b) => {
                    state
                        .db
                        .write(move |c| punishment::apply(c, &pack, role, &actor, id, &b, now))
                        .await
                }
                Err(e) => Err(e),
            }
        }
        "reject" => {
            let b = RejectBody {
                reason: text("reason"),
            };
            state
                .db
                .write(move |c| punishment::reject(c, role, &actor, id, &b, now))
                .await
        }
        "repair" => {
            let b = RepairBody {
                reason: text("reason"),
                approver: text("approver"),
            };
            state
                .db
                .write(move |c| punishment::repair(c, &pack, role, &actor, id, &b, now))
                .await
        }
        _ => return error_page(StatusCode::NOT_FOUND),
    };
    let (code, message) = match result {
        Ok(row) => return see_other(&format!("/staff/punishments?status={}", row.status)),
        Err(PunishmentError::NotFound) => return error_page(StatusCode::NOT_FOUND),
        Err(PunishmentError::Forbidden) => (StatusCode::FORBIDDEN, staff_forms::FORBIDDEN.into()),
        Err(PunishmentError::Conflict(s)) => (
            StatusCode::CONFLICT,
            format!(
                "记录 #{id} 当前状态为“{}”，不能执行此操作 (not allowed now)",
                status_label(&s)
            ),
        ),
        Err(PunishmentError::Invalid(f)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("记录 #{id}：{}", staff_forms::field_errors(&f)),
        ),
        Err(PunishmentError::Db(_)) => return error_page(StatusCode::SERVICE_UNAVAILABLE),
    };
    render_punishments(&state, staff, String::new(), code, Some(message)).await
}
