//! Several processes as one service (issue 15): one master secret per
//! deployment, readiness that means the database takes writes, and
//! idempotent citizen intake.
use crate::common;

use std::process::Command;
use std::time::Duration;

use common::binary::{BIN, Server, free_port};
use common::{TestApp, TestDb};

#[test]
fn a_process_with_another_secret_refuses_to_start() {
    let db = TestDb::new();
    let first = Server::start(&db, free_port(), &[("TIPLINE_SECRET", &"ab".repeat(32))]);
    drop(first);
    let out = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("TIPLINE_DATA_DIR", db.dir.path())
        .env("TIPLINE_SECRET", "cd".repeat(32))
        .env("TIPLINE_BIND", format!("127.0.0.1:{}", free_port()))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("TIPLINE_SECRET"), "{stderr}");
    // The right secret still starts.
    let again = Server::start(&db, free_port(), &[("TIPLINE_SECRET", &"ab".repeat(32))]);
    drop(again);
}

/// PostgreSQL only: a database switched to read-only makes /readyz 503,
/// and switching it back makes it 200 again; /healthz answers throughout.
#[test]
fn readiness_follows_whether_the_database_takes_writes() {
    let app = TestApp::spawn();
    let ready = app.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.body);
    let Some(admin) = common::pg_admin_url() else {
        eprintln!("PostgreSQL not configured: the read-only switch is a PostgreSQL test");
        return;
    };
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    let name = app.db.pg_name().expect("a PostgreSQL database").to_string();
    let set = |on: bool| {
        let mut c = PgConnection::establish(&admin).unwrap();
        // Two statements, two transactions: a backend that reconnects after
        // the terminate must find the setting committed.
        c.batch_execute(&format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = {}",
            if on { "on" } else { "off" }
        ))
        .unwrap();
        c.batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .unwrap();
    };
    set(true);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut status = 0;
    while std::time::Instant::now() < deadline {
        status = app.get("/readyz").status;
        if status == 503 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(status, 503, "a read-only database is not ready");
    assert_eq!(app.get("/healthz").status, 200);
    set(false);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        status = app.get("/readyz").status;
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(status, 200, "ready again once writes are taken");
}

fn receipt_in(response: &str) -> (u16, String) {
    let status: u16 = response[9..12].parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    (status, v["receipt"].as_str().unwrap_or("").to_string())
}

fn tips_in(db: &TestDb) -> i64 {
    use diesel::prelude::*;
    use tipline::db::schema::tips;
    let conn = tipline::db::Db::connect(&tipline::db::DbUrl::parse(&db.url), 1).unwrap();
    tips::table
        .count()
        .get_result(&mut *conn.read_conn().unwrap())
        .unwrap()
}

