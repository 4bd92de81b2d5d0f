//! Issue 7 acceptance 1 and 3: one tip through the lists, joint punishment
//! and credit repair, seen through the public list API and the punishment
//! API; and no public output carries reporter data. SQLite by default,
//! PostgreSQL with TIPLINE_TEST_DATABASE_URL.
use crate::common;

use chrono::{Datelike, Duration};
use common::TestApp;
use serde_json::{Value, json};
use tipline::services::workflow::local_day;

const CODE: &str = "914403001922038216";
const NAME: &str = "深圳市宏达钢铁有限公司";
const SECRET_TEXT: &str = "夜里偷偷开工的秘密车间XJ-7731";
const SECRET_CONTACT: &str = "13912345678";

struct Walk {
    app: TestApp,
    cookie: String,
    csrf: String,
    receipt: String,
    punishment_id: i64,
    case_id: i64,
    ends: chrono::NaiveDate,
}

fn add_enterprise(app: &TestApp) {
    use tipline::db::enterprises::{EnterpriseWrite, bump_version, upsert};
    app.state
        .db
        .write_tx(|conn| -> Result<(), tipline::db::DbError> {
            let rev = bump_version(conn)?;
            let e = EnterpriseWrite {
                credit_code: CODE.into(),
                credit_code_valid: true,
                name: NAME.into(),
                address: Some("宝安区沙井街道".into()),
                district: Some("baoan".into()),
                industry: Some("steel".into()),
            };
            upsert(conn, &e, None, rev, tipline::db::now())?;
            Ok(())
        })
        .unwrap();
}

fn act(app: &TestApp, w: (&str, &str), id: i64, action: &str, body: Value) -> Value {
    let res = app.send(
        "POST",
        &format!("/api/v1/cases/{id}/{action}"),
        Some(w.0),
        Some(w.1),
        Some(&body),
    );
    assert_eq!(res.status, 200, "{action}: {}", res.body);
    res.json()
}

fn list(app: &TestApp, kind: &str, query: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/public/lists/{kind}{query}"));
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["entries"].as_array().unwrap().clone()
}

fn punishments(w: &Walk) -> Vec<Value> {
    let res = w
        .app
        .send("GET", "/api/v1/punishments", Some(&w.cookie), None, None);
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["punishments"].as_array().unwrap().clone()
}

fn today() -> chrono::NaiveDate {
    local_day(tipline::db::now())
}

/// The walk of acceptance 1, checking the lists at every step.
fn noon(d: chrono::NaiveDate) -> chrono::NaiveDateTime {
    d.and_hms_opt(4, 0, 0).unwrap()
}

