//! The relay API on a real server (SQLite, or PostgreSQL with
//! TIPLINE_TEST_DATABASE_URL): idempotent intake, keys, isolation, batch,
//! call-backs through the outbox, the admin view and Open311.
use crate::common;
use crate::relay_support;

use std::sync::Arc;
use std::time::Duration;

use common::TestApp;
use diesel::prelude::*;
use relay_support::*;
use serde_json::json;
use tipline::domain::tip_status::TipStatus;
use tipline::services::outbox::{self, Backoff, SystemClock, Worker, WorkerConfig};
use tipline::services::relay::accounts;

fn tip_count(app: &TestApp) -> i64 {
    app.counts().0
}

#[test]
fn a_ticket_is_created_once_replayed_and_conflicts_are_explained() {
    let app = TestApp::spawn();
    let key = add_relay(&app, "12345", None);
    let first = relay_post(
        &app.base,
        Some(&key),
        "/api/v1/relay/tips",
        &ticket("SZ-0001"),
    );
    assert_eq!(first.status, 201, "{}", first.body);
    let a = first.json();
    assert_eq!(a["ticket_id"], "SZ-0001");
    assert_eq!(a["status"], "received");
    assert_eq!(a["receipt"].as_str().unwrap().len(), 23);

    let again = relay_post(
        &app.base,
        Some(&key),
        "/api/v1/relay/tips",
        &ticket("SZ-0001"),
    );
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json(), a, "a resend gets the first answer");

    // The same content written differently (district by name or key) is the same ticket.
    let mut same = ticket("SZ-0001");
    same["district"] = json!("baoan");
    same["received_at"] = json!("2026-11-20T01:30:00Z");
    let r = relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &same);
    assert_eq!(r.status, 200, "{}", r.body);

    let mut changed = ticket("SZ-0001");
    changed["description"] = json!("来电反映另一家工厂用中频炉炼钢，与前次不同。");
    changed["caller_contact"] = json!("13900139000");
    let c = relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &changed);
    assert_eq!(c.status, 409, "{}", c.body);
    let body = c.json();
    assert_eq!(body["error"], "ticket_conflict");
    let fields: Vec<&String> = body["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, ["caller_contact", "description"], "{body}");
    assert!(!c.body.contains("13900139000") && !c.body.contains("13800138000"));
    assert_eq!(tip_count(&app), 1);
}

#[test]
fn wrong_missing_or_revoked_keys_get_401() {
    let app = TestApp::spawn();
    let key = add_relay(&app, "12345", None);
    let other = tipline::auth::relay_key::generate();
    for k in [None, Some(other.as_str()), Some("tlr_short"), Some("")] {
        let r = relay_post(&app.base, k, "/api/v1/relay/tips", &ticket("T-1"));
        assert_eq!(r.status, 401, "{k:?}: {}", r.body);
        assert_eq!(r.json()["error"], "relay_unauthorized");
        assert_eq!(
            relay_get(&app.base, k, "/api/v1/relay/tips/T-1").status,
            401
        );
    }
    assert_eq!(
        relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &ticket("T-1")).status,
        201
    );
    accounts::revoke(&app.state.db, "12345", "test").unwrap();
    let r = relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &ticket("T-2"));
    assert_eq!(r.status, 401, "a revoked key: {}", r.body);
    // A new key keeps the relay's history.
    let new_key = accounts::rotate_key(&app.state.db, &app.state.secrets, "12345", "test").unwrap();
    let r = relay_get(&app.base, Some(&new_key), "/api/v1/relay/tips/T-1");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        relay_get(&app.base, Some(&key), "/api/v1/relay/tips/T-1").status,
        401
    );
    assert_eq!(tip_count(&app), 1);
}

