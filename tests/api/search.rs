//! Search in the queue and `GET /api/v1/cases?q=…` (issue 20), on SQLite's
//! FTS5 trigram index or PostgreSQL's pg_trgm index: found right after the
//! commit by any field, kept in step through merges, splits and retention,
//! scoped by role, bounded for short and broad queries, safe for hostile
//! input.
use crate::common;
use crate::relay_support::{add_relay, relay_post, ticket};

use chrono::Duration;
use common::TestApp;
use diesel::prelude::*;
use serde_json::{Value, json};
use tipline::db::schema::{cases, tips};

fn tip(description: &str, district: &str, address: Option<&str>, firm: Option<&str>) -> Value {
    json!({
        "description": description,
        "district": district,
        "address": address,
        "enterprise_name": firm,
        "industry": "钢铁",
        "dimensions": ["ditiaogang"],
    })
}

/// Submit a tip; the case it joined.
fn submit(app: &TestApp, body: Value) -> i64 {
    let res = app.post_json("/api/v1/tips", &body);
    assert_eq!(res.status, 201, "{}", res.body);
    newest_case(app)
}

fn newest_case(app: &TestApp) -> i64 {
    app.newest_case()
}

fn query(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The API's answer to a search.
fn search(app: &TestApp, cookie: &str, q: &str, extra: &str) -> Value {
    let res = app.send(
        "GET",
        &format!("/api/v1/cases?q={}{extra}", query(q)),
        Some(cookie),
        None,
        None,
    );
    assert_eq!(res.status, 200, "{q}: {}", res.body);
    res.json()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn dispatcher(app: &TestApp) -> (String, String) {
    app.add_user("dispatch1", "dispatcher", None, None);
    app.login("dispatch1")
}

#[test]
fn a_tip_is_found_right_after_commit_by_its_text_firm_address_and_work_order() {
    let app = TestApp::spawn();
    let (cookie, _) = dispatcher(&app);
    let case = submit(
        &app,
        tip(
            "沙井街道有家厂晚上偷偷用中频炉炼钢，院子里搭着蓝色铁皮棚，烟囱冒黑烟。",
            "宝安区",
            Some("沙井街道新桥路88号"),
            Some("深圳市宏达钢铁有限公司"),
        ),
    );
    let other = submit(
        &app,
        tip(
            "坪地一家钢厂的高炉只有300立方米，早该淘汰了，晚上还在生产。",
            "龙岗区",
            None,
            None,
        ),
    );
    let key = add_relay(&app, "12345", None);
    let mut t = ticket("GD-SZ-20261120-7781");
    t["district"] = json!("南山区");
    t["description"] = json!("来电反映南山区某铸造厂用冲天炉熔铁，夜间冒黄烟。");
    t["enterprise_name"] = json!("深圳市远景铸造有限公司");
    let r = relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &t);
    assert_eq!(r.status, 201, "{}", r.body);
    let relayed = newest_case(&app);

    for (q, want) in [
        ("蓝色铁皮棚", case),         // a phrase of the text
        ("宏达钢铁", case),           // the enterprise as written
        ("新桥路88号", case),         // the address
        ("20261120-7781", relayed),   // the work-order number
        ("gd-sz-2026", relayed),      // without regard to case
        ("远景铸造 冲天炉", relayed), // two words, both required
        ("300立方米", other),
    ] {
        let page = search(&app, &cookie, q, "");
        assert_eq!(ids(&page), [want], "{q}: {page}");
        assert_eq!(page["matches"], json!({"count": 1, "more": false}), "{q}");
        let e = &page["items"][0]["excerpt"];
        assert!(!e["hit"].as_str().unwrap().is_empty(), "{q}: {e}");
    }
    assert_eq!(
        ids(&search(&app, &cookie, "远景铸造 蓝色", "")),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&search(&app, &cookie, "无此短语出现", "")),
        Vec::<i64>::new()
    );
    // Filters still apply to a search.
    let page = search(&app, &cookie, "钢", "&district=longgang");
    assert_eq!(ids(&page), [other]);

    // The queue page marks the match inside an escaped excerpt.
    let res = app.send(
        "GET",
        &format!("/staff/queue?view=all&q={}", query("蓝色铁皮棚")),
        Some(&cookie),
        None,
        None,
    );
    assert_eq!(res.status, 200);
    assert!(
        res.body
            .contains("院子里搭着<mark>蓝色铁皮棚</mark>，烟囱冒黑烟。"),
        "{}",
        res.body
    );
    assert!(res.body.contains("1 条 · 1 found"));
}

