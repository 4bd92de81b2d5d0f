//! The case workflow over HTTP, on SQLite (and PostgreSQL with
//! TIPLINE_TEST_DATABASE_URL): every state, every deadline, every illegal
//! transition, who may act, and what the reporter sees.
use crate::common;

use chrono::Duration;
use common::TestApp;
use serde_json::{Value, json};
use tipline::domain::deadline::add_months;
use tipline::services::workflow::local_day;

const ACTIONS: [&str; 13] = [
    "dispatch",
    "accept",
    "return",
    "verify",
    "order",
    "extend",
    "reinspect",
    "accept-exit",
    "close",
    "question",
    "reopen",
    "reject-return",
    "redispatch",
];

/// A body each action accepts, so a 409 is about the state, not the body.
fn body_for(action: &str) -> Value {
    match action {
        "dispatch" => {
            json!({"lead_bureau": "industry_it", "co_bureaus": ["development_reform"], "district": "baoan", "dimensions": ["energy"]})
        }
        "return" => json!({"reason": "不属本部门职责", "category": "not_ours"}),
        "reject-return" => json!({"reason": "经核对，属于本部门职责"}),
        "redispatch" => json!({"lead_bureau": "ecology_environment", "reason": "以排污为主"}),
        "verify" => {
            json!({"finding": "substantiated", "inspected_on": today(), "inspectors": ["张三"], "evidence": "现场照片"})
        }
        "order" => json!({"measure": "rectify"}),
        "extend" => json!({"months": 1, "reason": "设备改造周期长"}),
        "reinspect" => json!({"passed": true, "note": "设备已拆除"}),
        "accept-exit" => json!({"equipment": "中频炉", "capacity": 2.0, "unit": "万吨/年"}),
        "close" => json!({"public_note": "已办结"}),
        "question" => json!({"body": "请问具体位置？"}),
        "reopen" => json!({"public_note": "您对办理结果不满意，本案已重新交办。"}),
        _ => json!({}),
    }
}

struct Tip {
    receipt: String,
    case_id: i64,
}

fn submit(app: &TestApp, body: Value) -> Tip {
    let res = app.post_json("/api/v1/tips", &body);
    assert_eq!(res.status, 201, "{}", res.body);
    let receipt = res.json()["receipt"].as_str().unwrap().to_string();
    let mut conn = app.state.db.read_conn().unwrap();
    use diesel::prelude::*;
    use tipline::db::schema::cases;
    let case_id: i64 = cases::table
        .select(cases::id)
        .order(cases::id.desc())
        .first(&mut *conn)
        .unwrap();
    Tip { receipt, case_id }
}

struct Session {
    cookie: String,
    csrf: String,
}

fn login(app: &TestApp, user: &str) -> Session {
    let (cookie, csrf) = app.login(user);
    Session { cookie, csrf }
}

fn act(app: &TestApp, s: &Session, id: i64, action: &str, body: &Value) -> common::Reply {
    app.send(
        "POST",
        &format!("/api/v1/cases/{id}/{action}"),
        Some(&s.cookie),
        Some(&s.csrf),
        Some(body),
    )
}

fn ok(app: &TestApp, s: &Session, id: i64, action: &str, body: Value) -> Value {
    let res = act(app, s, id, action, &body);
    assert_eq!(res.status, 200, "{action}: {}", res.body);
    res.json()
}

fn detail(app: &TestApp, s: &Session, id: i64) -> Value {
    let res = app.send(
        "GET",
        &format!("/api/v1/cases/{id}"),
        Some(&s.cookie),
        None,
        None,
    );
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

/// Every action not in `allowed` answers 409 and lists the allowed ones.
fn illegal_all_but(app: &TestApp, s: &Session, id: i64, allowed: &[&str]) {
    for a in ACTIONS.iter().filter(|a| !allowed.contains(a)) {
        let res = act(app, s, id, a, &body_for(a));
        assert_eq!(res.status, 409, "{a} should be illegal: {}", res.body);
        let listed: Vec<String> = res.json()["allowed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let mut want: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        want.sort();
        let mut got = listed.clone();
        got.sort();
        assert_eq!(got, want, "{a}: {}", res.body);
    }
}

fn lookup(app: &TestApp, receipt: &str) -> Value {
    let res = app.post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}));
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

fn today() -> chrono::NaiveDate {
    local_day(tipline::db::now())
}

