//! Anonymous tips end to end over HTTP: the JSON API, the form, the receipt,
//! the lookup and the reporter's messages; and bad input refused with nothing
//! written. Runs on SQLite, or on PostgreSQL with TIPLINE_TEST_DATABASE_URL.
use crate::common;

use common::{TestApp, sample_tip};
use serde_json::json;

#[test]
fn json_tip_gets_a_receipt_that_reads_its_progress() {
    let app = TestApp::spawn();
    let res = app.post_json("/api/v1/tips", &sample_tip());
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    let receipt = body["receipt"].as_str().unwrap().to_string();
    assert_eq!(receipt.len(), 23);
    assert!(
        receipt
            .split('-')
            .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit()))
    );
    assert_eq!(body["status"], "received");
    assert_eq!(app.counts(), (1, 1, 0));

    let res = app.post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}));
    assert_eq!(res.status, 200, "{}", res.body);
    let p = res.json();
    assert_eq!(p["status"], "received");
    assert_eq!(p["status_label"], "已受理");
    assert_eq!(p["updates"].as_array().unwrap().len(), 1);
    // The receipt without dashes works too.
    let plain = receipt.replace('-', "");
    let res = app.post_json("/api/v1/tips/lookup", &json!({"receipt": plain}));
    assert_eq!(res.status, 200);

    let res = app.post_json(
        "/api/v1/tips/messages",
        &json!({"receipt": receipt, "body": "补充：每天晚上十点以后开工。"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let p = app
        .post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}))
        .json();
    assert_eq!(p["messages"][0]["from"], "reporter");
    assert_eq!(p["messages"][0]["body"], "补充：每天晚上十点以后开工。");
    assert_eq!(app.counts(), (1, 1, 1));
}

#[test]
fn district_and_industry_accept_key_name_or_code() {
    let app = TestApp::spawn();
    for (district, industry) in [
        ("baoan", "steel"),
        ("宝安区", "钢铁"),
        ("440306", "STEEL"),
        ("大鹏新区", "cement"),
    ] {
        let mut tip = sample_tip();
        tip["district"] = json!(district);
        tip["industry"] = json!(industry);
        let res = app.post_json("/api/v1/tips", &tip);
        assert_eq!(res.status, 201, "{district} {industry}: {}", res.body);
    }
    use diesel::prelude::*;
    use tipline::db::schema::tips;
    let mut conn = app.state.db.read_conn().unwrap();
    let districts: Vec<Option<String>> = tips::table
        .order(tips::id)
        .select(tips::district)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        districts,
        vec![
            Some("baoan".into()),
            Some("baoan".into()),
            Some("baoan".into()),
            Some("dapeng".into())
        ]
    );
}

#[test]
fn unknown_receipt_is_a_plain_404() {
    let app = TestApp::spawn();
    app.post_json("/api/v1/tips", &sample_tip());
    let res = app.post_json(
        "/api/v1/tips/lookup",
        &json!({"receipt": "00000-00000-00000-00000"}),
    );
    assert_eq!(res.status, 404);
    let body = res.json();
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].is_string() && body["message_en"].is_string());
    let res = app.post_json(
        "/api/v1/tips/messages",
        &json!({"receipt": "00000-00000-00000-00000", "body": "hello"}),
    );
    assert_eq!(res.status, 404);
    assert_eq!(app.counts(), (1, 1, 0));
    let res = app.post_json("/api/v1/tips/lookup", &json!({"receipt": "12345"}));
    assert_eq!(res.status, 422);
    assert!(res.json()["fields"]["receipt"].is_array());
}

