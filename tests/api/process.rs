//! The real binary: killed mid-burst it loses no acknowledged tip; its logs
//! hold no client address, user agent or receipt; a wrong database URL fails
//! fast with the database's own message.
use crate::common;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::TestDb;
use common::binary::{self, BIN, Server, free_port};

/// The server as the load tests run it: no per-client limits, two workers.
fn start(db: &TestDb, port: u16, rust_log: &str) -> Server {
    Server::start(
        db,
        port,
        &[
            ("TIPLINE_LOOKUP_LIMIT", "100000"),
            // A load test: the per-client intake limit is off (issue 8).
            ("TIPLINE_INTAKE_LIMIT", "0"),
            ("TIPLINE_WORKERS", "2"),
            ("RUST_LOG", rust_log),
        ],
    )
}

fn post(
    port: u16,
    from: Option<&str>,
    path: &str,
    ctype: &str,
    body: &str,
    extra: &str,
) -> std::io::Result<String> {
    binary::post(port, from, path, ctype, body.as_bytes(), extra)
}

fn receipt_of(response: &str) -> Option<String> {
    if !response.starts_with("HTTP/1.1 201") {
        return None;
    }
    let body = response.split("\r\n\r\n").nth(1)?;
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v["receipt"].as_str().map(str::to_string)
}