#[test]
fn hostile_queries_are_refused_or_find_nothing_never_fail() {
    let app = TestApp::spawn();
    let (cookie, _) = dispatcher(&app);
    let case = submit(
        &app,
        tip(
            "有人说 \"NEAR(炼钢)\" 和 *星号* 这样的字：<script>alert(1)</script> 厂里在炼钢。",
            "宝安区",
            None,
            None,
        ),
    );
    for q in [
        "\"",
        "*",
        ")",
        "NEAR",
        "NEAR(a b)",
        "a OR b",
        "\"\"\"",
        "'; DROP TABLE tips; --",
        "%",
        "_",
        "\\",
        "^",
        "-",
        "+",
        "a:b",
        "{}",
        "***",
        "NOT 炼钢",
    ] {
        let page = search(&app, &cookie, q, "");
        assert!(ids(&page).len() <= 1, "{q}");
    }
    // Syntax characters are text: they find the tip that contains them.
    assert_eq!(ids(&search(&app, &cookie, "\"NEAR(炼钢)\"", "")), [case]);
    assert_eq!(ids(&search(&app, &cookie, "*星号*", "")), [case]);
    assert_eq!(ids(&search(&app, &cookie, "%", "")), Vec::<i64>::new());
    for q in ["a".repeat(10_000), "a\u{1}b".into(), "a b c d e f".into()] {
        let res = app.send(
            "GET",
            &format!("/api/v1/cases?q={}", query(&q)),
            Some(&cookie),
            None,
            None,
        );
        assert_eq!(res.status, 422, "{}", &res.body[..res.body.len().min(300)]);
        assert!(res.json()["fields"]["q"].is_array());
        let res = app.send(
            "GET",
            &format!("/staff/queue?q={}", query(&q)),
            Some(&cookie),
            None,
            None,
        );
        assert_eq!(res.status, 400);
        assert!(res.body.contains("搜索词"), "the reason is shown");
    }
    // 7,000 Chinese characters make a 63 KB URL (the test client's limit is
    // 64 KB): refused before or by the handler, never a 500.
    let res = app.send(
        "GET",
        &format!("/api/v1/cases?q={}", query(&"钢".repeat(7_000))),
        Some(&cookie),
        None,
        None,
    );
    assert!((400..500).contains(&res.status), "{}", res.status);
    let res = app.send(
        "GET",
        &format!("/staff/queue?view=all&q={}", query("<script>")),
        Some(&cookie),
        None,
        None,
    );
    assert_eq!(res.status, 200);
    assert!(!res.body.contains("<script>alert"), "escaped");
    assert!(
        res.body.contains("<mark>&#60;script&#62;</mark>")
            || res.body.contains("<mark>&lt;script&gt;</mark>")
    );
}

