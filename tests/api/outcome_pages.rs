//! Issue 7 through the staff UI: report reminders on the dispatcher's
//! queue, the report page with its charts and files, the joint-punishment
//! page's forms (apply, reject, repair), and the public list pages' paging.
//! SQLite by default, PostgreSQL with TIPLINE_TEST_DATABASE_URL.
use crate::common;

use common::{TestApp, serve_args};
use serde_json::Value;
use tipline::services::workflow::local_day;

fn get(app: &TestApp, path: &str, cookie: &str) -> common::Reply {
    app.send("GET", path, Some(cookie), None, None)
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// An enterprise, its case (lead: industry_it, in Bao'an) and a
/// rectification order: one yellow-list entry. Returns the case id.
fn yellow_case(app: &TestApp, n: u32) -> i64 {
    use tipline::db::cases::{NewCase, insert};
    use tipline::db::enterprises::{EnterpriseWrite, bump_version, existing, upsert};
    use tipline::db::measures::{NewMeasure, insert_measure};
    let now = tipline::db::now();
    let day = local_day(now);
    app.state
        .db
        .write_tx(|conn| -> Result<i64, tipline::db::DbError> {
            let rev = bump_version(conn)?;
            let code = format!("91440300MA5F{n:06}");
            let e = EnterpriseWrite {
                credit_code: code.clone(),
                credit_code_valid: false,
                name: format!("深圳市第{n}号钢铁有限公司"),
                address: None,
                district: Some("baoan".into()),
                industry: Some("steel".into()),
            };
            upsert(conn, &e, None, rev, now)?;
            let id = existing(conn, &[code.as_str()])?[&code].0;
            let case_id = insert(
                conn,
                &NewCase {
                    status: "enforcing",
                    industry: Some("steel"),
                    district: Some("baoan"),
                    dimensions: "ditiaogang",
                    lead_bureau: Some("industry_it"),
                    co_bureaus: "",
                    routing: "{}",
                    enterprise_id: Some(id),
                    candidates: "[]",
                    place_key: None,
                    at: now,
                },
            )?;
            insert_measure(
                conn,
                &NewMeasure {
                    case_id,
                    measure: "rectify",
                    rule_key: None,
                    ordered_on: day,
                    due_on: day + chrono::Duration::days(90),
                    note: "",
                    created_by: "test",
                    at: now,
                },
            )?;
            Ok(case_id)
        })
        .unwrap()
}

fn propose(app: &TestApp, case_id: i64) -> i64 {
    use tipline::db::punishments::{NewProposal, insert_proposal};
    let now = tipline::db::now();
    app.state
        .db
        .write_tx(|conn| -> Result<i64, tipline::db::DbError> {
            Ok(insert_proposal(
                conn,
                &NewProposal {
                    case_id,
                    enterprise_id: None,
                    credit_code: Some("91440300MA5F000001"),
                    enterprise_name: "深圳市第1号钢铁有限公司",
                    legal_basis: "深圳2019 三(三)",
                    issuing_bureau: Some("industry_it"),
                    missed_due_on: local_day(now),
                    at: now,
                },
            )?)
        })
        .unwrap()
}

fn punishment(app: &TestApp, cookie: &str, id: i64) -> Value {
    let res = get(app, "/api/v1/punishments", cookie);
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["punishments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
        .expect("the record")
}

#[test]
fn reminders_show_what_the_pack_calendar_says() {
    let today = local_day(tipline::db::now());
    let app = TestApp::spawn_tuned(serve_args(1000), |state| {
        let mut pack = (*state.pack).clone();
        // One report due today, one due tomorrow with no reminder window.
        pack.calendar[0].due = today.format("%m-%d").to_string();
        pack.calendar[0].year_offset = 0;
        pack.calendar[0].remind_days = 0;
        pack.calendar[1].due = today.succ_opt().unwrap().format("%m-%d").to_string();
        pack.calendar[1].year_offset = 0;
        pack.calendar[1].remind_days = 0;
        pack.calendar.truncate(2);
        state.pack = std::sync::Arc::new(pack);
    });
    let (content0, content1) = (
        app.state.pack.calendar[0].content.clone(),
        app.state.pack.calendar[1].content.clone(),
    );
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("itb", "bureau", Some("industry_it"), None);
    let (cookie, _) = app.login("disp");
    let page = get(&app, "/staff/queue", &cookie);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("报送提醒"), "{}", page.body);
    assert!(page.body.contains("今天截止"));
    assert!(page.body.contains(&content0));
    assert!(!page.body.contains(&content1), "outside its window");
    // A bureau's queue carries no city reminders.
    let (bureau, _) = app.login("itb");
    let page = get(&app, "/staff/queue", &bureau);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("报送提醒"));
}