#[test]
fn one_case_walks_through_every_state() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("iit", "bureau", Some("industry_it"), None);
    app.add_user("ndrc", "bureau", Some("development_reform"), None);
    app.add_user("baoan1", "district", None, Some("baoan"));
    let tip = submit(
        &app,
        json!({"description": "宝安区沙井街道某厂的水泥磨机能耗严重超标，用电量很大。", "contact": "13800000000"}),
    );
    let id = tip.case_id;
    let disp = login(&app, "disp");
    let iit = login(&app, "iit");
    let ndrc = login(&app, "ndrc");
    let ba = login(&app, "baoan1");

    // received
    illegal_all_but(&app, &disp, id, &["dispatch", "question"]);
    let res = act(&app, &iit, id, "dispatch", &body_for("dispatch"));
    assert!(res.status == 403 || res.status == 404, "{}", res.body);
    let res = act(
        &app,
        &disp,
        id,
        "dispatch",
        &json!({"lead_bureau": "nope", "co_bureaus": [], "district": "atlantis", "enterprise_credit_code": "914403001922038217"}),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    let fields = res.json()["fields"].clone();
    for f in ["lead_bureau", "district", "enterprise_credit_code"] {
        assert!(fields.get(f).is_some(), "{f}: {fields}");
    }
    let mut body = body_for("dispatch");
    body["enterprise_credit_code"] = json!("914403001922038216");
    let out = ok(&app, &disp, id, "dispatch", body.clone());
    assert_eq!(out["status"], "dispatched");
    let case = detail(&app, &disp, id);
    assert_eq!(case["enterprise_credit_code"], "914403001922038216");
    assert_eq!(case["lead_bureau"], "industry_it");
    assert_eq!(case["co_bureaus"], json!(["development_reform"]));
    // The verification limit: 15 working days of the pack's calendar.
    let cal = app.state.pack.work_calendar();
    let verify_due = cal.add_working_days(today(), 15);
    assert_eq!(case["deadlines"][0]["step"], "verify", "{case}");
    assert_eq!(case["deadlines"][0]["due_on"], verify_due.to_string());
    assert_eq!(case["deadlines"][0]["source"], "hotline_complaint_reply");
    assert_eq!(lookup(&app, &tip.receipt)["status"], "dispatched");

    // dispatched: only the lead bureau accepts or returns.
    illegal_all_but(
        &app,
        &iit,
        id,
        &["accept", "return", "question", "redispatch"],
    );
    assert_eq!(act(&app, &ndrc, id, "accept", &json!({})).status, 403);
    assert_eq!(act(&app, &disp, id, "accept", &json!({})).status, 403);
    assert_eq!(
        act(
            &app,
            &iit,
            id,
            "return",
            &json!({"reason": " ", "category": "not_ours"})
        )
        .status,
        422
    );
    let res = act(
        &app,
        &iit,
        id,
        "return",
        &json!({"reason": "不归我们", "category": "maybe"}),
    );
    assert_eq!(res.status, 422);
    assert!(res.json()["fields"]["category"].is_array(), "{}", res.body);
    let out = ok(
        &app,
        &iit,
        id,
        "return",
        json!({"reason": "企业不在本部门职责范围", "category": "not_ours"}),
    );
    assert_eq!(out["status"], "returned");
    let case = detail(&app, &disp, id);
    assert_eq!(case["returned_reason"], "企业不在本部门职责范围");
    assert_eq!(case["deadlines"][0]["step"], "dispatch");
    illegal_all_but(&app, &disp, id, &["dispatch", "question", "reject-return"]);
    // A return is decided: back to the same bureau only by rejecting it.
    let res = act(&app, &disp, id, "dispatch", &body);
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.json()["fields"]["lead_bureau"].is_array());
    let out = ok(
        &app,
        &disp,
        id,
        "reject-return",
        json!({"reason": "能耗超标属工信部门职责"}),
    );
    assert_eq!(out["status"], "dispatched");
    let case = detail(&app, &disp, id);
    assert_eq!(case["lead_bureau"], "industry_it");
    assert_eq!(case["deadlines"][0]["step"], "verify");
    let out = ok(&app, &iit, id, "accept", json!({}));
    assert_eq!(out["status"], "verifying");
    assert_eq!(lookup(&app, &tip.receipt)["status"], "verifying");

    // verifying
    illegal_all_but(&app, &iit, id, &["verify", "question", "redispatch"]);
    assert_eq!(
        act(&app, &iit, id, "verify", &json!({"finding": "maybe"})).status,
        422
    );
    let out = ok(
        &app,
        &ba,
        id,
        "verify",
        json!({"finding": "substantiated", "inspected_on": today(), "inspectors": ["张三", "李四"], "evidence": "现场电表读数"}),
    );
    assert_eq!(out["status"], "verified");

    // verified (substantiated): enforcement.
    illegal_all_but(&app, &iit, id, &["order", "question"]);
    assert_eq!(act(&app, &ba, id, "order", &body_for("order")).status, 403);
    let out = ok(&app, &iit, id, "order", json!({"measure": "rectify"}));
    let due = add_months(today(), 6);
    assert_eq!(out["status"], "enforcing");
    assert_eq!(out["due_on"], due.to_string(), "energy: 6 months");
    assert_eq!(lookup(&app, &tip.receipt)["status"], "enforcing");

    // The deadline rule: a 4-month extension is refused, a 3-month one is
    // accepted, a second one is refused.
    let res = act(
        &app,
        &iit,
        id,
        "extend",
        &json!({"months": 4, "reason": "改造"}),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.json()["fields"]["months"].is_array());
    let out = ok(
        &app,
        &iit,
        id,
        "extend",
        json!({"months": 3, "reason": "设备订货周期长"}),
    );
    let extended = add_months(due, 3);
    assert_eq!(out["due_on"], extended.to_string());
    let res = act(
        &app,
        &iit,
        id,
        "extend",
        &json!({"months": 1, "reason": "再延"}),
    );
    assert_eq!(res.status, 422, "second extension: {}", res.body);
    // Sealing needs its dismantling deadline; a suspension takes effect at once.
    assert_eq!(
        act(&app, &iit, id, "order", &json!({"measure": "seal"})).status,
        422
    );
    assert_eq!(
        act(&app, &iit, id, "order", &json!({"measure": "melt"})).status,
        422
    );
    let out = ok(&app, &iit, id, "order", json!({"measure": "suspend"}));
    assert_eq!(out["due_on"], today().to_string());
    let case = detail(&app, &iit, id);
    let ms = case["measures"].as_array().unwrap();
    assert_eq!(ms.len(), 2);
    assert_eq!(ms[0]["measure"], "rectify");
    assert_eq!(ms[0]["due_on"], extended.to_string());
    assert_eq!(ms[0]["extended_months"], 3);
    assert_eq!(ms[1]["measure"], "suspend");
    assert_eq!(ms[1]["extended_months"], 0);
    let measure_deadline = case["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["step"].as_str().unwrap().starts_with("measure:"))
        .unwrap()
        .clone();
    assert_eq!(measure_deadline["due_on"], extended.to_string());
    assert_eq!(case["due_on"], extended.to_string());

    // enforcing: questions to the reporter, who answers with the receipt.
    illegal_all_but(
        &app,
        &iit,
        id,
        &["order", "extend", "reinspect", "question"],
    );
    ok(
        &app,
        &ndrc,
        id,
        "question",
        json!({"body": "请问该厂夜间是否仍在生产？"}),
    );
    let progress = lookup(&app, &tip.receipt);
    assert_eq!(progress["messages"][0]["from"], "staff", "{progress}");
    let res = app.post_json(
        "/api/v1/tips/messages",
        &json!({"receipt": tip.receipt, "body": "是的，晚上十点后开工。"}),
    );
    assert!(res.status < 300, "{}", res.body);
    let case = detail(&app, &disp, id);
    let msgs = case["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1]["from"], "reporter");

    // re-inspection: what was found is the record (a note is required);
    // a failure keeps the measures open.
    let res = act(&app, &ba, id, "reinspect", &json!({"passed": false}));
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.json()["fields"]["note"].is_array());
    let out = ok(
        &app,
        &ba,
        id,
        "reinspect",
        json!({"passed": false, "note": "仍在生产"}),
    );
    assert_eq!(out["status"], "enforcing");
    let out = ok(
        &app,
        &ba,
        id,
        "reinspect",
        json!({"passed": true, "note": "复查合格"}),
    );
    assert_eq!(out["status"], "reinspected");
    illegal_all_but(&app, &iit, id, &["accept-exit", "close", "question"]);
    assert_eq!(
        act(
            &app,
            &iit,
            id,
            "accept-exit",
            &json!({"equipment": "", "capacity": -1.0, "unit": "t"})
        )
        .status,
        422
    );
    let out = ok(
        &app,
        &iit,
        id,
        "accept-exit",
        json!({"equipment": "Φ2.2m 水泥磨机 2 台", "capacity": 12.5, "unit": "万吨/年"}),
    );
    assert_eq!(out["status"], "exit_accepted");
    illegal_all_but(&app, &iit, id, &["close", "question"]);
    assert_eq!(
        act(&app, &iit, id, "close", &json!({"public_note": ""})).status,
        422
    );
    let out = ok(
        &app,
        &iit,
        id,
        "close",
        json!({"public_note": "经核查属实，企业已拆除落后设备，产能已退出。感谢您的举报。"}),
    );
    assert_eq!(out["status"], "closed");
    // Closed: only a 二次办理 (reopen) may follow.
    assert_eq!(out["allowed"], json!(["reopen"]));
    illegal_all_but(&app, &disp, id, &["reopen"]);

    // The reporter reads the result with the receipt.
    let progress = lookup(&app, &tip.receipt);
    assert_eq!(progress["status"], "closed");
    let updates = progress["updates"].as_array().unwrap();
    let statuses: Vec<&str> = updates
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "received",
            "dispatched",
            "dispatched",
            "verifying",
            "enforcing",
            "closed"
        ]
    );
    assert!(
        updates.last().unwrap()["note"]
            .as_str()
            .unwrap()
            .contains("产能已退出")
    );

    // Every transition and the routing changes are in the audit log.
    let case = detail(&app, &disp, id);
    let actions: Vec<&str> = case["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    for a in [
        "case.routing",
        "case.dispatch",
        "case.return",
        "case.reject-return",
        "case.accept",
        "case.verify",
        "case.order",
        "case.extend",
        "case.question",
        "case.reinspect",
        "case.accept-exit",
        "case.close",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let records: Vec<&str> = case["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        records,
        [
            "return",
            "return_rejected",
            "finding",
            "reinspection",
            "reinspection",
            "exit"
        ]
    );
}