#[test]
fn two_hundred_concurrent_posts_of_one_ticket_give_one_tip() {
    let app = TestApp::spawn();
    let key = Arc::new(add_relay(&app, "12345", None));
    let base = Arc::new(app.base.clone());
    let barrier = Arc::new(std::sync::Barrier::new(200));
    let threads: Vec<_> = (0..200)
        .map(|_| {
            let (key, base, barrier) = (key.clone(), base.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let r = relay_post(&base, Some(&key), "/api/v1/relay/tips", &ticket("RACE-1"));
                (r.status, r.json())
            })
        })
        .collect();
    let results: Vec<(u16, serde_json::Value)> =
        threads.into_iter().map(|t| t.join().unwrap()).collect();
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let replayed = results.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert_eq!(replayed, 199);
    let receipt = &results[0].1["receipt"];
    assert!(results.iter().all(|(_, b)| &b["receipt"] == receipt));
    assert_eq!(tip_count(&app), 1);
}

#[test]
fn a_relay_reads_only_its_own_tickets() {
    let app = TestApp::spawn();
    let a = add_relay(&app, "12345", None);
    let b = add_relay(&app, "national", None);
    assert_eq!(
        relay_post(&app.base, Some(&a), "/api/v1/relay/tips", &ticket("SAME-1")).status,
        201
    );
    let mine = relay_get(&app.base, Some(&a), "/api/v1/relay/tips/SAME-1");
    assert_eq!(mine.status, 200, "{}", mine.body);
    let v = mine.json();
    assert_eq!(v["status"], "received");
    assert_eq!(v["channel"], "hotline");
    assert_eq!(v["received_at"], "2026-11-20T01:30:00");
    assert!(v["accepted_at"].is_string() && v["updated_at"].is_string());
    assert!(
        !mine.body.contains("13800138000"),
        "the caller's contact is never echoed"
    );

    let theirs = relay_get(&app.base, Some(&b), "/api/v1/relay/tips/SAME-1");
    assert_eq!(theirs.status, 404, "{}", theirs.body);
    // B's own ticket with the same number is B's, not a replay of A's.
    assert_eq!(
        relay_post(&app.base, Some(&b), "/api/v1/relay/tips", &ticket("SAME-1")).status,
        201
    );
    assert_eq!(tip_count(&app), 2);
}

#[test]
fn the_caller_contact_is_sealed_and_marked_confidential() {
    use tipline::db::schema::{relay_tickets, tips};
    let app = TestApp::spawn();
    let key = add_relay(&app, "12345", None);
    assert_eq!(
        relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &ticket("C-1")).status,
        201
    );
    let mut conn = app.state.db.read_conn().unwrap();
    let (sealed, confidential): (Option<Vec<u8>>, bool) = tips::table
        .inner_join(relay_tickets::table)
        .select((tips::contact_sealed, relay_tickets::confidential))
        .first(&mut *conn)
        .unwrap();
    let sealed = sealed.expect("the contact is kept, sealed");
    assert!(confidential);
    assert!(!sealed.windows(11).any(|w| w == b"13800138000"));
    assert_eq!(
        app.state.secrets.open(&sealed).unwrap(),
        "13800138000 张先生"
    );
}