#[test]
fn report_page_draws_charts_and_serves_files() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("baoan1", "district", None, Some("baoan"));
    let res = app.post_json("/api/v1/tips", &common::sample_tip());
    assert_eq!(res.status, 201, "{}", res.body);
    let (cookie, _) = app.login("disp");
    let year = local_day(tipline::db::now()).format("%Y").to_string();

    let page = get(&app, &format!("/staff/reports?period={year}"), &cookie);
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body.matches("<svg").count(), 3, "three charts");
    assert!(page.body.contains("宝安区"), "the district row");
    assert!(
        page.body.contains("<tfoot><tr class=\"total\"><th>合计"),
        "the total row"
    );
    assert!(page.body.contains("format=xlsx"));
    // Every month of the year is a column of the trend chart (1月…12月),
    // the tip's month with its one tip, the others zero.
    let month = local_day(tipline::db::now()).format("%-m月").to_string();
    assert!(
        page.body.contains(&format!("<title>{month}: 1</title>")),
        "{}",
        page.body
    );
    for m in 1..=12 {
        assert!(
            page.body.contains(&format!("<title>{m}月: ")),
            "{m}月 missing"
        );
    }

    let bad = get(&app, "/staff/reports?period=2019Q3", &cookie);
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("报告期"));
    let bad = get(&app, "/api/v1/reports?period=2019Q3", &cookie);
    assert_eq!(bad.status, 422);
    assert!(bad.json()["fields"]["period"].is_array(), "{}", bad.body);
    let bad = get(&app, "/api/v1/reports?period=2019&format=pdf", &cookie);
    assert_eq!(bad.status, 422);
    // A district the pack does not have: the field says so, everywhere.
    let bad = get(
        &app,
        "/api/v1/reports?period=2019&district=atlantis",
        &cookie,
    );
    assert_eq!(bad.status, 422);
    assert!(bad.json()["fields"]["district"].is_array(), "{}", bad.body);
    let bad = get(
        &app,
        "/staff/reports?period=2019&district=atlantis",
        &cookie,
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("本方案没有这个区"), "{}", bad.body);
    let bad = get(&app, "/api/v1/reports?period=2019&colour=red", &cookie);
    assert_eq!(bad.status, 400, "unknown keys are refused");
    assert_eq!(app.get("/api/v1/reports?period=2019").status, 401);

    let json = get(&app, &format!("/api/v1/reports?period={year}"), &cookie).json();
    assert_eq!(json["by_district"][0]["tips_form"], 1);
    let csv = get(
        &app,
        &format!("/api/v1/reports?period={year}&format=csv"),
        &cookie,
    );
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with('\u{feff}'), "BOM for Excel");
    assert!(csv.body.contains("网页举报"));
    assert!(
        csv.body.contains("\r\ntotal,合计,1,"),
        "the total closes the district table"
    );

    let (status, headers, xlsx) = app.get_bytes(
        &format!("/api/v1/reports?period={year}&format=xlsx"),
        &[("Cookie", &cookie)],
    );
    assert_eq!(status, 200);
    assert!(headers.iter().any(|(_, v)| v.contains("spreadsheetml")));
    {
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("an XLSX");
        let sheet = wb.worksheet_range("按区").expect("the district sheet");
        // A title, the period and units, then the headers (names first,
        // codes last); the one district row has one web tip.
        assert!(
            sheet
                .get_value((0, 0))
                .unwrap()
                .to_string()
                .contains(year.as_str())
        );
        assert_eq!(sheet.get_value((2, 0)).unwrap().to_string(), "名称");
        assert_eq!(sheet.get_value((2, 1)).unwrap().to_string(), "网页举报");
        assert_eq!(sheet.get_value((3, 1)).unwrap().to_string(), "1");
    }

    // A district account gets its own district, whatever it asks for.
    let (ba, _) = app.login("baoan1");
    let json = get(
        &app,
        &format!("/api/v1/reports?period={year}&district=futian"),
        &ba,
    )
    .json();
    assert_eq!(json["district"], "baoan");
}