#[test]
fn an_unsubstantiated_tip_closes_without_measures() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("env", "bureau", Some("ecology_environment"), None);
    let tip = submit(
        &app,
        json!({"description": "龙岗区坪地街道的印染厂偷排污水，河水发黑。"}),
    );
    let disp = login(&app, "disp");
    let env = login(&app, "env");
    let id = tip.case_id;
    ok(
        &app,
        &disp,
        id,
        "dispatch",
        json!({"lead_bureau": "ecology_environment", "co_bureaus": [], "district": "longgang"}),
    );
    ok(&app, &env, id, "accept", json!({}));
    ok(
        &app,
        &env,
        id,
        "verify",
        json!({"finding": "unsubstantiated", "inspected_on": today(), "inspectors": ["赵六"], "evidence": "现场未见排污"}),
    );
    illegal_all_but(&app, &env, id, &["close", "question"]);
    // Environment has no month limit in the pack: a rectification needs a date.
    let out = ok(
        &app,
        &env,
        id,
        "close",
        json!({"public_note": "经现场核查，未发现偷排行为。"}),
    );
    assert_eq!(out["status"], "closed");
    assert_eq!(lookup(&app, &tip.receipt)["status"], "closed");
}

#[test]
fn outsiders_get_404_and_mutations_need_csrf() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("env", "bureau", Some("ecology_environment"), None);
    app.add_user("mr1", "bureau", Some("market_regulation"), None);
    app.add_user("futian1", "district", None, Some("futian"));
    app.add_user("longgang1", "district", None, Some("longgang"));
    let tip = submit(
        &app,
        json!({"description": "龙岗区坪地街道的印染厂偷排污水，河水发黑。", "contact": "微信 abc123"}),
    );
    let id = tip.case_id;
    let disp = login(&app, "disp");
    ok(
        &app,
        &disp,
        id,
        "dispatch",
        json!({"lead_bureau": "ecology_environment", "co_bureaus": ["market_regulation"], "district": "longgang"}),
    );
    let env = login(&app, "env");
    let ft = login(&app, "futian1");
    let lg = login(&app, "longgang1");
    let mr = login(&app, "mr1");
    app.add_user("iit", "bureau", Some("industry_it"), None);
    let iit = login(&app, "iit");
    for outsider in [&ft, &iit] {
        let res = app.send(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some(&outsider.cookie),
            None,
            None,
        );
        assert_eq!(res.status, 404);
        for a in ACTIONS {
            assert_eq!(act(&app, outsider, id, a, &body_for(a)).status, 404, "{a}");
        }
        for (extra, body) in [
            ("supervise", json!({"body": "x"})),
            ("merge", json!({"into": 1})),
            ("split", json!({"tip_id": 1})),
        ] {
            let res = act(&app, outsider, id, extra, &body);
            assert_eq!(res.status, 404, "{extra}: {}", res.body);
        }
        let res = app.send(
            "POST",
            &format!("/api/v1/cases/{id}/tips/1/contact"),
            Some(&outsider.cookie),
            Some(&outsider.csrf),
            None,
        );
        assert_eq!(res.status, 404);
        let res = app.send(
            "GET",
            &format!("/staff/cases/{id}"),
            Some(&outsider.cookie),
            None,
            None,
        );
        assert_eq!(res.status, 404);
    }
    // The district and the co-handler see the case.
    assert_eq!(detail(&app, &lg, id)["id"], id);
    assert_eq!(detail(&app, &mr, id)["id"], id);

    // CSRF: none, or a wrong one, is 403 and changes nothing.
    for csrf in [None, Some("wrong"), Some(disp.csrf.as_str())] {
        let res = app.send(
            "POST",
            &format!("/api/v1/cases/{id}/accept"),
            Some(&env.cookie),
            csrf,
            Some(&json!({})),
        );
        assert_eq!(res.status, 403, "{csrf:?}: {}", res.body);
    }
    assert_eq!(detail(&app, &env, id)["status"], "dispatched");

    // Contact: the case JSON never carries it; the lead bureau and the
    // dispatcher may open it, co-handlers and districts may not; every read
    // is audited.
    let case = detail(&app, &env, id);
    assert!(!case.to_string().contains("abc123"));
    let tip_id = case["tips"][0]["id"].as_i64().unwrap();
    assert_eq!(case["tips"][0]["has_contact"], true);
    let path = format!("/api/v1/cases/{id}/tips/{tip_id}/contact");
    for (who, want) in [(&mr, 403), (&lg, 403), (&env, 200), (&disp, 200)] {
        let res = app.send("POST", &path, Some(&who.cookie), Some(&who.csrf), None);
        assert_eq!(res.status, want, "{}", res.body);
        if want == 200 {
            assert_eq!(res.json()["contact"], "微信 abc123");
        }
    }
    assert_eq!(
        app.send("POST", &path, Some(&env.cookie), None, None)
            .status,
        403
    );
    let log = app
        .send(
            "GET",
            &format!("/api/v1/audit?case={id}"),
            Some(&disp.cookie),
            None,
            None,
        )
        .json();
    let reads: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "contact.read")
        .collect();
    assert_eq!(reads.len(), 2, "{log}");
    assert_eq!(reads[0]["actor"], "user:env");
    // The export, per case and per user; bureaus may not read the log.
    let csv = app.send(
        "GET",
        "/api/v1/audit?user=disp&format=csv",
        Some(&disp.cookie),
        None,
        None,
    );
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("id,at,actor,action,subject,detail\n"));
    assert!(csv.body.contains("case.dispatch"));
    assert_eq!(
        app.send(
            "GET",
            "/api/v1/audit?user=disp",
            Some(&env.cookie),
            None,
            None
        )
        .status,
        404
    );
}

