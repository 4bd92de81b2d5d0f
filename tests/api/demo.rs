//! The demo a first `cargo run --release` loads: real tips through intake
//! and the workflow, so every public list and the queue show something.
use crate::common;

use common::TestApp;

#[test]
fn the_demo_fills_the_lists_and_the_queue_once() {
    let app = TestApp::spawn();
    tipline::demo::load(&app.state).unwrap();
    let count =
        |kind: &str| app.get(&format!("/api/v1/public/lists/{kind}")).json()["count"].clone();
    assert_eq!(count("yellow"), 1);
    // Still below standard after rectification, and closed by law (twice).
    assert_eq!(count("red"), 3);
    let exit = app.get("/api/v1/public/lists/exit").json();
    assert_eq!(exit["count"], 1);
    assert_eq!(
        exit["entries"][0]["enterprise_name"],
        "深圳市宏大钢铁有限公司"
    );
    assert_eq!(exit["entries"][0]["capacity"], 3.5);
    assert_eq!(app.counts().0, 6, "six tips");
    let statuses = || -> Vec<String> {
        use diesel::prelude::*;
        use tipline::db::schema::cases;
        let mut conn = app.state.db.read_conn().unwrap();
        cases::table
            .select(cases::status)
            .order(cases::id.asc())
            .load(&mut *conn)
            .unwrap()
    };
    assert_eq!(
        statuses(),
        [
            "received",
            "dispatched",
            "enforcing",
            "enforcing",
            "exit_accepted",
            "enforcing"
        ]
    );
    // The cement works' exit deadline passed a month ago: the daily job
    // proposes joint punishment, and only that.
    let now = tipline::db::now();
    let r = tipline::services::daily::run(&app.state.db, &app.state.pack, now).unwrap();
    assert_eq!(r.punishment.proposed, 1, "{r:?}");
    let again = tipline::services::daily::run(&app.state.db, &app.state.pack, now).unwrap();
    assert_eq!(again.punishment.proposed, 0);
    // A second start adds nothing.
    tipline::demo::load(&app.state).unwrap();
    assert_eq!(app.counts().0, 6);
    assert_eq!(statuses().len(), 6);
}
