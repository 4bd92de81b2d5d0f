//! `/staff/admin/users`: the accounts, adding one, and one account's page
//! (role, password reset, disable, the TOTP second factor with a QR code
//! drawn here as SVG). The same service functions as `tipline user …`.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{
    AdminForm, ROLES, Refused, admin, blocking, bureau_name, district_name, failed, read_form,
    role_label,
};
use crate::auth::password;
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::http::pages::Choice;
use crate::http::public::{error_page, html};
use crate::http::staff_session::Staff;
use crate::services::ServiceError;
use crate::services::accounts::{self, Account, AccountChange, NewUser};
use crate::services::second_factor::{self, ConfirmError, Pending};
use crate::state::AppState;

/// One account as the pages show it.
pub struct Row {
    pub username: String,
    pub role_zh: &'static str,
    pub role_en: &'static str,
    pub role_key: &'static str,
    pub bureau: Option<String>,
    pub district: Option<String>,
    /// The bureau's or district's name, or "—".
    pub scope: String,
    pub disabled: bool,
    pub totp_enrolled: bool,
    pub totp_required: bool,
    pub last_login: String,
    pub created: String,
}

fn row(state: &AppState, a: &Account) -> Row {
    let (role_zh, role_en) = role_label(a.role);
    let p = &state.pack;
    let scope = match (&a.bureau, &a.district) {
        (Some(b), _) => bureau_name(p, b),
        (None, Some(d)) => district_name(p, d),
        _ => "—".into(),
    };
    Row {
        username: a.username.clone(),
        role_zh,
        role_en,
        role_key: a.role.map(Role::as_str).unwrap_or(""),
        bureau: a.bureau.clone(),
        district: a.district.clone(),
        scope,
        disabled: a.disabled,
        totp_enrolled: a.totp_enrolled,
        totp_required: a.totp_required,
        last_login: a
            .last_login
            .map(crate::clock::local_minute)
            .unwrap_or_else(|| "—".into()),
        created: crate::clock::local_minute(a.created_at),
    }
}

/// A role choice: key, Chinese, English, selected.
pub struct RoleChoice {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub selected: bool,
}

fn role_choices(current: &str) -> Vec<RoleChoice> {
    ROLES
        .iter()
        .map(|r| {
            let (zh, en) = role_label(Some(*r));
            RoleChoice {
                key: r.as_str(),
                zh,
                en,
                selected: r.as_str() == current,
            }
        })
        .collect()
}

fn bureau_choices(state: &AppState, current: &str) -> Vec<Choice> {
    state
        .pack
        .bureaus
        .iter()
        .map(|b| Choice {
            key: b.key.clone(),
            label: b.name.clone(),
            selected: b.key == current,
        })
        .collect()
}

fn district_choices(state: &AppState, current: &str) -> Vec<Choice> {
    state
        .pack
        .districts
        .iter()
        .map(|d| Choice {
            key: d.key.clone(),
            label: d.name.clone(),
            selected: d.key == current,
        })
        .collect()
}

/// A secret shown once: a new password or a relay key.
pub struct ShownOnce {
    pub what: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "staff/admin/users.html")]
struct UsersPage {
    username: String,
    csrf: String,
    is_admin: bool,
    rows: Vec<Row>,
    roles: Vec<RoleChoice>,
    bureaus: Vec<Choice>,
    districts: Vec<Choice>,
    /// Roles that must use TOTP: (choice, required).
    policy: Vec<(RoleChoice, bool)>,
    notice: Option<String>,
    once: Option<ShownOnce>,
    form: Refused,
}

async fn users_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<String>,
    once: Option<ShownOnce>,
    form: Refused,
) -> HttpResponse {
    let st = state.clone();
    let loaded = blocking(move || -> Result<_, ServiceError> {
        let accounts = accounts::list(&st.db)?;
        let required = second_factor::required_roles(&st.db)?;
        Ok((accounts, required))
    })
    .await;
    let (list, required) = match loaded {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return failed(&e),
        Err(answer) => return answer,
    };
    let typed_role = form.typed("add", "role");
    let page = UsersPage {
        username: staff.username.clone(),
        csrf: staff.csrf_token.clone(),
        is_admin: true,
        rows: list.iter().map(|a| row(state, a)).collect(),
        roles: role_choices(&typed_role),
        bureaus: bureau_choices(state, &form.typed("add", "bureau")),
        districts: district_choices(state, &form.typed("add", "district")),
        policy: ROLES
            .iter()
            .zip(role_choices(""))
            .map(|(r, c)| (c, required.contains(r)))
            .collect(),
        notice,
        once,
        form,
    };
    html(status, &page)
}

