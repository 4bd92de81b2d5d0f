//! The registry in routing (issue 14): a tip that names only a registered
//! firm reaches that firm's district office; an import while the server
//! runs links the open cases about the new firm and joins them into one.
use crate::common;

use std::time::{Duration, Instant};

use common::TestApp;
use serde_json::{Value, json};

const CODE: &str = "91440300MA5HXQ8K0Y";

fn import(app: &TestApp, rows: &str) {
    app.import_firms(rows);
}

fn case(app: &TestApp, cookie: &str, id: i64) -> Value {
    let r = app.send(
        "GET",
        &format!("/api/v1/cases/{id}"),
        Some(cookie),
        None,
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

fn case_of_tip(app: &TestApp, cookie: &str) -> Vec<i64> {
    let r = app.send("GET", "/api/v1/cases?sort=old", Some(cookie), None, None);
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_tip_naming_only_a_registered_firm_reaches_its_district_office() {
    let app = TestApp::spawn();
    let code = tipline::domain::credit_code::CreditCode::generate_valid(4242).to_string();
    import(
        &app,
        &format!(
            "{code},深圳市旭日冶金材料有限公司,深圳市坪山区坑梓街道秀新社区工业路8号,坪山区,steel\n"
        ),
    );
    app.state.registry.refresh(&app.state.db).unwrap();
    let tip = json!({"description": "旭日冶金厂晚上偷偷用中频炉炼钢坯，烟很大。", "enterprise_name": "旭日冶金"});
    assert_eq!(app.post_json("/api/v1/tips", &tip).status, 201);

    app.add_user("pingshan1", "district", None, Some("pingshan"));
    app.add_user("baoan1", "district", None, Some("baoan"));
    let (own, _) = app.login("pingshan1");
    let (other, _) = app.login("baoan1");
    let ids = case_of_tip(&app, &own);
    assert_eq!(ids.len(), 1, "the Pingshan office sees the case");
    let c = case(&app, &own, ids[0]);
    assert_eq!(c["district"], "pingshan", "{c}");
    assert_eq!(c["enterprise"]["credit_code"], code.as_str(), "{c}");
    let explained = c.to_string();
    assert!(
        explained.contains("按匹配到的企业的登记地"),
        "the explanation says where the district came from"
    );
    assert!(case_of_tip(&app, &other).is_empty());
    let r = app.send(
        "GET",
        &format!("/api/v1/cases/{}", ids[0]),
        Some(&other),
        None,
        None,
    );
    assert_eq!(r.status, 404);
}

#[test]
fn an_import_while_serving_links_and_joins_the_open_cases_about_the_new_firm() {
    let app = TestApp::spawn();
    app.add_user("disp1", "dispatcher", None, None);
    let (cookie, _) = app.login("disp1");
    let before = app.get("/readyz").json()["registry_version"]
        .as_i64()
        .unwrap();
    // Two reports about a firm the registry does not know yet, from two places.
    let a = json!({
        "description": "新星钢铁有限公司夜里用中频炉熔废钢炼钢坯，车间烟很大。",
        "enterprise_name": "深圳市新星钢铁有限公司",
        "address": "宝安区沙井街道后亭社区",
    });
    let b = json!({
        "description": "沙井那边新星钢铁又开工了，中频炉化废铁做钢坯，半夜拉货。",
        "enterprise_name": "新星钢铁",
        "address": "宝安区新桥街道上寮",
    });
    assert_eq!(app.post_json("/api/v1/tips", &a).status, 201);
    assert_eq!(app.post_json("/api/v1/tips", &b).status, 201);
    let ids = case_of_tip(&app, &cookie);
    assert_eq!(ids.len(), 2, "two unlinked cases");
    for id in &ids {
        assert!(case(&app, &cookie, *id)["enterprise"].is_null());
    }
    // The import lands through another door (the CLI or another process);
    // a third report arrives while this process has not refreshed yet.
    import(
        &app,
        &format!(
            "{CODE},深圳市新星钢铁有限公司,深圳市宝安区沙井街道后亭社区工业大道9号,宝安区,steel\n"
        ),
    );
    let c = json!({
        "description": "新星钢铁的中频炉还在炼地条钢。",
        "enterprise_name": "新星钢铁有限公司",
    });
    assert_eq!(app.post_json("/api/v1/tips", &c).status, 201);
    // Within one poll (2 s) and the job: one open case, linked, with all three tips.
    let deadline = Instant::now() + Duration::from_secs(15);
    let open = loop {
        let open: Vec<Value> = case_of_tip(&app, &cookie)
            .into_iter()
            .map(|id| case(&app, &cookie, id))
            .filter(|c| c["status"] != "closed")
            .collect();
        let done = open.len() == 1
            && open[0]["enterprise"]["credit_code"] == CODE
            && open[0]["tips"].as_array().unwrap().len() == 3;
        if done || Instant::now() > deadline {
            break open;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["enterprise"]["credit_code"], CODE, "{:#}", open[0]);
    assert_eq!(
        open[0]["tips"].as_array().unwrap().len(),
        3,
        "{:#}",
        open[0]
    );
    // Audited, and the readiness answer shows the import is live.
    let id = open[0]["id"].as_i64().unwrap();
    let audit = app.send(
        "GET",
        &format!("/api/v1/audit?case={id}"),
        Some(&cookie),
        None,
        None,
    );
    assert!(
        audit.body.contains("matched after registry import"),
        "{}",
        audit.body
    );
    let after = app.get("/readyz").json()["registry_version"]
        .as_i64()
        .unwrap();
    assert!(after > before);
    // Idempotent: running the job again changes nothing.
    let again = tipline::services::rematch::rematch_unlinked(
        &app.state.db,
        &app.state.router,
        |q| app.state.registry.match_tip(q),
        after,
        tipline::db::now(),
    )
    .unwrap();
    assert_eq!(again.linked, 0);
}

/// Two cases about one firm on one page of the queue both name it (each
/// row used to take the firm out of the page's lookup, so the second
/// showed none).
#[test]
fn two_cases_about_one_firm_both_show_it_in_the_queue() {
    use diesel::prelude::*;
    use tipline::db::schema::cases;
    let app = TestApp::spawn();
    let code = tipline::domain::credit_code::CreditCode::generate_valid(4343).to_string();
    import(
        &app,
        &format!(
            "{code},深圳市旭日冶金材料有限公司,深圳市坪山区坑梓街道秀新社区工业路8号,坪山区,steel\n"
        ),
    );
    app.state.registry.refresh(&app.state.db).unwrap();
    let tip = json!({"description": "旭日冶金厂晚上偷偷用中频炉炼钢坯，烟很大。", "enterprise_name": "旭日冶金"});
    assert_eq!(app.post_json("/api/v1/tips", &tip).status, 201);
    let other = json!({"description": "龙岗区坪地街道有家厂用小高炉炼铁，天天冒黑烟。"});
    assert_eq!(app.post_json("/api/v1/tips", &other).status, 201);
    app.state
        .db
        .write_tx(|conn| -> anyhow::Result<()> {
            let firm: Option<i64> = cases::table
                .filter(cases::enterprise_id.is_not_null())
                .select(cases::enterprise_id)
                .first(conn)?;
            diesel::update(cases::table.filter(cases::enterprise_id.is_null()))
                .set(cases::enterprise_id.eq(firm))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    app.add_user("boss", "admin", None, None);
    let (cookie, _) = app.login("boss");
    let r = app.send("GET", "/api/v1/cases", Some(&cookie), None, None);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{}", r.body);
    for c in &items {
        assert_eq!(c["enterprise"]["credit_code"], code.as_str(), "{c}");
    }
}