#[test]
fn a_script_in_a_tip_is_escaped_on_every_staff_page() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    let tip = submit(
        &app,
        json!({"description": "<script>alert('x')</script> 宝安区沙井有家厂用中频炉炼钢。", "enterprise_name": "<img src=x onerror=alert(1)>", "address": "<b>沙井</b>"}),
    );
    let disp = login(&app, "disp");
    ok(
        &app,
        &disp,
        tip.case_id,
        "question",
        json!({"body": "<script>alert(2)</script>"}),
    );
    for path in [
        "/staff/queue".to_string(),
        "/staff/queue?q=%3Cscript%3E".to_string(),
        format!("/staff/cases/{}", tip.case_id),
    ] {
        let res = app.send("GET", &path, Some(&disp.cookie), None, None);
        assert_eq!(res.status, 200, "{path}");
        assert!(res.body.contains("<html"), "{path}");
        for raw in ["<script>alert", "<img src=x", "<b>沙井"] {
            assert!(!res.body.contains(raw), "{path} shows {raw} unescaped");
        }
    }
    let page = app.send(
        "GET",
        &format!("/staff/cases/{}", tip.case_id),
        Some(&disp.cookie),
        None,
        None,
    );
    assert!(
        page.body.contains("&#60;script&#62;alert(") || page.body.contains("&lt;script&gt;alert("),
        "escaped text is shown: {}",
        page.body
    );
    // Pages are never cached and carry the CSP that forbids inline script.
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
}

