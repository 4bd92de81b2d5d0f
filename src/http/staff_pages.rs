//! Staff HTML: login, the queue and the case page. Server-rendered; every
//! form carries the session's CSRF token (the login form a pre-session one).
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::body;
use super::pages::Choice;
use super::public::html;
use super::staff_forms::{self, see_other};
use super::staff_session::{self as session, Staff};
use crate::domain::case_state::{ALL_STATUSES, Action, CaseStatus, Party};
use crate::domain::report_calendar::{self, Reminder};
use crate::domain::role::Role;
use crate::services::ServiceError;
use crate::services::accounts::{self, LoginError};
use crate::services::case_firm;
use crate::services::cases::{self, CaseDetail};
use crate::services::cases::{CaseFilter, WITH_BUREAU};
use crate::services::workflow::{self, Command, Who, WorkflowError};
use crate::state::AppState;

const LOGIN_CSRF: &str = "tipline_login_csrf";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/staff",
        web::get().to(|| async { see_other("/staff/queue") }),
    )
    .route("/staff/login", web::get().to(login_page))
    .route("/staff/login", web::post().to(login_submit))
    .route("/staff/logout", web::post().to(logout))
    .route("/staff/queue", web::get().to(queue))
    .route("/staff/cases/{id}", web::get().to(case_page))
    .route(
        "/staff/cases/{id}/tips/{tip}/contact",
        web::post().to(contact_form),
    )
    .route("/staff/cases/{id}/{action}", web::post().to(case_form));
}

fn is_tls(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.edge.is_https(req))
}

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    csrf: String,
    error: Option<&'static str>,
}

fn login_form(req: &HttpRequest, status: StatusCode, error: Option<&'static str>) -> HttpResponse {
    let token = crate::auth::session::random_token();
    let mut res = html(
        status,
        &LoginPage {
            csrf: token.clone(),
            error,
        },
    );
    let c = Cookie::build(LOGIN_CSRF, token)
        .path("/staff/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(is_tls(req))
        .finish();
    let _ = res.add_cookie(&c);
    res
}

async fn login_page(req: HttpRequest) -> HttpResponse {
    login_form(&req, StatusCode::OK, None)
}

async fn login_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Ok(pairs) = body::form(&req, payload).await else {
        return login_form(&req, StatusCode::BAD_REQUEST, Some("表单有误 (bad form)"));
    };
    let sent = body::field(&pairs, "csrf").unwrap_or_default();
    let expected = req.cookie(LOGIN_CSRF).map(|c| c.value().to_string());
    if expected.as_deref() != Some(sent.as_str()) || sent.is_empty() {
        return login_form(
            &req,
            StatusCode::FORBIDDEN,
            Some("页面已过期，请重新登录 (the form expired; log in again)"),
        );
    }
    let username = body::field(&pairs, "username").unwrap_or_default();
    let password = body::field(&pairs, "password").unwrap_or_default();
    let code = body::field(&pairs, "totp");
    let client = state.edge.client_address(&req);
    let db = state.db.clone();
    let secrets = state.secrets.clone();
    let result = actix_web::rt::task::spawn_blocking(move || {
        accounts::login(
            &db,
            &secrets,
            username.trim(),
            &password,
            code.as_deref(),
            &client,
        )
    })
    .await;
    match result {
        Ok(Ok(ok)) => HttpResponse::SeeOther()
            .insert_header(("Location", "/staff/queue"))
            .cookie(session::cookie(&ok.token, is_tls(&req)))
            .finish(),
        Ok(Err(LoginError::BadCredentials(n))) => {
            actix_web::rt::time::sleep(accounts::failure_delay(n)).await;
            login_form(
                &req,
                StatusCode::UNAUTHORIZED,
                Some("用户名或密码错误 (wrong username or password)"),
            )
        }
        Ok(Err(LoginError::TotpRequired)) => login_form(
            &req,
            StatusCode::UNAUTHORIZED,
            Some("请填写动态验证码 (enter the code from your authenticator app)"),
        ),
        Ok(Err(LoginError::TotpEnrolmentRequired)) => login_form(
            &req,
            StatusCode::FORBIDDEN,
            Some(
                "您的角色须开启动态验证码，请联系管理员 (your role requires TOTP: ask an administrator)",
            ),
        ),
        Ok(Err(LoginError::HeldBack(wait))) => {
            let mut res = login_form(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                Some(
                    "本设备登录尝试过多，请15分钟后再试 (too many attempts from this device: try again in 15 minutes)",
                ),
            );
            if let Ok(v) =
                actix_web::http::header::HeaderValue::from_str(&wait.as_secs().to_string())
            {
                res.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
            res
        }
        _ => login_form(
            &req,
            StatusCode::SERVICE_UNAVAILABLE,
            Some("服务暂时不可用 (unavailable)"),
        ),
    }
}

async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    payload: web::Payload,
) -> HttpResponse {
    let Some(staff) = staff else {
        return see_other("/staff/login");
    };
    let pairs = body::form(&req, payload).await.unwrap_or_default();
    if staff
        .check_csrf_value(&body::field(&pairs, "csrf").unwrap_or_default())
        .is_err()
    {
        return super::public::error_page(StatusCode::FORBIDDEN);
    }
    let db = state.db.clone();
    let actor = staff.actor();
    let _ = actix_web::rt::task::spawn_blocking(move || {
        accounts::logout(&db, &staff.token_hash, &actor)
    })
    .await;
    HttpResponse::SeeOther()
        .insert_header(("Location", "/staff/login"))
        .cookie(session::removal_cookie(is_tls(&req)))
        .finish()
}

