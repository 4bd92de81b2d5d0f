//! Logins and sessions (issue 13): no lock a stranger can put on an
//! account; a guessing client is held back even with the right password;
//! parallel guesses are all counted; a reset, a disable or a role change
//! ends every session, and so does the absolute lifetime.
use crate::common;

use common::TestApp;
use diesel::prelude::*;
use serde_json::json;
use tipline::db::schema::{audit_log, users};
use tipline::services::accounts::{AccountChange, change_account};

/// A server behind one trusted proxy, so a test can speak from many clients.
fn app() -> TestApp {
    let mut serve = common::serve_args(1000);
    serve.trusted_proxies = "1".into();
    TestApp::spawn_with(serve)
}

fn login_from(app: &TestApp, client: &str, username: &str, password: &str) -> common::Reply {
    app.post_with(
        "/api/v1/session",
        "application/json",
        &[("X-Forwarded-For", client)],
        json!({"username": username, "password": password}).to_string(),
    )
}

fn failures(app: &TestApp, username: &str) -> i32 {
    let mut conn = app.state.db.read_conn().unwrap();
    users::table
        .filter(users::username.eq(username))
        .select(users::failed_logins)
        .first(&mut *conn)
        .unwrap()
}

fn audited(app: &TestApp, subject: &str, detail: &str) -> i64 {
    let mut conn = app.state.db.read_conn().unwrap();
    audit_log::table
        .filter(audit_log::action.eq("login"))
        .filter(audit_log::subject.eq(subject))
        .filter(audit_log::detail.eq(detail))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

#[test]
fn a_strangers_failures_never_lock_the_owner_out() {
    let app = app();
    app.add_user("disp1", "dispatcher", None, None);
    let stranger = "203.0.113.66";
    let statuses: Vec<u16> = (0..12)
        .map(|_| login_from(&app, stranger, "disp1", "guess guess guess").status)
        .collect();
    assert_eq!(statuses[..5], [401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // The stranger stays held back with the right password too.
    let r = login_from(&app, stranger, "disp1", common::PASSWORD);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    // The owner, from their own client, gets in at once.
    let r = login_from(&app, "198.51.100.7", "disp1", common::PASSWORD);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        failures(&app, "disp1"),
        0,
        "a good login clears the account's count"
    );
    assert_eq!(audited(&app, "user:disp1", "failed"), 5);
    assert_eq!(audited(&app, "user:disp1", "held back"), 8);
    assert_eq!(audited(&app, "user:disp1", "ok"), 1);
    // The HTML form holds the stranger back the same way.
    let page = app.post_with(
        "/staff/login",
        "application/x-www-form-urlencoded",
        &[
            ("X-Forwarded-For", stranger),
            ("Cookie", "tipline_login_csrf=t"),
        ],
        format!(
            "username=disp1&password={}&csrf=t",
            common::PASSWORD.replace(' ', "+")
        ),
    );
    assert_eq!(page.status, 429);
    assert!(page.body.contains("15分钟"), "{}", page.body);
}

#[test]
fn parallel_guesses_are_all_counted() {
    let app = app();
    app.add_user("disp2", "dispatcher", None, None);
    app.add_user("disp3", "dispatcher", None, None);
    // One client, 100 guesses at once: exactly five are checked.
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..100)
            .map(|_| s.spawn(|| login_from(&app, "203.0.113.9", "disp2", "wrong password!").status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 95);
    assert_eq!(failures(&app, "disp2"), 5);
    // A hundred clients at once: every failure counts, none is lost.
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let app = &app;
        let handles: Vec<_> = (0..100)
            .map(|i| {
                s.spawn(move || {
                    login_from(app, &format!("198.18.0.{i}"), "disp3", "wrong password!").status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(failures(&app, "disp3"), 100);
    assert_eq!(audited(&app, "user:disp3", "failed"), 100);
}

#[test]
fn a_reset_a_disable_and_a_role_change_end_every_session() {
    let app = TestApp::spawn();
    app.add_user("bureau1", "bureau", Some("industry_it"), None);
    let can_read = |cookie: &str| {
        app.send("GET", "/api/v1/cases", Some(cookie), None, None)
            .status
    };
    let change = |c: AccountChange| {
        change_account(&app.state.db, &app.state.pack, "user:admin", "bureau1", c)
            .map_err(|e| format!("{e:?}"))
            .unwrap()
    };
    let (a, _) = app.login("bureau1");
    let (b, _) = app.login("bureau1");
    assert_eq!(can_read(&a), 200);
    change(AccountChange::ResetPassword(common::PASSWORD.into()));
    assert_eq!(can_read(&a), 401);
    assert_eq!(can_read(&b), 401);

    let (c, _) = app.login("bureau1");
    change(AccountChange::Role {
        role: tipline::domain::role::Role::Bureau,
        bureau: Some("ecology_environment".into()),
        district: None,
    });
    assert_eq!(can_read(&c), 401);

    let (d, _) = app.login("bureau1");
    change(AccountChange::Disable);
    assert_eq!(can_read(&d), 401);
    let r = app.post_json(
        "/api/v1/session",
        &json!({"username": "bureau1", "password": common::PASSWORD}),
    );
    assert_eq!(r.status, 401);
    change(AccountChange::Enable);
    app.login("bureau1");

    let mut conn = app.state.db.read_conn().unwrap();
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::subject.eq("user:bureau1"))
        .filter(audit_log::action.like("user.%"))
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        actions,
        [
            "user.add",
            "user.reset_password",
            "user.role",
            "user.disable",
            "user.enable"
        ]
    );
}

#[test]
fn a_session_ends_after_its_absolute_lifetime_however_busy() {
    let app = TestApp::spawn_tuned(common::serve_args(1000), |state| {
        state.session_lifetime = chrono::Duration::seconds(2);
    });
    app.add_user("disp4", "dispatcher", None, None);
    let (cookie, _) = app.login("disp4");
    for _ in 0..5 {
        assert_eq!(
            app.send("GET", "/api/v1/cases", Some(&cookie), None, None)
                .status,
            200
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    std::thread::sleep(std::time::Duration::from_millis(1200));
    assert_eq!(
        app.send("GET", "/api/v1/cases", Some(&cookie), None, None)
            .status,
        401
    );
}
