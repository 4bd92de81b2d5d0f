//! `/staff/admin/relays`: the relays (the 12345 hotline, the provincial
//! and national platforms), adding one, and one relay's page (a new key,
//! revoking, the call-back URL). The same service functions as
//! `tipline relay …`; a key is shown once, in the answer to the form that
//! made it, and never stored.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::users::ShownOnce;
use super::{Refused, admin, blocking, read_form};
use crate::domain::errors::FieldErrors;
use crate::http::public::{error_page, html};
use crate::http::staff_session::Staff;
use crate::services::relay::accounts::Relay;
use crate::services::relay::accounts::{self, RelayAdminError};
use crate::state::AppState;

/// A relay's source as staff read it: (Chinese, English).
pub fn source_label(source: &str) -> (&'static str, &'static str) {
    match source {
        "hotline" => ("12345 热线", "12345 hotline"),
        "platform" => ("省平台", "provincial platform"),
        "national" => ("国家平台", "national platform"),
        "open311" => ("Open311", "Open311"),
        _ => ("其他", "other"),
    }
}

pub const SOURCES: [&str; 3] = ["hotline", "platform", "national"];

pub struct Row {
    pub id: i64,
    pub name: String,
    pub source_zh: &'static str,
    pub source_en: &'static str,
    pub key_prefix: String,
    pub callback_url: String,
    pub rate_limit: String,
    /// When the key was revoked, Beijing time, or None.
    pub revoked: Option<String>,
    pub key_since: String,
    pub key_age_days: i64,
}

fn row(r: &Relay) -> Row {
    let (source_zh, source_en) = source_label(&r.source);
    Row {
        id: r.id,
        name: r.name.clone(),
        source_zh,
        source_en,
        key_prefix: format!("{}…", r.key_prefix),
        callback_url: r.callback_url.clone().unwrap_or_default(),
        rate_limit: if r.rate_limit == 0 {
            "不限 unlimited".into()
        } else {
            format!("{} 次/分钟 per minute", r.rate_limit)
        },
        revoked: r.revoked_at.map(crate::clock::local_minute),
        key_since: crate::clock::local_minute(r.key_created_at),
        key_age_days: (crate::clock::now() - r.key_created_at).num_days(),
    }
}

pub struct SourceChoice {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub selected: bool,
}

fn source_choices(current: &str) -> Vec<SourceChoice> {
    SOURCES
        .iter()
        .map(|k| {
            let (zh, en) = source_label(k);
            SourceChoice {
                key: k,
                zh,
                en,
                selected: *k == current,
            }
        })
        .collect()
}

/// A service refusal as reasons by field.
fn field_errors(e: &RelayAdminError) -> Option<FieldErrors> {
    let mut f = FieldErrors::default();
    match e {
        RelayAdminError::Invalid { field, zh, en } => f.add(field, zh, en),
        RelayAdminError::Exists(_) => f.add(
            "name",
            "已有同名的转办平台",
            "a relay of this name exists already",
        ),
        _ => return None,
    }
    Some(f)
}

fn failed(e: &RelayAdminError) -> HttpResponse {
    match e {
        RelayAdminError::Unknown(_) => error_page(StatusCode::NOT_FOUND),
        _ => {
            tracing::warn!(error = %e, "relay admin page");
            error_page(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

#[derive(Template)]
#[template(path = "staff/admin/relays.html")]
struct RelaysPage {
    username: String,
    csrf: String,
    is_admin: bool,
    rows: Vec<Row>,
    sources: Vec<SourceChoice>,
    notice: Option<String>,
    once: Option<ShownOnce>,
    form: Refused,
}

async fn relays_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<String>,
    once: Option<ShownOnce>,
    form: Refused,
) -> HttpResponse {
    let st = state.clone();
    let list = match blocking(move || accounts::list(&st.db)).await {
        Ok(Ok(l)) => l,
        Ok(Err(e)) => return failed(&e),
        Err(answer) => return answer,
    };
    let page = RelaysPage {
        username: staff.username.clone(),
        csrf: staff.csrf_token.clone(),
        is_admin: true,
        rows: list.iter().map(row).collect(),
        sources: source_choices(&form.typed("add", "source")),
        notice,
        once,
        form,
    };
    html(status, &page)
}

/// `GET /staff/admin/relays`
pub async fn list(state: web::Data<AppState>, staff: Option<Staff>) -> HttpResponse {
    match admin(staff) {
        Ok(staff) => {
            relays_page(
                &state,
                &staff,
                StatusCode::OK,
                None,
                None,
                Refused::default(),
            )
            .await
        }
        Err(answer) => answer,
    }
}

fn once(name: &str, key: String) -> ShownOnce {
    ShownOnce {
        what: format!("转办平台“{name}”的接入密钥 The key of relay {name}"),
        value: key,
    }
}

/// A rate limit typed into a form: blank is the default.
fn rate_limit(text: &str) -> Result<Option<i32>, FieldErrors> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i32>().map(Some).map_err(|_| {
        let mut f = FieldErrors::default();
        f.add(
            "rate_limit",
            "频率限制须为整数（0 为不限）",
            "the rate limit must be a whole number (0: none)",
        );
        f
    })
}

/// `POST /staff/admin/relays`: add a relay; its key is shown once.
pub async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    payload: web::Payload,
) -> HttpResponse {
    let form = match read_form(&req, staff, payload).await {
        Ok(f) => f,
        Err(answer) => return answer,
    };
    let staff = form.staff.clone();
    let name = form.text("name");
    let source = form.text("source");
    let callback = form.given("callback_url");
    let limit = match rate_limit(&form.text("rate_limit")) {
        Ok(l) => l,
        Err(e) => {
            let refused = Refused::new("add", e, &form);
            return relays_page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                refused,
            )
            .await;
        }
    };
    let (st, actor, n) = (state.clone(), staff.actor(), name.clone());
    let done = blocking(move || {
        accounts::add(
            &st.db,
            &st.secrets,
            &n,
            &source,
            callback.as_deref(),
            limit,
            &actor,
        )
    })
    .await;
    match done {
        Ok(Ok((_, key))) => {
            relays_page(
                &state,
                &staff,
                StatusCode::OK,
                Some(format!("已添加转办平台“{name}”。 Relay {name} added.")),
                Some(once(&name, key)),
                Refused::default(),
            )
            .await
        }
        Ok(Err(e)) => match field_errors(&e) {
            Some(f) => {
                let refused = Refused::new("add", f, &form);
                relays_page(
                    &state,
                    &staff,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    None,
                    refused,
                )
                .await
            }
            None => failed(&e),
        },
        Err(answer) => answer,
    }
}