#[test]
fn a_batch_of_500_with_3_bad_tickets_gives_497_tips_and_3_clear_errors() {
    let app = TestApp::spawn();
    let key = add_relay(&app, "platform", None);
    let mut tickets: Vec<serde_json::Value> =
        (0..500).map(|i| ticket(&format!("B-{i:04}"))).collect();
    tickets[7]["description"] = json!("太短");
    tickets[250]["district"] = json!("火星区");
    tickets[499]["received_at"] = json!("yesterday");
    let r = relay_post(
        &app.base,
        Some(&key),
        "/api/v1/relay/tips:batch",
        &json!({ "tickets": tickets }),
    );
    assert_eq!(r.status, 200, "{}", &r.body[..r.body.len().min(2000)]);
    let v = r.json();
    assert_eq!(v["created"], 497);
    assert_eq!(v["failed"], 3);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 500);
    let bad: Vec<(u64, String)> = results
        .iter()
        .filter(|x| x["status"] != 201)
        .map(|x| {
            assert_eq!(x["status"], 422, "{x}");
            let field = x["error"]["fields"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .clone();
            (x["index"].as_u64().unwrap(), field)
        })
        .collect();
    assert_eq!(
        bad,
        [
            (7, "description".into()),
            (250, "district".into()),
            (499, "received_at".into())
        ]
    );
    assert_eq!(results[250]["ticket_id"], "B-0250");
    assert_eq!(tip_count(&app), 497);

    // Resending the whole batch after an outage creates nothing new.
    let r = relay_post(
        &app.base,
        Some(&key),
        "/api/v1/relay/tips:batch",
        &json!({ "tickets": tickets }),
    );
    let v = r.json();
    assert_eq!(
        (v["created"].as_u64(), v["replayed"].as_u64()),
        (Some(0), Some(497))
    );
    assert_eq!(tip_count(&app), 497);

    let too_many: Vec<_> = (0..501).map(|i| ticket(&format!("X-{i}"))).collect();
    let r = relay_post(
        &app.base,
        Some(&key),
        "/api/v1/relay/tips:batch",
        &json!({ "tickets": too_many }),
    );
    assert_eq!(r.status, 422, "{}", &r.body[..r.body.len().min(500)]);
}

fn fast_worker(app: &TestApp, max_age: Duration) -> Worker {
    fast_worker_trusting(app, max_age, None)
}

/// A fast worker whose `https://` call-backs must chain to `roots` (the
/// default: Mozilla's).
fn fast_worker_trusting(
    app: &TestApp,
    max_age: Duration,
    roots: Option<Vec<ureq::tls::Certificate<'static>>>,
) -> Worker {
    let config = WorkerConfig {
        roots,
        poll: Duration::from_millis(20),
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(200),
            max_age,
        },
        timeout: Duration::from_secs(5),
        ..WorkerConfig::default()
    };
    Worker::new(
        app.state.db.clone(),
        app.state.secrets.clone(),
        config,
        Arc::new(SystemClock),
    )
}

/// The tip behind a relay's ticket.
fn tip_of(app: &TestApp, ticket_id: &str) -> i64 {
    use tipline::db::schema::relay_tickets;
    let mut conn = app.state.db.read_conn().unwrap();
    relay_tickets::table
        .filter(relay_tickets::ticket_id.eq(ticket_id))
        .select(relay_tickets::tip_id)
        .first(&mut *conn)
        .unwrap()
}

fn change_status(app: &TestApp, tip_id: i64, status: TipStatus, note: &str) -> Option<i64> {
    app.state
        .db
        .write_tx(|conn| -> Result<_, tipline::db::DbError> {
            Ok(outbox::record_status_change(
                conn,
                tip_id,
                status,
                Some(note),
                tipline::db::now(),
            )?)
        })
        .unwrap()
}

