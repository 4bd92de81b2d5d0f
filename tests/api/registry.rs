//! The enterprise registry: import (CLI and HTTP), matching at intake, one
//! case per problem, and an import seen by a second process.
use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::TestApp;
use serde_json::json;
use tipline::domain::credit_code::CreditCode;

const BIN: &str = env!("CARGO_BIN_EXE_tipline");

fn code(seed: u64) -> String {
    CreditCode::generate_valid(seed).as_str().to_string()
}

/// A small registry with look-alikes: 宏达 in 宝安 and 龙岗, 宏大, a branch.
fn registry_csv() -> String {
    let mut csv = String::from("credit_code,name,address,district,industry,legal_person\n");
    let rows = [
        (
            code(1),
            "深圳市宏达钢铁有限公司",
            "宝安区沙井街道新桥工业区3栋",
            "宝安区",
            "钢铁",
        ),
        (
            code(2),
            "深圳市宏达钢铁制品有限公司",
            "龙岗区坪地街道高桥工业园",
            "440307",
            "steel",
        ),
        (
            code(3),
            "深圳市宏大钢铁有限公司",
            "宝安区松岗街道",
            "baoan",
            "钢铁",
        ),
        (
            code(4),
            "深圳市绿源印染有限公司",
            "宝安区沙井街道",
            "baoan",
            "印染",
        ),
        (
            code(5),
            "深圳市绿源印染有限公司沙井分公司",
            "宝安区沙井街道后亭",
            "baoan",
            "印染",
        ),
    ];
    for (c, name, addr, district, industry) in rows {
        csv.push_str(&format!("{c},{name},{addr},{district},{industry},张三\n"));
    }
    csv
}

fn import(app: &TestApp, csv: &str) -> tipline::services::registry::ImportReport {
    let report = tipline::services::registry::import_csv(
        &app.state.db,
        &app.state.pack,
        csv.as_bytes(),
        "test",
        |_| {},
    )
    .unwrap();
    app.state.registry.refresh(&app.state.db).unwrap();
    report
}

fn case_of(app: &TestApp, cookie: &str, receipt_tip: &serde_json::Value) -> serde_json::Value {
    let res = app.post_json("/api/v1/tips", receipt_tip);
    assert_eq!(res.status, 201, "{}", res.body);
    let page = app
        .send("GET", "/api/v1/cases?limit=1", Some(cookie), None, None)
        .json();
    page["items"][0].clone()
}

