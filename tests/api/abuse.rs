//! Abuse resistance: per-client intake limits keyed by a salted hash of the
//! address (never stored), the proof-of-work form and its no-JavaScript
//! limit, flood flagging, and the security headers.
use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{TestApp, samples};
use tipline::config::IntakeArgs;

fn app_with(intake: IntakeArgs) -> TestApp {
    let mut serve = common::serve_args(1000);
    serve.trust_proxy = true;
    serve.intake = intake;
    TestApp::spawn_with(serve)
}

/// Log lines of this test process, to look for addresses.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const ATTACKER: &str = "203.0.113.77";
const CITIZEN: &str = "198.51.100.23";

#[test]
fn a_flood_from_one_client_is_limited_and_leaves_no_address() {
    let logs = Captured::default();
    let writer = logs.clone();
    // Everything the server side logs (the test's own HTTP client excluded:
    // it knows the addresses it sends).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "tipline=trace,actix_web=debug,actix_http=debug,actix_server=debug,diesel=debug",
        ))
        .with_writer(move || writer.clone())
        .try_init();

    let app = app_with(IntakeArgs {
        intake_limit: 10,
        intake_limit_nojs: 3,
        ..IntakeArgs::default()
    });
    let tip = common::sample_tip().to_string();
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..1000 {
        let res = app.post_with(
            "/api/v1/tips",
            "application/json",
            &[("X-Forwarded-For", ATTACKER)],
            &tip,
        );
        *statuses.entry(res.status).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&201), Some(&10), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&990), "{statuses:?}");
    // Uploads count against the same limit.
    let res = app.post_with(
        "/api/v1/uploads",
        "image/jpeg",
        &[("X-Forwarded-For", ATTACKER)],
        samples::jpeg(),
    );
    assert_eq!(res.status, 429);
    // Another client still gets through.
    let res = app.post_with(
        "/api/v1/tips",
        "application/json",
        &[("X-Forwarded-For", CITIZEN)],
        &tip,
    );
    assert_eq!(res.status, 201, "{}", res.body);

    // No address anywhere in the database …
    let dump = database_text(&app);
    assert!(dump.len() > 1000, "the dump has the tips");
    for addr in [ATTACKER, CITIZEN, "127.0.0.1"] {
        assert!(!dump.contains(addr), "{addr} stored in the database");
    }
    // … nor in the logs.
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    assert!(
        logged.contains("done"),
        "the subscriber captured request logs"
    );
    // (The server's own listening address is logged once at start; that is
    // not a client.)
    for addr in [ATTACKER, CITIZEN, "127.0.0.1"] {
        let hits: Vec<&str> = logged
            .lines()
            .filter(|l| l.contains(addr) && !l.contains("listening on"))
            .collect();
        assert!(hits.is_empty(), "{addr} in the logs: {hits:?}");
    }
}