#[test]
fn a_status_change_is_called_back_once_signed_after_three_refusals() {
    let app = TestApp::spawn();
    let receiver = Receiver::start(3);
    let key = add_relay(&app, "12345", Some(&receiver.url));
    assert_eq!(
        relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &ticket("CB-1")).status,
        201
    );
    let id = change_status(
        &app,
        tip_of(&app, "CB-1"),
        TipStatus::Dispatched,
        "已派单至市工信局",
    );
    assert!(id.is_some());
    let worker = outbox::spawn(fast_worker(&app, Duration::from_secs(3600)));
    receiver.wait_for(Duration::from_secs(30), "one accepted delivery", |d| {
        d.iter().any(|x| x.answered == 200)
    });
    // Give a duplicate every chance to show up.
    std::thread::sleep(Duration::from_millis(300));
    worker.stop(std::time::Duration::from_secs(5));
    let all = receiver.deliveries();
    assert_eq!(all.len(), 4, "three refusals, then one delivery: {all:?}");
    let ok = receiver.accepted();
    assert_eq!(ok.len(), 1);
    assert!(
        all.iter().all(|d| signature_valid(&key, d)),
        "every attempt is signed"
    );
    assert!(!signature_valid(
        &tipline::auth::relay_key::generate(),
        &ok[0]
    ));
    let body: serde_json::Value = serde_json::from_str(&ok[0].body).unwrap();
    assert_eq!(body["ticket_id"], "CB-1");
    assert_eq!(body["status"], "dispatched");
    assert_eq!(body["note"], "已派单至市工信局");
    assert_eq!(
        ok[0].header("X-Tipline-Delivery"),
        Some(id.unwrap().to_string().as_str())
    );

    let mut conn = app.state.db.read_conn().unwrap();
    let attempts = tipline::db::outbox::attempts(&mut conn, id.unwrap()).unwrap();
    assert_eq!(attempts.len(), 4, "every attempt is recorded");
    assert_eq!(
        attempts.iter().map(|a| a.http_status).collect::<Vec<_>>(),
        [Some(503), Some(503), Some(503), Some(200)]
    );
    let entries = tipline::db::outbox::list(&mut conn, Some("delivered"), 10).unwrap();
    assert_eq!(entries.len(), 1);

    // And the relay reads the same result back.
    let v = relay_get(&app.base, Some(&key), "/api/v1/relay/tips/CB-1").json();
    assert_eq!(v["status"], "dispatched");
    assert_eq!(v["result"], "已派单至市工信局");
    assert_eq!(v["updates"].as_array().unwrap().len(), 2);
}

/// An `https://` call-back goes over TLS to a server whose certificate
/// chains to the CA of `TIPLINE_OUTBOX_CA_FILE`; under the default roots
/// the same server is refused, and the refusal is recorded, not lost.
#[test]
fn call_backs_go_over_https_to_a_server_the_configured_ca_vouches_for() {
    let app = TestApp::spawn();
    let (tls, ca_pem) = test_ca();
    let receiver = Receiver::start_tls(0, tls);
    assert!(receiver.url.starts_with("https://127.0.0.1:"));
    let key = add_relay(&app, "12345", Some(&receiver.url));
    assert_eq!(
        relay_post(
            &app.base,
            Some(&key),
            "/api/v1/relay/tips",
            &ticket("TLS-1")
        )
        .status,
        201
    );
    let id = change_status(&app, tip_of(&app, "TLS-1"), TipStatus::Dispatched, "已派单")
        .expect("a call-back is queued");

    // Mozilla's roots do not know the government network's CA. (Retries a
    // minute apart: under load a 20 ms backoff fell due again within the
    // same run and counted the entry twice.)
    let untrusting = Worker::new(
        app.state.db.clone(),
        app.state.secrets.clone(),
        WorkerConfig {
            backoff: Backoff {
                base: Duration::from_secs(60),
                cap: Duration::from_secs(60),
                max_age: Duration::from_secs(3600),
            },
            timeout: Duration::from_secs(5),
            ..WorkerConfig::default()
        },
        Arc::new(SystemClock),
    );
    assert_eq!(
        untrusting
            .run_once(&std::sync::atomic::AtomicBool::new(false))
            .unwrap(),
        1
    );
    assert!(receiver.deliveries().is_empty(), "no request crossed");
    let attempts = {
        let mut conn = app.state.db.read_conn().unwrap();
        tipline::db::outbox::attempts(&mut conn, id).unwrap()
    };
    let error = attempts[0].error.clone().unwrap_or_default();
    assert!(
        error.to_lowercase().contains("certificate") || error.contains("UnknownIssuer"),
        "{error}"
    );

    // Due again now (as an administrator's retry makes it).
    app.state
        .db
        .write_tx(|conn| -> anyhow::Result<()> {
            tipline::db::outbox::retry(conn, id, tipline::db::now())?;
            Ok(())
        })
        .unwrap();

    // Trusting that CA: delivered over TLS, signed as over HTTP.
    let roots = outbox::certificates(ca_pem.as_bytes()).unwrap();
    let worker = outbox::spawn(fast_worker_trusting(
        &app,
        Duration::from_secs(3600),
        Some(roots),
    ));
    receiver.wait_for(Duration::from_secs(30), "a delivery over TLS", |d| {
        d.iter().any(|x| x.answered == 200)
    });
    worker.stop(std::time::Duration::from_secs(5));
    let ok = receiver.accepted();
    assert_eq!(ok.len(), 1);
    assert!(signature_valid(&key, &ok[0]));
    let body: serde_json::Value = serde_json::from_str(&ok[0].body).unwrap();
    assert_eq!(body["ticket_id"], "TLS-1");

    // A CA file with no certificate in it is refused, not silently empty.
    assert!(outbox::certificates(b"not a certificate").is_err());
}