#[test]
fn staff_html_login_with_csrf_and_keyboard_dispatch_form() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    let tip = submit(
        &app,
        json!({"description": "宝安区沙井街道有家厂晚上用中频炉炼钢，做地条钢。"}),
    );
    assert_eq!(app.get("/staff/queue").status, 303);
    let page = app.get("/staff/login");
    assert_eq!(page.status, 200);
    let login_cookie = page
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let form = |c: &str| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", c),
                ("username", "disp"),
                ("password", common::PASSWORD),
            ])
            .finish()
    };
    // Without the pre-session cookie's token the form is refused.
    let res = app.send_form("/staff/login", Some(&login_cookie), &form("forged"));
    assert_eq!(res.status, 403);
    let res = app.send_form("/staff/login", Some(&login_cookie), &form(&csrf));
    assert_eq!(res.status, 303, "{}", res.body);
    let session = res
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.clone())
        .find(|v| v.starts_with("tipline_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    let cookie = session.split(';').next().unwrap().to_string();
    let queue = app.send("GET", "/staff/queue?view=new", Some(&cookie), None, None);
    assert_eq!(queue.status, 200);
    assert!(
        queue
            .body
            .contains(&format!("/staff/cases/{}", tip.case_id))
    );
    let page = app.send(
        "GET",
        &format!("/staff/cases/{}", tip.case_id),
        Some(&cookie),
        None,
        None,
    );
    // Top to bottom: the tips, the enterprise, the routing explanation, the
    // deadlines, the history, then the action forms (the dispatch form with
    // the routing proposal preselected; `d` jumps to it).
    let at = |needle: &str| {
        page.body
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not on the case page"))
    };
    let order = [
        "id=\"tips\"",
        "id=\"firm\"",
        "id=\"routing\"",
        "id=\"deadlines\"",
        "id=\"history\"",
        "id=\"actions\"",
        "id=\"lead_bureau\" name=\"lead_bureau\"",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{} before {}", w[0], w[1]);
    }
    // The routing explanation in sentences with names, not keys.
    let routing = &page.body[at("id=\"routing\"")..at("id=\"deadlines\"")];
    assert!(routing.contains("牵头：市"), "{routing}");
    for key in ["industry_it", "ditiaogang", "baoan", "route：", "primary:"] {
        assert!(!routing.contains(key), "{key} in {routing}");
    }
    let staff_csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf", staff_csrf.as_str()),
            ("lead_bureau", "industry_it"),
            ("district", "baoan"),
            ("industry", "steel"),
            ("co_bureaus", "market_regulation"),
            ("dimensions", "ditiaogang"),
        ])
        .finish();
    let res = app.send_form(
        &format!("/staff/cases/{}/dispatch", tip.case_id),
        Some(&cookie),
        &body,
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let res = app.send_form(
        &format!("/staff/cases/{}/accept", tip.case_id),
        Some(&cookie),
        "csrf=wrong",
    );
    assert_eq!(res.status, 403);
    assert_eq!(lookup(&app, &tip.receipt)["status"], "dispatched");
}

