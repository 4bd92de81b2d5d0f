//! Hostile requests (issue 13): stalled bodies and a thousand of them,
//! multipart floods, forged proxy headers behind a real nginx, control
//! characters, impossible dates and broken encodings.
use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::binary::{self, Server, free_port};
use common::{TestApp, TestDb};
use serde_json::json;

/// A tip's head announcing 60,000 bytes (within the 64 KiB a tip may have),
/// and the first few of them.
const STALLED_HEAD: &str = "POST /api/v1/tips HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{\"description\": \"";

/// Send a request head and the start of a body, then nothing more.
fn stall(port: u16) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.write_all(STALLED_HEAD.as_bytes())?;
    Ok(s)
}

fn healthz(port: u16) -> String {
    binary::raw(
        port,
        None,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap_or_else(|e| format!("no answer: {e}"))
}

#[test]
fn a_stalled_body_is_cut_off_within_the_default_sixty_seconds() {
    let db = TestDb::new();
    let port = free_port();
    let _server = Server::start(&db, port, &[]);
    let mut s = stall(port).unwrap();
    let started = Instant::now();
    // Never waits past 70 s: a body that is not cut off fails the test.
    s.set_read_timeout(Some(Duration::from_secs(70))).unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    println!("stalled body answered after {:?}", started.elapsed());
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_too_slow"), "{answer}");
}

#[test]
fn a_thousand_stalled_connections_do_not_stop_healthz() {
    let db = TestDb::new();
    let port = free_port();
    let _server = Server::start(
        &db,
        port,
        &[("TIPLINE_BODY_TIMEOUT", "3"), ("TIPLINE_INTAKE_LIMIT", "0")],
    );
    let mut stalled = Vec::new();
    for _ in 0..1000 {
        match stall(port) {
            Ok(s) => stalled.push(s),
            Err(e) => panic!("connection {} refused: {e}", stalled.len()),
        }
    }
    // While all of them hang, a new client is answered.
    let h = healthz(port);
    assert!(h.starts_with("HTTP/1.1 200"), "{h}");
    // Each is cut off with a 408.
    let mut cut = 0;
    for mut s in stalled {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head = [0u8; 12];
        if s.read_exact(&mut head).is_ok() && &head == b"HTTP/1.1 408" {
            cut += 1;
        }
    }
    assert_eq!(cut, 1000);
    let h = healthz(port);
    assert!(h.starts_with("HTTP/1.1 200"), "{h}");
}

#[test]
fn multipart_floods_are_cut_off_early() {
    let app = TestApp::spawn();
    let boundary = "b0undary";
    let ct = format!("multipart/form-data; boundary={boundary}");
    // Parts with 8,000-character names: refused at the first name.
    let long = "n".repeat(8000);
    let mut body = Vec::new();
    for _ in 0..1_000 {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{long}\"\r\n\r\nx\r\n"
        )
        .unwrap();
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    let res = app.post("/tips", &ct, &body);
    assert_eq!(res.status, 400, "{}", &res.body[..res.body.len().min(300)]);
    // 30,000 short parts: refused after the 64th.
    let mut body = Vec::new();
    for i in 0..30_000 {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n"
        )
        .unwrap();
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    let res = app.post("/tips", &ct, &body);
    assert_eq!(res.status, 413);
    assert_eq!(app.counts().0, 0);
}

/// nginx from Debian, in front of `upstream`: the configuration the README
/// documents. None when nginx is not installed (a developer's machine);
/// CI installs it, and there its absence fails the test.
struct Nginx {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(upstream: &str) -> Option<Nginx> {
        let bin = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(bin) = bin else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must have nginx (apt-get install nginx-light)"
            );
            eprintln!("nginx is not installed: skipping the proxy test");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let conf = include_str!("../../docs/nginx.conf")
            .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
            .replace("server 127.0.0.1:8080;", &format!("server {upstream};"));
        let prefix = dir.path();
        let full = format!(
            "worker_processes 1;\nerror_log stderr warn;\npid {p}/nginx.pid;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {p}/body;\n  \
             proxy_temp_path {p}/proxy;\n  fastcgi_temp_path {p}/fcgi;\n  \
             uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n{conf}\n}}\n",
            p = prefix.display()
        );
        std::fs::write(prefix.join("nginx.conf"), full).unwrap();
        let child = std::process::Command::new(bin)
            .args(["-p", &prefix.display().to_string(), "-c"])
            .arg(prefix.join("nginx.conf"))
            .args(["-g", "daemon off; user root;"])
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Nginx {
            child,
            port,
            _dir: dir,
        })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers (SIGKILL would orphan them).
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

#[test]
fn behind_nginx_a_forged_leftmost_address_does_not_escape_the_limit() {
    let mut serve = common::serve_args(5);
    serve.trusted_proxies = "127.0.0.1".into();
    let app = TestApp::spawn_with(serve);
    let upstream = app.base.trim_start_matches("http://").to_string();
    let Some(nginx) = Nginx::start(&upstream) else {
        return;
    };
    let lookup = json!({"receipt": "12345-67890-12345-67890"}).to_string();
    let mut statuses = Vec::new();
    for i in 0..8 {
        // Every request claims to come from somewhere else.
        let forged =
            format!("X-Forwarded-For: 198.51.100.{i}\r\nForwarded: for=198.51.100.{i}\r\n");
        // From 127.0.0.2: a client that is not the proxy itself.
        let r = binary::post(
            nginx.port,
            Some("127.0.0.2"),
            "/api/v1/tips/lookup",
            "application/json",
            lookup.as_bytes(),
            &forged,
        )
        .unwrap();
        statuses.push(r[9..12].to_string());
    }
    assert_eq!(
        statuses,
        ["404", "404", "404", "404", "404", "429", "429", "429"],
        "five lookups a minute from the one real client, whatever it writes"
    );
}

#[test]
fn the_secure_flag_and_hsts_never_follow_an_untrusted_header() {
    for (trusted, expect_secure) in [("", false), ("1", true)] {
        let mut serve = common::serve_args(1000);
        serve.trusted_proxies = trusted.into();
        let app = TestApp::spawn_with(serve);
        app.add_user("disp1", "dispatcher", None, None);
        let res = app.post_with(
            "/api/v1/session",
            "application/json",
            &[("X-Forwarded-Proto", "https")],
            json!({"username": "disp1", "password": common::PASSWORD}).to_string(),
        );
        assert_eq!(res.status, 200, "{}", res.body);
        let cookie = res.header("set-cookie").unwrap();
        assert_eq!(
            cookie.contains("Secure"),
            expect_secure,
            "{trusted:?}: {cookie}"
        );
        assert_eq!(
            res.header("strict-transport-security").is_some(),
            expect_secure,
            "{trusted:?}"
        );
    }
}

#[test]
fn control_characters_dates_and_encodings_are_refused_per_field() {
    let app = TestApp::spawn();
    let tip = |field: &str, value: &str| {
        let mut t = common::sample_tip();
        t[field] = json!(value);
        app.post_json("/api/v1/tips", &t)
    };
    for (field, value) in [
        ("description", "宝安区沙井某厂晚上偷偷炼钢\u{0}烟囱冒黑烟。"),
        ("enterprise_name", "深圳市\u{202E}司公限有铁钢"),
        ("address", "沙井\u{7}街道"),
        ("occurred_on", "+200000-01-01"),
        ("occurred_on", "-0001-01-01"),
        ("occurred_on", "1899-12-31"),
    ] {
        let r = tip(field, value);
        assert_eq!(r.status, 422, "{field}={value:?}: {}", r.body);
        assert!(r.json()["fields"][field].is_array(), "{field}: {}", r.body);
    }
    // Newlines and tabs are text.
    assert_eq!(
        tip("description", "第一行\r\n第二行\t宝安区沙井某厂炼钢冒黑烟").status,
        201
    );
    // Invalid UTF-8: 400 on every body kind, never U+FFFD stored.
    let r = app.post(
        "/tips",
        "application/x-www-form-urlencoded",
        b"description=%E5%AE%9D%FF%FE%E5%AE%89%E5%8C%BA%E6%B2%99%E4%BA%95%E6%9F%90%E5%8E%82"
            .as_slice(),
    );
    assert_eq!(r.status, 400);
    let r = app.post(
        "/api/v1/tips",
        "application/json",
        b"{\"description\": \"\xff\xfe\"}".as_slice(),
    );
    assert_eq!(r.status, 400);
    let (ct, body) = common::samples::multipart(&[("description", "x")], &[]);
    let body = String::from_utf8(body)
        .unwrap()
        .replace("\r\n\r\nx\r\n", "\r\n\r\n\u{0}\r\n");
    let r = app.post("/tips", &ct, body.replace('\u{0}', "\u{1}"));
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(app.counts().0, 1, "only the tip with newlines was stored");

    // Staff text and staff dates, on both databases.
    app.add_user("disp1", "dispatcher", None, None);
    let (cookie, csrf) = app.login("disp1");
    let case = app.post_json("/api/v1/tips", &common::sample_tip());
    assert_eq!(case.status, 201);
    let id = {
        let list = app.send("GET", "/api/v1/cases", Some(&cookie), None, None);
        list.json()["items"][0]["id"].as_i64().unwrap()
    };
    let act = |action: &str, body: serde_json::Value| {
        app.send(
            "POST",
            &format!("/api/v1/cases/{id}/{action}"),
            Some(&cookie),
            Some(&csrf),
            Some(&body),
        )
    };
    let r = act("supervise", json!({"body": "请尽快\u{0}核查"}));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.json()["fields"]["body"].is_array());
    let r = app.send(
        "POST",
        &format!("/api/v1/cases/{id}/hold"),
        Some(&cookie),
        Some(&csrf),
        Some(&json!({"reason": "诉讼\u{0}保全", "hold": true})),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let r = act(
        "dispatch",
        json!({"lead_bureau": "industry_it", "district": "baoan"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // The bureau verifies: a date no inspection ever had is a field error.
    app.add_user("bureau1", "bureau", Some("industry_it"), None);
    let (bcookie, bcsrf) = app.login("bureau1");
    let bact = |action: &str, body: serde_json::Value| {
        app.send(
            "POST",
            &format!("/api/v1/cases/{id}/{action}"),
            Some(&bcookie),
            Some(&bcsrf),
            Some(&body),
        )
    };
    let r = bact("accept", json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = bact(
        "verify",
        json!({"finding": "substantiated", "inspected_on": "-0001-01-01", "inspectors": ["王"], "evidence": "现场照片"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.json()["fields"]["inspected_on"].is_array(), "{}", r.body);
}

#[test]
fn the_contact_is_read_by_post_only() {
    let app = TestApp::spawn();
    app.add_user("admin1", "admin", None, None);
    let (cookie, csrf) = app.login("admin1");
    let r = app.send("GET", "/api/v1/tips/1/contact", Some(&cookie), None, None);
    assert_eq!(r.status, 404);
    let r = app.send("POST", "/api/v1/tips/1/contact", Some(&cookie), None, None);
    assert_eq!(r.status, 403, "a POST without the CSRF token: {}", r.body);
    let r = app.send(
        "POST",
        "/api/v1/tips/1/contact",
        Some(&cookie),
        Some(&csrf),
        None,
    );
    assert_eq!(r.status, 404, "no tip 1 yet: {}", r.body);
}