#[test]
fn punishment_forms_apply_reject_and_repair() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("itb", "bureau", Some("industry_it"), None);
    let first = propose(&app, yellow_case(&app, 1));
    let second = propose(&app, yellow_case(&app, 2));
    let (cookie, csrf) = app.login("disp");
    // A record decided on 2026-03-01 (Order 58: 3 to 36 months), so credit
    // repair is possible; an end later than the minimum needs a reason.
    let today = local_day(tipline::db::now());
    let decided = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let start = decided.to_string();
    let end = (decided + chrono::Months::new(36)).to_string();

    // The dispatcher's queue says that two proposals wait; a bureau's does not.
    let queue = get(&app, "/staff/queue", &cookie);
    assert!(
        queue.body.contains("联合惩戒待决定 <b>2</b> 件"),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("/staff/punishments?status=proposed"));
    let (bureau, bureau_csrf) = app.login("itb");
    assert!(
        !get(&app, "/staff/queue", &bureau)
            .body
            .contains("联合惩戒待决定")
    );
    // The case page shows its list standing and its proposal.
    let case_id = {
        use diesel::prelude::*;
        use tipline::db::schema::punishments;
        let mut conn = app.state.db.read_conn().unwrap();
        punishments::table
            .find(first)
            .select(punishments::case_id)
            .first::<i64>(&mut *conn)
            .unwrap()
    };
    let case = get(&app, &format!("/staff/cases/{case_id}"), &cookie);
    assert!(
        case.body.contains("黄牌企业名单（限期整改）"),
        "{}",
        case.body
    );
    assert!(
        case.body
            .contains(&format!("联合惩戒 #{first}</a> · 待决定"))
    );
    let api = get(&app, &format!("/api/v1/cases/{case_id}"), &cookie).json();
    assert_eq!(api["list_standing"]["list"], "yellow");
    assert_eq!(api["punishments"][0]["status"], "proposed");

    let page = get(&app, "/staff/punishments?status=proposed", &cookie);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("深圳市第1号钢铁有限公司"));
    assert!(
        page.body
            .contains(&format!("/staff/punishments/{first}/apply"))
    );
    assert!(page.body.contains("政府采购") || page.body.contains("measures"));

    // Bad input: no measure, end before start. Nothing changes.
    let apply = format!("/staff/punishments/{first}/apply");
    let res = app.send_form(
        &apply,
        Some(&cookie),
        &form(&[
            ("csrf", &csrf),
            ("starts_on", &start),
            ("ends_on", "2026-02-01"),
        ]),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("role=\"alert\""));
    assert_eq!(punishment(&app, &cookie, first)["status"], "proposed");
    // No CSRF token; a bureau account: refused, nothing changes.
    let good = |csrf: &str| {
        form(&[
            ("csrf", csrf),
            ("measures", "government_procurement"),
            ("measures", "land_supply"),
            ("starts_on", &start),
            ("ends_on", &end),
            ("term_reason", "逾期未退出且仍在生产"),
        ])
    };
    assert_eq!(app.send_form(&apply, Some(&cookie), &good("x")).status, 403);
    assert_eq!(
        app.send_form(&apply, Some(&bureau), &good(&bureau_csrf))
            .status,
        403
    );
    assert_eq!(punishment(&app, &cookie, first)["status"], "proposed");

    let res = app.send_form(&apply, Some(&cookie), &good(&csrf));
    assert_eq!(res.status, 303, "{}", res.body);
    let p = punishment(&app, &cookie, first);
    assert_eq!(p["status"], "active", "{p}");
    assert_eq!(p["measures"], "government_procurement,land_supply");
    let queue = get(&app, "/staff/queue", &cookie);
    assert!(queue.body.contains("联合惩戒待决定 <b>1</b> 件"));
    // Applying twice is a conflict.
    assert_eq!(
        app.send_form(&apply, Some(&cookie), &good(&csrf)).status,
        409
    );

    let res = app.send_form(
        &format!("/staff/punishments/{second}/reject"),
        Some(&cookie),
        &form(&[
            ("csrf", &csrf),
            ("reason", "企业已于期限前退出，系统记录滞后"),
        ]),
    );
    assert_eq!(res.status, 303);
    assert_eq!(punishment(&app, &cookie, second)["status"], "rejected");

    let repair = format!("/staff/punishments/{first}/repair");
    let res = app.send_form(
        &repair,
        Some(&cookie),
        &form(&[("csrf", &csrf), ("reason", "已完成整改"), ("approver", "")]),
    );
    assert_eq!(res.status, 422, "an approver is required");
    let res = app.send_form(
        &repair,
        Some(&cookie),
        &form(&[
            ("csrf", &csrf),
            ("reason", "已完成整改并公开承诺"),
            ("approver", "市工业和信息化局 张三"),
        ]),
    );
    assert_eq!(res.status, 303);
    let p = punishment(&app, &cookie, first);
    assert_eq!(p["status"], "repaired");
    assert_eq!(p["end_approver"], "市工业和信息化局 张三");
    let page = get(&app, "/staff/punishments?status=repaired", &cookie);
    assert!(page.body.contains("批准：市工业和信息化局 张三"));

    // Applied today with the end left blank: 严重 (土地供应) under Order 36,
    // the shortest term (12 months), and no credit repair before it has passed.
    let fourth = propose(&app, yellow_case(&app, 4));
    let res = app.send_form(
        &format!("/staff/punishments/{fourth}/apply"),
        Some(&cookie),
        &form(&[
            ("csrf", &csrf),
            ("measures", "land_supply"),
            ("starts_on", &today.to_string()),
            ("ends_on", ""),
        ]),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let p = punishment(&app, &cookie, fourth);
    assert_eq!(p["ends_on"], (today + chrono::Months::new(12)).to_string());
    assert_eq!(p["credit_tier"], "serious");
    assert_eq!(p["credit_regime"], "order36");
    let res = app.send_form(
        &format!("/staff/punishments/{fourth}/repair"),
        Some(&cookie),
        &form(&[
            ("csrf", &csrf),
            ("reason", "已整改"),
            ("approver", "市工业和信息化局 李四"),
        ]),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    let from = today + chrono::Months::new(12);
    assert!(
        res.body
            .contains(&format!("须公示满12个月，{from}起方可信用修复")),
        "{}",
        res.body
    );
    assert_eq!(punishment(&app, &cookie, fourth)["status"], "active");

    // Injected HTML is shown as text.
    let third = propose(&app, yellow_case(&app, 3));
    let res = app.send_form(
        &format!("/staff/punishments/{third}/reject"),
        Some(&cookie),
        &form(&[("csrf", &csrf), ("reason", "<script>alert(1)</script>")]),
    );
    assert_eq!(res.status, 303);
    let page = get(&app, "/staff/punishments?status=rejected", &cookie);
    assert!(!page.body.contains("<script>alert(1)"));
}

#[test]
fn public_lists_page_through_entries() {
    let app = TestApp::spawn();
    for n in 1..=3 {
        yellow_case(&app, n);
    }
    let all = app.get("/api/v1/public/lists/yellow").json();
    assert_eq!(
        (all["total"].clone(), all["count"].clone()),
        (3.into(), 3.into())
    );
    let page = app
        .get("/api/v1/public/lists/yellow?per_page=2&page=2")
        .json();
    assert_eq!(page["total"], 3);
    assert_eq!(page["count"], 1);
    assert_eq!(page["entries"][0], all["entries"][2]);
    let huge = app
        .get("/api/v1/public/lists/yellow?per_page=100000")
        .json();
    assert_eq!(huge["per_page"], 1000, "clamped");
    assert_eq!(app.get("/api/v1/public/lists/yellow?page=x").status, 400);

    let html = app.get("/lists/yellow?per_page=2");
    assert_eq!(html.status, 200);
    assert!(html.body.contains("共 3 条"));
    assert!(html.body.contains("page=2"), "a next link");
    assert_eq!(html.body.matches("深圳市第").count(), 2);
    let html = app.get("/lists/yellow?district=baoan&per_page=2&page=2");
    assert!(html.body.contains("深圳市第3号"));
    assert!(html.body.contains("page=1"), "a previous link");
}

/// The page's form sends every field, blank or not: blanks mean "any", a
/// wrong year is explained on the page, and the API says which field.
#[test]
fn list_queries_from_a_form_and_their_mistakes() {
    let app = TestApp::spawn();
    yellow_case(&app, 1);
    let year = local_day(tipline::db::now()).format("%Y").to_string();
    let wide: String = year
        .chars()
        .map(|c| char::from_u32('０' as u32 + c.to_digit(10).unwrap()).unwrap())
        .collect();
    for q in [
        "?district=&industry=&year=".to_string(),
        format!("?district=&industry=steel&year={year}"),
        format!("?year={}", form(&[("y", &wide)]).trim_start_matches("y=")),
        "?district=&utm_source=weixin".to_string(),
    ] {
        let page = app.get(&format!("/lists/yellow{q}"));
        assert_eq!(page.status, 200, "{q}: {}", page.body);
        assert!(page.body.contains("共 1 条"), "{q}");
        let api = app.get(&format!(
            "/api/v1/public/lists/yellow{}",
            q.replace("&utm_source=weixin", "")
        ));
        assert_eq!(api.status, 200, "{q}: {}", api.body);
        assert_eq!(api.json()["total"], 1, "{q}");
    }
    // A wrong year: the page says why, as a page, and lists nothing.
    let page = app.get("/lists/yellow?district=&year=abc");
    assert_eq!(page.status, 400);
    assert!(page.body.contains("年度应为四位数字"), "{}", page.body);
    assert!(page.body.contains("value=\"abc\""), "what was typed stays");
    assert!(page.body.contains("<form"));
    let api = app.get("/api/v1/public/lists/yellow?year=abc");
    assert_eq!(api.status, 400);
    assert!(
        api.json()["fields"]["year"][0]
            .as_str()
            .unwrap()
            .contains("four digits")
    );
    let api = app.get("/api/v1/public/lists/yellow?format=xml");
    assert_eq!(api.status, 400);
    assert!(api.json()["fields"]["format"].is_array());
    // The API refuses keys it does not know; an unknown list is a page.
    assert_eq!(
        app.get("/api/v1/public/lists/yellow?utm_source=x").status,
        400
    );
    let missing = app.get("/lists/purple");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("页面不存在"));
    // Injected HTML in a filter comes back as text.
    let page = app.get("/lists/yellow?district=%3Cscript%3Ealert(1)%3C/script%3E");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>alert(1)"));
}

