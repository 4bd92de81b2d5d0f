//! The administrator's pages under /staff/admin (issue 17): only
//! administrators see them; accounts, relays and the registry upload are
//! changed through forms with the CSRF token, each change audited, each
//! refusal shown by its field with what was typed kept.
//! SQLite by default, PostgreSQL with TIPLINE_TEST_DATABASE_URL.
use crate::common;
use crate::relay_support::{relay_post, ticket};

use common::{PASSWORD, Reply, TestApp};
use tipline::domain::credit_code::CreditCode;

fn get(app: &TestApp, path: &str, cookie: &str) -> Reply {
    app.send("GET", path, Some(cookie), None, None)
}

fn post(app: &TestApp, path: &str, cookie: &str, pairs: &[(&str, &str)]) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    app.send_form(path, Some(cookie), &body)
}

/// A server with an administrator signed in: (app, cookie, csrf).
fn with_admin() -> (TestApp, String, String) {
    let app = TestApp::spawn();
    app.add_user("boss", "admin", None, None);
    let (cookie, csrf) = app.login("boss");
    (app, cookie, csrf)
}

/// The value shown once on the page (a password or a key).
fn shown_once(body: &str) -> String {
    let start = body
        .find("class=\"secret\"><code>")
        .expect("a value shown once")
        + "class=\"secret\"><code>".len();
    let end = start + body[start..].find("</code>").unwrap();
    body[start..end].to_string()
}

/// The value of the hidden input `name`.
fn hidden(body: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = body.find(&key).unwrap_or_else(|| panic!("no {name}")) + key.len();
    let end = start + body[start..].find('"').unwrap();
    body[start..end].to_string()
}

/// The page between the label of `id` and its input: where its errors are.
fn by_field<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("<label for=\"{id}\""))
        .unwrap_or_else(|| panic!("no label for {id}"));
    let end = start + body[start..].find(&format!("id=\"{id}\"")).unwrap();
    &body[start..end]
}

fn login_status(app: &TestApp, username: &str, password: &str) -> u16 {
    app.post_json(
        "/api/v1/session",
        &serde_json::json!({"username": username, "password": password}),
    )
    .status
}

fn audit_by(app: &TestApp, actor: &str) -> Vec<(String, String)> {
    let mut conn = app.state.db.read_conn().unwrap();
    tipline::db::audit::by_actor(&mut conn, actor)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.subject))
        .collect()
}

fn user_count(app: &TestApp) -> usize {
    tipline::services::accounts::list(&app.state.db)
        .unwrap()
        .len()
}

#[test]
fn only_administrators_see_the_admin_pages() {
    let (app, admin_cookie, _) = with_admin();
    app.add_user("disp1", "dispatcher", None, None);
    app.add_user("env1", "bureau", Some("ecology_environment"), None);
    app.add_user("ba1", "district", None, Some("baoan"));
    let pages = [
        "/staff/admin",
        "/staff/admin/users",
        "/staff/admin/users/boss",
        "/staff/admin/relays",
        "/staff/admin/relays/1",
        "/staff/admin/enterprises",
    ];
    let posts = [
        "/staff/admin/users",
        "/staff/admin/totp-policy",
        "/staff/admin/users/boss/disable",
        "/staff/admin/users/boss/reset",
        "/staff/admin/users/boss/role",
        "/staff/admin/users/boss/totp",
        "/staff/admin/users/boss/totp-confirm",
        "/staff/admin/relays",
        "/staff/admin/relays/1/rotate",
        "/staff/admin/relays/1/revoke",
        "/staff/admin/enterprises",
    ];
    for who in ["disp1", "env1", "ba1"] {
        let (cookie, csrf) = app.login(who);
        for p in pages {
            assert_eq!(get(&app, p, &cookie).status, 404, "{who} GET {p}");
        }
        for p in posts {
            let r = post(&app, p, &cookie, &[("csrf", &csrf), ("username", "x")]);
            assert_eq!(r.status, 404, "{who} POST {p}");
        }
        // Their pages do not link to it.
        assert!(
            !get(&app, "/staff/queue", &cookie)
                .body
                .contains("/staff/admin")
        );
    }
    // Nothing was changed by them.
    assert_eq!(login_status(&app, "boss", PASSWORD), 200);
    // Signed out: the login page.
    assert_eq!(app.get("/staff/admin/users").status, 303);
    // The administrator sees every page, and the link in the navigation.
    for p in [
        "/staff/admin",
        "/staff/admin/users",
        "/staff/admin/relays",
        "/staff/admin/enterprises",
    ] {
        let r = get(&app, p, &admin_cookie);
        assert_eq!(r.status, 200, "{p}: {}", r.body);
        assert!(!r.body.contains("UTC"), "{p}");
    }
    let queue = get(&app, "/staff/queue", &admin_cookie);
    assert!(queue.body.contains("href=\"/staff/admin\""));
    // The index names the pack and its calendar years.
    let index = get(&app, "/staff/admin", &admin_cookie);
    assert!(
        index.body.contains(&app.state.pack.meta.name),
        "{}",
        index.body
    );
    assert!(index.body.contains("2019 年"), "{}", index.body);
    assert!(index.body.contains("tipline pack check"));
}