#[derive(Template)]
#[template(path = "staff/admin/relay.html")]
struct RelayPage {
    username: String,
    csrf: String,
    is_admin: bool,
    relay: Row,
    notice: Option<String>,
    alert: Option<String>,
    once: Option<ShownOnce>,
    form: Refused,
}

async fn find(state: &AppState, id: i64) -> Result<Relay, HttpResponse> {
    let st = state.clone();
    match blocking(move || accounts::list(&st.db)).await? {
        Ok(l) => l
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| error_page(StatusCode::NOT_FOUND)),
        Err(e) => Err(failed(&e)),
    }
}

struct Shown {
    status: StatusCode,
    notice: Option<String>,
    alert: Option<String>,
    once: Option<ShownOnce>,
    form: Refused,
}

async fn relay_page(state: &AppState, staff: &Staff, id: i64, shown: Shown) -> HttpResponse {
    let relay = match find(state, id).await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    html(
        shown.status,
        &RelayPage {
            username: staff.username.clone(),
            csrf: staff.csrf_token.clone(),
            is_admin: true,
            relay: row(&relay),
            notice: shown.notice,
            alert: shown.alert,
            once: shown.once,
            form: shown.form,
        },
    )
}

/// `GET /staff/admin/relays/{id}`
pub async fn page(
    state: web::Data<AppState>,
    staff: Option<Staff>,
    id: web::Path<String>,
) -> HttpResponse {
    let staff = match admin(staff) {
        Ok(s) => s,
        Err(answer) => return answer,
    };
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND);
    };
    let shown = Shown {
        status: StatusCode::OK,
        notice: None,
        alert: None,
        once: None,
        form: Refused::default(),
    };
    relay_page(&state, &staff, id, shown).await
}

/// `POST /staff/admin/relays/{id}/{action}`: rotate (a new key, shown
/// once), revoke, callback (set, or clear when blank).
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (id, action) = path.into_inner();
    let form = match read_form(&req, staff, payload).await {
        Ok(f) => f,
        Err(answer) => return answer,
    };
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND);
    };
    let staff = form.staff.clone();
    let relay = match find(&state, id).await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let name = relay.name.clone();
    let (st, actor, n) = (state.clone(), staff.actor(), name.clone());
    let mut shown = Shown {
        status: StatusCode::OK,
        notice: None,
        alert: None,
        once: None,
        form: Refused::default(),
    };
    let result: Result<(), RelayAdminError> = match action.as_str() {
        "rotate" => {
            match blocking(move || accounts::rotate_key(&st.db, &st.secrets, &n, &actor)).await {
                Ok(Ok(key)) => {
                    shown.once = Some(once(&name, key));
                    shown.notice = Some(format!(
                        "“{name}”已换新密钥，旧密钥立即失效。 Relay {name} has a new key; the old one no longer works."
                    ));
                    Ok(())
                }
                Ok(Err(e)) => Err(e),
                Err(answer) => return answer,
            }
        }
        "revoke" => match blocking(move || accounts::revoke(&st.db, &n, &actor)).await {
            Ok(r) => {
                shown.notice = Some(format!(
                    "“{name}”的密钥已吊销；其工单与回调记录保留，换新密钥即可恢复。 The key of {name} is revoked; its tickets and call-backs stay, and a new key lifts it."
                ));
                r
            }
            Err(answer) => return answer,
        },
        "callback" => {
            let url = form.given("callback_url");
            let clear = url.is_none();
            let done = blocking(move || {
                accounts::configure(&st.db, &n, Some(url.as_deref()), None, None, &actor)
            })
            .await;
            match done {
                Ok(r) => {
                    shown.notice = Some(if clear {
                        format!("“{name}”不再接收回调。 Call-backs to {name} stopped.")
                    } else {
                        format!("“{name}”的回调地址已保存。 Call-back URL of {name} saved.")
                    });
                    r
                }
                Err(answer) => return answer,
            }
        }
        _ => return error_page(StatusCode::NOT_FOUND),
    };
    if let Err(e) = result {
        let Some(f) = field_errors(&e) else {
            return failed(&e);
        };
        shown = Shown {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            notice: None,
            alert: Some(
                "请按标示修改下面的表单，已填写的内容都保留着。 (Correct the marked fields; what you typed is kept.)"
                    .into(),
            ),
            once: None,
            form: Refused::new(&action, f, &form),
        };
    }
    relay_page(&state, &staff, id, shown).await
}