#[test]
fn a_merged_or_split_case_is_found_under_its_new_number() {
    let app = TestApp::spawn();
    let (cookie, csrf) = dispatcher(&app);
    let a = submit(
        &app,
        tip(
            "福永一家陶瓷厂用倒焰窑烧砖，甲方短语青砖窑口。",
            "宝安区",
            None,
            None,
        ),
    );
    let b = submit(
        &app,
        tip(
            "布吉某厂用燃煤锅炉，乙方短语黑烟滚滚。",
            "龙岗区",
            None,
            None,
        ),
    );
    assert_ne!(a, b);
    let res = app.send(
        "POST",
        &format!("/api/v1/cases/{a}/merge"),
        Some(&cookie),
        Some(&csrf),
        Some(&json!({"into": b})),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(ids(&search(&app, &cookie, "青砖窑口", "")), [b]);
    assert_eq!(ids(&search(&app, &cookie, "黑烟滚滚", "")), [b]);

    let tip_a: i64 = {
        let mut conn = app.state.db.read_conn().unwrap();
        tips::table
            .filter(tips::description.like("%青砖窑口%"))
            .select(tips::id)
            .first(&mut *conn)
            .unwrap()
    };
    let res = app.send(
        "POST",
        &format!("/api/v1/cases/{b}/split"),
        Some(&cookie),
        Some(&csrf),
        Some(&json!({"tip_id": tip_a})),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let new = res.json()["case_id"].as_i64().unwrap();
    assert!(new != a && new != b);
    assert_eq!(ids(&search(&app, &cookie, "青砖窑口", "")), [new]);
    assert_eq!(ids(&search(&app, &cookie, "黑烟滚滚", "")), [b]);
    // Two-character words take the scan and agree with the index.
    assert_eq!(ids(&search(&app, &cookie, "窑口", "")), [new]);
}

#[test]
fn a_district_never_sees_another_districts_case_in_search() {
    let app = TestApp::spawn();
    let (cookie, _) = dispatcher(&app);
    app.add_user("baoan1", "district", None, Some("baoan"));
    let (district, _) = app.login("baoan1");
    let mine = submit(
        &app,
        tip(
            "沙井某厂用中频炉炼钢，共同短语夜班炉火。",
            "宝安区",
            None,
            None,
        ),
    );
    let theirs = submit(
        &app,
        tip(
            "横岗某厂用中频炉炼钢，共同短语夜班炉火。",
            "龙岗区",
            None,
            None,
        ),
    );
    assert_eq!(ids(&search(&app, &cookie, "夜班炉火", "")), [theirs, mine]);
    for q in ["夜班炉火", "炉火", "横岗某厂", "横岗"] {
        let page = search(&app, &district, q, "");
        assert!(!ids(&page).contains(&theirs), "{q}: {page}");
    }
    assert_eq!(ids(&search(&app, &district, "夜班炉火", "")), [mine]);
    // Asking for the other district by filter does not widen the scope.
    assert_eq!(
        ids(&search(&app, &district, "夜班炉火", "&district=longgang")),
        Vec::<i64>::new()
    );
    let page = app.send(
        "GET",
        &format!("/staff/queue?view=all&q={}", query("横岗")),
        Some(&district),
        None,
        None,
    );
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(&format!("#{theirs}<")), "{}", page.body);
}

#[test]
fn a_retention_delete_removes_the_tip_from_search() {
    let app = TestApp::spawn();
    let (cookie, _) = dispatcher(&app);
    let gone = submit(
        &app,
        tip(
            "福永一家厂用倒焰窑烧砖，将被删除的短语紫色烟雾。",
            "宝安区",
            None,
            None,
        ),
    );
    let stays = submit(
        &app,
        tip("龙华某造纸厂纸机很旧，紫色烟雾也有。", "龙华区", None, None),
    );
    assert_eq!(ids(&search(&app, &cookie, "紫色烟雾", "")), [stays, gone]);
    let closed_at = chrono::NaiveDate::from_ymd_opt(2026, 1, 15)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    app.state
        .db
        .write_tx(|conn| {
            diesel::update(cases::table.find(gone))
                .set((
                    cases::status.eq("unsubstantiated"),
                    cases::updated_at.eq(closed_at),
                ))
                .execute(conn)
                .map_err(tipline::db::DbError::from)
        })
        .unwrap();
    let state = app.state.clone();
    let report = actix_rt::System::new().block_on(async move {
        tipline::services::retention::run(&state, closed_at + Duration::days(400))
            .await
            .unwrap()
    });
    assert_eq!(report.tips_deleted, 1);
    assert_eq!(ids(&search(&app, &cookie, "紫色烟雾", "")), [stays]);
    assert_eq!(
        ids(&search(&app, &cookie, "删除的短语", "")),
        Vec::<i64>::new()
    );
    assert_eq!(ids(&search(&app, &cookie, "紫色", "")), [stays]);
}

#[test]
fn broad_and_short_searches_are_bounded_and_page_through_every_case() {
    let app = TestApp::spawn();
    let (cookie, _) = dispatcher(&app);
    let key = add_relay(&app, "platform", None);
    // 1,050 cases, each its own (no firm, no address to join by).
    let mut n = 0;
    for batch in 0..3 {
        let tickets: Vec<Value> = (0..350)
            .map(|i| {
                let mut t = ticket(&format!("BULK-{batch}-{i:04}"));
                t["description"] = json!(format!(
                    "第{batch}批第{i}号：来电反映某厂夜间用中频炉炼钢，烟很大。"
                ));
                t["enterprise_name"] = Value::Null;
                t
            })
            .collect();
        let r = relay_post(
            &app.base,
            Some(&key),
            "/api/v1/relay/tips:batch",
            &json!({ "tickets": tickets }),
        );
        assert_eq!(r.status, 200, "{}", &r.body[..r.body.len().min(500)]);
        n += r.json()["created"].as_i64().unwrap();
    }
    assert_eq!(n, 1050);
    let total: i64 = {
        let mut conn = app.state.db.read_conn().unwrap();
        cases::table.count().get_result(&mut *conn).unwrap()
    };
    assert!(total > 1000, "{total} cases");

    // Broad (indexed) and short (scanned): a first page, a bounded count.
    for q in ["中频炉", "炼钢"] {
        let page = search(&app, &cookie, q, "");
        assert_eq!(ids(&page).len(), 50, "{q}");
        assert_eq!(page["matches"], json!({"count": 1000, "more": true}), "{q}");
        let res = app.send(
            "GET",
            &format!("/staff/queue?view=all&q={}", query(q)),
            Some(&cookie),
            None,
            None,
        );
        assert!(res.body.contains("超过 1,000 条 · more than 1,000"), "{q}");
    }
    // Paging with the cursor reaches every case once, newest first.
    for q in ["中频炉", "炼钢", "批第"] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = search(&app, &cookie, q, &format!("&limit=500{cursor}"));
            seen.extend(ids(&page));
            match page["next"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len() as i64, total, "{q}");
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "{q}: newest first");
        let mut old = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = search(&app, &cookie, q, &format!("&sort=old&limit=400{cursor}"));
            old.extend(ids(&page));
            match page["next"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        seen.reverse();
        assert_eq!(old, seen, "{q}: oldest first is the same cases reversed");
    }
    // A selective word among them: exact count.
    let page = search(&app, &cookie, "第2批第349号", "");
    assert_eq!(page["matches"], json!({"count": 1, "more": false}));
    let page = search(&app, &cookie, "BULK-1-0007", "");
    assert_eq!(ids(&page).len(), 1);
}