#[test]
fn cli_import_reports_every_row_and_is_idempotent() {
    let db = common::TestDb::new();
    let file = db.dir.path().join("registry.csv");
    let mut csv = registry_csv();
    let mut bad = code(9);
    bad.replace_range(17..18, if bad.ends_with('0') { "1" } else { "0" });
    csv.push_str(&format!("{bad},校验位错误的企业,地址,宝安区,钢铁,x\n"));
    csv.push_str(&format!("{},,地址,宝安区,钢铁,x\n", code(10)));
    csv.push_str(&format!("{},朝阳钢铁,地址,朝阳区,钢铁,x\n", code(11)));
    csv.push_str("91440300ABC,短代码企业,地址,宝安区,钢铁,x\n");
    std::fs::write(&file, &csv).unwrap();
    let run = || {
        let out = Command::new(BIN)
            .args(["enterprises", "import"])
            .arg(&file)
            .env("DATABASE_URL", &db.url)
            .env("TIPLINE_DATA_DIR", db.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run();
    assert!(
        first.contains("imported 6, updated 0, rejected 3, flagged 1"),
        "{first}"
    );
    assert!(first.contains("warning: line 7:"), "{first}");
    assert!(first.contains("rejected: line 8: name"), "{first}");
    assert!(first.contains("rejected: line 9: district"), "{first}");
    assert!(first.contains("rejected: line 10: credit_code"), "{first}");
    let second = run();
    assert!(
        second.contains("imported 0, updated 6, rejected 3"),
        "{second}"
    );
}

#[test]
fn repeated_reports_about_one_furnace_become_one_case() {
    let app = TestApp::spawn();
    let report = import(&app, &registry_csv());
    assert_eq!(report.imported, 5);
    app.add_user("dispatch1", "dispatcher", None, None);
    let (cookie, _) = app.login("dispatch1");

    let tips = [
        json!({"description": "宏达钢铁晚上用中频炉炼钢，地条钢又开工了。", "enterprise_name": "宏达钢铁", "district": "宝安区"}),
        json!({"description": "沙井新桥工业区3栋那家宏達鋼鐵在用中頻爐煉鋼，冒黑煙。"}),
        json!({"description": "举报深圳市 宏达 钢铁 非法生产地条钢，工频炉每天开。", "district": "baoan"}),
        json!({"description": "宝安沙井的宏达钢铁厂半夜熔废钢做钢坯，中频炉很响。"}),
        json!({"description": format!("统一社会信用代码{}的企业在用中频炉生产地条钢。", code(1))}),
    ];
    let mut case_ids = Vec::new();
    for tip in &tips {
        let item = case_of(&app, &cookie, tip);
        case_ids.push(item["id"].as_i64().unwrap());
        assert_eq!(item["enterprise"]["credit_code"], code(1), "{tip}: {item}");
    }
    case_ids.dedup();
    assert_eq!(case_ids.len(), 1, "one case: {case_ids:?}");
    let case = app
        .send(
            "GET",
            &format!("/api/v1/cases/{}", case_ids[0]),
            Some(&cookie),
            None,
            None,
        )
        .json();
    assert_eq!(case["tip_count"], 5);
    assert_eq!(case["tips"].as_array().unwrap().len(), 5);
    assert_eq!(case["enterprise"]["name"], "深圳市宏达钢铁有限公司");
    assert!(!case["candidates"].as_array().unwrap().is_empty());
    assert!(case["first_seen_at"].as_str() <= case["last_seen_at"].as_str());

    // Energy use at the same firm is another problem: a second case.
    let energy = case_of(
        &app,
        &cookie,
        &json!({"description": "宏达钢铁能耗严重超标，电费用得吓人，超过能耗限额。", "enterprise_name": "深圳市宏达钢铁有限公司"}),
    );
    assert_ne!(energy["id"].as_i64().unwrap(), case_ids[0]);
    assert_eq!(energy["enterprise"]["credit_code"], code(1));

    // Look-alikes lose: 宏大 is not 宏达, the 龙岗 firm is not the 宝安 firm.
    let other = case_of(
        &app,
        &cookie,
        &json!({"description": "宏大钢铁用中频炉炼钢。", "enterprise_name": "宏大钢铁", "district": "宝安区"}),
    );
    assert_eq!(other["enterprise"]["credit_code"], code(3));
    let lg = case_of(
        &app,
        &cookie,
        &json!({"description": "龙岗坪地的宏达钢铁制品厂在用中频炉炼钢。", "enterprise_name": "宏达钢铁制品", "district": "龙岗区"}),
    );
    assert_eq!(lg["enterprise"]["credit_code"], code(2));
    // A firm not in the registry gives no match rather than a wrong one.
    let none = case_of(
        &app,
        &cookie,
        &json!({"description": "鑫隆铸造厂偷偷用中频炉炼钢。", "enterprise_name": "鑫隆铸造厂"}),
    );
    assert!(none["enterprise"].is_null(), "{none}");
}

#[test]
fn tips_without_an_enterprise_group_by_place_and_dimension() {
    let app = TestApp::spawn();
    app.add_user("dispatch1", "dispatcher", None, None);
    let (cookie, _) = app.login("dispatch1");
    let a = case_of(
        &app,
        &cookie,
        &json!({"description": "有个无名小厂晚上排黑水到河里，臭得很。", "address": "宝安区福永街道凤凰第三工业区A栋", "district": "宝安区"}),
    );
    let b = case_of(
        &app,
        &cookie,
        &json!({"description": "那个小作坊还在偷排污水，河里都是泡沫。", "address": "福永凤凰第三工业区A栋", "district": "baoan"}),
    );
    assert_eq!(a["id"], b["id"], "same place, same problem");
    assert_eq!(b["tip_count"], 2);
    let c = case_of(
        &app,
        &cookie,
        &json!({"description": "有个小厂偷排污水，晚上排黑水。", "address": "龙岗区坪地街道高桥工业园", "district": "龙岗区"}),
    );
    assert_ne!(c["id"], a["id"]);
}

#[test]
fn an_admin_uploads_the_registry_over_http() {
    let app = TestApp::spawn();
    app.add_user("admin1", "admin", None, None);
    app.add_user("env1", "bureau", Some("ecology_environment"), None);
    let (cookie, csrf) = app.login("admin1");
    let url = format!("{}/api/v1/enterprises/import", app.base);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let send = |cookie: &str, csrf: &str| {
        let mut res = agent
            .post(&url)
            .header("Cookie", cookie)
            .header("X-CSRF-Token", csrf)
            .header("Content-Type", "text/csv; charset=utf-8")
            .send(registry_csv())
            .unwrap();
        (
            res.status().as_u16(),
            res.body_mut().read_to_string().unwrap(),
        )
    };
    let (status, body) = send(&cookie, &csrf);
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["imported"], 5);
    let (status, _) = send(&cookie, "wrong");
    assert_eq!(status, 403);
    let (env, env_csrf) = app.login("env1");
    let (status, _) = send(&env, &env_csrf);
    assert_eq!(status, 404, "only admins import");
    assert_eq!(app.state.registry.len(), 5);
}

/// Two `tipline serve` processes on one database: an import through one is
/// matched by the other.
#[test]
fn a_second_process_sees_an_import_made_through_the_first() {
    let db = common::TestDb::new();
    let secret = "11".repeat(32);
    let ports = [free_port(), free_port()];
    let mut children: Vec<_> = ports
        .iter()
        .map(|port| {
            Command::new(BIN)
                .arg("serve")
                .env("DATABASE_URL", &db.url)
                .env("TIPLINE_DATA_DIR", db.dir.path())
                .env("TIPLINE_SECRET", &secret)
                .env("TIPLINE_BIND", format!("127.0.0.1:{port}"))
                .env("TIPLINE_WORKERS", "1")
                // The loop below posts until the match shows: no per-client limit.
                .env("TIPLINE_INTAKE_LIMIT", "0")
                .env("RUST_LOG", "warn")
                .spawn()
                .unwrap()
        })
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for port in ports {
        let deadline = Instant::now() + Duration::from_secs(30);
        while agent
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .call()
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
            != 200
        {
            assert!(Instant::now() < deadline, "process on {port} did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // An admin account, made through the CLI against the same database.
    let out = Command::new(BIN)
        .args(["user", "add", "--username", "admin1", "--role", "admin"])
        .env("DATABASE_URL", &db.url)
        .env("TIPLINE_PASSWORD", common::PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let login = |port: u16| {
        let mut res = agent
            .post(format!("http://127.0.0.1:{port}/api/v1/session"))
            .send_json(json!({"username": "admin1", "password": common::PASSWORD}))
            .unwrap();
        let cookie = res
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let body: serde_json::Value =
            serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
        (cookie, body["csrf_token"].as_str().unwrap().to_string())
    };
    let (cookie_a, csrf_a) = login(ports[0]);
    let res = agent
        .post(format!(
            "http://127.0.0.1:{}/api/v1/enterprises/import",
            ports[0]
        ))
        .header("Cookie", &cookie_a)
        .header("X-CSRF-Token", &csrf_a)
        .header("Content-Type", "text/csv")
        .send(registry_csv())
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // Process B matches the imported firm once it has noticed the change.
    let (cookie_b, _) = login(ports[1]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut matched = false;
    while Instant::now() < deadline && !matched {
        let res = agent
            .post(format!("http://127.0.0.1:{}/api/v1/tips", ports[1]))
            .send_json(json!({"description": "绿源印染沙井分公司晚上偷排黑水。", "enterprise_name": "绿源印染沙井分公司"}))
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let mut res = agent
            .get(format!(
                "http://127.0.0.1:{}/api/v1/cases?limit=1",
                ports[1]
            ))
            .header("Cookie", &cookie_b)
            .call()
            .unwrap();
        let page: serde_json::Value =
            serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
        matched = page["items"][0]["enterprise"]["credit_code"] == code(5);
        if !matched {
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert!(
        matched,
        "the second process never matched the imported branch"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