#[test]
fn remembered_lists_follow_every_change() {
    use tipline::services::lists::{ListFilter, list};
    let app = TestApp::spawn();
    for n in 1..=2 {
        yellow_case(&app, n);
    }
    let names = |q: &str| -> Vec<String> {
        let q = q.replace("宝安区", "%E5%AE%9D%E5%AE%89%E5%8C%BA");
        app.get(&format!("/api/v1/public/lists/yellow{q}")).json()["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["enterprise_name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("").len(), 2);
    // A measure written outside the workflow (no audit entry) still shows.
    yellow_case(&app, 3);
    assert_eq!(names("").len(), 3);
    let csv = app.get("/api/v1/public/lists/yellow?format=csv").body;
    assert!(csv.contains("深圳市第2号钢铁有限公司"));
    // A registry rename shows at once.
    app.state
        .db
        .write_tx(|conn| -> Result<(), tipline::db::DbError> {
            use tipline::db::enterprises::{EnterpriseWrite, bump_version, existing, upsert};
            let code = "91440300MA5F000002";
            let rev = bump_version(conn)?;
            let old = existing(conn, &[code])?.remove(code);
            let e = EnterpriseWrite {
                credit_code: code.into(),
                credit_code_valid: false,
                name: "深圳市改名后钢铁有限公司".into(),
                address: None,
                district: Some("baoan".into()),
                industry: Some("steel".into()),
            };
            upsert(conn, &e, old, rev, tipline::db::now())?;
            Ok(())
        })
        .unwrap();
    assert!(names("").contains(&"深圳市改名后钢铁有限公司".to_string()));
    // The whole list's CSV, remembered too, follows the change as well.
    let csv = app.get("/api/v1/public/lists/yellow?format=csv").body;
    assert!(csv.contains("深圳市改名后钢铁有限公司"), "{csv}");
    // Filters on the remembered list give what the query gives.
    let mut conn = app.state.db.read_conn().unwrap();
    for (q, f) in [
        (
            "?district=宝安区",
            ListFilter {
                district: Some("宝安区".into()),
                ..Default::default()
            },
        ),
        (
            "?district=futian",
            ListFilter {
                district: Some("futian".into()),
                ..Default::default()
            },
        ),
        (
            "?industry=nowhere",
            ListFilter {
                industry: Some("nowhere".into()),
                ..Default::default()
            },
        ),
        (
            "?year=1999",
            ListFilter {
                year: Some(1999),
                ..Default::default()
            },
        ),
    ] {
        let direct: Vec<String> = list(
            &mut conn,
            &app.state.pack,
            tipline::domain::lists::ListKind::Yellow,
            &f,
        )
        .unwrap()
        .into_iter()
        .map(|e| e.enterprise_name)
        .collect();
        assert_eq!(names(q), direct, "{q}");
    }
    assert_eq!(names("?district=宝安区").len(), 3);
}

/// Requests that find a list stale together wait for one derivation
/// instead of each deriving it.
#[test]
fn a_burst_on_a_stale_list_derives_it_once() {
    use tipline::domain::lists::ListKind;
    use tipline::services::lists::ListFilter;
    // Fewer than the test pool's four read connections.
    const REQUESTS: usize = 3;
    let app = TestApp::spawn();
    yellow_case(&app, 1);
    let before = app.state.list_cache.builds();
    let start = std::sync::Barrier::new(REQUESTS);
    let sizes: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..REQUESTS)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    let mut conn = app.state.db.read_conn().unwrap();
                    let cache = &app.state.list_cache;
                    cache
                        .get(
                            &mut conn,
                            &app.state.pack,
                            ListKind::Yellow,
                            &ListFilter::default(),
                        )
                        .unwrap()
                        .len()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(sizes, vec![1; REQUESTS]);
    assert_eq!(app.state.list_cache.builds() - before, 1);
    // Over HTTP too: served from memory until something changes.
    assert_eq!(app.get("/api/v1/public/lists/yellow").json()["count"], 1);
    assert_eq!(app.state.list_cache.builds() - before, 1);
    yellow_case(&app, 2);
    assert_eq!(app.get("/api/v1/public/lists/yellow").json()["count"], 2);
    assert_eq!(app.state.list_cache.builds() - before, 2);
}

