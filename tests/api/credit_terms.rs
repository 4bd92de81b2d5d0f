//! Issue 19: credit terms by tier. A record decided before 2026-04-01 keeps
//! Order 58's one term; from then the most severe tier of its measures sets
//! the term (Order 36), ending by default at the minimum, later only with a
//! reason, never after the maximum; a 轻微 record is not published unless
//! the pack says so; the export carries tier and regime. SQLite by default,
//! PostgreSQL with TIPLINE_TEST_DATABASE_URL.
use crate::common;

use chrono::{Duration, Months, NaiveDate};
use common::{TestApp, serve_args};
use serde_json::{Value, json};
use tipline::services::workflow::local_day;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A case (in Bao'an, lead industry_it) whose closure deadline passed a
/// month ago without an accepted exit; the daily job proposes joint
/// punishment for it. Returns the proposal's id.
fn proposal(app: &TestApp, n: u32, dims: &str) -> i64 {
    use tipline::db::cases::{NewCase, insert};
    use tipline::db::measures::{NewMeasure, insert_measure};
    let now = tipline::db::now();
    let today = local_day(now);
    let case_id = app
        .state
        .db
        .write_tx(|conn| -> Result<i64, tipline::db::DbError> {
            let case_id = insert(
                conn,
                &NewCase {
                    status: "enforcing",
                    industry: Some("steel"),
                    district: Some("baoan"),
                    dimensions: dims,
                    lead_bureau: Some("industry_it"),
                    co_bureaus: "",
                    routing: "{}",
                    enterprise_id: None,
                    candidates: "[]",
                    place_key: None,
                    at: now,
                },
            )?;
            diesel::update(tipline::db::schema::cases::table.find(case_id))
                .set(
                    tipline::db::schema::cases::enterprise_credit_code
                        .eq(format!("91440300MA5G{n:06}")),
                )
                .execute(conn)
                .map_err(tipline::db::DbError::Query)?;
            insert_measure(
                conn,
                &NewMeasure {
                    case_id,
                    measure: "close",
                    rule_key: None,
                    ordered_on: today - Duration::days(60),
                    due_on: today - Duration::days(30),
                    note: "",
                    created_by: "test",
                    at: now,
                },
            )?;
            Ok(case_id)
        })
        .unwrap();
    let pack = app.state.pack.clone();
    let r = tipline::services::punishment::run_daily(&app.state.db, &pack, now).unwrap();
    assert_eq!(r.proposed, 1);
    record_of_case(app, case_id)
}

use diesel::prelude::*;

fn record_of_case(app: &TestApp, case_id: i64) -> i64 {
    use tipline::db::schema::punishments;
    let mut conn = app.state.db.read_conn().unwrap();
    punishments::table
        .filter(punishments::case_id.eq(case_id))
        .select(punishments::id)
        .first(&mut *conn)
        .unwrap()
}

struct Desk {
    app: TestApp,
    cookie: String,
    csrf: String,
}

impl Desk {
    fn new(app: TestApp) -> Desk {
        app.add_user("disp", "dispatcher", None, None);
        let (cookie, csrf) = app.login("disp");
        Desk { app, cookie, csrf }
    }

    fn apply(&self, id: i64, body: Value) -> common::Reply {
        self.app.send(
            "POST",
            &format!("/api/v1/punishments/{id}/apply"),
            Some(&self.cookie),
            Some(&self.csrf),
            Some(&body),
        )
    }

    fn get(&self, path: &str) -> common::Reply {
        let res = self.app.send("GET", path, Some(&self.cookie), None, None);
        assert_eq!(res.status, 200, "{path}: {}", res.body);
        res
    }

    fn record(&self, id: i64) -> Value {
        self.get("/api/v1/punishments").json()["punishments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .expect("the record")
    }

    fn exported(&self, id: i64) -> Value {
        self.get("/api/v1/punishments/export").json()["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["record_id"] == id)
            .cloned()
            .expect("the exported record")
    }
}

fn both_languages(res: &common::Reply, field: &str) -> String {
    assert_eq!(res.status, 422, "{}", res.body);
    let text = res.json()["fields"][field][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.chars().next().is_some_and(|c| c > '\u{4e00}') && text.ends_with(')'),
        "{field}: {text}"
    );
    text
}

#[test]
fn a_record_decided_before_april_2026_keeps_order_58() {
    let d = Desk::new(TestApp::spawn());
    let id = proposal(&d.app, 1, "energy");
    let starts = day("2026-03-31");
    // Order 58: 3 to 36 months whatever the measures.
    let res = d.apply(
        id,
        json!({"measures": ["land_supply"], "starts_on": starts,
               "ends_on": starts + Months::new(37), "term_reason": "x"}),
    );
    both_languages(&res, "ends_on");
    let res = d.apply(
        id,
        json!({"measures": ["land_supply"], "starts_on": starts}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let p = d.record(id);
    assert_eq!(p["credit_regime"], "order58");
    assert_eq!(p["credit_tier"], Value::Null);
    assert_eq!(
        (p["term_min_months"].clone(), p["term_max_months"].clone()),
        (json!(3), json!(36))
    );
    // The default end is the minimum.
    assert_eq!(p["ends_on"], (starts + Months::new(3)).to_string());
    let page = d.get("/staff/punishments?status=active").body;
    assert!(
        page.contains(
            "《失信行为纠正后的信用信息修复管理办法（试行）》（2023年5月1日至2026年3月31日） · 公示期 3–36 个月"
        ),
        "{page}"
    );
    assert!(!page.contains("order58"), "no keys on the page");
    let ex = d.exported(id);
    assert_eq!(ex["credit_regime"], "order58");
    assert_eq!(ex["credit_tier"], "");
    assert_eq!(ex["published"], true);
}

#[test]
fn from_april_2026_the_tier_sets_the_term() {
    let d = Desk::new(TestApp::spawn());
    // Publication on 信用中国 only: 一般, 3 to 12 months, ends at the minimum.
    let general = proposal(&d.app, 2, "energy");
    let starts = day("2026-04-01");
    let res = d.apply(
        general,
        json!({"measures": ["credit_china"], "starts_on": starts}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let p = d.record(general);
    assert_eq!(p["credit_regime"], "order36");
    assert_eq!(p["credit_tier"], "general");
    assert_eq!(p["ends_on"], "2026-07-01");
    assert_eq!(
        (p["term_min_months"].clone(), p["term_max_months"].clone()),
        (json!(3), json!(12))
    );

    // With a restriction the record is 严重: 12 to 36 months.
    let serious = proposal(&d.app, 3, "energy");
    let starts = day("2026-06-01");
    let m = json!(["credit_china", "land_supply"]);
    for (ends, why) in [
        (starts + Months::new(11), "shorter than 12 months"),
        (
            starts + Months::new(36) + Duration::days(1),
            "beyond 36 months",
        ),
    ] {
        let res = d.apply(
            serious,
            json!({"measures": m, "starts_on": starts, "ends_on": ends, "term_reason": "情节严重"}),
        );
        let text = both_languages(&res, "ends_on");
        assert!(text.contains("公示期须为12至36个月"), "{why}: {text}");
    }
    // A longer end than the minimum without a reason: refused.
    let longer = starts + Months::new(18);
    let res = d.apply(
        serious,
        json!({"measures": m, "starts_on": starts, "ends_on": longer}),
    );
    let text = both_languages(&res, "term_reason");
    assert!(
        text.contains("须说明理由") && text.contains("needs a reason"),
        "{text}"
    );
    assert_eq!(d.record(serious)["status"], "proposed");
    // With a reason: applied, stored and audited.
    let res = d.apply(
        serious,
        json!({"measures": m, "starts_on": starts, "ends_on": longer,
               "term_reason": "逾期半年仍未退出，继续生产"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let p = d.record(serious);
    assert_eq!(p["credit_tier"], "serious");
    assert_eq!(p["ends_on"], longer.to_string());
    assert_eq!(p["term_reason"], "逾期半年仍未退出，继续生产");
    let case_id = p["case_id"].as_i64().unwrap();
    let audit = d.get(&format!("/api/v1/audit?case={case_id}")).body;
    assert!(audit.contains("punishment.applied"), "{audit}");
    assert!(audit.contains("逾期半年仍未退出"), "{audit}");

    // Pages name tier, regime and term in Chinese, never keys (the general
    // record ended at its minimum when the job ran for the second case).
    assert_eq!(d.record(general)["status"], "expired");
    let page = d.get("/staff/punishments").body;
    assert!(
        page.contains("一般失信 · 《信用修复管理办法》（2026年4月1日起） · 公示期 3–12 个月"),
        "{page}"
    );
    assert!(
        page.contains("严重失信 · 《信用修复管理办法》（2026年4月1日起） · 公示期 12–36 个月"),
        "{page}"
    );
    for key in ["order36", ">serious", ">general"] {
        assert!(!page.contains(key), "{key} on the page");
    }
    let case = d.get(&format!("/staff/cases/{case_id}")).body;
    assert!(case.contains("严重失信 · 《信用修复管理办法》"), "{case}");

    // The export carries tier and regime, JSON and CSV alike.
    let ex = d.exported(serious);
    assert_eq!(ex["credit_tier"], "serious");
    assert_eq!(ex["credit_tier_name"], "严重失信");
    assert_eq!(ex["credit_regime"], "order36");
    assert_eq!(
        ex["credit_regime_name"],
        "《信用修复管理办法》（2026年4月1日起）"
    );
    assert_eq!(ex["term_max_months"], 36);
    assert_eq!(ex["term_reason"], "逾期半年仍未退出，继续生产");
    let csv = d.get("/api/v1/punishments/export?format=csv").body;
    let header = csv.lines().next().unwrap();
    for col in [
        "credit_tier",
        "credit_regime",
        "term_min_months",
        "published",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert!(
        csv.contains("严重失信") && csv.contains("一般失信"),
        "{csv}"
    );

    // Publication ends by itself at the maximum, whatever the end date says.
    {
        use tipline::db::schema::punishments;
        d.app
            .state
            .db
            .write_tx(|conn| -> Result<usize, tipline::db::DbError> {
                diesel::update(punishments::table.find(serious))
                    .set(punishments::ends_on.eq(starts + Months::new(40)))
                    .execute(conn)
                    .map_err(tipline::db::DbError::Query)
            })
            .unwrap();
    }
    let pack = d.app.state.pack.clone();
    let at = |day: NaiveDate| day.and_hms_opt(4, 0, 0).unwrap();
    let max = starts + Months::new(36);
    let r = tipline::services::punishment::run_daily(
        &d.app.state.db,
        &pack,
        at(max - Duration::days(1)),
    )
    .unwrap();
    assert_eq!(r.expired, 0);
    assert_eq!(d.record(serious)["status"], "active");
    let r = tipline::services::punishment::run_daily(&d.app.state.db, &pack, at(max)).unwrap();
    assert_eq!(r.expired, 1);
    assert_eq!(d.record(serious)["status"], "expired");
}

#[test]
fn a_minor_record_is_not_published() {
    // A pack whose 信用中国 measure is read as 轻微 (the shipped packs have
    // no 轻微 measure: a missed exit deadline is not a 简易程序 penalty).
    let app = TestApp::spawn_tuned(serve_args(1000), |state| {
        let pack = std::sync::Arc::make_mut(&mut state.pack);
        let m = pack
            .punishments
            .iter_mut()
            .find(|m| m.key == "credit_china")
            .unwrap();
        m.tier = "minor".into();
    });
    let d = Desk::new(app);
    let id = proposal(&d.app, 4, "energy");
    let starts = day("2026-10-01");
    let res = d.apply(
        id,
        json!({"measures": ["credit_china"], "starts_on": starts}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let p = d.record(id);
    assert_eq!(p["credit_tier"], "minor");
    // Nothing to wait for before repair; at most 3 months, the default.
    assert_eq!(p["ends_on"], "2027-01-01");
    let page = d.get("/staff/punishments?status=active").body;
    assert!(
        page.contains("轻微失信 · 《信用修复管理办法》（2026年4月1日起） · 原则上不予公示"),
        "{page}"
    );
    // Shared with the platform, marked not for publication.
    let ex = d.exported(id);
    assert_eq!(ex["credit_tier"], "minor");
    assert_eq!(ex["published"], false);
    // The public lists carry no punishment record, and so not this one.
    for kind in ["yellow", "red", "exit"] {
        let body = d.app.get(&format!("/api/v1/public/lists/{kind}")).body;
        assert!(
            !body.contains("轻微") && !body.contains("credit_tier"),
            "{kind}: {body}"
        );
        let page = d.app.get(&format!("/lists/{kind}")).body;
        assert!(!page.contains("轻微失信"), "{kind}: {page}");
    }
}
