//! Retention on a controlled clock: due tips and their files are deleted,
//! held ones stay, and the audit log records the counts.
use crate::common;

use chrono::{Duration, NaiveDateTime};
use common::{TestApp, samples};
use diesel::prelude::*;
use tipline::db::schema::{attachments, audit_log, cases, tips};
use tipline::services::retention::{self, Clock, FixedClock};

/// One tip with one photo, through the JSON flow; its case id.
fn tip_with_photo(app: &TestApp, text: &str) -> i64 {
    let res = app.post("/api/v1/uploads", "image/jpeg", samples::jpeg());
    assert_eq!(res.status, 201, "{}", res.body);
    let token = res.json()["token"].as_str().unwrap().to_string();
    let res = app.post_json(
        "/api/v1/tips",
        &serde_json::json!({"description": text, "attachments": [token]}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let mut conn = app.state.db.read_conn().unwrap();
    tips::table
        .order(tips::id.desc())
        .select(tips::case_id.assume_not_null())
        .first(&mut *conn)
        .unwrap()
}

/// Stand-in for the workflow (issue 6): end a case at `at`.
fn end_case(app: &TestApp, case_id: i64, status: &str, at: NaiveDateTime) {
    app.state
        .db
        .write_tx(|conn| {
            diesel::update(cases::table.find(case_id))
                .set((cases::status.eq(status), cases::updated_at.eq(at)))
                .execute(conn)
                .map_err(tipline::db::DbError::from)
        })
        .unwrap();
}

fn tips_of(app: &TestApp, case_id: i64) -> i64 {
    let mut conn = app.state.db.read_conn().unwrap();
    tips::table
        .filter(tips::case_id.eq(case_id))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

#[test]
fn due_tips_and_files_go_held_ones_stay_and_the_log_counts() {
    let app = TestApp::spawn();
    app.add_user("dispatch1", "dispatcher", None, None);
    app.add_user("bureau1", "bureau", Some("industry_it"), None);
    let (cookie, csrf) = app.login("dispatch1");

    let closed_at = chrono::NaiveDate::from_ymd_opt(2026, 1, 15)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let due = tip_with_photo(&app, "沙井有家厂晚上用中频炉炼钢，做地条钢，烟很大。");
    let held_case = tip_with_photo(&app, "松岗那边的印染厂晚上偷排黑水到河里，河水都变色了。");
    let held_tip_case = tip_with_photo(&app, "坪地有个钢厂的高炉只有300立方米，早该淘汰了。");
    let unsubstantiated = tip_with_photo(&app, "福永一家陶瓷厂用倒焰窑烧砖，附近全是烟。");
    let open = tip_with_photo(&app, "龙华某造纸厂的纸机很旧，晚上偷偷开工。");
    for id in [due, held_case, held_tip_case] {
        end_case(&app, id, "closed", closed_at);
    }
    end_case(&app, unsubstantiated, "unsubstantiated", closed_at);

    // Holds: only admins and dispatchers, with a reason, audited.
    let hold = |path: String, cookie: &str, csrf: &str, hold: bool| {
        app.send(
            "POST",
            &path,
            Some(cookie),
            Some(csrf),
            Some(
                &serde_json::json!({"hold": hold, "reason": "行政复议中 (administrative review)"}),
            ),
        )
    };
    let (b_cookie, b_csrf) = app.login("bureau1");
    assert_eq!(
        hold(
            format!("/api/v1/cases/{held_case}/hold"),
            &b_cookie,
            &b_csrf,
            true
        )
        .status,
        403
    );
    assert_eq!(
        hold(
            format!("/api/v1/cases/{held_case}/hold"),
            &cookie,
            "wrong",
            true
        )
        .status,
        403
    );
    assert_eq!(
        hold(
            format!("/api/v1/cases/{held_case}/hold"),
            &cookie,
            &csrf,
            true
        )
        .status,
        200
    );
    let held_tip_id: i64 = {
        let mut conn = app.state.db.read_conn().unwrap();
        tips::table
            .filter(tips::case_id.eq(held_tip_case))
            .select(tips::id)
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(
        hold(
            format!("/api/v1/tips/{held_tip_id}/hold"),
            &cookie,
            &csrf,
            true
        )
        .status,
        200
    );
    // A hold set and released again does not protect.
    assert_eq!(
        hold(format!("/api/v1/cases/{due}/hold"), &cookie, &csrf, true).status,
        200
    );
    assert_eq!(
        hold(format!("/api/v1/cases/{due}/hold"), &cookie, &csrf, false).status,
        200
    );
    let case = app
        .send(
            "GET",
            &format!("/api/v1/cases/{held_case}"),
            Some(&cookie),
            None,
            None,
        )
        .json();
    assert_eq!(case["legal_hold"], true);

    let files_before = app.stored_files();
    assert_eq!(files_before, 10, "five photos and five thumbnails");

    let clock = FixedClock::new(closed_at + Duration::days(30));
    let run = |clock: &FixedClock| {
        let state = app.state.clone();
        let now = clock.now();
        actix_rt::System::new().block_on(async move { retention::run(&state, now).await.unwrap() })
    };
    // A month after closing: nothing is due yet.
    let report = run(&clock);
    assert_eq!((report.tips_deleted, report.files_deleted), (0, 0));
    // Thirteen months: the unsubstantiated case (12 months) is due, closed ones (36) not.
    clock.set(closed_at + Duration::days(400));
    let report = run(&clock);
    assert_eq!(
        (report.tips_deleted, report.files_deleted),
        (1, 1),
        "{report:?}"
    );
    assert_eq!(tips_of(&app, unsubstantiated), 0);
    // Past three years: the closed case goes; held ones stay; the open case stays.
    clock.set(closed_at + Duration::days(3 * 365 + 10));
    let report = run(&clock);
    assert_eq!(report.tips_deleted, 1, "{report:?}");
    assert_eq!(report.files_deleted, 1);
    assert_eq!(report.tips_held, 2);
    assert_eq!(tips_of(&app, due), 0);
    assert_eq!(tips_of(&app, held_case), 1);
    assert_eq!(tips_of(&app, held_tip_case), 1);
    assert_eq!(tips_of(&app, open), 1);
    // Each deleted photo and its thumbnail are gone from the disk.
    assert_eq!(app.stored_files(), files_before - 4);
    let mut conn = app.state.db.read_conn().unwrap();
    let rows: i64 = attachments::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(rows, 3);

    // The audit log has every run with its counts, and the holds.
    let runs: Vec<String> = audit_log::table
        .filter(audit_log::action.eq("retention.run"))
        .order(audit_log::id.asc())
        .select(audit_log::detail)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(runs.len(), 3);
    let last: serde_json::Value = serde_json::from_str(&runs[2]).unwrap();
    assert_eq!(last["tips_deleted"], 1);
    assert_eq!(last["files_deleted"], 1);
    assert_eq!(last["tips_held"], 2);
    let holds: i64 = audit_log::table
        .filter(audit_log::action.like("legal_hold.%"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(holds, 4);
}
