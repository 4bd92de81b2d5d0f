//! Test harness: a real server on a free loopback port, on SQLite (default) or
//! on a fresh PostgreSQL database when `TIPLINE_TEST_DATABASE_URL` is set to
//! an admin URL such as `postgres://postgres@127.0.0.1/postgres`.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use tipline::config::{DbArgs, SecretArgs, ServeArgs};
use tipline::state::AppState;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database for one test, dropped afterwards.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    admin_url: Option<String>,
    name: Option<String>,
}

pub fn pg_admin_url() -> Option<String> {
    std::env::var("TIPLINE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// Tests talk to the local server without TLS: libpq then never touches
/// OpenSSL, whose exit-time cleanup otherwise races with pool threads that
/// are still reconnecting to dropped test databases when the binary exits
/// (an intermittent `free(): invalid pointer` after every test passed).
fn without_tls(url: String) -> String {
    if url.contains("sslmode=") {
        url
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match pg_admin_url() {
            Some(admin) => {
                let name = format!(
                    "tipline_t{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    chrono::Utc::now().timestamp_micros() % 1_000_000
                );
                let mut conn = PgConnection::establish(&admin).expect("PostgreSQL admin URL");
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create database");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(admin.clone());
                TestDb {
                    url: without_tls(format!("{base}/{name}")),
                    dir,
                    admin_url: Some(admin),
                    name: Some(name),
                }
            }
            None => {
                let url = format!("sqlite://{}", dir.path().join("tipline.db").display());
                TestDb {
                    url,
                    dir,
                    admin_url: None,
                    name: None,
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.admin_url.is_some()
    }

    /// The PostgreSQL database's name.
    pub fn pg_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub fn sqlite_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.dir.path())
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().contains("tipline.db"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some(admin), Some(name)) = (&self.admin_url, &self.name) {
            if let Ok(mut conn) = PgConnection::establish(admin) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub fn db_args(url: &str) -> DbArgs {
    DbArgs {
        database_url: url.to_string(),
        pool_size: Some(4),
    }
}

pub fn secret_args(dir: &std::path::Path) -> SecretArgs {
    SecretArgs {
        data_dir: dir.to_path_buf(),
        secret: None,
        secret_file: None,
    }
}

pub fn serve_args(lookup_limit: u32) -> ServeArgs {
    ServeArgs {
        bind: "127.0.0.1:0".into(),
        pack: Default::default(),
        lookup_limit,
        trust_proxy: false,
        trusted_proxies: String::new(),
        forwarded_header: "x-forwarded-for".into(),
        metrics_token: Some("test-metrics-token".into()),
        session_hours: 12,
        body_timeout: 60,
        body_min_rate: 2048,
        workers: Some(2),
        shutdown_timeout: 1,
        intake: tipline::config::IntakeArgs {
            // Tests post many tips from one address; tests of the limit set their own.
            intake_limit: 0,
            intake_limit_nojs: 0,
            // Cheap proofs keep tests fast; the mechanism is the same.
            pow_bits: 4,
            ..Default::default()
        },
    }
}

/// A running server in this process.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub db: TestDb,
    agent: ureq::Agent,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl TestApp {
    pub fn spawn() -> TestApp {
        TestApp::spawn_with_limit(1000)
    }

    pub fn spawn_with_limit(lookup_limit: u32) -> TestApp {
        TestApp::spawn_with(serve_args(lookup_limit))
    }

    /// A server with these serve settings (intake limits, proxy trust …).
    pub fn spawn_with(serve: ServeArgs) -> TestApp {
        TestApp::spawn_tuned(serve, |_| {})
    }

    /// A server whose state a test adjusts first (a pack setting, say).
    pub fn spawn_tuned(serve: ServeArgs, tune: impl FnOnce(&mut AppState)) -> TestApp {
        let db = TestDb::new();
        let mut state =
            tipline::startup::prepare(&db_args(&db.url), &secret_args(db.dir.path()), &serve)
                .expect("prepare app");
        tune(&mut state);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server_state = state.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                actix_web::HttpServer::new(move || tipline::app(server_state.clone()))
                    .workers(2)
                    .listen(listener)
                    .unwrap()
                    .run()
                    .await
            })
        });
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        TestApp {
            base,
            state,
            db,
            agent,
        }
    }

    fn reply(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut res = res.expect("request failed");
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = res
            .body_mut()
            .with_config()
            .limit(10 << 20)
            .read_to_string()
            .unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        Self::reply(self.agent.get(format!("{}{path}", self.base)).call())
    }

    pub fn post(&self, path: &str, content_type: &str, body: impl AsRef<[u8]>) -> Reply {
        Self::reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("Content-Type", content_type)
                .send(body.as_ref()),
        )
    }

    /// A POST with extra headers (`X-Forwarded-For`, `Cookie` …).
    pub fn post_with(
        &self,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: impl AsRef<[u8]>,
    ) -> Reply {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::reply(req.send(body.as_ref()))
    }

    /// A GET with extra headers, the body as bytes.
    pub fn get_bytes(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut res = req.call().expect("request failed");
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = res
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap_or_default();
        (status, headers, body)
    }

    /// Sealed files in the evidence directory.
    pub fn stored_files(&self) -> usize {
        std::fs::read_dir(self.db.dir.path().join("files"))
            .map(|rd| rd.flatten().count())
            .unwrap_or(0)
    }

    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.post(path, "application/json", body.to_string())
    }

    pub fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.post(path, "application/x-www-form-urlencoded", body)
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        csrf: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = ureq::http::Request::builder().method(method).uri(url);
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        if let Some(t) = csrf {
            req = req.header("X-CSRF-Token", t);
        }
        let res = match body {
            Some(b) => {
                let req = req
                    .header("Content-Type", "application/json")
                    .body(b.to_string())
                    .unwrap();
                self.agent.run(req)
            }
            None => self.agent.run(req.body(()).unwrap()),
        };
        Self::reply(res)
    }

    /// POST an urlencoded form body, with a cookie (staff HTML forms).
    #[allow(dead_code)]
    pub fn send_form(&self, path: &str, cookie: Option<&str>, body: &str) -> Reply {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        Self::reply(
            req.header("Content-Type", "application/x-www-form-urlencoded")
                .send(body.as_bytes()),
        )
    }

    /// Create an account directly through the service.
    pub fn add_user(
        &self,
        username: &str,
        role: &str,
        bureau: Option<&str>,
        district: Option<&str>,
    ) {
        use tipline::services::accounts::{NewUser, add_user};
        let user = NewUser {
            username: username.into(),
            password: PASSWORD.into(),
            role: tipline::domain::role::Role::parse(role).unwrap(),
            bureau: bureau.map(str::to_string),
            district: district.map(str::to_string),
        };
        add_user(&self.state.db, &self.state.pack, user)
            .map_err(|e| format!("{e:?}"))
            .unwrap();
    }

    /// Log in: (the session cookie as `name=value`, the CSRF token).
    pub fn login(&self, username: &str) -> (String, String) {
        let res = self.post_json(
            "/api/v1/session",
            &serde_json::json!({"username": username, "password": PASSWORD}),
        );
        assert_eq!(res.status, 200, "login {username}: {}", res.body);
        let set = res
            .header("set-cookie")
            .expect("a session cookie")
            .to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        let cookie = set.split(';').next().unwrap().to_string();
        (
            cookie,
            res.json()["csrf_token"].as_str().unwrap().to_string(),
        )
    }

    /// Import registry rows (`credit_code,name,address,district,industry`
    /// lines) through the service, every row accepted; this process's match
    /// index is not refreshed (tests that need it call `refresh`).
    pub fn import_firms(&self, rows: &str) {
        let csv = format!("credit_code,name,address,district,industry\n{rows}");
        let report = tipline::services::registry::import_csv(
            &self.state.db,
            &self.state.pack,
            csv.as_bytes(),
            "test",
            |_| {},
        )
        .unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    }

    /// The case the newest tip is in.
    pub fn newest_case(&self) -> i64 {
        use diesel::prelude::*;
        use tipline::db::schema::tips;
        let mut conn = self.state.db.read_conn().unwrap();
        tips::table
            .order(tips::id.desc())
            .select(tips::case_id.assume_not_null())
            .first(&mut *conn)
            .unwrap()
    }

    /// Rows in the tables intake writes: (tips, updates, messages).
    pub fn counts(&self) -> (i64, i64, i64) {
        use tipline::db::schema::{tip_messages, tip_updates, tips};
        let mut conn = self.state.db.read_conn().unwrap();
        let t: i64 = tips::table.count().get_result(&mut *conn).unwrap();
        let u: i64 = tip_updates::table.count().get_result(&mut *conn).unwrap();
        let m: i64 = tip_messages::table.count().get_result(&mut *conn).unwrap();
        (t, u, m)
    }
}