/// The dispatcher's queue names a year the pack's working-day calendar
/// lacks (its deadlines would skip weekends only), before that year starts.
#[test]
fn the_queue_names_a_year_the_working_day_calendar_lacks() {
    use chrono::Datelike;
    let year = local_day(tipline::db::now()).year();
    let with_years = |years: Vec<i32>| {
        TestApp::spawn_tuned(serve_args(1000), move |state| {
            let mut pack = (*state.pack).clone();
            pack.workdays.retain(|y| y.year < year);
            for y in years {
                pack.workdays.push(tipline::jurisdiction::WorkYear {
                    year: y,
                    holidays: Vec::new(),
                    workdays: Vec::new(),
                    citation: "test".into(),
                });
            }
            state.pack = std::sync::Arc::new(pack);
        })
    };
    let queue = |app: &TestApp, role: &str| {
        app.add_user(
            role,
            role,
            (role == "bureau").then_some("industry_it"),
            None,
        );
        let (cookie, _) = app.login(role);
        get(app, "/staff/queue", &cookie).body
    };
    let stops_last_year = with_years(Vec::new());
    let page = queue(&stops_last_year, "dispatcher");
    assert!(page.contains(&format!("工作日历缺少 {year} 年")), "{page}");
    assert!(!queue(&stops_last_year, "bureau").contains("工作日历缺少"));
    let covered = with_years(vec![year, year + 1]);
    assert!(!queue(&covered, "dispatcher").contains("工作日历缺少"));
}