pub struct Tab {
    key: &'static str,
    label: &'static str,
    count: String,
    selected: bool,
}

pub struct Row {
    id: i64,
    status_label: &'static str,
    /// About forty characters of the first tip, on one line.
    summary: String,
    /// The enterprise's name, or 未关联.
    firm: String,
    /// 网页 / 12345 / 省平台 / 国家平台.
    origin: &'static str,
    /// When the first tip came, Beijing time to the minute.
    received: String,
    district: String,
    lead: String,
    industry: String,
    due: String,
    /// 剩余 N 个工作日 / 今天到期 / 逾期 N 个工作日.
    left: String,
    overdue: bool,
    tips: i32,
    /// In a search: where the first matching tip matched.
    excerpt: Option<crate::domain::search::Excerpt>,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    username: String,
    /// Shows the administration link (staff/links.html).
    is_admin: bool,
    csrf: String,
    view: String,
    tabs: Vec<Tab>,
    q: String,
    from: String,
    to: String,
    sort: String,
    statuses: Vec<Choice>,
    bureaus: Vec<Choice>,
    districts: Vec<Choice>,
    industries: Vec<Choice>,
    dimensions: Vec<Choice>,
    items: Vec<Row>,
    next: Option<String>,
    /// In a search: how many cases match, bounded ("more than 1,000").
    matches: Option<String>,
    /// A search the service refused (too long, control characters).
    search_error: Option<String>,
    /// Reports of the pack's calendar coming due (dispatchers and admins).
    reminders: Vec<Reminder>,
    /// Joint-punishment proposals waiting for a decision (dispatchers and
    /// admins): the daily job proposes, a person decides.
    proposals: i64,
    /// Years soon in use that the pack's working-day calendar lacks.
    calendar_gaps: Vec<i32>,
    /// How many of the above there are: they fold into one line.
    notice_count: usize,
    /// Whether a filter beyond the search is in use (the filters open).
    filtered: bool,
}

fn choices<'a>(items: impl Iterator<Item = (&'a str, String)>, current: &str) -> Vec<Choice> {
    items
        .map(|(k, label)| Choice {
            key: k.to_string(),
            selected: k == current,
            label,
        })
        .collect()
}

fn label_of(state: &AppState, kind: &str, key: Option<&str>) -> String {
    let Some(k) = key else { return "—".into() };
    let p = &state.pack;
    match kind {
        "bureau" => p.bureau(k).map(|b| b.name.clone()),
        "district" => p.district(k).map(|d| d.name.clone()),
        "industry" => p.industry(k).map(|i| i.name.clone()),
        _ => p.dimension(k).map(|d| d.name.clone()),
    }
    .unwrap_or_else(|| k.to_string())
}

/// Time left to a deadline, in working days, as the queue says it.
fn time_left(days: i64) -> String {
    match days {
        0 => "今天到期".into(),
        n if n > 0 => format!("剩余 {n} 个工作日"),
        n => format!("逾期 {} 个工作日", -n),
    }
}

/// A search's bounded count as the queue says it.
fn match_count_text(m: cases::MatchCount) -> String {
    if m.more && m.count >= cases::COUNT_BOUND {
        "超过 1,000 条 · more than 1,000".to_string()
    } else if m.more {
        format!(
            "至少 {0} 条（只查了最新的部分，下一页继续）· at least {0} (the newest part searched; the next page goes on)",
            m.count
        )
    } else {
        format!("{0} 条 · {0} found", m.count)
    }
}

