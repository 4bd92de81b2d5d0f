//! The real binary: `tipline relay …` prints keys as promised, call-backs
//! survive a restart between retries, and two `serve` processes on one
//! database deliver each outbox entry exactly once.
use crate::common;
use crate::relay_support;

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use common::TestDb;
use common::binary::{BIN, Server, free_port};
use relay_support::*;
use tipline::domain::tip_status::TipStatus;

const SECRET: &str = "5f1c0e2d3b4a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";

fn tipline(db: &TestDb, args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("TIPLINE_DATA_DIR", db.dir.path())
        .env("TIPLINE_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// The key `relay add` / `relay rotate-key` printed alone on its last line.
fn last_line(out: &str) -> String {
    out.lines().last().unwrap_or("").to_string()
}

/// A server that delivers call-backs quickly, with the deployment's secret.
const SERVER_ENV: [(&str, &str); 7] = [
    ("TIPLINE_SECRET", SECRET),
    ("TIPLINE_WORKERS", "1"),
    ("TIPLINE_POOL_SIZE", "3"),
    ("TIPLINE_OUTBOX_POLL_MS", "50"),
    ("TIPLINE_OUTBOX_RETRY_BASE_MS", "400"),
    ("TIPLINE_OUTBOX_RETRY_CAP_MS", "800"),
    ("TIPLINE_OUTBOX_TIMEOUT_MS", "3000"),
];

fn start(db: &TestDb, port: u16) -> Server {
    Server::start(db, port, &SERVER_ENV)
}

/// Change a relayed tip's status the way the workflow will: one transaction
/// through the library, on the same database as the servers.
fn change_status(db: &TestDb, ticket_id: &str, status: TipStatus, note: &str) -> i64 {
    use diesel::prelude::*;
    use tipline::db::schema::relay_tickets;
    let conn = tipline::db::Db::connect(&tipline::db::DbUrl::parse(&db.url), 1).unwrap();
    conn.write_tx(|c| -> Result<_, tipline::db::DbError> {
        let tip_id: i64 = relay_tickets::table
            .filter(relay_tickets::ticket_id.eq(ticket_id))
            .select(relay_tickets::tip_id)
            .first(c)?;
        Ok(tipline::services::outbox::record_status_change(
            c,
            tip_id,
            status,
            Some(note),
            tipline::db::now(),
        )?)
    })
    .unwrap()
    .expect("the relay has a callback URL")
}

#[test]
fn relay_cli_prints_the_key_once_and_manages_relays() {
    let db = TestDb::new();
    let (ok, out) = tipline(
        &db,
        &[
            "relay",
            "add",
            "--name",
            "12345",
            "--source",
            "hotline",
            "--callback-url",
            "http://127.0.0.1:9/cb",
        ],
    );
    assert!(ok, "{out}");
    let key = last_line(&out);
    assert!(
        tipline::auth::relay_key::well_formed(&key),
        "last line: {key:?}\n{out}"
    );
    let add = |name: &str, more: &[&str]| {
        let mut args = vec!["relay", "add", "--name", name];
        args.extend_from_slice(more);
        tipline(&db, &args)
    };
    let (ok, dup) = add("12345", &["--source", "hotline"]);
    assert!(!ok && dup.contains("exists"), "{dup}");
    let (ok, bad) = add("x", &["--source", "hotline", "--callback-url", "ftp://x"]);
    assert!(!ok, "{bad}");
    // The report source must be said, and be one of the three.
    let (ok, bad) = add("y", &[]);
    assert!(!ok && bad.contains("--source"), "{bad}");
    let (ok, bad) = add("y", &["--source", "open311"]);
    assert!(!ok, "{bad}");

    let (ok, list) = tipline(&db, &["relay", "list"]);
    assert!(
        ok && list.contains("12345") && list.contains("active"),
        "{list}"
    );
    assert!(!list.contains(&key), "a listing never shows the key");
    assert!(list.contains("hotline"), "{list}");
    // Configure changes only what it is given.
    let (ok, out) = tipline(
        &db,
        &["relay", "configure", "12345", "--source", "platform"],
    );
    assert!(ok, "{out}");
    let (_, list) = tipline(&db, &["relay", "list"]);
    assert!(
        list.contains("platform") && list.contains("http://127.0.0.1:9/cb"),
        "{list}"
    );
    let (ok, out) = tipline(&db, &["relay", "configure", "12345"]);
    assert!(!ok && out.contains("nothing to change"), "{out}");
    let (ok, out) = tipline(&db, &["relay", "configure", "12345", "--rate-limit", "-1"]);
    assert!(!ok, "{out}");
    let (ok, out) = tipline(&db, &["relay", "configure", "12345", "--no-callback"]);
    assert!(ok, "{out}");
    let (_, list) = tipline(&db, &["relay", "list"]);
    assert!(list.contains("platform") && !list.contains("/cb"), "{list}");

    let port = free_port();
    let server = start(&db, port);
    let r = relay_post(
        &server.base,
        Some(&key),
        "/api/v1/relay/tips",
        &ticket("CLI-1"),
    );
    assert_eq!(r.status, 201, "{}", r.body);

    let (ok, out) = tipline(&db, &["relay", "revoke", "12345"]);
    assert!(ok, "{out}");
    assert_eq!(
        relay_get(&server.base, Some(&key), "/api/v1/relay/tips/CLI-1").status,
        401
    );
    let (ok, list) = tipline(&db, &["relay", "list"]);
    assert!(ok && list.contains("revoked"), "{list}");

    let (ok, out) = tipline(&db, &["relay", "rotate-key", "12345"]);
    assert!(ok, "{out}");
    let new_key = last_line(&out);
    assert!(tipline::auth::relay_key::well_formed(&new_key) && new_key != key);
    let r = relay_get(&server.base, Some(&new_key), "/api/v1/relay/tips/CLI-1");
    assert_eq!(r.status, 200, "history kept under the new key: {}", r.body);
    server.kill();

    // The key is stored only as a hash.
    if !db.is_postgres() {
        for f in db.sqlite_files() {
            let bytes = std::fs::read(&f).unwrap();
            for k in [&key, &new_key] {
                assert!(!bytes.windows(k.len()).any(|w| w == k.as_bytes()));
            }
        }
    }
}

#[test]
fn a_call_back_survives_a_restart_between_retries_and_arrives_once() {
    let db = TestDb::new();
    let receiver = Receiver::start(3);
    let (ok, out) = tipline(
        &db,
        &[
            "relay",
            "add",
            "--name",
            "12345",
            "--source",
            "hotline",
            "--callback-url",
            &receiver.url,
        ],
    );
    assert!(ok, "{out}");
    let key = last_line(&out);
    let port = free_port();
    let server = start(&db, port);
    let r = relay_post(
        &server.base,
        Some(&key),
        "/api/v1/relay/tips",
        &ticket("RS-1"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let id = change_status(&db, "RS-1", TipStatus::Verifying, "正在现场核查");
    receiver.wait_for(Duration::from_secs(30), "two refusals", |d| d.len() >= 2);
    server.kill();
    let before = receiver.deliveries().len();
    assert!(before < 4, "killed before the delivery: {before}");

    let server = start(&db, port);
    receiver.wait_for(Duration::from_secs(60), "the delivery", |d| {
        d.iter().any(|x| x.answered == 200)
    });
    std::thread::sleep(Duration::from_millis(1500));
    server.kill();
    let all = receiver.deliveries();
    assert_eq!(all.len(), 4, "{all:?}");
    let ok = receiver.accepted();
    assert_eq!(ok.len(), 1, "delivered exactly once");
    assert!(signature_valid(&key, &ok[0]));
    assert_eq!(
        ok[0].header("X-Tipline-Delivery"),
        Some(id.to_string().as_str())
    );
    let body: serde_json::Value = serde_json::from_str(&ok[0].body).unwrap();
    assert_eq!(body["status"], "verifying");
}

#[test]
fn two_servers_on_one_database_deliver_each_entry_exactly_once() {
    let db = TestDb::new();
    let receiver = Receiver::start(0);
    let (ok, out) = tipline(
        &db,
        &[
            "relay",
            "add",
            "--name",
            "12345",
            "--source",
            "hotline",
            "--callback-url",
            &receiver.url,
        ],
    );
    assert!(ok, "{out}");
    let key = last_line(&out);
    let (p1, p2) = (free_port(), free_port());
    let a = start(&db, p1);
    let b = start(&db, p2);
    const N: usize = 40;
    let tickets: Vec<serde_json::Value> = (0..N).map(|i| ticket(&format!("TWO-{i}"))).collect();
    let r = relay_post(
        &a.base,
        Some(&key),
        "/api/v1/relay/tips:batch",
        &serde_json::json!({ "tickets": tickets }),
    );
    assert_eq!(r.json()["created"], N, "{}", r.body);
    let mut ids = Vec::new();
    for i in 0..N {
        ids.push(change_status(
            &db,
            &format!("TWO-{i}"),
            TipStatus::Dispatched,
            "已派单",
        ));
    }
    receiver.wait_for(Duration::from_secs(60), "every entry", |d| {
        let distinct: std::collections::HashSet<_> = d
            .iter()
            .filter_map(|x| x.header("X-Tipline-Delivery").map(str::to_string))
            .collect();
        distinct.len() >= N
    });
    std::thread::sleep(Duration::from_millis(1500));
    a.kill();
    b.kill();
    let mut count: HashMap<String, usize> = HashMap::new();
    for d in receiver.deliveries() {
        assert!(signature_valid(&key, &d));
        *count
            .entry(d.header("X-Tipline-Delivery").unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(count.len(), N);
    let twice: Vec<_> = count.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    for id in ids {
        assert_eq!(count.get(&id.to_string()), Some(&1));
    }
}

/// Two processes, a relay that takes 3 s to answer, 30 tickets each changing
/// status four times: every call-back arrives once, each ticket's in the
/// order its changes were made, with the event the body names; and a
/// SIGTERM while call-backs are pending ends the process within its
/// shutdown timeout.
#[test]
fn slow_relay_two_servers_once_and_in_order_per_ticket() {
    let db = TestDb::new();
    let receiver = Receiver::start_slow(Duration::from_secs(3));
    let (ok, out) = tipline(
        &db,
        &[
            "relay",
            "add",
            "--name",
            "12345",
            "--source",
            "hotline",
            "--callback-url",
            &receiver.url,
        ],
    );
    assert!(ok, "{out}");
    let key = last_line(&out);
    let (p1, p2) = (free_port(), free_port());
    let senders = [("TIPLINE_OUTBOX_SENDERS", "8")];
    let a = Server::start(
        &db,
        p1,
        &[
            &SERVER_ENV[..],
            &senders[..],
            &[("TIPLINE_OUTBOX_TIMEOUT_MS", "10000")],
        ]
        .concat(),
    );
    let b = Server::start(
        &db,
        p2,
        &[
            &SERVER_ENV[..],
            &senders[..],
            &[("TIPLINE_OUTBOX_TIMEOUT_MS", "10000")],
        ]
        .concat(),
    );
    const TICKETS: usize = 30;
    let tickets: Vec<serde_json::Value> =
        (0..TICKETS).map(|i| ticket(&format!("SLOW-{i}"))).collect();
    let r = relay_post(
        &a.base,
        Some(&key),
        "/api/v1/relay/tips:batch",
        &serde_json::json!({ "tickets": tickets }),
    );
    assert_eq!(r.json()["created"], TICKETS, "{}", r.body);
    let steps = [
        (TipStatus::Dispatched, "一"),
        (TipStatus::Verifying, "二"),
        (TipStatus::Enforcing, "三"),
        (TipStatus::Closed, "四"),
    ];
    for (status, note) in steps {
        for i in 0..TICKETS {
            change_status(&db, &format!("SLOW-{i}"), status, note);
        }
    }
    let total = TICKETS * steps.len();
    receiver.wait_for(Duration::from_secs(240), "every call-back", |d| {
        d.len() >= total
    });
    std::thread::sleep(Duration::from_secs(4));
    let got = receiver.deliveries();
    let mut seen = std::collections::HashSet::new();
    let mut per_ticket: HashMap<String, Vec<String>> = HashMap::new();
    for d in &got {
        assert!(
            seen.insert(d.header("X-Tipline-Delivery").unwrap().to_string()),
            "twice: {:?}",
            d.headers
        );
        let body: serde_json::Value = serde_json::from_str(&d.body).unwrap();
        assert_eq!(d.header("X-Tipline-Event"), body["event"].as_str());
        per_ticket
            .entry(body["ticket_id"].as_str().unwrap().to_string())
            .or_default()
            .push(body["note"].as_str().unwrap_or("").to_string());
    }
    assert_eq!(got.len(), total);
    for (t, notes) in &per_ticket {
        assert_eq!(notes, &["一", "二", "三", "四"], "ticket {t} out of order");
    }
    drop(a);
    drop(b);

    // SIGTERM with call-backs pending to the slow relay: out within the timeout.
    let c = Server::start(
        &db,
        free_port(),
        &[
            &SERVER_ENV[..],
            &[
                ("TIPLINE_SHUTDOWN_TIMEOUT", "5"),
                ("TIPLINE_OUTBOX_TIMEOUT_MS", "10000"),
            ],
        ]
        .concat(),
    );
    for i in 0..TICKETS {
        change_status(&db, &format!("SLOW-{i}"), TipStatus::Closed, "五");
    }
    std::thread::sleep(Duration::from_secs(1));
    let pid = c.pid() as i32;
    let started = std::time::Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let mut c = c;
    let waited = loop {
        if let Ok(Some(_)) = c.child.try_wait() {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    println!("SIGTERM to exit with call-backs pending: {waited:?}");
    assert!(
        waited <= Duration::from_secs(6),
        "{waited:?} past the 5 s shutdown timeout"
    );
}

/// A call-back CA file that cannot be used stops `serve` before it listens,
/// with the variable and the reason: not a server that fails every delivery.
#[test]
fn serve_refuses_a_call_back_ca_file_it_cannot_use() {
    let db = TestDb::new();
    let junk = db.dir.path().join("ca.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let missing = db.dir.path().join("missing.pem");
    for (file, reason) in [(&junk, "no certificate"), (&missing, "No such file")] {
        let port = free_port();
        let out = Command::new(BIN)
            .arg("serve")
            .env("DATABASE_URL", &db.url)
            .env("TIPLINE_DATA_DIR", db.dir.path())
            .env("TIPLINE_SECRET", SECRET)
            .env("TIPLINE_BIND", format!("127.0.0.1:{port}"))
            .env("TIPLINE_DEMO", "0")
            .env("TIPLINE_OUTBOX_CA_FILE", file)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("TIPLINE_OUTBOX_CA_FILE") && err.contains(reason),
            "{err}"
        );
        assert!(
            std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
            "nothing kept the port"
        );
    }
}