fn walk() -> Walk {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("iit", "bureau", Some("industry_it"), None);
    add_enterprise(&app);
    let res = app.post_json(
        "/api/v1/tips",
        &json!({"description": format!("宝安区沙井街道{NAME}的中频炉能耗严重超标，{SECRET_TEXT}。"),
                "contact": SECRET_CONTACT}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let receipt = res.json()["receipt"].as_str().unwrap().to_string();
    let id: i64 = {
        use diesel::prelude::*;
        use tipline::db::schema::cases;
        let mut conn = app.state.db.read_conn().unwrap();
        cases::table
            .select(cases::id)
            .order(cases::id.desc())
            .first(&mut *conn)
            .unwrap()
    };
    let (dc, dt) = app.login("disp");
    let (bc, bt) = app.login("iit");
    let (disp, iit) = ((dc.as_str(), dt.as_str()), (bc.as_str(), bt.as_str()));

    act(
        &app,
        disp,
        id,
        "dispatch",
        json!({"lead_bureau": "industry_it", "district": "baoan", "dimensions": ["energy"],
               "industry": "steel", "enterprise_credit_code": CODE}),
    );
    act(&app, iit, id, "accept", json!({}));
    act(
        &app,
        iit,
        id,
        "verify",
        json!({"finding": "substantiated", "inspected_on": tipline::clock::local_day(tipline::db::now()), "inspectors": ["张三"], "evidence": "现场照片"}),
    );
    for kind in ["yellow", "red", "exit"] {
        assert!(list(&app, kind, "").is_empty(), "{kind} before any order");
    }

    // Rectification order → yellow.
    let out = act(&app, iit, id, "order", json!({"measure": "rectify"}));
    let due = out["due_on"].as_str().unwrap().to_string();
    let yellow = list(&app, "yellow", "");
    assert_eq!(yellow.len(), 1, "{yellow:?}");
    let y = &yellow[0];
    assert_eq!(y["enterprise_name"], NAME);
    assert_eq!(y["credit_code"], CODE);
    assert_eq!(y["measure"], "rectify");
    assert_eq!(y["measure_name"], "限期整改");
    assert_eq!(y["due_on"], due);
    assert_eq!(y["since"], today().to_string());
    assert_eq!(y["bureau"], "industry_it");
    assert!(y["bureau_name"].as_str().unwrap().contains("工业和信息化"));
    assert!(
        y["legal_basis"].as_str().unwrap().contains("深圳2019"),
        "{y}"
    );
    assert!(list(&app, "red", "").is_empty());
    // Filters: district and industry by key or name, and year.
    assert_eq!(list(&app, "yellow", "?district=baoan").len(), 1);
    assert_eq!(
        list(&app, "yellow", "?district=%E5%AE%9D%E5%AE%89%E5%8C%BA").len(),
        1
    );
    assert!(list(&app, "yellow", "?district=futian").is_empty());
    assert_eq!(list(&app, "yellow", "?industry=steel").len(), 1);
    assert!(list(&app, "yellow", "?industry=cement").is_empty());
    let y0 = today().year();
    assert_eq!(list(&app, "yellow", &format!("?year={y0}")).len(), 1);
    assert!(list(&app, "yellow", &format!("?year={}", y0 - 1)).is_empty());

    // Failed re-inspection → red (and off yellow).
    act(
        &app,
        iit,
        id,
        "reinspect",
        json!({"passed": false, "note": "仍在生产"}),
    );
    assert!(list(&app, "yellow", "").is_empty());
    let red = list(&app, "red", "");
    assert_eq!(red.len(), 1);
    assert_eq!(red[0]["measure"], "reinspection_failed");

    // Closure with an exit deadline; stays red, named by the closure.
    let exit_due = today() + Duration::days(30);
    act(
        &app,
        iit,
        id,
        "order",
        json!({"measure": "close", "due_on": exit_due}),
    );
    let red = list(&app, "red", "");
    assert_eq!(red.len(), 1);
    assert_eq!(red[0]["measure"], "close");
    assert_eq!(red[0]["measure_name"], "关停退出");

    let mut w = Walk {
        app,
        cookie: dc.clone(),
        csrf: dt.clone(),
        receipt,
        punishment_id: 0,
        case_id: id,
        ends: today(),
    };
    // Before the deadline the daily job proposes nothing.
    let pack = w.app.state.pack.clone();
    let r =
        tipline::services::punishment::run_daily(&w.app.state.db, &pack, noon(exit_due)).unwrap();
    assert_eq!(r.proposed, 0);
    assert!(punishments(&w).is_empty());
    // The deadline passes without an accepted exit → a proposal, not applied.
    let later = exit_due + Duration::days(10);
    let r = tipline::services::punishment::run_daily(&w.app.state.db, &pack, noon(later)).unwrap();
    assert_eq!(r.proposed, 1);
    let again =
        tipline::services::punishment::run_daily(&w.app.state.db, &pack, noon(later)).unwrap();
    assert_eq!(again.proposed, 0, "idempotent");
    let p = punishments(&w);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["status"], "proposed");
    assert_eq!(p[0]["case_id"], id);
    assert_eq!(p[0]["enterprise_name"], NAME);
    assert_eq!(p[0]["credit_code"], CODE);
    assert_eq!(p[0]["missed_due_on"], exit_due.to_string());
    assert_eq!(p[0]["measures"], "");
    w.punishment_id = p[0]["id"].as_i64().unwrap();
    let pid = w.punishment_id;
    // Nothing goes to the platform until a dispatcher applies it.
    let ex = w.app.send(
        "GET",
        "/api/v1/punishments/export",
        Some(&w.cookie),
        None,
        None,
    );
    assert_eq!(ex.json()["records"].as_array().unwrap().len(), 0);

    // A bureau may not apply; a measure outside the pack is refused.
    let res = w.app.send(
        "POST",
        &format!("/api/v1/punishments/{pid}/apply"),
        Some(&bc),
        Some(&bt),
        Some(&json!({"measures": ["land_supply"], "starts_on": today(), "ends_on": today() + Duration::days(1095)})),
    );
    assert_eq!(res.status, 403, "{}", res.body);
    let res = w.app.send(
        "POST",
        &format!("/api/v1/punishments/{pid}/apply"),
        Some(&dc),
        Some(&dt),
        Some(&json!({"measures": ["death_penalty"], "starts_on": today(), "ends_on": today()})),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    // Decided before 2026-04-01: Order 58's one term, 3 to 36 months (the
    // pack's `order58` regime); tiers and their terms: tests/api/credit_terms.rs.
    let starts = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    for (ends, why) in [
        (starts + chrono::Months::new(37), "longer than 36 months"),
        (starts + chrono::Months::new(2), "shorter than 3 months"),
    ] {
        let res = w.app.send(
            "POST",
            &format!("/api/v1/punishments/{pid}/apply"),
            Some(&dc),
            Some(&dt),
            Some(&json!({"measures": ["land_supply"], "starts_on": starts, "ends_on": ends})),
        );
        assert_eq!(res.status, 422, "{why}: {}", res.body);
        assert!(res.json()["fields"]["ends_on"].is_array(), "{why}");
    }
    // Started on 2026-03-01 (so credit repair is possible today); an end
    // later than the minimum needs a reason.
    let ends = starts + Duration::days(1095);
    let res = w.app.send(
        "POST",
        &format!("/api/v1/punishments/{pid}/apply"),
        Some(&dc),
        Some(&dt),
        Some(
            &json!({"measures": ["credit_platform", "land_supply", "government_procurement"],
                     "starts_on": starts, "ends_on": ends, "issuing_bureau": "industry_it",
                     "term_reason": "逾期未退出且仍在生产"}),
        ),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let p = punishments(&w);
    assert_eq!(p[0]["status"], "active");
    assert_eq!(
        p[0]["measures"],
        "credit_platform,land_supply,government_procurement"
    );
    assert_eq!(p[0]["issuing_bureau"], "industry_it");
    assert_eq!(p[0]["ends_on"], ends.to_string());
    assert!(
        p[0]["legal_basis"]
            .as_str()
            .unwrap()
            .contains("国发〔2016〕33号")
    );
    let ex = w
        .app
        .send(
            "GET",
            "/api/v1/punishments/export",
            Some(&w.cookie),
            None,
            None,
        )
        .json();
    let rec = &ex["records"][0];
    assert_eq!(rec["credit_code"], CODE);
    // Staff narrow the records; a wrong filter is a 400 that says which.
    let records = |q: &str| {
        w.app.send(
            "GET",
            &format!("/api/v1/punishments{q}"),
            Some(&w.cookie),
            None,
            None,
        )
    };
    let count = |q: &str| {
        let res = records(q);
        assert_eq!(res.status, 200, "{q}: {}", res.body);
        res.json()["count"].as_i64().unwrap()
    };
    assert_eq!(count(&format!("?case_id={id}")), 1);
    assert_eq!(count(&format!("?case_id={}", id + 1)), 0);
    assert_eq!(count(&format!("?credit_code={}", CODE.to_lowercase())), 1);
    assert_eq!(count("?status=active"), 1);
    assert_eq!(count("?status=proposed"), 0);
    assert_eq!(count(&format!("?changed_since={}", today())), 1);
    assert_eq!(
        count(&format!("?changed_since={}", today() + Duration::days(1))),
        0
    );
    for (q, field) in [
        ("?status=deleted", "status"),
        ("?credit_code=123", "credit_code"),
        ("?changed_since=2026-13-01", "changed_since"),
        ("?format=xml", "format"),
    ] {
        let res = records(q);
        assert_eq!(res.status, 400, "{q}: {}", res.body);
        // One reason in Chinese, with the English in brackets.
        let reasons = res.json()["fields"][field][0]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(
            reasons.chars().next().is_some_and(|c| c > '\u{4e00}') && reasons.ends_with(')'),
            "{q}: {reasons}"
        );
    }
    // An incremental export: only what changed since the day asked for.
    let since = |d: chrono::NaiveDate| {
        w.app
            .send(
                "GET",
                &format!("/api/v1/punishments/export?changed_since={d}"),
                Some(&w.cookie),
                None,
                None,
            )
            .json()["records"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(since(today()), 1);
    assert_eq!(since(today() + Duration::days(1)), 0);
    assert_eq!(rec["measure_names"][1], "土地供应");
    assert_eq!(rec["status"], "active");

    // The closure is checked and the exit accepted → the exit list.
    act(
        &w.app,
        iit,
        id,
        "reinspect",
        json!({"passed": true, "note": "已整改"}),
    );
    act(
        &w.app,
        iit,
        id,
        "accept-exit",
        json!({"equipment": "中频炉 2 台", "capacity": 3.5, "unit": "万吨/年"}),
    );
    let exit = list(&w.app, "exit", &format!("?year={y0}"));
    assert_eq!(exit.len(), 1, "{exit:?}");
    assert_eq!(exit[0]["enterprise_name"], NAME);
    assert_eq!(exit[0]["equipment"], "中频炉 2 台");
    assert_eq!(exit[0]["capacity"], 3.5);
    assert_eq!(exit[0]["unit"], "万吨/年");
    assert_eq!(exit[0]["year"], y0);
    assert!(list(&w.app, "exit", &format!("?year={}", y0 + 1)).is_empty());
    // Closed by law: still red after the exit.
    assert_eq!(list(&w.app, "red", "").len(), 1);
    assert!(list(&w.app, "yellow", "").is_empty());

    w.case_id = id;
    w.ends = ends;
    w
}

/// Credit repair ends the punishment early, audited.
fn repair(w: &Walk) {
    let (dc, dt, pid, id, ends) = (
        w.cookie.as_str(),
        w.csrf.as_str(),
        w.punishment_id,
        w.case_id,
        w.ends,
    );
    let pack = w.app.state.pack.clone();
    // Credit repair: reason and approver required; ends the record; audited.
    let res = w.app.send(
        "POST",
        &format!("/api/v1/punishments/{pid}/repair"),
        Some(dc),
        Some(dt),
        Some(&json!({"reason": "已完成退出并公开承诺", "approver": " "})),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    let res = w.app.send(
        "POST",
        &format!("/api/v1/punishments/{pid}/repair"),
        Some(dc),
        Some(dt),
        Some(&json!({"reason": "已完成退出并公开承诺", "approver": "市工业和信息化局 张三"})),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let p = punishments(w);
    assert_eq!(p[0]["status"], "repaired");
    assert_eq!(p[0]["ended_on"], today().to_string());
    assert_eq!(p[0]["end_approver"], "市工业和信息化局 张三");
    let res = w.app.send(
        "POST",
        &format!("/api/v1/punishments/{pid}/repair"),
        Some(dc),
        Some(dt),
        Some(&json!({"reason": "再次", "approver": "某人"})),
    );
    assert_eq!(res.status, 409, "{}", res.body);
    // The job leaves a repaired record alone even after its end date.
    let r = tipline::services::punishment::run_daily(
        &w.app.state.db,
        &pack,
        noon(ends + Duration::days(1)),
    )
    .unwrap();
    assert_eq!((r.proposed, r.expired), (0, 0));
    let audit = w
        .app
        .send(
            "GET",
            &format!("/api/v1/audit?case={id}"),
            Some(&w.cookie),
            None,
            None,
        )
        .body;
    for a in [
        "punishment.proposed",
        "punishment.applied",
        "punishment.repaired",
    ] {
        assert!(audit.contains(a), "{a}: {audit}");
    }
}

#[test]
fn lists_punishment_and_credit_repair_end_to_end() {
    let w = walk();
    repair(&w);
}

#[test]
fn punishment_ends_by_itself_on_its_end_date() {
    let w = walk();
    let pack = w.app.state.pack.clone();
    let db = &w.app.state.db;
    let before =
        tipline::services::punishment::run_daily(db, &pack, noon(w.ends - Duration::days(1)))
            .unwrap();
    assert_eq!(before.expired, 0);
    let on = tipline::services::punishment::run_daily(db, &pack, noon(w.ends)).unwrap();
    assert_eq!(on.expired, 1);
    let p = punishments(&w);
    assert_eq!(p[0]["status"], "expired");
    assert_eq!(p[0]["ended_on"], w.ends.to_string());
    let audit = w.app.send(
        "GET",
        &format!("/api/v1/audit?case={}", w.case_id),
        Some(&w.cookie),
        None,
        None,
    );
    assert!(audit.body.contains("punishment.expired"), "{}", audit.body);
}

/// Every public output after the walk, none holding the reporter's data.
#[test]
fn no_public_output_contains_reporter_data() {
    let w = walk();
    repair(&w);
    let mut outputs = Vec::new();
    for kind in ["yellow", "red", "exit"] {
        for q in ["", "?format=csv", "?format=json&district=baoan"] {
            let (status, _, body) = w
                .app
                .get_bytes(&format!("/api/v1/public/lists/{kind}{q}"), &[]);
            assert_eq!(status, 200);
            if q == "?format=csv" {
                assert!(
                    body.starts_with(&[0xEF, 0xBB, 0xBF]),
                    "{kind}: CSV without BOM"
                );
                let text = String::from_utf8(body.clone()).unwrap();
                assert!(text.contains(NAME) || kind == "yellow", "{kind}: {text}");
            }
            outputs.push(String::from_utf8(body).unwrap());
        }
        let page = w.app.get(&format!("/lists/{kind}"));
        assert_eq!(page.status, 200);
        outputs.push(page.body);
    }
    for path in [
        "/api/v1/punishments/export",
        "/api/v1/punishments/export?format=csv",
        "/api/v1/punishments",
    ] {
        let res = w.app.send("GET", path, Some(&w.cookie), None, None);
        assert_eq!(res.status, 200, "{path}");
        outputs.push(res.body);
    }
    let csv = outputs.iter().find(|o| o.contains("record_id")).unwrap();
    assert!(csv.contains(CODE));
    for out in &outputs {
        for secret in [
            SECRET_TEXT,
            SECRET_CONTACT,
            w.receipt.as_str(),
            "XJ-7731",
            "中频炉能耗严重超标",
        ] {
            assert!(!out.contains(secret), "{secret:?} leaked into {out}");
        }
    }
}