async fn queue(state: web::Data<AppState>, req: HttpRequest, staff: Option<Staff>) -> HttpResponse {
    let Some(staff) = staff else {
        return see_other("/staff/login");
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| body::field(&params, k).filter(|v| !v.is_empty());
    let view = get("view").unwrap_or_else(|| "mine".into());
    let date = |k: &str| get(k).and_then(|v| crate::domain::day::parse(&v).ok());
    let oldest_first = get("sort").as_deref() == Some("old");
    let cursor = get("cursor").and_then(|c| c.parse::<i64>().ok());
    let mut filter = CaseFilter {
        status: get("status"),
        bureau: get("bureau"),
        district: get("district"),
        industry: get("industry"),
        dimension: get("dimension"),
        q: get("q"),
        since: date("from").and_then(|d| d.and_hms_opt(0, 0, 0)),
        until: date("to")
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        oldest_first,
        after_id: cursor.filter(|_| oldest_first),
        before_id: cursor.filter(|_| !oldest_first),
        limit: 50,
        ..CaseFilter::default()
    };
    match view.as_str() {
        "new" => filter.status = Some("received".into()),
        "returned" => filter.status = Some("returned".into()),
        "overdue" => filter.overdue = Some(true),
        "review" => filter.rating_review = true,
        // "Mine": what waits on me, as `db::cases::counts` counts it.
        "mine" => match (&staff.role, &staff.bureau, &staff.district) {
            (Role::Bureau, Some(b), _) => {
                filter.lead_bureau = Some(b.clone());
                filter.statuses = WITH_BUREAU.iter().map(|s| s.to_string()).collect();
            }
            (Role::District, _, _) => filter.open_only = true,
            _ => filter.statuses = vec!["received".into(), "returned".into()],
        },
        _ => {}
    }
    let scope = staff.scope();
    let page = cases::list(&state, scope.clone(), filter).await;
    let counts = cases::counts(&state, scope.clone()).await;
    // A refused search shows the form again with the reason (400), not an
    // error page.
    let (page, search_error, status) = match page {
        Ok(p) => (p, None, StatusCode::OK),
        Err(ServiceError::Invalid(e)) => (
            cases::CasePage {
                items: Vec::new(),
                next: None,
                matches: None,
            },
            Some(e.get("q").join("；")),
            StatusCode::BAD_REQUEST,
        ),
        Err(_) => return super::public::error_page(StatusCode::SERVICE_UNAVAILABLE),
    };
    let Ok(n) = counts else {
        return super::public::error_page(StatusCode::SERVICE_UNAVAILABLE);
    };
    let matches = page.matches.map(match_count_text);
    let tab = |key: &'static str, label: &'static str, count: Option<i64>| Tab {
        key,
        label,
        count: count.map(|c| c.to_string()).unwrap_or_default(),
        selected: view == key,
    };
    let tabs = vec![
        tab("mine", "我的待办 Mine", Some(n.mine)),
        tab("new", "新案件 New", Some(n.new)),
        tab("overdue", "逾期 Overdue", Some(n.overdue)),
        tab("returned", "退单待审核 Returns", Some(n.returned)),
        tab("review", "不满意待复核 Dissatisfied", Some(n.review)),
        tab("all", "全部 All", None),
    ];
    let next = page.next.as_ref().map(|n| {
        let mut q: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "cursor")
            .cloned()
            .collect();
        q.push(("cursor".into(), n.clone()));
        format!(
            "/staff/queue?{}",
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(q)
                .finish()
        )
    });
    let p = &state.pack;
    let today = workflow::local_day(crate::clock::now());
    let calendar = p.work_calendar();
    let items = page
        .items
        .iter()
        .map(|c| Row {
            id: c.id,
            status_label: c.status_label,
            summary: c
                .first_tip
                .as_ref()
                .map_or_else(|| "—".into(), |t| t.summary.clone()),
            firm: c
                .enterprise
                .as_ref()
                .map_or_else(|| "未关联".into(), |e| e.name.clone()),
            origin: c.first_tip.as_ref().map_or("—", |t| t.origin.label_zh()),
            received: crate::clock::local_minute(c.first_seen_at),
            district: label_of(&state, "district", c.district.as_deref()),
            lead: label_of(&state, "bureau", c.lead_bureau.as_deref()),
            industry: label_of(&state, "industry", c.industry.as_deref()),
            due: c.due_on.map(|d| d.to_string()).unwrap_or_default(),
            left: c
                .due_on
                .map(|d| time_left(calendar.working_days_between(today, d)))
                .unwrap_or_default(),
            overdue: c.overdue,
            tips: c.tip_count,
            excerpt: c.excerpt.clone(),
        })
        .collect();
    let decides = matches!(staff.role, Role::Admin | Role::Dispatcher);
    let reminders = match decides {
        true => report_calendar::upcoming(&p.calendar, today),
        false => Vec::new(),
    };
    // Two months ahead: time to add the State Council's holiday notice,
    // which comes out in November or December.
    let calendar_gaps = match decides {
        true => p.work_calendar().missing_years(today, 60),
        false => Vec::new(),
    };
    let proposals = match decides {
        true => crate::services::punishment::count(&state.db, "proposed")
            .await
            .unwrap_or(0),
        false => 0,
    };
    let cur = |k: &str| get(k).unwrap_or_default();
    let notice_count = calendar_gaps.len() + reminders.len() + usize::from(proposals > 0);
    let filtered = [
        "status",
        "bureau",
        "district",
        "industry",
        "dimension",
        "from",
        "to",
        "sort",
    ]
    .iter()
    .any(|k| get(k).is_some_and(|v| !(*k == "sort" && v == "new")));
    html(
        status,
        &QueuePage {
            notice_count,
            filtered,
            matches,
            search_error,
            reminders,
            proposals,
            calendar_gaps,
            username: staff.username.clone(),
            is_admin: staff.role == Role::Admin,
            csrf: staff.csrf_token.clone(),
            tabs,
            q: cur("q"),
            from: cur("from"),
            to: cur("to"),
            sort: cur("sort"),
            statuses: choices(
                ALL_STATUSES
                    .iter()
                    .map(|s| (s.as_str(), s.label_zh().to_string())),
                &cur("status"),
            ),
            bureaus: choices(
                p.bureaus.iter().map(|b| (b.key.as_str(), b.name.clone())),
                &cur("bureau"),
            ),
            districts: choices(
                p.districts.iter().map(|b| (b.key.as_str(), b.name.clone())),
                &cur("district"),
            ),
            industries: choices(
                p.industries
                    .iter()
                    .map(|b| (b.key.as_str(), b.name.clone())),
                &cur("industry"),
            ),
            dimensions: choices(
                p.dimensions
                    .iter()
                    .map(|b| (b.key.as_str(), b.name.clone())),
                &cur("dimension"),
            ),
            view,
            items,
            next,
        },
    )
}