#[test]
fn tips_without_a_relay_callback_enqueue_nothing() {
    let app = TestApp::spawn();
    let key = add_relay(&app, "polling", None);
    relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &ticket("P-1"));
    assert_eq!(
        change_status(&app, tip_of(&app, "P-1"), TipStatus::Closed, "办结"),
        None
    );
    let web = app.post_json("/api/v1/tips", &common::sample_tip());
    assert_eq!(web.status, 201);
}

#[test]
fn admins_see_failed_deliveries_and_retry_them() {
    let app = TestApp::spawn();
    // Nothing listens on this port: every attempt fails.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cb", dead.local_addr().unwrap());
    drop(dead);
    let key = add_relay(&app, "12345", Some(&url));
    relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &ticket("F-1"));
    let id = change_status(&app, tip_of(&app, "F-1"), TipStatus::Closed, "办结").unwrap();
    let worker = fast_worker(&app, Duration::from_millis(50));
    for _ in 0..200 {
        worker
            .run_once(&std::sync::atomic::AtomicBool::new(false))
            .unwrap();
        let mut conn = app.state.db.read_conn().unwrap();
        if !tipline::db::outbox::list(&mut conn, Some("failed"), 10)
            .unwrap()
            .is_empty()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    app.add_user("admin1", "admin", None, None);
    app.add_user("disp1", "dispatcher", None, None);
    let (cookie, csrf) = app.login("admin1");
    let r = app.send(
        "GET",
        "/api/v1/admin/outbox?state=failed",
        Some(&cookie),
        None,
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["relay"], "12345");
    assert!(items[0]["attempts"].as_i64().unwrap() >= 1);
    assert!(items[0]["last_error"].is_string());
    let r = app.send(
        "GET",
        &format!("/api/v1/admin/outbox/{id}/attempts"),
        Some(&cookie),
        None,
        None,
    );
    assert!(!r.json()["items"].as_array().unwrap().is_empty());

    let page = app.send(
        "GET",
        "/staff/relays/outbox?state=failed",
        Some(&cookie),
        None,
        None,
    );
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("中继回传队列") && page.body.contains("F-1"),
        "{}",
        page.body
    );

    let path = format!("/api/v1/admin/outbox/{id}/retry");
    assert_eq!(
        app.send("POST", &path, Some(&cookie), None, None).status,
        403,
        "CSRF"
    );
    let (dcookie, dcsrf) = app.login("disp1");
    assert_eq!(
        app.send("POST", &path, Some(&dcookie), Some(&dcsrf), None)
            .status,
        403
    );
    assert_eq!(
        app.send("GET", "/api/v1/admin/outbox", Some(&dcookie), None, None)
            .status,
        403
    );
    let r = app.send("POST", &path, Some(&cookie), Some(&csrf), None);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.send(
        "GET",
        "/api/v1/admin/outbox?state=pending",
        Some(&cookie),
        None,
        None,
    );
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["attempts"], 0);
    assert_eq!(
        app.send("GET", "/api/v1/admin/outbox", None, None, None)
            .status,
        401
    );
}