#[test]
fn an_admin_adds_a_user_who_can_log_in_and_it_is_audited() {
    let (app, cookie, csrf) = with_admin();
    let r = post(
        &app,
        "/staff/admin/users",
        &cookie,
        &[
            ("csrf", &csrf),
            ("username", "envstaff"),
            ("role", "bureau"),
            ("bureau", "ecology_environment"),
            ("district", "baoan"),
            ("password", ""),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let password = shown_once(&r.body);
    assert!(password.len() >= 12, "{password}");
    assert!(r.body.contains("只显示这一次"));
    // The list names the role and bureau in Chinese, never their keys.
    assert!(r.body.contains("生态环境局"), "{}", r.body);
    assert!(!r.body.contains(">ecology_environment<"));
    // The user logs in with it; the district was not kept for a bureau account.
    assert_eq!(login_status(&app, "envstaff", &password), 200);
    let account = tipline::services::accounts::get(&app.state.db, "envstaff").unwrap();
    assert_eq!(account.bureau.as_deref(), Some("ecology_environment"));
    assert_eq!(account.district, None);
    // Audited under the administrator's name.
    let audit = audit_by(&app, "user:boss");
    assert!(
        audit.contains(&("user.add".into(), "user:envstaff".into())),
        "{audit:?}"
    );
    // The page shown again does not show the password.
    let again = get(&app, "/staff/admin/users", &cookie);
    assert!(!again.body.contains(&password));
    assert!(again.body.contains("envstaff"));
    // Without the CSRF token: refused, nothing written.
    let r = post(
        &app,
        "/staff/admin/users",
        &cookie,
        &[("username", "sneaky"), ("role", "admin"), ("password", "")],
    );
    assert_eq!(r.status, 403);
    assert!(tipline::services::accounts::get(&app.state.db, "sneaky").is_err());
}

#[test]
fn a_refused_add_shows_each_error_by_its_field_keeps_the_values_and_writes_nothing() {
    let (app, cookie, csrf) = with_admin();
    let before = (user_count(&app), audit_by(&app, "user:boss").len());
    // A taken username.
    let r = post(
        &app,
        "/staff/admin/users",
        &cookie,
        &[
            ("csrf", &csrf),
            ("username", "boss"),
            ("role", "dispatcher"),
            ("password", "another long password"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        by_field(&r.body, "new_username").contains("用户名已存在"),
        "{}",
        r.body
    );
    assert!(r.body.contains("id=\"new_username\" name=\"username\""));
    assert!(r.body.contains("value=\"boss\""));
    assert!(r.body.contains("value=\"dispatcher\" selected"));
    assert!(
        !r.body.contains("another long password"),
        "passwords are not echoed"
    );
    // An unknown role, and a bad username with it: both by their fields.
    let r = post(
        &app,
        "/staff/admin/users",
        &cookie,
        &[("csrf", &csrf), ("username", "a b"), ("role", "emperor")],
    );
    assert_eq!(r.status, 422);
    assert!(
        by_field(&r.body, "new_role").contains("请选择角色"),
        "{}",
        r.body
    );
    assert!(
        by_field(&r.body, "new_username").contains("用户名须为"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"a b\""));
    // A bureau account without its bureau.
    let r = post(
        &app,
        "/staff/admin/users",
        &cookie,
        &[
            ("csrf", &csrf),
            ("username", "nobureau"),
            ("role", "bureau"),
            ("bureau", ""),
            ("password", ""),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(
        by_field(&r.body, "new_bureau").contains("部门账号须指定本方案中的部门"),
        "{}",
        r.body
    );
    assert!(by_field(&r.body, "new_bureau").contains("(a bureau account needs"));
    assert!(r.body.contains("value=\"nobureau\""));
    assert!(r.body.contains("value=\"bureau\" selected"));
    // Nothing written.
    assert_eq!(
        (user_count(&app), audit_by(&app, "user:boss").len()),
        before
    );
}

#[test]
fn disabling_ends_the_session_and_a_reset_shows_a_new_password_once() {
    let (app, cookie, csrf) = with_admin();
    app.add_user("disp1", "dispatcher", None, None);
    let (user_cookie, _) = app.login("disp1");
    assert_eq!(get(&app, "/api/v1/cases", &user_cookie).status, 200);
    let r = post(
        &app,
        "/staff/admin/users/disp1/disable",
        &cookie,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已停用"), "{}", r.body);
    assert_eq!(get(&app, "/api/v1/cases", &user_cookie).status, 401);
    assert_ne!(login_status(&app, "disp1", PASSWORD), 200);
    // An administrator cannot disable themselves.
    let r = post(
        &app,
        "/staff/admin/users/boss/disable",
        &cookie,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能停用自己的账号"));
    assert_eq!(get(&app, "/staff/admin", &cookie).status, 200);
    // Enable, log in, then a reset ends that session too.
    let r = post(
        &app,
        "/staff/admin/users/disp1/enable",
        &cookie,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 200);
    let (user_cookie, _) = app.login("disp1");
    let r = post(
        &app,
        "/staff/admin/users/disp1/reset",
        &cookie,
        &[("csrf", &csrf), ("password", "")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let new = shown_once(&r.body);
    assert_ne!(new, PASSWORD);
    assert_eq!(get(&app, "/api/v1/cases", &user_cookie).status, 401);
    assert_ne!(login_status(&app, "disp1", PASSWORD), 200);
    assert_eq!(login_status(&app, "disp1", &new), 200);
    // Shown once: not on the account's page afterwards.
    let page = get(&app, "/staff/admin/users/disp1", &cookie);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(&new));
    // A typed password too short is refused by its field.
    let r = post(
        &app,
        "/staff/admin/users/disp1/reset",
        &cookie,
        &[("csrf", &csrf), ("password", "short")],
    );
    assert_eq!(r.status, 422);
    assert!(by_field(&r.body, "reset_password").contains("密码至少12位"));
    // A role change: the district's name on the page, the change audited.
    let r = post(
        &app,
        "/staff/admin/users/disp1/role",
        &cookie,
        &[
            ("csrf", &csrf),
            ("role", "district"),
            ("district", "longgang"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("龙岗区"), "{}", r.body);
    let audit = audit_by(&app, "user:boss");
    for action in [
        "user.disable",
        "user.enable",
        "user.reset_password",
        "user.role",
    ] {
        assert!(
            audit.contains(&(action.into(), "user:disp1".into())),
            "{action}: {audit:?}"
        );
    }
}

/// RFC 4648 base32 without padding.
fn base32_decode(s: &str) -> Vec<u8> {
    const A: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buf, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in s.chars() {
        buf = (buf << 5) | A.find(c).expect("base32") as u32;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

#[test]
fn totp_enrolment_draws_a_qr_code_and_a_correct_first_code_enrols() {
    let (app, cookie, csrf) = with_admin();
    app.add_user("disp1", "dispatcher", None, None);
    let r = post(
        &app,
        "/staff/admin/users/disp1/totp",
        &cookie,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<svg"), "{}", r.body);
    assert!(r.body.contains("otpauth://totp/tipline:disp1?secret="));
    let start = r.body.find("secret=").unwrap() + "secret=".len();
    let end = start + r.body[start..].find('&').unwrap();
    let secret = base32_decode(&r.body[start..end]);
    assert_eq!(secret.len(), 20);
    let token = hidden(&r.body, "token");
    // Not enrolled before a code confirms it.
    assert!(
        !tipline::services::accounts::get(&app.state.db, "disp1")
            .unwrap()
            .totp_enrolled
    );
    let unix = tipline::db::now().and_utc().timestamp();
    let right = format!("{:06}", tipline::domain::totp::code_at(&secret, unix));
    let wrong = format!(
        "{:06}",
        (right.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let confirm = "/staff/admin/users/disp1/totp-confirm";
    let r = post(
        &app,
        confirm,
        &cookie,
        &[("csrf", &csrf), ("token", &token), ("code", &wrong)],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        by_field(&r.body, "code").contains("验证码不对"),
        "{}",
        r.body
    );
    assert!(r.body.contains("<svg") && r.body.contains(&format!("value=\"{wrong}\"")));
    assert!(
        !tipline::services::accounts::get(&app.state.db, "disp1")
            .unwrap()
            .totp_enrolled
    );
    // A token for another account is refused.
    let r = post(
        &app,
        "/staff/admin/users/boss/totp-confirm",
        &cookie,
        &[("csrf", &csrf), ("token", &token), ("code", &right)],
    );
    assert_eq!(r.status, 422);
    assert!(
        !tipline::services::accounts::get(&app.state.db, "boss")
            .unwrap()
            .totp_enrolled
    );
    let r = post(
        &app,
        confirm,
        &cookie,
        &[("csrf", &csrf), ("token", &token), ("code", &right)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已开启动态验证码"), "{}", r.body);
    assert!(
        tipline::services::accounts::get(&app.state.db, "disp1")
            .unwrap()
            .totp_enrolled
    );
    // The password alone no longer logs in.
    assert_ne!(login_status(&app, "disp1", PASSWORD), 200);
    assert!(audit_by(&app, "user:boss").contains(&("totp.enrol".into(), "user:disp1".into())));
    // The role requirement from the policy form, audited.
    let r = post(
        &app,
        "/staff/admin/totp-policy",
        &cookie,
        &[("csrf", &csrf), ("require", "admin")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        tipline::services::second_factor::required_roles(&app.state.db).unwrap(),
        vec![tipline::domain::role::Role::Admin]
    );
    assert!(audit_by(&app, "user:boss").contains(&("policy.totp".into(), "role:admin".into())));
}

/// The relay's page link in the list: its id.
fn relay_id(body: &str) -> String {
    let start =
        body.find("href=\"/staff/admin/relays/").unwrap() + "href=\"/staff/admin/relays/".len();
    let end = start + body[start..].find('"').unwrap();
    body[start..end].to_string()
}

#[test]
fn a_relay_added_rotated_and_revoked_through_the_pages() {
    let (app, cookie, csrf) = with_admin();
    let r = post(
        &app,
        "/staff/admin/relays",
        &cookie,
        &[
            ("csrf", &csrf),
            ("name", "市12345热线"),
            ("source", "hotline"),
            ("callback_url", ""),
            ("rate_limit", "0"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let key = shown_once(&r.body);
    assert!(r.body.contains("只显示这一次"));
    assert!(r.body.contains("12345 热线"));
    assert!(!r.body.contains(">hotline<"));
    let tickets = "/api/v1/relay/tips";
    assert_eq!(
        relay_post(&app.base, Some(&key), tickets, &ticket("A-1")).status,
        201
    );
    let id = relay_id(&r.body);
    // Refused: a second relay of that name, and a call-back URL that is no URL.
    let r = post(
        &app,
        "/staff/admin/relays",
        &cookie,
        &[
            ("csrf", &csrf),
            ("name", "市12345热线"),
            ("source", "national"),
            ("callback_url", "ftp://x"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(
        by_field(&r.body, "relay_callback").contains("http://"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"ftp://x\""));
    assert!(r.body.contains("value=\"national\" selected"));
    let r = post(
        &app,
        &format!("/staff/admin/relays/{id}/callback"),
        &cookie,
        &[("csrf", &csrf), ("callback_url", "not a url")],
    );
    assert_eq!(r.status, 422);
    assert!(
        by_field(&r.body, "callback_url").contains("回调地址须以"),
        "{}",
        r.body
    );
    let r = post(
        &app,
        &format!("/staff/admin/relays/{id}/callback"),
        &cookie,
        &[
            ("csrf", &csrf),
            ("callback_url", "https://relay.example/cb"),
        ],
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("https://relay.example/cb"));
    // A new key: shown once; the old one stops working at once.
    let r = post(
        &app,
        &format!("/staff/admin/relays/{id}/rotate"),
        &cookie,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let new = shown_once(&r.body);
    assert_ne!(new, key);
    assert_eq!(
        relay_post(&app.base, Some(&key), tickets, &ticket("A-2")).status,
        401
    );
    assert_eq!(
        relay_post(&app.base, Some(&new), tickets, &ticket("A-3")).status,
        201
    );
    // Revoked: the new key stops too.
    let r = post(
        &app,
        &format!("/staff/admin/relays/{id}/revoke"),
        &cookie,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已吊销"));
    assert_eq!(
        relay_post(&app.base, Some(&new), tickets, &ticket("A-4")).status,
        401
    );
    let audit = audit_by(&app, "user:boss");
    for action in [
        "relay.add",
        "relay.configure",
        "relay.rotate_key",
        "relay.revoke",
    ] {
        assert!(
            audit
                .iter()
                .any(|(a, s)| a == action && s == "relay:市12345热线"),
            "{action}: {audit:?}"
        );
    }
    // The outbox page has the staff layout and leads back.
    let outbox = get(&app, "/staff/relays/outbox", &cookie);
    assert_eq!(outbox.status, 200);
    assert!(outbox.body.contains("href=\"/staff/admin/relays\""));
    assert!(outbox.body.contains("/staff/logout"));
}

fn multipart(boundary: &str, csrf: &str, csv: &str) -> Vec<u8> {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    )
    .into_bytes()
}

#[test]
fn a_registry_upload_reports_the_bad_line_and_imports_the_good_rows() {
    let (app, cookie, csrf) = with_admin();
    let before = tipline::services::registry::size(&app.state.db).unwrap();
    let code = |n| CreditCode::generate_valid(n).as_str().to_string();
    let csv = format!(
        "credit_code,name,address,district,industry\n\
         {},深圳市甲钢铁有限公司,宝安区沙井街道1号,宝安区,钢铁\n\
         {},深圳市乙水泥有限公司,龙岗区坪地街道2号,龙岗区,cement\n\
         {},深圳市丙纸业有限公司,地址,朝阳区,造纸\n",
        code(101),
        code(102),
        code(103)
    );
    let boundary = "XyZadminBoundary";
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = app.post_with(
        "/staff/admin/enterprises",
        &ct,
        &[("Cookie", &cookie)],
        multipart(boundary, &csrf, &csv),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("新增 2 家，更新 0 家，拒绝 1 行"),
        "{}",
        r.body
    );
    assert!(r.body.contains("第 4 行"), "{}", r.body);
    assert!(r.body.contains("本方案中没有“朝阳区”"), "{}", r.body);
    assert!(r.body.contains("district: unknown `朝阳区`"));
    let after = tipline::services::registry::size(&app.state.db).unwrap();
    assert_eq!(after.enterprises, before.enterprises + 2);
    assert!(after.version > before.version);
    assert!(
        r.body.contains(&format!("<dd>{}</dd>", after.enterprises)),
        "{}",
        r.body
    );
    assert!(
        audit_by(&app, "user:boss").contains(&("enterprises.import".into(), "registry".into()))
    );
    // A wrong token imports nothing; a missing header is said by the field.
    let r = app.post_with(
        "/staff/admin/enterprises",
        &ct,
        &[("Cookie", &cookie)],
        multipart(boundary, "wrong", &csv),
    );
    assert_eq!(r.status, 403);
    let r = app.post_with(
        "/staff/admin/enterprises",
        &ct,
        &[("Cookie", &cookie)],
        multipart(boundary, &csrf, "name,address\nx,y\n"),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        by_field(&r.body, "file").contains("表头须包含"),
        "{}",
        r.body
    );
    assert_eq!(
        tipline::services::registry::size(&app.state.db)
            .unwrap()
            .enterprises,
        after.enterprises
    );
}
