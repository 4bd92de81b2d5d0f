//! What could identify a reporter, kept from the public and from the disk
//! (issue 13): private file modes whatever the umask, times to the minute,
//! and no public counter that moves when a tip arrives.
use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;

use chrono::{NaiveDateTime, Timelike};
use common::binary::{self, BIN, Server, free_port};
use common::{TestApp, TestDb};
use diesel::prelude::*;
use serde_json::json;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn files_are_private_whatever_the_umask() {
    let db = TestDb::new();
    let data = db.dir.path().join("data");
    let url = if db.is_postgres() {
        db.url.clone()
    } else {
        format!("sqlite://{}", data.join("tipline.db").display())
    };
    let port = free_port();
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("serve")
        .env("DATABASE_URL", &url)
        .env("TIPLINE_DATA_DIR", &data)
        .env("TIPLINE_BIND", format!("127.0.0.1:{port}"))
        .env("TIPLINE_DEMO", "0")
        .env("RUST_LOG", "warn");
    // SAFETY: umask in the child between fork and exec; it cannot fail.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let server = Server::spawn(cmd, port);
    let tip =
        json!({"description": "宝安区沙井某厂晚上偷偷用中频炉炼钢，烟囱冒黑烟。"}).to_string();
    let r = binary::post(
        port,
        None,
        "/api/v1/tips",
        "application/json",
        tip.as_bytes(),
        "",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("secret.key")), 0o600);
    assert_eq!(mode(&data.join("files")), 0o700);
    if !db.is_postgres() {
        for f in ["tipline.db", "tipline.db-wal", "tipline.db-shm"] {
            assert_eq!(mode(&data.join(f)), 0o600, "{f}");
        }
    }
    drop(server);

    // An existing file left readable is named at start.
    std::fs::set_permissions(
        data.join("secret.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let server = Server::start(
        &db,
        free_port(),
        &[
            ("DATABASE_URL", url.as_str()),
            ("TIPLINE_DATA_DIR", data.to_str().unwrap()),
        ],
    );
    let log = server.log();
    assert!(
        log.contains("readable by others") && log.contains("secret.key"),
        "{log}"
    );
}

fn whole_minute(t: NaiveDateTime) -> bool {
    t.second() == 0 && t.nanosecond() == 0
}

#[test]
fn a_reporters_times_are_kept_to_the_minute() {
    use tipline::db::schema::{attachments, cases, relay_tickets, tip_messages, tip_updates, tips};
    let app = TestApp::spawn();
    let upload = app.post("/api/v1/uploads", "image/jpeg", common::samples::jpeg());
    assert_eq!(upload.status, 201, "{}", upload.body);
    let mut tip = common::sample_tip();
    tip["attachments"] = json!([upload.json()["token"]]);
    let created = app.post_json("/api/v1/tips", &tip);
    assert_eq!(created.status, 201, "{}", created.body);
    let receipt = created.json()["receipt"].as_str().unwrap().to_string();
    assert!(
        created.json()["received_at"]
            .as_str()
            .unwrap()
            .ends_with(":00"),
        "{}",
        created.body
    );
    let msg = app.post_json(
        "/api/v1/tips/messages",
        &json!({"receipt": receipt, "body": "补充：晚上十点以后开工。"}),
    );
    assert_eq!(msg.status, 201, "{}", msg.body);
    let seen = app.post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}));
    let text = seen.body.clone();
    // Every time in the reporter's view is a whole minute.
    for t in text
        .split('"')
        .filter(|s| s.len() >= 16 && s.as_bytes()[4] == b'-' && s.contains('T'))
    {
        assert!(t.ends_with(":00") || t.ends_with(":00Z"), "{t} in {text}");
    }
    // And in the database, relay tickets included.
    let key = crate::relay_support::add_relay(&app, "12345", None);
    let mut ticket = crate::relay_support::ticket("T-77");
    ticket["received_at"] = json!("2026-12-01T10:15:42.123+08:00");
    let r = crate::relay_support::relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &ticket);
    assert_eq!(r.status, 201, "{}", r.body);
    let mut conn = app.state.db.read_conn().unwrap();
    let mut times: Vec<NaiveDateTime> = Vec::new();
    times.extend(
        tips::table
            .select(tips::received_at)
            .load::<NaiveDateTime>(&mut *conn)
            .unwrap(),
    );
    times.extend(
        tips::table
            .select(tips::updated_at)
            .load::<NaiveDateTime>(&mut *conn)
            .unwrap(),
    );
    times.extend(
        tip_updates::table
            .select(tip_updates::created_at)
            .load::<NaiveDateTime>(&mut *conn)
            .unwrap(),
    );
    times.extend(
        tip_messages::table
            .select(tip_messages::created_at)
            .load::<NaiveDateTime>(&mut *conn)
            .unwrap(),
    );
    times.extend(
        attachments::table
            .select(attachments::created_at)
            .load::<NaiveDateTime>(&mut *conn)
            .unwrap(),
    );
    times.extend(
        cases::table
            .select(cases::created_at)
            .load::<NaiveDateTime>(&mut *conn)
            .unwrap(),
    );
    let ticket: NaiveDateTime = relay_tickets::table
        .select(relay_tickets::ticket_received_at)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(ticket.to_string(), "2026-12-01 02:15:00");
    times.push(ticket);
    assert!(times.len() >= 7);
    assert!(times.iter().all(|t| whole_minute(*t)), "{times:?}");
}

#[test]
fn metrics_are_not_served_without_a_token() {
    let mut serve = common::serve_args(1000);
    serve.metrics_token = None;
    let app = TestApp::spawn_with(serve);
    assert_eq!(app.get("/metrics").status, 404);
    let (status, _, _) = app.get_bytes("/metrics", &[("Authorization", "Bearer anything")]);
    assert_eq!(status, 404);
    assert_eq!(app.get("/healthz").status, 200);
}