pub struct TipRow {
    id: i64,
    /// The reporter's contact, when this reader just asked for it (audited).
    contact: Option<String>,
    files: Vec<(String, Option<String>, String)>,
    source: String,
    received_at: String,
    has_contact: bool,
    description: String,
    enterprise_name: Option<String>,
    address: Option<String>,
}

pub struct MsgRow {
    from: &'static str,
    at: String,
    body: String,
}

#[derive(Template)]
#[template(path = "staff/case.html")]
struct CasePage {
    username: String,
    /// Shows the administration link (staff/links.html).
    is_admin: bool,
    csrf: String,
    id: i64,
    error: Option<String>,
    status_label: &'static str,
    overdue: bool,
    district: String,
    industry: String,
    dimensions: String,
    lead: String,
    co: String,
    enterprise: String,
    finding: String,
    returned_reason: Option<String>,
    public_result: Option<String>,
    can: Vec<&'static str>,
    bureaus: Vec<Choice>,
    districts: Vec<Choice>,
    industries: Vec<Choice>,
    co_choices: Vec<Choice>,
    dimension_choices: Vec<Choice>,
    deadlines: Vec<String>,
    measures: Vec<String>,
    notices: Vec<String>,
    tips: Vec<TipRow>,
    /// Who leads and why, in one sentence.
    routing_headline: String,
    explanation: Vec<String>,
    findings: Vec<String>,
    messages: Vec<MsgRow>,
    /// The case on the public lists now, in words ("黄牌 … since …").
    standing: Option<String>,
    punishments: Vec<super::staff_outcomes::PunishmentView>,
    history: Vec<super::timeline::Line>,
    /// The reporters' ratings, in words.
    ratings: Vec<String>,
    /// A 不满意 waits for the dispatcher: reopen or say why not.
    review_waiting: bool,
    reopen_count: i32,
    /// A refused form: its action, the reasons by field, what was typed.
    form: Option<FormState>,
    /// The action just taken (`?done=`), confirmed at the top.
    done: Option<&'static str>,
    /// The next case waiting on this reader, for "下一件".
    next_case: Option<i64>,
    /// The measure the order form starts on: the plan's closure or
    /// dismantling for 地条钢 and obsolete equipment, else rectification.
    default_measure: &'static str,
    /// Where the plan requires that measure.
    measure_citation: String,
    today: String,
    /// The linked firm: name and credit code, or 未关联.
    firm_line: String,
    /// Whether this reader may link a firm and merge (dispatchers, admins),
    /// and the case is open.
    can_link: bool,
    /// The matcher's candidates for the first tip, with reasons.
    candidates: Vec<FirmChoice>,
    /// A registry search (`?firm_q=`) and what it found.
    firm_q: String,
    found: Vec<FirmChoice>,
    /// Open cases that look like the same thing, with a merge button.
    similar: Vec<SimilarRow>,
}

/// A registered firm offered for linking.
pub struct FirmChoice {
    name: String,
    code: String,
    district: String,
    /// Confidence as a percentage.
    score: String,
    reasons: String,
}

impl FirmChoice {
    fn of(c: &crate::matching::Candidate) -> FirmChoice {
        FirmChoice {
            name: c.name.clone(),
            code: c.credit_code.clone(),
            district: c.district.clone().unwrap_or_default(),
            score: format!("{:.0}%", c.score * 100.0),
            reasons: c
                .reasons
                .iter()
                .map(|r| r.label_zh())
                .collect::<Vec<_>>()
                .join("；"),
        }
    }
}

/// A similar open case; the newer one merges into the older.
pub struct SimilarRow {
    id: i64,
    status_label: &'static str,
    why: String,
    firm: String,
    summary: String,
    received: String,
    merge_from: i64,
    merge_into: i64,
}

pub struct FormState {
    action: String,
    errors: crate::domain::errors::FieldErrors,
    typed: Vec<(String, String)>,
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.can.contains(&action)
    }

    /// What was typed into `field` of the refused `action` form.
    fn typed(&self, action: &str, field: &str) -> String {
        self.form
            .as_ref()
            .filter(|f| f.action == action)
            .and_then(|f| body::field(&f.typed, field))
            .unwrap_or_default()
    }

    /// The reasons `field` of the refused `action` form was refused.
    fn errs(&self, action: &str, field: &str) -> Vec<String> {
        self.form
            .as_ref()
            .filter(|f| f.action == action)
            .map(|f| f.errors.get(field).to_vec())
            .unwrap_or_default()
    }
}