#[test]
fn the_overdue_job_runs_on_a_clock_the_test_controls() {
    use tipline::services::supervision::run_overdue;
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("iit", "bureau", Some("industry_it"), None);
    let tip = submit(
        &app,
        json!({"description": "宝安区沙井街道有家厂晚上用中频炉炼钢，做地条钢。"}),
    );
    let id = tip.case_id;
    let created = tipline::db::now();
    let pack = &app.state.pack;
    let db = &app.state.db;

    // Same day: the case gets its dispatch due date and is not late.
    let r = run_overdue(db, pack, created).unwrap();
    assert_eq!((r.due_assigned, r.marked_overdue), (1, 0));
    let disp = login(&app, "disp");
    let case = detail(&app, &disp, id);
    let due = pack.work_calendar().add_working_days(local_day(created), 1);
    assert_eq!(case["deadlines"][0]["step"], "dispatch");
    assert_eq!(case["deadlines"][0]["due_on"], due.to_string());
    // The day it falls due it is still not late; the day after, it is.
    let noon = |d: chrono::NaiveDate| d.and_hms_opt(4, 0, 0).unwrap();
    assert_eq!(run_overdue(db, pack, noon(due)).unwrap().marked_overdue, 0);
    let late = noon(due + Duration::days(1));
    assert_eq!(run_overdue(db, pack, late).unwrap().marked_overdue, 1);
    // Running again the same day (or the next) writes nothing more.
    assert_eq!(run_overdue(db, pack, late).unwrap(), Default::default());
    let case = detail(&app, &disp, id);
    assert_eq!(case["overdue"], true);
    let notices = case["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["kind"], "overdue");
    assert_eq!(notices[0]["step"], "dispatch");
    let queue = app
        .send(
            "GET",
            "/api/v1/cases?overdue=true",
            Some(&disp.cookie),
            None,
            None,
        )
        .json();
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    let html = app.send(
        "GET",
        "/staff/queue?view=overdue",
        Some(&disp.cookie),
        None,
        None,
    );
    assert!(html.body.contains(&format!("/staff/cases/{id}")));

    // Dispatching clears the mark; the verification limit runs from today.
    ok(
        &app,
        &disp,
        id,
        "dispatch",
        json!({"lead_bureau": "industry_it", "co_bureaus": [], "district": "baoan"}),
    );
    let case = detail(&app, &disp, id);
    assert_eq!(case["overdue"], false);
    // The 地条钢 result limit (10 working days) wins over the general one.
    let verify_due = pack.work_calendar().add_working_days(today(), 10);
    assert_eq!(
        case["deadlines"][0]["due_on"],
        verify_due.to_string(),
        "{case}"
    );
    assert_eq!(case["deadlines"][0]["source"], "hotline_ditiaogang_result");
    let r = run_overdue(db, pack, noon(verify_due + Duration::days(1))).unwrap();
    assert_eq!(r.marked_overdue, 1);

    // The dispatcher supervises (督办); the bureau sees the notice.
    let iit = login(&app, "iit");
    assert_eq!(
        act(&app, &iit, id, "supervise", &json!({"body": "请加快"})).status,
        403
    );
    let res = act(
        &app,
        &disp,
        id,
        "supervise",
        &json!({"body": "请于3日内反馈核查结果。"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let case = detail(&app, &iit, id);
    let kinds: Vec<&str> = case["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["overdue", "overdue", "supervise"]);
    assert!(case["history"].to_string().contains("case.supervise"));
}

#[test]
fn merge_and_split() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("env", "bureau", Some("ecology_environment"), None);
    let a = submit(
        &app,
        json!({"description": "龙岗区坪地街道的印染厂偷排污水，河水发黑。"}),
    );
    let b = submit(
        &app,
        json!({"description": "坪地那家印染厂晚上又偷排了，河里都是泡沫。"}),
    );
    let disp = login(&app, "disp");
    let env = login(&app, "env");
    assert_eq!(
        act(&app, &env, b.case_id, "merge", &json!({"into": a.case_id})).status,
        403
    );
    let res = act(&app, &disp, b.case_id, "merge", &json!({"into": a.case_id}));
    assert_eq!(res.status, 200, "{}", res.body);
    let case = detail(&app, &disp, a.case_id);
    assert_eq!(case["tips"].as_array().unwrap().len(), 2);
    assert_eq!(case["tip_count"], 2);
    assert_eq!(detail(&app, &disp, b.case_id)["status"], "closed");
    // A question reaches both reporters.
    ok(
        &app,
        &disp,
        a.case_id,
        "question",
        json!({"body": "请问排污口在哪里？"}),
    );
    assert_eq!(lookup(&app, &b.receipt)["messages"][0]["from"], "staff");
    let tip_b = case["tips"][1]["id"].as_i64().unwrap();
    let res = act(&app, &disp, a.case_id, "split", &json!({"tip_id": tip_b}));
    assert_eq!(res.status, 200, "{}", res.body);
    let new_id = res.json()["case_id"].as_i64().unwrap();
    assert_eq!(detail(&app, &disp, new_id)["tips"][0]["id"], tip_b);
    assert_eq!(detail(&app, &disp, a.case_id)["tip_count"], 1);
    // A case's last tip cannot be split out.
    assert_eq!(
        act(&app, &disp, new_id, "split", &json!({"tip_id": tip_b})).status,
        409
    );
}

#[test]
fn totp_second_factor_optional_and_required_by_role() {
    use tipline::domain::role::Role;
    use tipline::services::second_factor;
    let app = TestApp::spawn();
    app.add_user("admin1", "admin", None, None);
    app.add_user("disp", "dispatcher", None, None);
    let now = tipline::db::now();
    let uri = second_factor::enrol(&app.state.db, &app.state.secrets, "admin1", now).unwrap();
    assert!(
        uri.starts_with("otpauth://totp/tipline:admin1?secret="),
        "{uri}"
    );
    // Decode the base32 secret from the URI, as the app would.
    let b32 = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let mut bits = 0u32;
    let mut buf = 0u32;
    let mut secret = Vec::new();
    for c in b32.bytes() {
        let v = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .iter()
            .position(|x| *x == c)
            .unwrap() as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            secret.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    let login = |code: Option<String>| {
        let mut body = json!({"username": "admin1", "password": common::PASSWORD});
        if let Some(c) = code {
            body["totp"] = json!(c);
        }
        app.post_json("/api/v1/session", &body)
    };
    let res = login(None);
    assert_eq!(res.status, 401);
    assert_eq!(res.json()["error"], "totp_required");
    assert_eq!(login(Some("000000".into())).status, 401);
    let code = format!(
        "{:06}",
        tipline::domain::totp::code_at(&secret, tipline::db::now().and_utc().timestamp())
    );
    assert_eq!(login(Some(code.clone())).status, 200);
    // The same code is not accepted twice.
    assert_eq!(login(Some(code)).status, 401);

    // An administrator requires TOTP for dispatchers: one not enrolled is refused.
    second_factor::require_for_role(&app.state.db, Role::Dispatcher, true, now).unwrap();
    let res = app.post_json(
        "/api/v1/session",
        &json!({"username": "disp", "password": common::PASSWORD}),
    );
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(res.json()["error"], "totp_enrolment_required");
    second_factor::require_for_role(&app.state.db, Role::Dispatcher, false, now).unwrap();
    app.login("disp");
}

/// Issue 17: a finding needs its inspection date, an inspector and the
/// evidence (the API and the form alike); a refused form keeps what was
/// typed and names each field; after an action, a confirmation and the
/// next case.
#[test]
fn a_finding_needs_date_inspectors_and_evidence_and_a_refused_form_keeps_the_text() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("iit", "bureau", Some("industry_it"), None);
    let tip = submit(
        &app,
        json!({"description": "宝安区沙井街道某厂的水泥磨机能耗严重超标，用电量很大。"}),
    );
    let second = submit(
        &app,
        json!({"description": "福田区某印染厂夜里偷排污水，河水发黑发臭。", "district": "futian"}),
    );
    let id = tip.case_id;
    let disp = login(&app, "disp");
    let iit = login(&app, "iit");
    ok(&app, &disp, id, "dispatch", body_for("dispatch"));
    ok(&app, &iit, id, "accept", json!({}));
    // The API names every missing part at once.
    let res = act(
        &app,
        &iit,
        id,
        "verify",
        &json!({"finding": "substantiated"}),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    for f in ["inspected_on", "inspectors", "evidence"] {
        assert!(res.json()["fields"][f].is_array(), "{f}: {}", res.body);
    }
    let tomorrow = today().succ_opt().unwrap();
    let res = act(
        &app,
        &iit,
        id,
        "verify",
        &json!({"finding": "substantiated", "inspected_on": tomorrow, "inspectors": ["张三"], "evidence": "照片"}),
    );
    assert_eq!(res.status, 422);
    assert!(res.json()["fields"]["inspected_on"].is_array());

    // The form: refused with the typed text kept and the reason by the field.
    let page = app.send(
        "GET",
        &format!("/staff/cases/{id}"),
        Some(&iit.cookie),
        None,
        None,
    );
    assert!(
        page.body
            .contains("name=\"inspected_on\" type=\"date\" required")
    );
    let form = |pairs: &[(&str, &str)]| {
        let mut all = vec![("csrf", iit.csrf.as_str())];
        all.extend_from_slice(pairs);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        app.send_form(
            &format!("/staff/cases/{id}/verify"),
            Some(&iit.cookie),
            &body,
        )
    };
    let res = form(&[
        ("finding", "substantiated"),
        ("inspectors", "张三，李四"),
        ("evidence", "现场电表读数 8 万度"),
    ]);
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("请填写核查日期"), "{}", res.body);
    assert!(res.body.contains("value=\"张三，李四\""), "{}", res.body);
    assert!(res.body.contains(">现场电表读数 8 万度</textarea>"));
    assert!(
        res.body
            .contains("<option value=\"substantiated\" selected>")
    );
    assert!(
        !res.body.contains("inspected_on:"),
        "no field keys in the text"
    );
    // With the date: recorded, confirmed, and the next case offered (the
    // bureau has none waiting; the dispatcher has the second tip's).
    let res = form(&[
        ("finding", "unsubstantiated"),
        ("inspected_on", &today().to_string()),
        ("inspectors", "张三，李四"),
        ("evidence", "现场电表读数正常"),
    ]);
    assert_eq!(res.status, 303, "{}", res.body);
    let page = app.send(
        "GET",
        &format!("/staff/cases/{id}?done=verify"),
        Some(&iit.cookie),
        None,
        None,
    );
    assert!(page.body.contains("已完成：核查结论"), "{}", page.body);
    let page = app.send(
        "GET",
        &format!("/staff/cases/{id}?done=close"),
        Some(&disp.cookie),
        None,
        None,
    );
    assert!(
        page.body
            .contains(&format!("href=\"/staff/cases/{}\">下一件", second.case_id)),
        "{}",
        page.body
    );
}

/// Issue 17: "查看联系方式" on the case page — a POST, audited, the contact
/// shown inline; a co-handling bureau may not read it.
#[test]
fn the_contact_is_read_on_the_case_page_and_audited() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("ndrc", "bureau", Some("development_reform"), None);
    let tip = submit(
        &app,
        json!({"description": "宝安区沙井街道某厂的水泥磨机能耗严重超标，用电量很大。", "contact": "13900001111 王女士"}),
    );
    let id = tip.case_id;
    let disp = login(&app, "disp");
    ok(&app, &disp, id, "dispatch", body_for("dispatch"));
    let page = app.send(
        "GET",
        &format!("/staff/cases/{id}"),
        Some(&disp.cookie),
        None,
        None,
    );
    assert!(page.body.contains("查看联系方式"), "{}", page.body);
    assert!(
        !page.body.contains("13900001111"),
        "not shown before it is asked for"
    );
    let tip_id: i64 = detail(&app, &disp, id)["tips"][0]["id"].as_i64().unwrap();
    let read = |s: &Session| {
        let body = format!("csrf={}", s.csrf);
        app.send_form(
            &format!("/staff/cases/{id}/tips/{tip_id}/contact"),
            Some(&s.cookie),
            &body,
        )
    };
    let res = read(&disp);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("13900001111 王女士"));
    let audit = detail(&app, &disp, id)["history"].to_string();
    assert!(audit.contains("contact.read"), "{audit}");
    // A co-handling bureau: refused, nothing shown.
    let ndrc = login(&app, "ndrc");
    let res = read(&ndrc);
    assert_eq!(res.status, 403, "{}", res.body);
    assert!(!res.body.contains("13900001111"));
}