/// Every refusal of the contract, with the rows counted before and after.
#[test]
fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let app = TestApp::spawn();
    app.post_json("/api/v1/tips", &sample_tip());
    let before = app.counts();

    let short = json!({"description": "太短了"});
    let long = json!({"description": "长".repeat(5001)});
    for body in [short, long] {
        let res = app.post_json("/api/v1/tips", &body);
        assert_eq!(res.status, 422, "{}", res.body);
        let e = res.json();
        assert_eq!(e["error"], "invalid");
        let reason = e["fields"]["description"][0].as_str().unwrap();
        assert!(
            reason.contains("情况描述") && reason.contains("description must be"),
            "{reason}"
        );
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{4e00}')
        );
        assert!(!e["message_en"].as_str().unwrap().is_empty());
    }

    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            json!({"description": "足够长的描述内容，超过十个字。", "district": "朝阳区"}),
            "district",
        ),
        (
            json!({"description": "足够长的描述内容，超过十个字。", "industry": "餐饮"}),
            "industry",
        ),
        (
            json!({"description": "足够长的描述内容，超过十个字。", "dimensions": ["noise"]}),
            "dimensions",
        ),
        (
            json!({"description": "足够长的描述内容，超过十个字。", "occurred_on": "yesterday"}),
            "occurred_on",
        ),
        (
            json!({"description": "足够长的描述内容，超过十个字。", "enterprise_credit_code": "91440300SOMETHING"}),
            "enterprise_credit_code",
        ),
        (
            json!({"description": "足够长的描述内容，超过十个字。", "reporter_name": "张三"}),
            "reporter_name",
        ),
        (json!({"description": 12345678901_i64}), "description"),
        (json!({"enterprise_name": "宏达"}), "description"),
        (
            json!({"description": "足够长的描述内容，超过十个字。\u{0000}"}),
            "description",
        ),
    ];
    for (body, field) in cases {
        let res = app.post_json("/api/v1/tips", &body);
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert!(
            res.json()["fields"][field].is_array(),
            "{field}: {}",
            res.body
        );
    }

    // Malformed JSON, and JSON that is not UTF-8.
    let res = app.post("/api/v1/tips", "application/json", "{\"description\": ");
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.json()["error"], "malformed_json");
    let mut latin1 = b"{\"description\": \"".to_vec();
    latin1.extend_from_slice(&[
        0xd6, 0xd0, 0xc6, 0xb5, 0xc2, 0xaf, 0xc1, 0xb6, 0xb8, 0xd6, 0xd6, 0xd0, 0xc6, 0xb5,
    ]);
    latin1.extend_from_slice(b"\"}");
    let res = app.post("/api/v1/tips", "application/json", latin1);
    assert_eq!(res.status, 400, "{}", res.body);

    // Over 64 KiB.
    let huge = json!({"description": "x".repeat(70 * 1024)});
    let res = app.post_json("/api/v1/tips", &huge);
    assert_eq!(res.status, 413, "{}", res.body);
    assert_eq!(res.json()["error"], "too_large");

    // Wrong content type.
    let res = app.post("/api/v1/tips", "text/plain", sample_tip().to_string());
    assert_eq!(res.status, 415);
    let res = app.post(
        "/api/v1/tips",
        "application/x-www-form-urlencoded",
        "description=hello+world+hello",
    );
    assert_eq!(res.status, 415);

    // SQL in a field is only text.
    let mut tip = sample_tip();
    tip["enterprise_name"] = json!("x'); DROP TABLE tips; --");
    assert_eq!(app.post_json("/api/v1/tips", &tip).status, 201);

    let after = app.counts();
    assert_eq!(after.0, before.0 + 1, "only the SQL-looking tip was stored");
}

#[test]
fn html_in_a_tip_is_stored_as_text_and_shown_escaped() {
    let app = TestApp::spawn();
    let script = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let res = app.post_form(
        "/tips",
        &[
            ("description", script),
            ("enterprise_name", script),
            ("district", "nonsense<b>"),
        ],
    );
    // The unknown district sends the form back, with what was typed escaped.
    assert_eq!(res.status, 422);
    assert!(!res.body.contains("<script>alert"), "raw script echoed");
    assert!(
        res.body.contains("&#60;script&#62;alert(&#39;x&#39;)"),
        "escaped echo"
    );
    assert_eq!(app.counts().0, 0);

    let res = app.post_json("/api/v1/tips", &json!({"description": script}));
    assert_eq!(res.status, 201);
    let receipt = res.json()["receipt"].as_str().unwrap().to_string();
    let res = app.post_json(
        "/api/v1/tips/messages",
        &json!({"receipt": receipt, "body": script}),
    );
    assert_eq!(res.status, 201);
    use diesel::prelude::*;
    use tipline::db::schema::tips;
    let mut conn = app.state.db.read_conn().unwrap();
    let stored: String = tips::table
        .select(tips::description)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(stored, script, "stored as typed, escaped only when shown");
    let page = app.post_form("/status", &[("receipt", &receipt)]);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>alert"));
    assert!(page.body.contains("&#60;script&#62;"));
}