/// `GET /staff/admin/users`
pub async fn list(state: web::Data<AppState>, staff: Option<Staff>) -> HttpResponse {
    match admin(staff) {
        Ok(staff) => {
            users_page(
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

/// The role and its bureau or district from a form: the bureau is kept
/// only for a bureau account, the district only for a district account.
fn role_fields(form: &AdminForm) -> Result<(Role, Option<String>, Option<String>), FieldErrors> {
    let Some(role) = Role::parse(&form.text("role")) else {
        let mut e = FieldErrors::default();
        e.add(
            "role",
            "请选择角色：管理员、调度员、部门或区",
            "choose a role: administrator, dispatcher, bureau or district",
        );
        return Err(e);
    };
    let bureau = form.given("bureau").filter(|_| role == Role::Bureau);
    let district = form.given("district").filter(|_| role == Role::District);
    Ok((role, bureau, district))
}

/// `POST /staff/admin/users`: add an account. A blank password is made
/// here and shown once.
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
    let username = form.text("username");
    let (role, bureau, district) = match role_fields(&form) {
        Ok(r) => r,
        Err(mut e) => {
            // Say everything at once: the username too.
            let probe = NewUser {
                username: username.clone(),
                password: "x".repeat(password::MIN_LENGTH),
                role: Role::Admin,
                bureau: None,
                district: None,
            };
            if let Err(more) = accounts::check_new_user(&probe, &state.pack) {
                e.0.extend(more.0);
            }
            let refused = Refused::new("add", e, &form);
            return users_page(
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
    let typed = form.given("password");
    let generated = typed.is_none();
    let pass = typed.unwrap_or_else(password::generate);
    let user = NewUser {
        username: username.clone(),
        password: pass.clone(),
        role,
        bureau,
        district,
    };
    let st = state.clone();
    let actor = staff.actor();
    let done = blocking(move || accounts::add_user_by(&st.db, &st.pack, user, &actor)).await;
    match done {
        Ok(Ok(_)) => {
            let (zh, en) = role_label(Some(role));
            let once = generated.then(|| ShownOnce {
                what: format!("{username} 的初始密码 Initial password of {username}"),
                value: pass,
            });
            users_page(
                &state,
                &staff,
                StatusCode::OK,
                Some(format!(
                    "已添加账号 {username}（{zh}）。 Account {username} ({en}) added."
                )),
                once,
                Refused::default(),
            )
            .await
        }
        Ok(Err(ServiceError::Invalid(e))) => {
            let refused = Refused::new("add", e, &form);
            users_page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                refused,
            )
            .await
        }
        Ok(Err(e)) => failed(&e),
        Err(answer) => answer,
    }
}

/// `POST /staff/admin/totp-policy`: which roles must use TOTP (a checkbox
/// per role); only the roles whose requirement changes are written.
pub async fn policy(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    payload: web::Payload,
) -> HttpResponse {
    let form = match read_form(&req, staff, payload).await {
        Ok(f) => f,
        Err(answer) => return answer,
    };
    let wanted: Vec<Role> = form
        .pairs
        .iter()
        .filter(|(k, _)| k == "require")
        .filter_map(|(_, v)| Role::parse(v))
        .collect();
    let st = state.clone();
    let actor = form.staff.actor();
    let done = blocking(move || -> anyhow::Result<usize> {
        let now = crate::clock::now();
        let before = second_factor::required_roles(&st.db)?;
        let mut changed = 0;
        for r in ROLES {
            let want = wanted.contains(&r);
            if want != before.contains(&r) {
                second_factor::require_for_role_by(&st.db, &actor, r, want, now)?;
                changed += 1;
            }
        }
        Ok(changed)
    })
    .await;
    match done {
        Ok(Ok(n)) => {
            users_page(
                &state,
                &form.staff,
                StatusCode::OK,
                Some(format!(
                    "动态验证码要求已保存（{n} 个角色有变化）。 TOTP requirement saved ({n} role(s) changed)."
                )),
                None,
                Refused::default(),
            )
            .await
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "totp policy");
            error_page(StatusCode::SERVICE_UNAVAILABLE)
        }
        Err(answer) => answer,
    }
}

/// A pending TOTP enrolment as the page shows it.
pub struct EnrolView {
    pub svg: String,
    pub uri: String,
    pub secret: String,
    pub token: String,
}

fn enrol_view(p: &Pending) -> EnrolView {
    EnrolView {
        svg: qr_svg(&p.uri),
        uri: p.uri.clone(),
        secret: p.secret_groups(),
        token: p.token.clone(),
    }
}

/// The URI as a QR code, drawn here as inline SVG (no script, no image
/// request, nothing leaves the server).
fn qr_svg(uri: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::with_error_correction_level(uri, qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code
                .render::<svg::Color>()
                .min_dimensions(200, 200)
                .dark_color(svg::Color("#000"))
                .light_color(svg::Color("#fff"))
                .quiet_zone(true)
                .build();
            // Inline in HTML: drop the XML declaration, name it for readers.
            let start = svg.find("<svg").unwrap_or(0);
            svg[start..].replacen(
                "<svg",
                "<svg role=\"img\" aria-label=\"动态验证码二维码 TOTP QR code\"",
                1,
            )
        }
        Err(_) => String::new(),
    }
}

#[derive(Template)]
#[template(path = "staff/admin/user.html")]
struct UserPage {
    username: String,
    csrf: String,
    is_admin: bool,
    user: Row,
    roles: Vec<RoleChoice>,
    bureaus: Vec<Choice>,
    districts: Vec<Choice>,
    notice: Option<String>,
    alert: Option<String>,
    once: Option<ShownOnce>,
    enrol: Option<EnrolView>,
    form: Refused,
}

struct Shown {
    status: StatusCode,
    notice: Option<String>,
    alert: Option<String>,
    once: Option<ShownOnce>,
    enrol: Option<EnrolView>,
    form: Refused,
}

impl Shown {
    fn ok(notice: String) -> Shown {
        Shown {
            status: StatusCode::OK,
            notice: Some(notice),
            alert: None,
            once: None,
            enrol: None,
            form: Refused::default(),
        }
    }

    fn plain() -> Shown {
        Shown {
            status: StatusCode::OK,
            notice: None,
            alert: None,
            once: None,
            enrol: None,
            form: Refused::default(),
        }
    }

    fn refused(form: Refused) -> Shown {
        Shown {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            alert: Some(
                "请按标示修改下面的表单，已填写的内容都保留着。 (Correct the marked fields; what you typed is kept.)"
                    .into(),
            ),
            form,
            ..Shown::plain()
        }
    }
}

async fn user_page(state: &AppState, staff: &Staff, name: String, shown: Shown) -> HttpResponse {
    let st = state.clone();
    let found = blocking(move || accounts::get(&st.db, &name)).await;
    let account = match found {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return failed(&e),
        Err(answer) => return answer,
    };
    let user = row(state, &account);
    let form = shown.form;
    let pick = |field: &str, current: &Option<String>| {
        if form.is("role") {
            form.typed("role", field)
        } else {
            current.clone().unwrap_or_default()
        }
    };
    let role_now = if form.is("role") {
        form.typed("role", "role")
    } else {
        user.role_key.to_string()
    };
    let page = UserPage {
        username: staff.username.clone(),
        csrf: staff.csrf_token.clone(),
        is_admin: true,
        roles: role_choices(&role_now),
        bureaus: bureau_choices(state, &pick("bureau", &user.bureau)),
        districts: district_choices(state, &pick("district", &user.district)),
        user,
        notice: shown.notice,
        alert: shown.alert,
        once: shown.once,
        enrol: shown.enrol,
        form,
    };
    html(shown.status, &page)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// `GET /staff/admin/users/{name}`
pub async fn page(
    state: web::Data<AppState>,
    staff: Option<Staff>,
    name: web::Path<String>,
) -> HttpResponse {
    let staff = match admin(staff) {
        Ok(s) => s,
        Err(answer) => return answer,
    };
    let name = name.into_inner();
    if !valid_name(&name) {
        return error_page(StatusCode::NOT_FOUND);
    }
    user_page(&state, &staff, name, Shown::plain()).await
}

/// `POST /staff/admin/users/{name}/{action}`: disable, enable, reset, role,
/// totp (begin enrolling), totp-confirm, totp-remove.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Option<Staff>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (name, action) = path.into_inner();
    let form = match read_form(&req, staff, payload).await {
        Ok(f) => f,
        Err(answer) => return answer,
    };
    if !valid_name(&name) {
        return error_page(StatusCode::NOT_FOUND);
    }
    let staff = form.staff.clone();
    let actor = staff.actor();
    let now = crate::clock::now();
    let change = |change: AccountChange| {
        let (st, actor, name) = (state.clone(), actor.clone(), name.clone());
        blocking(move || accounts::change_account(&st.db, &st.pack, &actor, &name, change))
    };
    let shown = match action.as_str() {
        "disable" | "enable" => {
            let disable = action == "disable";
            let c = if disable {
                AccountChange::Disable
            } else {
                AccountChange::Enable
            };
            match change(c).await {
                Ok(Ok(())) => Shown::ok(if disable {
                    format!(
                        "{name} 已停用，其会话均已结束。 {name} is disabled; its sessions ended."
                    )
                } else {
                    format!("{name} 已启用。 {name} is enabled.")
                }),
                Ok(Err(ServiceError::Invalid(e))) => {
                    Shown::refused(Refused::new(&action, e, &form))
                }
                Ok(Err(e)) => return failed(&e),
                Err(answer) => return answer,
            }
        }
        "reset" => {
            let typed = form.given("password");
            let generated = typed.is_none();
            let pass = typed.unwrap_or_else(password::generate);
            match change(AccountChange::ResetPassword(pass.clone())).await {
                Ok(Ok(())) => Shown {
                    once: generated.then(|| ShownOnce {
                        what: format!("{name} 的新密码 New password of {name}"),
                        value: pass,
                    }),
                    ..Shown::ok(format!(
                        "{name} 的密码已重置，其会话均已结束。 The password of {name} is reset; its sessions ended."
                    ))
                },
                Ok(Err(ServiceError::Invalid(e))) => {
                    Shown::refused(Refused::new("reset", e, &form))
                }
                Ok(Err(e)) => return failed(&e),
                Err(answer) => return answer,
            }
        }
        "role" => {
            let (role, bureau, district) = match role_fields(&form) {
                Ok(r) => r,
                Err(e) => {
                    let shown = Shown::refused(Refused::new("role", e, &form));
                    return user_page(&state, &staff, name, shown).await;
                }
            };
            let c = AccountChange::Role {
                role,
                bureau,
                district,
            };
            match change(c).await {
                Ok(Ok(())) => {
                    let (zh, en) = role_label(Some(role));
                    Shown::ok(format!(
                        "{name} 现为{zh}，其会话均已结束。 {name} is now {en}; its sessions ended."
                    ))
                }
                Ok(Err(ServiceError::Invalid(e))) => Shown::refused(Refused::new("role", e, &form)),
                Ok(Err(e)) => return failed(&e),
                Err(answer) => return answer,
            }
        }
        "totp" => match second_factor::begin(&state.secrets, &name, now) {
            Ok(p) => Shown {
                enrol: Some(enrol_view(&p)),
                ..Shown::plain()
            },
            Err(e) => {
                tracing::warn!(error = %e, "totp begin");
                return error_page(StatusCode::SERVICE_UNAVAILABLE);
            }
        },
        "totp-confirm" => {
            let (st, actor2, name2) = (state.clone(), actor.clone(), name.clone());
            let (token, code) = (form.text("token"), form.text("code"));
            let done = blocking(move || {
                second_factor::confirm(&st.db, &st.secrets, &actor2, &name2, &token, &code, now)
            })
            .await;
            match done {
                Ok(Ok(())) => Shown::ok(format!(
                    "{name} 已开启动态验证码，其会话均已结束；下次登录须填写验证码。 TOTP is on for {name}; its sessions ended and the next login asks for a code."
                )),
                Ok(Err(ConfirmError::WrongCode(p))) => {
                    let mut e = FieldErrors::default();
                    e.add(
                        "code",
                        "验证码不对：请填写验证器应用当前显示的6位数字",
                        "wrong code: type the 6 digits the app shows now",
                    );
                    Shown {
                        enrol: Some(enrol_view(&p)),
                        ..Shown::refused(Refused::new("totp-confirm", e, &form))
                    }
                }
                Ok(Err(ConfirmError::Expired)) => Shown {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    alert: Some(
                        "此次开启已过期（15分钟）或不属于此账号，请重新开始。 This enrolment expired (15 minutes) or is for another account: begin again."
                            .into(),
                    ),
                    ..Shown::plain()
                },
                Ok(Err(ConfirmError::Failed(e))) => {
                    tracing::warn!(error = %e, "totp confirm");
                    return error_page(StatusCode::SERVICE_UNAVAILABLE);
                }
                Err(answer) => return answer,
            }
        }
        "totp-remove" => {
            let (st, actor2, name2) = (state.clone(), actor.clone(), name.clone());
            match blocking(move || second_factor::remove_by(&st.db, &actor2, &name2, now)).await {
                Ok(Ok(())) => Shown::ok(format!(
                    "已关闭 {name} 的动态验证码。 TOTP removed from {name}."
                )),
                Ok(Err(_)) => return error_page(StatusCode::NOT_FOUND),
                Err(answer) => return answer,
            }
        }
        _ => return error_page(StatusCode::NOT_FOUND),
    };
    user_page(&state, &staff, name, shown).await
}