fn case_view(state: &AppState, staff: &Staff, c: CaseDetail, error: Option<String>) -> CasePage {
    let p = &state.pack;
    let s = &c.summary;
    let who = Who::from(staff);
    // The party as the workflow would judge it, from the case's lead bureau.
    let party = match staff.role {
        Role::Admin => Party::Admin,
        Role::Dispatcher => Party::Dispatcher,
        Role::District => Party::District,
        Role::Bureau if who.bureau.is_some() && s.lead_bureau == who.bureau => Party::LeadBureau,
        Role::Bureau => Party::CoBureau,
    };
    let mut can: Vec<&'static str> = c
        .allowed
        .iter()
        .filter(|a| a.allowed_for(party))
        .map(|a| a.as_str())
        .collect();
    if matches!(party, Party::Admin | Party::Dispatcher) && s.status != CaseStatus::Closed {
        can.push("supervise");
    }
    // What the plan requires (a pack setting, with its citation), else
    // rectification.
    let obsolete = c.obsolete_findings.iter().any(|f| f.obsolete);
    let (default_measure, measure_citation) = p
        .required_measure(&s.dimensions, obsolete)
        .and_then(|(m, cite)| {
            crate::domain::case_state::Measure::parse(m).map(|m| (m.as_str(), cite.to_string()))
        })
        .unwrap_or(("rectify", String::new()));
    let lead = s.lead_bureau.clone().unwrap_or_default();
    let district = s.district.clone().unwrap_or_default();
    let industry = s.industry.clone().unwrap_or_default();
    CasePage {
        username: staff.username.clone(),
        is_admin: staff.role == Role::Admin,
        csrf: staff.csrf_token.clone(),
        id: s.id,
        error,
        status_label: s.status_label,
        overdue: s.overdue,
        district: label_of(state, "district", s.district.as_deref()),
        industry: label_of(state, "industry", s.industry.as_deref()),
        dimensions: s
            .dimensions
            .iter()
            .map(|d| label_of(state, "dimension", Some(d)))
            .collect::<Vec<_>>()
            .join("、"),
        lead: label_of(state, "bureau", s.lead_bureau.as_deref()),
        co: s
            .co_bureaus
            .iter()
            .map(|d| label_of(state, "bureau", Some(d)))
            .collect::<Vec<_>>()
            .join("、"),
        enterprise: c.enterprise_credit_code.clone().unwrap_or_default(),
        finding: c
            .finding
            .as_deref()
            .and_then(crate::domain::case_state::Finding::parse)
            .map(|f| f.label_zh().to_string())
            .unwrap_or_else(|| "—".into()),
        returned_reason: c.returned_reason.clone(),
        public_result: c.public_result.clone(),
        can,
        bureaus: choices(
            p.bureaus.iter().map(|b| (b.key.as_str(), b.name.clone())),
            &lead,
        ),
        districts: choices(
            p.districts.iter().map(|b| (b.key.as_str(), b.name.clone())),
            &district,
        ),
        industries: choices(
            p.industries
                .iter()
                .map(|b| (b.key.as_str(), b.name.clone())),
            &industry,
        ),
        co_choices: p
            .bureaus
            .iter()
            .map(|b| Choice {
                key: b.key.clone(),
                label: b.name.clone(),
                selected: s.co_bureaus.contains(&b.key),
            })
            .collect(),
        dimension_choices: p
            .dimensions
            .iter()
            .map(|b| Choice {
                key: b.key.clone(),
                label: b.name.clone(),
                selected: s.dimensions.contains(&b.key),
            })
            .collect(),
        deadlines: c
            .deadlines
            .iter()
            .map(|d| {
                let step = match d.step.as_str() {
                    "dispatch" => "派单",
                    "verify" => "核查反馈",
                    s if s.starts_with("measure") => "处置措施",
                    _ => "办理",
                };
                // The rule by its name in the pack, not its key.
                let rule = d
                    .source
                    .as_deref()
                    .map(|k| {
                        p.deadlines
                            .iter()
                            .find(|x| x.key == k)
                            .map_or_else(|| k.to_string(), |x| x.measure.clone())
                    })
                    .map(|m| format!("（依据：{m}）"))
                    .unwrap_or_default();
                format!(
                    "{step}：{} 前{}{rule}",
                    d.due_on,
                    if d.overdue { " · 逾期 overdue" } else { "" },
                )
            })
            .collect(),
        measures: c
            .measures
            .iter()
            .map(|m| {
                let label = crate::domain::case_state::Measure::parse(&m.measure)
                    .map(|x| x.label_zh())
                    .unwrap_or("");
                format!(
                    "{label} · 下达 {} · 期限 {} · 延期 {} 个月{}",
                    m.ordered_on,
                    m.due_on,
                    m.extended_months,
                    if m.is_open { "" } else { " · 已结束 done" }
                )
            })
            .collect(),
        notices: c
            .notices
            .iter()
            .map(|n| {
                format!(
                    "{} · {} · {}",
                    crate::clock::local_minute(n.created_at),
                    n.created_by,
                    n.body
                )
            })
            .collect(),
        tips: c
            .tips
            .iter()
            .map(|t| TipRow {
                id: t.id,
                contact: None,
                // (file, thumbnail, label) of each cleaned file.
                files: t
                    .attachments
                    .iter()
                    .map(|a| {
                        (
                            a.url.clone(),
                            a.thumbnail_url.clone(),
                            format!("{} · {} KB", a.kind, (a.size + 1023) / 1024),
                        )
                    })
                    .collect(),
                source: crate::domain::tip_status::TipSource::parse(&t.source)
                    .map_or_else(|| t.source.clone(), |s| s.label_zh().to_string()),
                received_at: crate::clock::local_minute(t.received_at),
                has_contact: t.has_contact,
                description: t.description.clone(),
                enterprise_name: t.enterprise_name.clone(),
                address: t.address.clone(),
            })
            .collect(),
        routing_headline: c
            .routing
            .as_ref()
            .map(|r| crate::routing::explain::headline(r, &state.pack))
            .unwrap_or_default(),
        explanation: c
            .routing
            .as_ref()
            .map(|r| {
                r.explanation
                    .iter()
                    .map(|e| crate::routing::explain::sentence(e, &state.pack))
                    .collect()
            })
            .unwrap_or_default(),
        findings: c
            .obsolete_findings
            .iter()
            .map(|f| {
                format!(
                    "{} · {} · {}",
                    f.citation,
                    f.equipment,
                    if f.obsolete {
                        "淘汰类 obsolete"
                    } else {
                        "未达淘汰标准"
                    }
                )
            })
            .collect(),
        messages: c
            .messages
            .iter()
            .map(|m| MsgRow {
                from: if m.from == "staff" {
                    "工作人员 Staff"
                } else {
                    "举报人 Reporter"
                },
                at: crate::clock::local_minute(m.at),
                body: m.body.clone(),
            })
            .collect(),
        standing: c.list_standing.as_ref().map(|st| {
            let due = st
                .due_on
                .map(|d| format!(" · 整改期限 {d}"))
                .unwrap_or_default();
            format!(
                "{}（{}）· 自 {} 起{due}",
                st.list.label_zh(),
                crate::domain::lists::measure_zh(&st.measure),
                st.since
            )
        }),
        punishments: c
            .punishments
            .into_iter()
            .map(|r| super::staff_outcomes::PunishmentView::new(p, r))
            .collect(),
        history: c
            .history
            .iter()
            .map(|e| super::timeline::line(p, e))
            .collect(),
        review_waiting: c
            .ratings
            .iter()
            .any(|r| r.rating == crate::domain::rating::Rating::Dissatisfied && r.review.is_none())
            && matches!(party, Party::Admin | Party::Dispatcher),
        ratings: c
            .ratings
            .iter()
            .map(|r| {
                let review = match r
                    .review
                    .as_deref()
                    .and_then(crate::domain::rating::Review::parse)
                {
                    Some(v) => format!(
                        " · {}{}",
                        v.label_zh(),
                        r.review_note
                            .as_deref()
                            .map(|n| format!("：{n}"))
                            .unwrap_or_default()
                    ),
                    None if r.rating == crate::domain::rating::Rating::Dissatisfied => {
                        " · 待复核 awaiting review".to_string()
                    }
                    None => String::new(),
                };
                format!(
                    "{} · {}（{}）{}{}",
                    crate::clock::local_minute(r.rated_at),
                    r.rating_label,
                    if r.source == "relay" {
                        "转办平台回访"
                    } else {
                        "举报人评价"
                    },
                    r.comment
                        .as_deref()
                        .map(|c| format!("：{c}"))
                        .unwrap_or_default(),
                    review
                )
            })
            .collect(),
        reopen_count: c.reopen_count,
        form: None,
        done: None,
        next_case: None,
        default_measure,
        measure_citation,
        today: crate::clock::local_day(crate::clock::now()).to_string(),
        firm_line: match (&s.enterprise, &c.enterprise_credit_code) {
            (Some(e), _) => format!("{}（{}）", e.name, e.credit_code),
            (None, Some(code)) => format!("统一社会信用代码 {code}（不在企业登记库中）"),
            (None, None) => "未关联企业 Not linked".into(),
        },
        can_link: matches!(party, Party::Admin | Party::Dispatcher) && s.status.is_open(),
        candidates: c.candidates.iter().map(FirmChoice::of).collect(),
        firm_q: String::new(),
        found: Vec::new(),
        similar: Vec::new(),
    }
}

