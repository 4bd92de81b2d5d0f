//! Issue 19: a bureau's return (退单) is a request the dispatcher decides —
//! accepted into a 改派, or rejected back with a reason and a new limit —
//! and a direct 改派; each audited, each reaching the relay's call-back and
//! the reporter's status page as public text (国办函〔2025〕66号 三(五):
//! 派单异议审核, 退单、改派). SQLite, or PostgreSQL with
//! TIPLINE_TEST_DATABASE_URL.
use crate::common;
use crate::relay_support;

use common::TestApp;
use diesel::prelude::*;
use serde_json::{Value, json};

struct Staff {
    cookie: String,
    csrf: String,
}

fn act(app: &TestApp, s: &Staff, id: i64, action: &str, body: Value) -> common::Reply {
    app.send(
        "POST",
        &format!("/api/v1/cases/{id}/{action}"),
        Some(&s.cookie),
        Some(&s.csrf),
        Some(&body),
    )
}

fn ok(app: &TestApp, s: &Staff, id: i64, action: &str, body: Value) -> Value {
    let res = act(app, s, id, action, body);
    assert_eq!(res.status, 200, "{action}: {}", res.body);
    res.json()
}

#[test]
fn returns_are_decided_and_every_redispatch_is_announced() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("iit", "bureau", Some("industry_it"), None);
    app.add_user("env", "bureau", Some("ecology_environment"), None);
    let login = |u: &str| {
        let (cookie, csrf) = app.login(u);
        Staff { cookie, csrf }
    };
    let (disp, iit, env) = (login("disp"), login("iit"), login("env"));
    let key = relay_support::add_relay(&app, "12345", Some("http://127.0.0.1:9/callback"));
    let r = relay_support::relay_post(
        &app.base,
        Some(&key),
        "/api/v1/relay/tips",
        &relay_support::ticket("RET-1"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let receipt = serde_json::from_str::<Value>(&r.body).unwrap()["receipt"]
        .as_str()
        .unwrap()
        .to_string();
    let id: i64 = {
        use tipline::db::schema::cases;
        let mut conn = app.state.db.read_conn().unwrap();
        cases::table
            .select(cases::id)
            .order(cases::id.desc())
            .first(&mut *conn)
            .unwrap()
    };
    let dispatch = |lead: &str| json!({"lead_bureau": lead, "co_bureaus": [], "district": "baoan"});
    ok(&app, &disp, id, "dispatch", dispatch("industry_it"));

    // The bureau returns it, with a category; the dispatcher must decide.
    let res = act(&app, &iit, id, "return", json!({"reason": "不归我们"}));
    assert_eq!(res.status, 422, "the category is required: {}", res.body);
    assert!(res.json()["fields"]["category"].is_array());
    ok(
        &app,
        &iit,
        id,
        "return",
        json!({"reason": "偷排污水属生态环境部门", "category": "not_ours"}),
    );
    // The returns tab lists it, with the dispatcher's own limit running.
    let queue = app.send(
        "GET",
        "/staff/queue?view=returned",
        Some(&disp.cookie),
        None,
        None,
    );
    assert!(queue.body.contains(&format!("href=\"/staff/cases/{id}\"")));
    let case = app
        .send(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some(&disp.cookie),
            None,
            None,
        )
        .json();
    assert_eq!(case["deadlines"][0]["step"], "dispatch");
    // Accepted: 改派 to another bureau (the same one would be a bounce).
    assert_eq!(
        act(&app, &disp, id, "dispatch", dispatch("industry_it")).status,
        422
    );
    ok(&app, &disp, id, "dispatch", dispatch("ecology_environment"));

    // The new bureau returns it too; the dispatcher rejects that return.
    ok(
        &app,
        &env,
        id,
        "return",
        json!({"reason": "信息不全，无法定位", "category": "incomplete"}),
    );
    assert_eq!(
        act(&app, &env, id, "reject-return", json!({"reason": "x"})).status,
        403
    );
    assert_eq!(
        act(&app, &disp, id, "reject-return", json!({"reason": " "})).status,
        422
    );
    let out = ok(
        &app,
        &disp,
        id,
        "reject-return",
        json!({"reason": "地址已在工单中写明：沙井街道新桥路88号"}),
    );
    assert_eq!(out["status"], "dispatched");
    let case = app
        .send(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some(&disp.cookie),
            None,
            None,
        )
        .json();
    assert_eq!(case["lead_bureau"], "ecology_environment");
    assert_eq!(case["deadlines"][0]["step"], "verify");
    let cal = app.state.pack.work_calendar();
    let today = tipline::clock::local_day(tipline::db::now());
    let due = case["deadlines"][0]["due_on"].as_str().unwrap().to_string();
    assert!(due > today.to_string() && due <= cal.add_working_days(today, 15).to_string());

    // A direct 改派 (no return): only the dispatcher; announced although
    // the status stays 已派单.
    let body = json!({"lead_bureau": "market_regulation", "reason": "涉及产品质量"});
    assert_eq!(act(&app, &env, id, "redispatch", body.clone()).status, 403);
    assert_eq!(
        act(
            &app,
            &disp,
            id,
            "redispatch",
            json!({"lead_bureau": "ecology_environment", "reason": "同一部门"})
        )
        .status,
        422
    );
    ok(&app, &disp, id, "redispatch", body);

    // Every decision is audited.
    let actions: Vec<String> = {
        let mut conn = app.state.db.read_conn().unwrap();
        tipline::db::audit::for_subject(&mut conn, &format!("case:{id}"))
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    };
    for a in [
        "case.return",
        "case.dispatch",
        "case.reject-return",
        "case.redispatch",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }

    // The reporter reads each change of handler as public text …
    let p = app
        .post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}))
        .json();
    let notes: Vec<String> = p["updates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["note"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        notes,
        [
            "本案改由市生态环境局办理。",
            "本案继续由市生态环境局办理。",
            "本案改由市市场监管局办理。"
        ],
        "{p}"
    );
    assert_eq!(p["handled_by"], "市市场监管局");
    let page = app.post_form("/status", &[("receipt", &receipt)]);
    assert!(page.body.contains("本案改由市市场监管局办理。"));
    // … and so does the relay, in its call-backs, in order.
    let bodies: Vec<Value> = {
        use tipline::db::schema::outbox;
        let mut conn = app.state.db.read_conn().unwrap();
        outbox::table
            .order(outbox::id.asc())
            .select(outbox::payload)
            .load::<String>(&mut *conn)
            .unwrap()
            .iter()
            .map(|b| serde_json::from_str(b).unwrap())
            .collect()
    };
    let relayed: Vec<&str> = bodies.iter().filter_map(|b| b["note"].as_str()).collect();
    assert_eq!(
        relayed,
        notes.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let relay_view = relay_support::relay_get(&app.base, Some(&key), "/api/v1/relay/tips/RET-1");
    assert_eq!(relay_view.status, 200);
    assert!(
        relay_view.body.contains("market_regulation") || relay_view.body.contains("市市场监管局"),
        "{}",
        relay_view.body
    );
}
