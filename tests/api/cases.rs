//! Staff sessions and the case API: each tip becomes a case routed by the
//! pack, readable with its proposal and explanation, within the reader's scope.
use crate::common;

use common::TestApp;
use serde_json::json;

fn submit(app: &TestApp, body: serde_json::Value) {
    let res = app.post_json("/api/v1/tips", &body);
    assert_eq!(res.status, 201, "{}", res.body);
}

#[test]
fn a_tip_is_routed_and_its_case_reads_with_the_explanation() {
    let app = TestApp::spawn();
    app.add_user("dispatch1", "dispatcher", None, None);
    submit(
        &app,
        json!({"description": "沙井街道有家厂晚上用中频炉炼钢，做地条钢，烟很大。"}),
    );
    submit(
        &app,
        json!({"description": "松岗那边的印染厂晚上偷排黑水到河里，河水都变色了。", "enterprise_name": "绿源印染"}),
    );
    submit(
        &app,
        json!({"description": "坪地有个钢厂的高炉只有300立方米，早该淘汰了。"}),
    );

    let (cookie, _csrf) = app.login("dispatch1");
    let res = app.send("GET", "/api/v1/cases?limit=2", Some(&cookie), None, None);
    assert_eq!(res.status, 200, "{}", res.body);
    let page = res.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next"].as_str().expect("a next cursor").to_string();
    let res = app.send(
        "GET",
        &format!("/api/v1/cases?limit=2&cursor={next}"),
        Some(&cookie),
        None,
        None,
    );
    let rest = res.json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next"].is_null());

    // The oldest case: 地条钢 in 宝安 (沙井).
    let id = rest["items"][0]["id"].as_i64().unwrap();
    let res = app.send(
        "GET",
        &format!("/api/v1/cases/{id}"),
        Some(&cookie),
        None,
        None,
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let case = res.json();
    assert_eq!(case["lead_bureau"], "industry_it", "{case}");
    assert!(
        case["co_bureaus"]
            .as_array()
            .unwrap()
            .contains(&json!("market_regulation")),
        "{case}"
    );
    assert!(
        case["dimensions"]
            .as_array()
            .unwrap()
            .contains(&json!("ditiaogang"))
    );
    assert_eq!(case["district"], "baoan");
    assert_eq!(case["industry"], "steel");
    assert!(case["enterprise"].is_null());
    assert_eq!(case["tips"].as_array().unwrap().len(), 1);
    let tip = &case["tips"][0];
    assert!(tip["description"].as_str().unwrap().contains("中频炉"));
    assert_eq!(tip["source"], "api");
    assert!(
        !tip["routing"]["explanation"].as_array().unwrap().is_empty(),
        "{tip}"
    );
    assert!(
        !case["obsolete_findings"].as_array().unwrap().is_empty(),
        "{case}"
    );

    // The blast furnace case carries the Table 5 figure.
    let first = page["items"][0]["id"].as_i64().unwrap();
    let case = app
        .send(
            "GET",
            &format!("/api/v1/cases/{first}"),
            Some(&cookie),
            None,
            None,
        )
        .json();
    let finding = &case["obsolete_findings"][0];
    assert_eq!(finding["obsolete"], true, "{case}");
    assert!(
        finding["citation"].as_str().unwrap().contains("表5")
            || !finding["citation"].as_str().unwrap().is_empty()
    );
    assert_eq!(case["district"], "longgang");

    // Filters.
    let res = app
        .send(
            "GET",
            "/api/v1/cases?bureau=ecology_environment",
            Some(&cookie),
            None,
            None,
        )
        .json();
    // The dyeing works it leads, and the 地条钢 plant it co-handles (烟很大).
    assert_eq!(res["items"].as_array().unwrap().len(), 2, "{res}");
    let res = app
        .send(
            "GET",
            "/api/v1/cases?q=%E5%8D%B0%E6%9F%93",
            Some(&cookie),
            None,
            None,
        )
        .json();
    assert_eq!(res["items"].as_array().unwrap().len(), 1, "q=印染: {res}");
    let res = app.send("GET", "/api/v1/cases?limit=501", Some(&cookie), None, None);
    assert_eq!(res.status, 422);
    let res = app.send("GET", "/api/v1/cases?cursor=abc", Some(&cookie), None, None);
    assert_eq!(res.status, 422);
}

#[test]
fn staff_see_only_their_own_cases() {
    let app = TestApp::spawn();
    app.add_user("env1", "bureau", Some("ecology_environment"), None);
    app.add_user("lg1", "district", None, Some("longgang"));
    submit(
        &app,
        json!({"description": "沙井街道有家厂晚上用中频炉炼钢，做地条钢。"}),
    );
    submit(
        &app,
        json!({"description": "龙岗区坪地街道的印染厂偷排污水，晚上冒黑烟。"}),
    );
    let (env, _) = app.login("env1");
    let items = app
        .send("GET", "/api/v1/cases", Some(&env), None, None)
        .json()["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 1, "{items:?}");
    let own = items[0]["id"].as_i64().unwrap();
    let other = if own == 1 { 2 } else { 1 };
    assert_eq!(
        app.send(
            "GET",
            &format!("/api/v1/cases/{own}"),
            Some(&env),
            None,
            None
        )
        .status,
        200
    );
    assert_eq!(
        app.send(
            "GET",
            &format!("/api/v1/cases/{other}"),
            Some(&env),
            None,
            None
        )
        .status,
        404
    );
    let (lg, _) = app.login("lg1");
    let items = app
        .send("GET", "/api/v1/cases", Some(&lg), None, None)
        .json()["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["district"], "longgang");
    // No session, no cases.
    assert_eq!(
        app.send("GET", "/api/v1/cases", None, None, None).status,
        401
    );
    assert_eq!(
        app.send(
            "GET",
            "/api/v1/cases",
            Some("tipline_session=forged"),
            None,
            None
        )
        .status,
        401
    );
}

#[test]
fn sessions_rotate_need_csrf_and_hold_back_a_guessing_client() {
    let app = TestApp::spawn();
    app.add_user("admin1", "admin", None, None);
    let (a, csrf_a) = app.login("admin1");
    let (b, _) = app.login("admin1");
    assert_ne!(a, b, "a new session id at every login");
    assert_eq!(
        app.send("DELETE", "/api/v1/session", Some(&a), None, None)
            .status,
        403
    );
    assert_eq!(
        app.send("DELETE", "/api/v1/session", Some(&a), Some("wrong"), None)
            .status,
        403
    );
    assert_eq!(
        app.send("DELETE", "/api/v1/session", Some(&a), Some(&csrf_a), None)
            .status,
        204
    );
    assert_eq!(
        app.send("GET", "/api/v1/cases", Some(&a), None, None)
            .status,
        401
    );
    assert_eq!(
        app.send("GET", "/api/v1/cases", Some(&b), None, None)
            .status,
        200
    );

    let wrong = json!({"username": "admin1", "password": "not the password"});
    for i in 0..10 {
        let res = app.post_json("/api/v1/session", &wrong);
        // Five tries per client and account, then this client is held back.
        let expected = if i < 5 { 401 } else { 429 };
        assert_eq!(res.status, expected, "attempt {i}: {}", res.body);
    }
    let right = json!({"username": "admin1", "password": common::PASSWORD});
    let res = app.post_json("/api/v1/session", &right);
    assert_eq!(
        res.status, 429,
        "held back even with the password: {}",
        res.body
    );
    assert_eq!(res.header("retry-after"), Some("900"));
    // An unknown user gets the same answer as a wrong password.
    let res = app.post_json(
        "/api/v1/session",
        &json!({"username": "nobody", "password": "x"}),
    );
    assert_eq!(res.status, 401);
    // Every login is audited.
    use diesel::prelude::*;
    use tipline::db::schema::audit_log;
    let mut conn = app.state.db.read_conn().unwrap();
    let logins: i64 = audit_log::table
        .filter(audit_log::action.eq("login"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    // Two good logins, five failures, six attempts held back.
    assert_eq!(logins, 13);
}