/// The registry search and the similar open cases: the parts of the case
/// page that need more than the case itself.
async fn add_firm_side(
    state: &AppState,
    staff: &Staff,
    page: &mut CasePage,
    firm_q: Option<String>,
) {
    if !page.can_link {
        return;
    }
    if let Some(q) = firm_q.filter(|q| !q.trim().is_empty()) {
        page.found = case_firm::search_registry(state, &q)
            .iter()
            .map(FirmChoice::of)
            .collect();
        page.firm_q = q;
    }
    let who = Who::from(staff);
    let similar = case_firm::similar(state, &who, page.id)
        .await
        .unwrap_or_default();
    page.similar = similar
        .into_iter()
        .map(|x| {
            let (from, into) = (x.case.id.max(page.id), x.case.id.min(page.id));
            SimilarRow {
                id: x.case.id,
                status_label: x.case.status_label,
                why: x.why,
                firm: x
                    .case
                    .enterprise
                    .as_ref()
                    .map_or_else(|| "未关联".into(), |e| e.name.clone()),
                summary: x
                    .case
                    .first_tip
                    .as_ref()
                    .map_or_else(String::new, |t| t.summary.clone()),
                received: crate::clock::local_minute(x.case.first_seen_at),
                merge_from: from,
                merge_into: into,
            }
        })
        .collect();
}