#[test]
fn the_form_works_without_javascript() {
    let app = TestApp::spawn();
    let page = app.get("/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("lang=\"zh-CN\""));
    assert!(page.body.contains("name=\"viewport\""));
    assert!(
        page.body
            .contains("<option value=\"baoan\">宝安区</option>")
    );
    assert!(page.body.contains("<option value=\"steel\">钢铁</option>"));
    // Two external scripts (the proof of work, the character counter),
    // nothing inline; the form below is posted without running them.
    assert_eq!(page.body.matches("<script").count(), 2);
    assert!(
        page.body
            .contains("<script src=\"/static/counter.js\" defer></script>")
    );
    assert!(
        page.body
            .contains("<script src=\"/static/pow.js\" defer></script>")
    );
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));

    let res = app.post_form(
        "/tips",
        &[
            ("description", "坪地街道有个厂用工频炉炼地条钢，晚上开工。"),
            ("district", "longgang"),
            ("industry", "steel"),
            ("dimensions", "ditiaogang"),
            ("dimensions", "safety"),
            ("contact", "13800000000"),
        ],
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert!(res.body.contains("请立即抄写"));
    let receipt = &common::receipt_on_page(&res.body);
    assert_eq!(receipt.len(), 23, "{receipt}");
    assert_eq!(app.counts(), (1, 1, 0));

    let status = app.get("/status");
    assert_eq!(status.status, 200);
    let page = app.post_form("/status", &[("receipt", receipt)]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("已受理"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let page = app.post_form(
        "/status/messages",
        &[("receipt", receipt), ("body", "厂门口有两台货车。")],
    );
    assert_eq!(page.status, 200);
    assert!(page.body.contains("厂门口有两台货车。"));
    assert_eq!(app.counts(), (1, 1, 1));
    let page = app.post_form("/status", &[("receipt", "11111-11111-11111-11111")]);
    assert_eq!(page.status, 404);

    // The contact is sealed, not stored as typed.
    use diesel::prelude::*;
    use tipline::db::schema::tips;
    let mut conn = app.state.db.read_conn().unwrap();
    let sealed: Option<Vec<u8>> = tips::table
        .select(tips::contact_sealed)
        .first(&mut *conn)
        .unwrap();
    let sealed = sealed.unwrap();
    assert!(!sealed.windows(11).any(|w| w == b"13800000000"));
    assert_eq!(app.state.secrets.open(&sealed).unwrap(), "13800000000");
    let dims: String = tips::table
        .select(tips::dimensions)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(dims, "ditiaogang,safety");
}

#[test]
fn lookups_are_rate_limited_per_client() {
    let app = TestApp::spawn_with_limit(30);
    let receipt = app.post_json("/api/v1/tips", &sample_tip()).json()["receipt"]
        .as_str()
        .unwrap()
        .to_string();
    for i in 0..30 {
        let res = app.post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}));
        assert_eq!(res.status, 200, "lookup {i}");
    }
    let res = app.post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}));
    assert_eq!(res.status, 429);
    assert_eq!(res.json()["error"], "rate_limited");
    assert_eq!(res.header("retry-after"), Some("60"));
    let page = app.post_form("/status", &[("receipt", &receipt)]);
    assert_eq!(page.status, 429);
}

#[test]
fn operations_endpoints_answer() {
    let app = TestApp::spawn();
    assert_eq!(app.get("/healthz").status, 200);
    let ready = app.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.body);
    app.post_json("/api/v1/tips", &sample_tip());
    app.post_form(
        "/tips",
        &[("description", "江门某陶瓷厂用倒焰窑，烟很大很大。")],
    );
    // Counters move when a tip arrives: only the scraper with the token reads them.
    assert_eq!(app.get("/metrics").status, 401);
    let (status, _, _) = app.get_bytes("/metrics", &[("Authorization", "Bearer wrong")]);
    assert_eq!(status, 401);
    let (status, _, body) = app.get_bytes(
        "/metrics",
        &[("Authorization", "Bearer test-metrics-token")],
    );
    assert_eq!(status, 200);
    let m = common::Reply {
        status,
        headers: Vec::new(),
        body: String::from_utf8(body).unwrap(),
    };
    assert!(
        m.body
            .contains("tipline_tips_received_total{source=\"api\"} 1"),
        "{}",
        m.body
    );
    assert!(
        m.body
            .contains("tipline_tips_received_total{source=\"web\"} 1")
    );
    assert!(m.body.contains(
        "tipline_http_requests_total{method=\"POST\",route=\"/api/v1/tips\",status=\"201\"} 1"
    ));
    assert!(
        m.body
            .contains("tipline_http_request_duration_seconds_bucket")
    );
    assert!(app.get("/healthz").header("x-request-id").is_some());
    let missing = app.get("/api/v1/nothing");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"], "not_found");
    assert_eq!(app.get("/nothing").status, 404);
    assert_eq!(app.get("/static/app.css").status, 200);
}
