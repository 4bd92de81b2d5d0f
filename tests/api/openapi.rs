//! `/api/v1/openapi.json` stays true: every documented operation exists, and
//! what it answers to an empty request, with and without a relay key, is a
//! documented response. (schemathesis, in tests/api/schemathesis.sh, goes
//! much further; this runs with every `cargo test`.)
use crate::common;
use crate::relay_support;

use common::TestApp;
use relay_support::*;

#[test]
fn every_documented_operation_answers_as_documented() {
    let app = TestApp::spawn();
    let key = add_relay(&app, "doc", None);
    let r = app.get("/api/v1/openapi.json");
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/tips",
        "/api/v1/tips/lookup",
        "/api/v1/tips/messages",
        "/api/v1/tips/rating",
        "/api/v1/relay/tips",
        "/api/v1/relay/tips:batch",
        "/api/v1/relay/tips/{ticket_id}",
        "/api/v1/relay/tips/{ticket_id}/rating",
        "/api/v1/public/lists/{kind}",
    ] {
        assert!(paths.contains_key(p), "{p} is not documented");
    }
    // Every schema reference resolves.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{name} is missing"
        );
    }
    let mut checked = 0;
    for (path, ops) in paths {
        let url_path = path
            .replace("{ticket_id}", "NO-SUCH-TICKET")
            .replace("{kind}", "yellow");
        for (method, op) in ops.as_object().unwrap() {
            let documented: Vec<u16> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.parse().unwrap())
                .collect();
            for k in [None, Some(key.as_str())] {
                let res = match method.as_str() {
                    "get" => relay_get(&app.base, k, &url_path),
                    "post" => relay_post(&app.base, k, &url_path, &serde_json::json!({})),
                    m => panic!("undocumented method {m}"),
                };
                assert!(
                    documented.contains(&res.status),
                    "{method} {path} (key: {}) answered {} which is not in {documented:?}: {}",
                    k.is_some(),
                    res.status,
                    res.body
                );
                assert!(res.json()["error"].is_string() || res.status < 300);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 18);
}