pub mod binary;
pub mod pdfs;
pub mod registry;
pub mod samples;

/// The default pack's matcher vocabulary.
pub fn pack_match_config() -> tipline::matching::MatchConfig {
    tipline::jurisdiction::embedded_pack(tipline::jurisdiction::DEFAULT_PACK)
        .expect("the default pack loads")
        .match_config()
}

pub const PASSWORD: &str = "a long test password 1";

/// A valid tip body.
pub fn sample_tip() -> serde_json::Value {
    serde_json::json!({
        "description": "宝安区沙井街道某厂晚上偷偷用中频炉炼钢，烟囱冒黑烟。",
        "enterprise_name": "深圳市宏达钢铁有限公司",
        "district": "宝安区",
        "industry": "钢铁",
        "dimensions": ["ditiaogang"],
        "occurred_on": "2026-11-01"
    })
}

/// The receipt on a receipt page, as the reporter reads it: the text of
/// the `#receipt` element without its markup (each group is its own span).
pub fn receipt_on_page(body: &str) -> String {
    let start = body.find("id=\"receipt\">").expect("a receipt page") + "id=\"receipt\">".len();
    let end = start + body[start..].find("</p>").expect("the receipt's end");
    let mut text = String::new();
    let mut in_tag = false;
    for ch in body[start..end].chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}