/// Every byte the database holds, as text: the SQLite files (with WAL), or
/// every row of every table on PostgreSQL.
fn database_text(app: &TestApp) -> String {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    if app.db.is_postgres() {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            s: String,
        }
        let mut conn = PgConnection::establish(&app.db.url).unwrap();
        let tables: Vec<Row> = diesel::sql_query(
            "SELECT table_name::text AS s FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .load(&mut conn)
        .unwrap();
        tables
            .iter()
            .map(|t| {
                let q = format!(
                    "SELECT coalesce(string_agg(x::text, ' '), '') AS s FROM \"{}\" x",
                    t.s
                );
                diesel::sql_query(q).get_result::<Row>(&mut conn).unwrap().s
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        app.db
            .sqlite_files()
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The challenge of a freshly rendered form.
fn challenge(app: &TestApp) -> String {
    let page = app.get("/").body;
    let at = page
        .find("name=\"pow_challenge\" value=\"")
        .expect("a challenge")
        + 28;
    page[at..].split('"').next().unwrap().to_string()
}

fn solve(challenge: &str, bits: u8) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| tipline::http::pow::solves(challenge, n, bits))
        .unwrap()
}

#[test]
fn the_form_works_without_javascript_under_a_lower_limit() {
    let app = app_with(IntakeArgs {
        intake_limit: 8,
        intake_limit_nojs: 2,
        pow_bits: 8,
        ..IntakeArgs::default()
    });
    let client = [("X-Forwarded-For", CITIZEN)];
    let post = |extra: &[(&str, &str)]| {
        let mut fields = samples::form_fields();
        fields.extend_from_slice(extra);
        let (ct, body) = samples::multipart(&fields, &[]);
        app.post_with("/tips", &ct, &client, body).status
    };
    // Without a proof: two, then 429.
    assert_eq!(post(&[]), 200);
    assert_eq!(post(&[]), 200);
    assert_eq!(post(&[]), 429);
    // With a solved proof the same client continues, up to the intake limit.
    for _ in 0..4 {
        let c = challenge(&app);
        let n = solve(&c, 8);
        assert_eq!(post(&[("pow_challenge", &c), ("pow_nonce", &n)]), 200);
    }
    // A replayed or wrong proof counts as none.
    let c = challenge(&app);
    let n = solve(&c, 8);
    assert_eq!(post(&[("pow_challenge", &c), ("pow_nonce", &n)]), 200);
    assert_eq!(post(&[("pow_challenge", &c), ("pow_nonce", &n)]), 429);
    // The overall limit caps proved posts too (8 per minute in all).
    let c = challenge(&app);
    let n = solve(&c, 8);
    assert_eq!(post(&[("pow_challenge", &c), ("pow_nonce", &n)]), 429);
}

#[test]
fn near_identical_bursts_about_one_enterprise_are_flagged_not_dropped() {
    let app = TestApp::spawn();
    app.add_user("dispatch1", "dispatcher", None, None);
    let base = "宝安区沙井街道宏达钢铁厂晚上偷偷用中频炉炼钢，烟囱冒黑烟，请查处";
    for i in 0..5 {
        // Small edits and another spelling of the name do not hide a copy.
        let res = app.post_json(
            "/api/v1/tips",
            &serde_json::json!({
                "description": format!("{base}{}", "！".repeat(i)),
                "enterprise_name": if i % 2 == 0 { "深圳市宏达钢铁有限公司" } else { "深圳市宏達鋼鐵有限公司 " },
            }),
        );
        assert_eq!(res.status, 201, "{}", res.body);
    }
    // A different complaint about the same enterprise, and one about another.
    for (text, name) in [
        (
            "宏达钢铁的废水直接排进河里，河水发红发臭已经一个月了。",
            "深圳市宏达钢铁有限公司",
        ),
        (base, "另一家陶瓷有限公司"),
    ] {
        let res = app.post_json(
            "/api/v1/tips",
            &serde_json::json!({"description": text, "enterprise_name": name}),
        );
        assert_eq!(res.status, 201);
    }
    let (cookie, _) = app.login("dispatch1");
    let page = app
        .send("GET", "/api/v1/cases?limit=50", Some(&cookie), None, None)
        .json();
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 7, "all tips kept");
    let flagged: Vec<(bool, i64)> = ids
        .iter()
        .map(|id| {
            let c = app
                .send(
                    "GET",
                    &format!("/api/v1/cases/{id}"),
                    Some(&cookie),
                    None,
                    None,
                )
                .json();
            (
                c["flood_suspected"].as_bool().unwrap(),
                c["flood_count"].as_i64().unwrap(),
            )
        })
        .collect();
    // Newest first: the two others are not flagged, the five copies are.
    assert_eq!(flagged[0], (false, 0));
    assert_eq!(flagged[1], (false, 0));
    assert!(
        flagged[2..].iter().all(|(f, n)| *f && *n == 5),
        "{flagged:?}"
    );
}

#[test]
fn security_headers_on_every_page_and_hsts_behind_tls() {
    let app = app_with(IntakeArgs::default());
    for path in ["/", "/status", "/api/v1/cases", "/nope"] {
        let (_, headers, _) = app.get_bytes(path, &[]);
        let h = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let csp = h("content-security-policy");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert!(
            h("strict-transport-security").is_empty(),
            "{path}: no HSTS over plain HTTP"
        );
    }
    let (_, headers, _) = app.get_bytes("/", &[("X-Forwarded-Proto", "https")]);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "strict-transport-security" && v.starts_with("max-age=")),
        "HSTS behind a TLS proxy"
    );
    // The form's script is a file, never inline.
    let page = app.get("/").body;
    assert!(page.contains("<script src=\"/static/pow.js\""));
    assert!(!page.contains("<script>"));
    assert_eq!(app.get("/static/pow.js").status, 200);
}