#[test]
fn a_case_linked_to_a_firm_later_is_found_by_the_registry_name_and_code() {
    const CODE: &str = "91440300MA5HXQ8K0Y";
    let app = TestApp::spawn();
    let (cookie, _) = dispatcher(&app);
    let case = submit(
        &app,
        json!({
            "description": "新星钢铁夜里用中频炉熔废钢炼钢坯，车间烟很大。",
            "enterprise_name": "新星钢铁",
            "address": "宝安区沙井街道后亭社区",
        }),
    );
    assert_eq!(ids(&search(&app, &cookie, CODE, "")), Vec::<i64>::new());
    let import = |name: &str| {
        let csv = format!(
            "credit_code,name,address,district,industry\n{CODE},{name},深圳市宝安区沙井街道后亭社区工业大道9号,宝安区,steel\n"
        );
        let report = tipline::services::registry::import_csv(
            &app.state.db,
            &app.state.pack,
            csv.as_bytes(),
            "test",
            |_| {},
        )
        .unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        app.state.registry.refresh(&app.state.db).unwrap();
    };
    import("深圳市新星钢铁有限公司");
    let linked = tipline::services::rematch::rematch_unlinked(
        &app.state.db,
        &app.state.router,
        |q| app.state.registry.match_tip(q),
        app.state.registry.version(),
        tipline::db::now(),
    )
    .unwrap();
    assert_eq!(linked.linked, 1);
    assert_eq!(ids(&search(&app, &cookie, CODE, "")), [case]);
    assert_eq!(ids(&search(&app, &cookie, "新星钢铁有限公司", "")), [case]);
    // A rename in the registry reaches the index too.
    import("深圳市耀华特钢有限公司");
    assert_eq!(ids(&search(&app, &cookie, "耀华特钢", "")), [case]);
}