async fn case_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    id: web::Path<String>,
) -> HttpResponse {
    let Some(staff) = staff else {
        return see_other("/staff/login");
    };
    let Ok(id) = id.parse::<i64>() else {
        return super::public::error_page(StatusCode::NOT_FOUND);
    };
    let query: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let done = body::field(&query, "done").and_then(|v| match v.as_ref() {
        "supervise" => Some("督办"),
        "decline-review" => Some("不予重办"),
        "link" => Some("关联企业"),
        "merge" => Some("合并案件"),
        a => Action::parse(a).map(|a| a.label_zh()),
    });
    match cases::detail(&state, staff.scope(), id).await {
        Ok(c) => {
            let mut page = case_view(&state, &staff, c, None);
            add_firm_side(&state, &staff, &mut page, body::field(&query, "firm_q")).await;
            if done.is_some() {
                page.done = done;
                page.next_case = next_waiting(&state, &staff, id).await;
            }
            html(StatusCode::OK, &page)
        }
        Err(crate::services::ServiceError::NotFound) => {
            super::public::error_page(StatusCode::NOT_FOUND)
        }
        Err(_) => super::public::error_page(StatusCode::SERVICE_UNAVAILABLE),
    }
}

/// "查看联系方式": the reporter's contact shown inline on the case page,
/// for the roles that may read it; the read is audited before it is shown.
async fn contact_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (id, tip) = path.into_inner();
    let form = match staff_forms::read(&req, staff, &id, payload).await {
        Ok(f) => f,
        Err(answer) => return answer,
    };
    let Ok(tip) = tip.parse::<i64>() else {
        return super::public::error_page(StatusCode::NOT_FOUND);
    };
    let (staff, id) = (&form.staff, form.id);
    let who = Who::from(staff);
    let read =
        crate::services::case_admin::read_contact(&state, who, id, tip, crate::clock::now()).await;
    let (status, contact, message) = match read {
        Ok(c) => (
            StatusCode::OK,
            Some(c.unwrap_or_else(|| "（未留联系方式 none left）".into())),
            None,
        ),
        Err(WorkflowError::NotFound) => return super::public::error_page(StatusCode::NOT_FOUND),
        Err(WorkflowError::Forbidden) => (
            StatusCode::FORBIDDEN,
            None,
            Some(staff_forms::FORBIDDEN.to_string()),
        ),
        Err(_) => return super::public::error_page(StatusCode::SERVICE_UNAVAILABLE),
    };
    match cases::detail(&state, staff.scope(), id).await {
        Ok(c) => {
            let mut page = case_view(&state, staff, c, message);
            add_firm_side(&state, staff, &mut page, None).await;
            if let Some(t) = page.tips.iter_mut().find(|t| t.id == tip) {
                t.contact = contact;
            }
            html(status, &page)
        }
        Err(_) => super::public::error_page(status),
    }
}

/// The first case in the reader's "mine" queue other than `id`.
async fn next_waiting(state: &AppState, staff: &Staff, id: i64) -> Option<i64> {
    let mut filter = CaseFilter {
        oldest_first: true,
        limit: 2,
        ..CaseFilter::default()
    };
    match (&staff.role, &staff.bureau) {
        (Role::Bureau, Some(b)) => {
            filter.lead_bureau = Some(b.clone());
            filter.statuses = WITH_BUREAU.iter().map(|s| s.to_string()).collect();
        }
        (Role::District, _) => filter.open_only = true,
        _ => filter.statuses = vec!["received".into(), "returned".into()],
    }
    let page = cases::list(state, staff.scope(), filter).await.ok()?;
    page.items.iter().map(|c| c.id).find(|c| *c != id)
}