/// A citizen whose connection dropped retries through another process (a
/// load balancer's next pick): one tip, the same receipt. The same key with
/// another body is refused, and racing retries still file one tip.
#[test]
fn one_idempotency_key_files_one_tip_across_two_processes() {
    let db = TestDb::new();
    let env = [("TIPLINE_INTAKE_LIMIT", "0"), ("RUST_LOG", "warn")];
    let a = Server::start(&db, free_port(), &env);
    let b = Server::start(&db, free_port(), &env);
    let body = common::sample_tip().to_string();
    let send = |port: u16, key: &str, body: &str| {
        let r = common::binary::post(
            port,
            None,
            "/api/v1/tips",
            "application/json",
            body.as_bytes(),
            &format!("Idempotency-Key: {key}\r\n"),
        )
        .unwrap();
        receipt_in(&r)
    };
    let (s1, r1) = send(a.port, "phone-7f3a-0001", &body);
    assert_eq!(s1, 201);
    let (s2, r2) = send(b.port, "phone-7f3a-0001", &body);
    assert_eq!((s2, &r2), (201, &r1), "the retry replays the first answer");
    assert_eq!(tips_in(&db), 1);

    // The same key with another request: 409, nothing filed.
    let other = body.replace("中频炉", "工频炉");
    let r = common::binary::post(
        b.port,
        None,
        "/api/v1/tips",
        "application/json",
        other.as_bytes(),
        "Idempotency-Key: phone-7f3a-0001\r\n",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 409"), "{r}");
    assert!(r.contains("Idempotency-Key"), "{r}");
    assert_eq!(tips_in(&db), 1);

    // Eight racing retries of a new request, alternating processes.
    let ports = [a.port, b.port];
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8)
            .map(|i| {
                let body = &body;
                s.spawn(move || send(ports[i % 2], "phone-7f3a-0002", body))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let firsts: Vec<&(u16, String)> = answers.iter().filter(|(s, _)| *s == 201).collect();
    assert!(!firsts.is_empty(), "{answers:?}");
    assert!(firsts.iter().all(|(_, r)| r == &firsts[0].1), "{answers:?}");
    // A loser of the race may be asked to retry (503), never given a second tip.
    assert!(
        answers.iter().all(|(s, _)| *s == 201 || *s == 503),
        "{answers:?}"
    );
    assert_eq!(tips_in(&db), 2);

    // A malformed key is refused with a reason that names the header.
    let r = common::binary::post(
        a.port,
        None,
        "/api/v1/tips",
        "application/json",
        body.as_bytes(),
        "Idempotency-Key: \r\n",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 422"), "{r}");
    assert!(r.contains("Idempotency-Key"), "{r}");
}

/// An upload retried with its key gives the same token, stored once.
#[test]
fn an_upload_retried_with_its_key_gives_the_same_token() {
    let app = TestApp::spawn();
    let jpeg = common::samples::jpeg();
    let key = [("Idempotency-Key", "upload-1")];
    let first = app.post_with("/api/v1/uploads", "image/jpeg", &key, jpeg.clone());
    assert_eq!(first.status, 201, "{}", first.body);
    let stored = app.stored_files();
    let again = app.post_with("/api/v1/uploads", "image/jpeg", &key, jpeg.clone());
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(first.json()["token"], again.json()["token"]);
    assert_eq!(app.stored_files(), stored, "the retry stores nothing new");
    let other = app.post_with("/api/v1/uploads", "image/png", &key, common::samples::png());
    assert_eq!(other.status, 409, "{}", other.body);
    assert_eq!(app.stored_files(), stored);
}

/// The form's hidden key: pressing the button twice (same page, same proof
/// of work) shows the same receipt and files one tip.
#[test]
fn the_form_pressed_twice_files_one_tip() {
    let app = TestApp::spawn();
    let page = app.get("/");
    let at = page
        .body
        .find("name=\"form_key\" value=\"")
        .expect("a form key")
        + 23;
    let key = page.body[at..].split('"').next().unwrap().to_string();
    assert!(key.len() >= 20, "{key}");
    let mut fields = common::samples::form_fields();
    fields.push(("form_key", &key));
    let (ct, body) =
        common::samples::multipart(&fields, &[("photo.jpg", &common::samples::jpeg())]);
    let first = app.post("/tips", &ct, body.clone());
    assert_eq!(first.status, 200, "{}", first.body);
    let stored = app.stored_files();
    let again = app.post("/tips", &ct, body);
    assert_eq!(again.status, 200, "{}", again.body);
    let receipt = |b: &str| {
        let digits: String = b
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == ' ')
            .collect();
        digits
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(receipt(&first.body), receipt(&again.body));
    assert_eq!(app.counts().0, 1);
    assert_eq!(
        app.stored_files(),
        stored,
        "the second press stores nothing new"
    );
}

/// Lookups from one client alternating between two processes: on
/// PostgreSQL the limit holds for the deployment (windows in the
/// database); on SQLite, which serves one process, each process keeps its
/// own. A proof of work spent on one process is refused by the other.
#[test]
fn a_clients_limit_holds_across_two_processes() {
    let db = TestDb::new();
    let env = [("TIPLINE_LOOKUP_LIMIT", "5"), ("RUST_LOG", "warn")];
    let a = Server::start(&db, free_port(), &env);
    let b = Server::start(&db, free_port(), &env);
    let body = r#"{"receipt":"00000000000000000000"}"#;
    let statuses: Vec<u16> = (0..14)
        .map(|i| {
            let port = if i % 2 == 0 { a.port } else { b.port };
            let r = common::binary::post(
                port,
                None,
                "/api/v1/tips/lookup",
                "application/json",
                body.as_bytes(),
                "",
            )
            .unwrap();
            r[9..12].parse().unwrap()
        })
        .collect();
    let allowed = statuses.iter().filter(|s| **s != 429).count();
    if db.is_postgres() {
        assert_eq!(
            allowed, 5,
            "five in all across both processes: {statuses:?}"
        );
    } else {
        assert_eq!(allowed, 10, "five per process on SQLite: {statuses:?}");
    }
}

/// Evidence uploaded through one process is claimed by a tip sent through
/// another: uploads and their tokens live where every process reaches them.
#[test]
fn an_upload_through_one_process_serves_a_tip_through_another() {
    let db = TestDb::new();
    let env = [("TIPLINE_INTAKE_LIMIT", "0"), ("RUST_LOG", "warn")];
    let a = Server::start(&db, free_port(), &env);
    let b = Server::start(&db, free_port(), &env);
    let r = common::binary::post(
        a.port,
        None,
        "/api/v1/uploads",
        "image/jpeg",
        &common::samples::jpeg(),
        "",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    let v: serde_json::Value = serde_json::from_str(r.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let mut tip = common::sample_tip();
    tip["attachments"] = serde_json::json!([v["token"]]);
    let r = common::binary::post(
        b.port,
        None,
        "/api/v1/tips",
        "application/json",
        tip.to_string().as_bytes(),
        "",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    use diesel::prelude::*;
    use tipline::db::schema::attachments;
    let conn = tipline::db::Db::connect(&tipline::db::DbUrl::parse(&db.url), 1).unwrap();
    let claimed: i64 = attachments::table
        .filter(attachments::tip_id.is_not_null())
        .count()
        .get_result(&mut *conn.read_conn().unwrap())
        .unwrap();
    assert_eq!(claimed, 1);
}

/// A proof of work spent on one process counts as none on the other
/// (PostgreSQL); on SQLite each process remembers its own.
#[test]
fn a_spent_proof_is_spent_for_every_process() {
    let db = TestDb::new();
    let env = [
        ("TIPLINE_INTAKE_LIMIT_NOJS", "1"),
        ("TIPLINE_POW_BITS", "8"),
        ("RUST_LOG", "warn"),
    ];
    let a = Server::start(&db, free_port(), &env);
    let b = Server::start(&db, free_port(), &env);
    let page = common::binary::raw(
        a.port,
        None,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let at = page
        .find("name=\"pow_challenge\" value=\"")
        .expect("a challenge")
        + 28;
    let challenge = page[at..].split('"').next().unwrap().to_string();
    let nonce = (0u64..)
        .map(|n| n.to_string())
        .find(|n| tipline::http::pow::solves(&challenge, n, 8))
        .unwrap();
    let form = |port: u16, proof: bool| {
        let mut fields = common::samples::form_fields();
        if proof {
            fields.push(("pow_challenge", &challenge));
            fields.push(("pow_nonce", &nonce));
        }
        let (ct, body) = common::samples::multipart(&fields, &[]);
        let r = common::binary::post(port, None, "/tips", &ct, &body, "").unwrap();
        r[9..12].parse::<u16>().unwrap()
    };
    assert_eq!(form(a.port, true), 200, "a solved proof");
    assert_eq!(
        form(b.port, false),
        200,
        "the one post allowed without a proof"
    );
    let replayed = form(b.port, true);
    if db.is_postgres() {
        assert_eq!(replayed, 429, "the proof was spent on the other process");
    } else {
        assert_eq!(
            replayed, 200,
            "SQLite: each process remembers its own proofs"
        );
    }
}

/// Grouped writes (SQLite's group commit; on PostgreSQL each its own
/// transaction): of many writes made at once, one that fails leaves its
/// neighbours committed, and each caller learns its own outcome.
#[test]
fn a_failing_write_does_not_fail_the_writes_grouped_with_it() {
    use diesel::prelude::*;
    use tipline::db::schema::settings;
    let db = TestDb::new();
    let conn = tipline::db::Db::connect(&tipline::db::DbUrl::parse(&db.url), 4).unwrap();
    conn.migrate().unwrap();
    let at = tipline::db::now();
    let barrier = std::sync::Barrier::new(24);
    let outcomes: Vec<bool> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..24)
            .map(|i| {
                let (conn, barrier) = (&conn, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    // Every sixth writes a key another also writes: a
                    // unique violation for whichever comes second.
                    let key = if i % 6 == 0 {
                        "twice".to_string()
                    } else {
                        format!("k{i}")
                    };
                    conn.write_grouped(move |c| -> Result<(), tipline::db::DbError> {
                        diesel::insert_into(settings::table)
                            .values((
                                settings::key.eq(key),
                                settings::value.eq("v"),
                                settings::updated_at.eq(at),
                            ))
                            .execute(c)?;
                        Ok(())
                    })
                    .is_ok()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = outcomes.iter().filter(|o| **o).count();
    assert_eq!(
        ok,
        20 + 1,
        "twenty distinct keys and one of the four 'twice': {outcomes:?}"
    );
    let mut read = conn.read_conn().unwrap();
    let stored: i64 = settings::table
        .filter(settings::key.eq("twice").or(settings::key.like("k%")))
        .count()
        .get_result(&mut *read)
        .unwrap();
    assert_eq!(stored, 21);
}