#[test]
fn open311_clients_relay_and_read_their_own_requests() {
    let app = TestApp::spawn();
    let key = add_relay(&app, "civic", None);
    let other = add_relay(&app, "other", None);
    let services = app.get("/open311/v2/services.json");
    assert_eq!(services.status, 200);
    let list = services.json();
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"ditiaogang") && codes.contains(&"environment"),
        "{codes:?}"
    );

    let created = form_post(
        &app.base,
        "/open311/v2/requests.json",
        &[
            ("api_key", key.as_str()),
            ("service_code", "ditiaogang"),
            (
                "description",
                "宝安区沙井街道某厂夜间用中频炉炼钢，烟囱冒黑烟。",
            ),
            ("address_string", "宝安区沙井街道"),
            ("phone", "13800138000"),
        ],
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let v = created.json();
    let id = v[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(v[0]["service_notice"].as_str().unwrap().contains("回执码"));

    let bad = form_post(
        &app.base,
        "/open311/v2/requests.json",
        &[
            ("api_key", "tlr_nope"),
            ("service_code", "ditiaogang"),
            ("description", "宝安区沙井街道某厂夜间用中频炉炼钢。"),
        ],
    );
    assert_eq!(bad.status, 403, "{}", bad.body);
    assert_eq!(bad.json()[0]["code"], 403);
    let invalid = form_post(
        &app.base,
        "/open311/v2/requests.json",
        &[
            ("api_key", key.as_str()),
            ("service_code", "no_such_service"),
            ("description", "宝安区沙井街道某厂夜间用中频炉炼钢。"),
        ],
    );
    assert_eq!(invalid.status, 400, "{}", invalid.body);

    let mine = app.get(&format!("/open311/v2/requests.json?api_key={key}"));
    assert_eq!(mine.status, 200, "{}", mine.body);
    let items = mine.json();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["service_request_id"], id.as_str());
    assert_eq!(items[0]["status"], "open");
    assert_eq!(items[0]["service_code"], "ditiaogang");
    assert!(items[0]["agency_responsible"].is_string(), "{items}");
    assert!(items[0]["status_notes"].is_string());
    assert!(!mine.body.contains("13800138000"));
    let closed = app.get(&format!(
        "/open311/v2/requests.json?api_key={key}&status=closed"
    ));
    assert_eq!(closed.json().as_array().unwrap().len(), 0);

    let one = app.get(&format!("/open311/v2/requests/{id}.json?api_key={key}"));
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.json()[0]["service_request_id"], id.as_str());
    change_status(
        &app,
        tip_of(&app, &id),
        TipStatus::Closed,
        "经核查属实，已责令停产整治",
    );
    let one = app
        .get(&format!("/open311/v2/requests/{id}.json?api_key={key}"))
        .json();
    assert_eq!(one[0]["status"], "closed");
    assert_eq!(one[0]["status_notes"], "经核查属实，已责令停产整治");

    let theirs = app.get(&format!("/open311/v2/requests/{id}.json?api_key={other}"));
    assert_eq!(theirs.status, 404);
    assert_eq!(
        app.get(&format!("/open311/v2/requests.json?api_key={other}"))
            .json(),
        json!([])
    );
    assert_eq!(app.get("/open311/v2/requests.json").status, 403);
}

#[test]
fn each_relay_has_its_own_rate_limit() {
    let app = TestApp::spawn();
    let (_, slow) = accounts::add(
        &app.state.db,
        &app.state.secrets,
        "slow",
        "hotline",
        None,
        Some(2),
        "test",
    )
    .unwrap();
    let fast = add_relay(&app, "fast", None);
    for i in 0..2 {
        let r = relay_get(&app.base, Some(&slow), &format!("/api/v1/relay/tips/N-{i}"));
        assert_eq!(r.status, 404, "{}", r.body);
    }
    let r = relay_post(&app.base, Some(&slow), "/api/v1/relay/tips", &ticket("L-1"));
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["error"], "rate_limited");
    assert_eq!(
        relay_post(&app.base, Some(&fast), "/api/v1/relay/tips", &ticket("L-1")).status,
        201,
        "another relay is not held back"
    );
    assert_eq!(tip_count(&app), 1);
}