/// A case form: the same command as the JSON API, from form fields.
fn command_from_form(
    action: Action,
    f: &[(String, String)],
) -> Result<Command, crate::domain::errors::FieldErrors> {
    let one = |k: &str, zh: &str, en: &str| {
        let mut e = crate::domain::errors::FieldErrors::default();
        e.add(k, zh, en);
        e
    };
    let get = |k: &str| body::field(f, k).filter(|v| !v.trim().is_empty());
    let all = |k: &str| -> Vec<String> {
        f.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let date = |k: &str| -> Result<Option<chrono::NaiveDate>, crate::domain::errors::FieldErrors> {
        get(k)
            .map(|v| crate::domain::day::parse(&v).map_err(|e| one(k, e.zh(), e.en())))
            .transpose()
    };
    use workflow::*;
    Ok(match action {
        Action::Dispatch => Command::Dispatch(DispatchBody {
            lead_bureau: get("lead_bureau").unwrap_or_default(),
            co_bureaus: all("co_bureaus"),
            district: get("district").unwrap_or_default(),
            enterprise_credit_code: get("enterprise_credit_code"),
            dimensions: Some(all("dimensions")).filter(|d| !d.is_empty()),
            industry: get("industry"),
            note: get("note"),
        }),
        Action::Accept => Command::Accept(NoteBody { note: get("note") }),
        Action::Return => Command::Return(ReturnBody {
            reason: get("reason").unwrap_or_default(),
            category: get("category").unwrap_or_default(),
        }),
        Action::Verify => Command::Verify(VerifyBody {
            finding: get("finding").unwrap_or_default(),
            inspected_on: date("inspected_on")?,
            inspectors: get("inspectors")
                .map(|s| {
                    s.split([',', '，', '、'])
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            evidence: get("evidence"),
        }),
        Action::Order => Command::Order(OrderBody {
            measure: get("measure").unwrap_or_default(),
            due_on: date("due_on")?,
            note: get("note"),
        }),
        Action::Extend => Command::Extend(ExtendBody {
            months: get("months")
                .and_then(|m| m.trim().parse().ok())
                .ok_or_else(|| one("months", "须为整数", "a whole number"))?,
            reason: get("reason").unwrap_or_default(),
        }),
        Action::Reinspect => Command::Reinspect(ReinspectBody {
            // An explicit choice: no default either way.
            passed: match get("passed").as_deref() {
                Some("true") => true,
                Some("false") => false,
                _ => {
                    return Err(one(
                        "passed",
                        "请选择复查结果：通过或未通过",
                        "choose the result: passed or failed",
                    ));
                }
            },
            inspected_on: date("inspected_on")?,
            note: get("note"),
        }),
        Action::AcceptExit => Command::AcceptExit(AcceptExitBody {
            equipment: get("equipment").unwrap_or_default(),
            capacity: get("capacity")
                .and_then(|m| m.trim().parse().ok())
                .ok_or_else(|| one("capacity", "须为数字", "a number"))?,
            unit: get("unit").unwrap_or_default(),
            note: get("note"),
        }),
        Action::Close => Command::Close(CloseBody {
            public_note: get("public_note").unwrap_or_default(),
        }),
        Action::Question => Command::Question(QuestionBody {
            body: get("body").unwrap_or_default(),
        }),
        Action::Reopen => Command::Reopen(ReopenBody {
            public_note: get("public_note").unwrap_or_default(),
        }),
        Action::RejectReturn => Command::RejectReturn(RejectReturnBody {
            reason: get("reason").unwrap_or_default(),
        }),
        Action::Redispatch => Command::Redispatch(RedispatchBody {
            lead_bureau: get("lead_bureau").unwrap_or_default(),
            reason: get("reason").unwrap_or_default(),
        }),
    })
}

async fn case_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (id, name) = path.into_inner();
    let form = match staff_forms::read(&req, staff, &id, payload).await {
        Ok(f) => f,
        Err(answer) => return answer,
    };
    let (staff, id) = (&form.staff, form.id);
    let who = Who::from(staff);
    let now = crate::clock::now();
    // Where a success lands: a merge shows the case that kept the tips.
    let mut landing = id;
    let result: Result<(), WorkflowError> = if name == "link" {
        case_firm::link(&state, who, id, form.text("credit_code"), now).await
    } else if name == "merge" {
        match form.text("into").trim().parse::<i64>() {
            Ok(into) => {
                landing = into;
                crate::services::case_admin::merge(&state, who, id, into, now)
                    .await
                    .map(|_| ())
            }
            Err(_) => Err(WorkflowError::NotFound),
        }
    } else if name == "supervise" {
        crate::services::supervision::send_notice(&state, who, id, form.text("body"), now)
            .await
            .map(|_| ())
    } else if name == "decline-review" {
        let reason = form.text("reason");
        use crate::services::ServiceError as S;
        match crate::services::rating::decline_review(&state, who, id, reason).await {
            Ok(_) => Ok(()),
            Err(S::Conflict { zh, en, .. }) => Err(WorkflowError::Invalid({
                let mut f = crate::domain::errors::FieldErrors::default();
                f.add("reason", zh, en);
                f
            })),
            Err(other) => Err(WorkflowError::from(other)),
        }
    } else {
        let Some(action) = Action::parse(&name) else {
            return super::public::error_page(StatusCode::NOT_FOUND);
        };
        match command_from_form(action, &form.pairs) {
            Err(f) => Err(WorkflowError::Invalid(f)),
            Ok(cmd) => workflow::act(&state, who, id, cmd, now).await.map(|_| ()),
        }
    };
    let mut errors = crate::domain::errors::FieldErrors::default();
    let (status, message) = match result {
        // A confirmation and the next case, on the page the redirect shows.
        Ok(()) => return see_other(&format!("/staff/cases/{landing}?done={name}")),
        Err(WorkflowError::NotFound) => return super::public::error_page(StatusCode::NOT_FOUND),
        Err(WorkflowError::Forbidden) => (StatusCode::FORBIDDEN, staff_forms::FORBIDDEN.into()),
        Err(WorkflowError::Conflict { status, .. }) => (
            StatusCode::CONFLICT,
            format!(
                "案件当前状态为“{}”，不能执行此操作 (not allowed now)",
                status.label_zh()
            ),
        ),
        Err(WorkflowError::Invalid(f)) => {
            errors = f;
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "请按标示修改下面的表单，已填写的内容都保留着。 (Correct the marked fields; what you typed is kept.)"
                    .into(),
            )
        }
        Err(WorkflowError::Db(_)) => {
            return super::public::error_page(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    match cases::detail(&state, staff.scope(), id).await {
        Ok(c) => {
            let mut page = case_view(&state, staff, c, Some(message));
            add_firm_side(&state, staff, &mut page, None).await;
            page.form = Some(FormState {
                action: name,
                errors,
                typed: form.pairs.clone(),
            });
            html(status, &page)
        }
        Err(_) => super::public::error_page(status),
    }
}