#[test]
fn a_killed_server_keeps_every_receipt_it_gave() {
    let db = TestDb::new();
    let port = free_port();
    let mut server = start(&db, port, "warn");
    let receipts = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut threads = Vec::new();
    for t in 0..4 {
        let receipts = receipts.clone();
        let stop = stop.clone();
        threads.push(std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = format!(
                    "{{\"description\":\"并发测试举报 线程{t} 第{i}条：某厂用中频炉炼钢。\"}}"
                );
                match post(port, None, "/api/v1/tips", "application/json", &body, "") {
                    Ok(r) => {
                        if let Some(rc) = receipt_of(&r) {
                            receipts.lock().unwrap().push(rc);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
                i += 1;
            }
        }));
    }
    // Kill once a good number of tips are acknowledged, mid-burst.
    let deadline = Instant::now() + Duration::from_secs(60);
    while receipts.lock().unwrap().len() < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    unsafe {
        libc_kill(server.child.id() as i32, 9);
    }
    let _ = server.child.wait();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let given = receipts.lock().unwrap().clone();
    assert!(
        given.len() >= 300,
        "only {} receipts before the kill",
        given.len()
    );
    drop(server);

    let server = start(&db, port, "warn");
    let mut missing = 0;
    for rc in &given {
        let r = post(
            port,
            None,
            "/api/v1/tips/lookup",
            "application/json",
            &format!("{{\"receipt\":\"{rc}\"}}"),
            "",
        )
        .unwrap();
        if !r.starts_with("HTTP/1.1 200") {
            missing += 1;
        }
    }
    assert_eq!(
        missing,
        0,
        "{missing} of {} acknowledged tips lost",
        given.len()
    );
    drop(server);
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn logs_hold_no_client_address_user_agent_or_receipt() {
    let db = TestDb::new();
    let port = free_port();
    let server = start(&db, port, "trace");
    let from = "127.0.0.77";
    let ua = "User-Agent: TellTaleBrowser/9.9 (SecretPhone)\r\nReferer: https://referrer.example/secret-page\r\nX-Forwarded-For: 203.0.113.9\r\n";
    let form = "description=%E6%9F%90%E5%8E%82%E7%94%A8%E4%B8%AD%E9%A2%91%E7%82%89%E7%82%BC%E9%92%A2%E5%86%92%E9%BB%91%E7%83%9F&district=baoan";
    let r = post(
        port,
        Some(from),
        "/tips",
        "application/x-www-form-urlencoded",
        form,
        ua,
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let receipt = common::receipt_on_page(&r);
    assert_eq!(receipt.len(), 23, "{receipt}");
    let r = post(
        port,
        Some(from),
        "/status",
        "application/x-www-form-urlencoded",
        &format!("receipt={receipt}"),
        ua,
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let r = post(
        port,
        Some(from),
        "/api/v1/tips/lookup",
        "application/json",
        &format!("{{\"receipt\":\"{receipt}\"}}"),
        ua,
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    std::thread::sleep(Duration::from_millis(300));
    let log = server.log();
    assert!(
        log.contains("route=/tips") || log.contains("route=\"/tips\"") || log.contains("/tips"),
        "the log is not empty: {log}"
    );
    let digits = receipt.replace('-', "");
    for secret in [
        from,
        "203.0.113.9",
        "TellTaleBrowser",
        "SecretPhone",
        "referrer.example",
        receipt.as_str(),
        digits.as_str(),
    ] {
        assert!(!log.contains(secret), "log contains {secret}:\n{log}");
    }
    drop(server);

    // Nor is the receipt anywhere in the SQLite files.
    if !db.is_postgres() {
        let files = db.sqlite_files();
        assert!(!files.is_empty());
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            for needle in [digits.as_bytes(), receipt.as_bytes()] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "receipt found in {}",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn a_wrong_database_url_fails_fast_with_the_databases_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("postgres://nobody@127.0.0.1:1/none", "127.0.0.1"),
        (
            "postgres://postgres@127.0.0.1:5432/no_such_database_here",
            "no_such_database_here",
        ),
        ("sqlite:///proc/no/such/dir/x.db", "x.db"),
    ];
    for (url, expect) in cases {
        let start = Instant::now();
        let out = Command::new(BIN)
            .arg("migrate")
            .env("DATABASE_URL", url)
            .env("TIPLINE_DATA_DIR", dir.path())
            .output()
            .unwrap();
        let elapsed = start.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url} succeeded");
        assert!(elapsed < Duration::from_secs(10), "{url} took {elapsed:?}");
        assert!(
            err.contains(expect) || err.contains("No such file") || err.contains("unable to open"),
            "{url}: {err}"
        );
    }
}

/// `serve` runs the daily jobs itself, no cron needed: a case received 60
/// days ago gets its dispatch deadline and is marked overdue, with its
/// notice, soon after the server starts.
#[test]
fn serve_runs_the_daily_jobs_itself() {
    use diesel::prelude::*;
    use tipline::db::cases::{NewCase, insert};
    use tipline::db::schema::{cases, supervision_notices};
    let db = TestDb::new();
    let store = tipline::db::Db::connect(&tipline::db::DbUrl::parse(&db.url), 1).unwrap();
    store.migrate().unwrap();
    let long_ago = tipline::db::now() - chrono::Duration::days(60);
    let id = store
        .write_tx(|conn| -> Result<i64, tipline::db::DbError> {
            Ok(insert(
                conn,
                &NewCase {
                    status: "received",
                    industry: Some("steel"),
                    district: Some("baoan"),
                    dimensions: "ditiaogang",
                    lead_bureau: None,
                    co_bureaus: "",
                    routing: "{}",
                    enterprise_id: None,
                    candidates: "[]",
                    place_key: None,
                    at: long_ago,
                },
            )?)
        })
        .unwrap();
    let server = start(&db, free_port(), "info");
    let deadline = Instant::now() + Duration::from_secs(20);
    let overdue = loop {
        let mut conn = store.read_conn().unwrap();
        let overdue: bool = cases::table
            .find(id)
            .select(cases::overdue)
            .first(&mut *conn)
            .unwrap();
        if overdue || Instant::now() > deadline {
            break overdue;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(overdue, "not marked overdue:\n{}", server.log());
    let mut conn = store.read_conn().unwrap();
    let notices: i64 = supervision_notices::table
        .filter(supervision_notices::case_id.eq(id))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(notices, 1);
    // The line is logged once every job has run, a little after the overdue
    // mark commits.
    while !server.log().contains("daily jobs ran") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(server.log().contains("daily jobs ran"), "{}", server.log());
}
