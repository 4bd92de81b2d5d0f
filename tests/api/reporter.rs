//! Issue 18: the reporter's side of the loop, on SQLite (and PostgreSQL
//! with TIPLINE_TEST_DATABASE_URL): a form that never loses the text, a
//! receipt and status page that say what happens next, files added later,
//! and 回访/评价 — ratings by receipt and by relay, the dispatcher's review,
//! 二次办理 — reaching the reporter and the relay.
use crate::common;
use crate::relay_support;

use common::{TestApp, samples};
use diesel::prelude::*;
use serde_json::{Value, json};
use tipline::domain::role::{Role, Scope};
use tipline::services::workflow::{self, Who};

const TEXT: &str = "宝安区沙井街道新桥路某厂夜里用中频炉炼钢，烟囱冒黑烟，附近居民都闻到刺鼻气味。";
const PLACE: &str = "沙井街道新桥路88号后院";

fn limited_app() -> TestApp {
    let mut serve = common::serve_args(60);
    serve.intake.intake_limit = 30;
    serve.intake.intake_limit_nojs = 3;
    TestApp::spawn_with(serve)
}

fn tips(app: &TestApp) -> i64 {
    use tipline::db::schema::tips;
    let mut conn = app.state.db.read_conn().unwrap();
    tips::table.count().get_result(&mut *conn).unwrap()
}

/// The hidden upload tokens of files the form kept.
fn kept_tokens(body: &str) -> Vec<String> {
    body.split("name=\"kept\" value=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

#[test]
fn refused_forms_keep_the_text_and_only_accepted_tips_count() {
    let app = limited_app();
    // Three refused forms (the description too short), without JavaScript:
    // each comes back with everything typed and the reason by the field.
    for _ in 0..3 {
        let res = app.post_form(
            "/tips",
            &[
                ("description", "短"),
                ("address", PLACE),
                ("district", "baoan"),
            ],
        );
        assert_eq!(res.status, 422, "{}", res.body);
        assert!(res.body.contains(PLACE), "address kept: {}", res.body);
        assert!(res.body.contains(">短</textarea>"), "{}", res.body);
        assert!(res.body.contains("<option value=\"baoan\" selected>"));
        assert!(res.body.contains("class=\"err\""));
    }
    // The fourth, valid, is accepted: refusals did not use up the limit.
    let ok = |i: usize| {
        app.post_form(
            "/tips",
            &[
                ("description", &format!("{TEXT}（第{i}次）")),
                ("address", PLACE),
            ],
        )
    };
    for i in 0..3 {
        let res = ok(i);
        assert_eq!(res.status, 200, "tip {i}: {}", res.body);
        assert!(res.body.contains("举报已受理"));
    }
    assert_eq!(tips(&app), 3);
    // The limit (three accepted tips a minute without a proof of work): the
    // form comes back with the text intact and says why.
    let res = ok(9);
    assert_eq!(res.status, 429, "{}", res.body);
    assert!(res.body.contains("提交过于频繁"), "{}", res.body);
    assert!(
        res.body.contains(&format!("{TEXT}（第9次）")),
        "{}",
        res.body
    );
    assert!(res.body.contains(PLACE));
    assert!(res.body.contains("id=\"tip-form\""));
    assert_eq!(tips(&app), 3);

    // No silent cut: the page states the limit and sets no maxlength; a
    // longer text is refused by the server with the text kept.
    let form = app.get("/");
    assert!(!form.body.contains("maxlength=\"5000\""), "{}", form.body);
    assert!(form.body.contains("最多 5000 字"));
    let long = "炉".repeat(5001);
    let res = app.post_form("/tips", &[("description", &long)]);
    assert_eq!(res.status, 422);
    assert!(res.body.contains(&long), "the long text is shown again");
}

#[test]
fn a_refused_file_shows_the_form_with_the_text_and_keeps_the_other_files() {
    let app = TestApp::spawn();
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x08free".to_vec();
    let photo = samples::jpeg();
    let fields = [("description", TEXT), ("address", PLACE)];
    let (ct, body) = samples::multipart(&fields, &[("IMG_1.HEIC", &heic), ("p.jpg", &photo)]);
    let res = app.post("/tips", &ct, body);
    assert_eq!(res.status, 415, "{}", res.body);
    assert!(res.body.contains(TEXT), "text kept: {}", res.body);
    assert!(res.body.contains(PLACE));
    assert!(res.body.contains("第1个文件未能接收"), "{}", res.body);
    assert!(res.body.contains("兼容性最佳"), "HEIC advice: {}", res.body);
    assert!(res.body.contains("请改正后重新选择这个文件"));
    let kept = kept_tokens(&res.body);
    assert_eq!(kept.len(), 1, "the good photo is kept: {}", res.body);
    assert!(res.body.contains("JPEG 图片"));
    assert_eq!(tips(&app), 0);

    // Sent again with the kept photo and a PNG chosen anew: one tip, two files.
    let (ct, body) = samples::multipart(
        &[
            ("description", TEXT),
            ("address", PLACE),
            ("kept", kept[0].as_str()),
        ],
        &[("p.png", &samples::png())],
    );
    let res = app.post("/tips", &ct, body);
    assert_eq!(res.status, 200, "{}", res.body);
    let receipt = common::receipt_on_page(&res.body);
    let p = app
        .post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}))
        .json();
    assert_eq!(p["files"], 2, "{p}");
    // A kept token is spent once.
    let res = app.post_form(
        "/tips",
        &[("description", TEXT), ("kept", kept[0].as_str())],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains(TEXT));
}

fn admin() -> Who {
    Who {
        actor: "test:admin".into(),
        role: Role::Admin,
        bureau: None,
        scope: Scope::All,
    }
}

/// Walk a case to 办结 through the workflow (dispatch, accept, an
/// unsubstantiated finding, close).
fn close_case(app: &TestApp, case_id: i64) {
    use tipline::services::workflow::*;
    let pack = app.state.pack.clone();
    let now = tipline::db::now();
    app.state
        .db
        .write_tx(|conn| -> anyhow::Result<()> {
            for cmd in [
                Command::Dispatch(DispatchBody {
                    lead_bureau: "industry_it".into(),
                    co_bureaus: Vec::new(),
                    district: "baoan".into(),
                    enterprise_credit_code: None,
                    dimensions: None,
                    industry: None,
                    note: None,
                }),
                Command::Accept(NoteBody::default()),
                Command::Verify(VerifyBody {
                    finding: "unsubstantiated".into(),
                    inspected_on: Some(tipline::clock::local_day(now)),
                    inspectors: vec!["王五".into()],
                    evidence: Some("现场核查未见生产".into()),
                }),
                Command::Close(CloseBody {
                    public_note: "经现场核查，未发现违法生产。".into(),
                }),
            ] {
                workflow::apply(conn, &pack, &admin(), case_id, cmd, now)
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            }
            Ok(())
        })
        .unwrap();
}

fn case_of_receipt(app: &TestApp, receipt: &str) -> i64 {
    let r = tipline::domain::receipt::Receipt::parse(receipt).unwrap();
    let hash = app.state.secrets.receipt_hash(&r);
    use tipline::db::schema::tips;
    let mut conn = app.state.db.read_conn().unwrap();
    tips::table
        .filter(tips::receipt_hash.eq(hash))
        .select(tips::case_id)
        .first::<Option<i64>>(&mut *conn)
        .unwrap()
        .unwrap()
}

fn lookup(app: &TestApp, receipt: &str) -> Value {
    let res = app.post_json("/api/v1/tips/lookup", &json!({"receipt": receipt}));
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

#[test]
fn the_receipt_and_status_pages_say_what_happens_next() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    let res = app.post_form(
        "/tips",
        &[
            ("description", TEXT),
            ("address", PLACE),
            ("district", "baoan"),
            ("dimensions", "ditiaogang"),
        ],
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let page = &res.body;
    let receipt = common::receipt_on_page(page);
    // Each group of five digits is its own unbreakable element.
    assert_eq!(page.matches("<span class=\"grp\">").count(), 4, "{page}");
    for g in receipt.split('-') {
        assert!(page.contains(&format!("<span class=\"grp\">{g}</span>")));
    }
    // Save as a text file without JavaScript; print and safety advice.
    assert!(page.contains("download=\"tipline-receipt.txt\""));
    let href = page
        .split("href=\"data:text/plain;charset=utf-8,")
        .nth(1)
        .unwrap();
    let href = &href[..href.find('"').unwrap()];
    let text: String = form_urlencoded::parse(format!("t={href}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    assert!(text.contains(&receipt), "{text}");
    assert!(page.contains("@media print") || page.contains("no-print"));
    assert!(page.contains("不要把回执码告诉他人"));
    assert!(page.contains("北京时间"));
    assert!(!page.contains("UTC"));
    // What happens next: the bureau and the first answer's date, from the
    // pack's limits (地条钢: dispatch in 1 working day, result in 10).
    let pack = &app.state.pack;
    let case_id = case_of_receipt(&app, &receipt);
    let lead = {
        use tipline::db::schema::cases;
        let mut conn = app.state.db.read_conn().unwrap();
        cases::table
            .find(case_id)
            .select(cases::lead_bureau)
            .first::<Option<String>>(&mut *conn)
            .unwrap()
            .unwrap()
    };
    let bureau = pack.bureau(&lead).unwrap().name.clone();
    assert!(page.contains(&bureau), "{bureau}: {page}");
    let cal = pack.work_calendar();
    let today = tipline::clock::local_day(tipline::db::now());
    let due = cal.add_working_days(cal.add_working_days(today, 1), 10);
    assert!(page.contains(&due.to_string()), "{due}: {page}");

    // The status page: what was reported, by whom it is handled, by when.
    let status = app.post_form("/status", &[("receipt", &receipt)]);
    assert_eq!(status.status, 200);
    assert!(status.body.contains(TEXT));
    assert!(status.body.contains(PLACE));
    assert!(status.body.contains(&bureau));
    assert!(status.body.contains(&due.to_string()));
    assert!(!status.body.contains("UTC"));
    assert!(!status.body.contains("待您回复"));
    let p = lookup(&app, &receipt);
    assert_eq!(p["description"], TEXT);
    assert_eq!(p["handled_by"], bureau.as_str());
    assert_eq!(p["expected_on"], due.to_string());
    assert_eq!(p["awaiting_reply"], false);

    // A staff question waits for the reporter: 待您回复, until answered.
    let (cookie, csrf) = app.login("disp");
    let asked = app.send(
        "POST",
        &format!("/api/v1/cases/{case_id}/question"),
        Some(&cookie),
        Some(&csrf),
        Some(&json!({"body": "请问炼钢一般在几点？"})),
    );
    assert_eq!(asked.status, 200, "{}", asked.body);
    let status = app.post_form("/status", &[("receipt", &receipt)]);
    assert!(status.body.contains("待您回复"), "{}", status.body);
    assert!(status.body.contains("请问炼钢一般在几点？"));
    assert_eq!(lookup(&app, &receipt)["awaiting_reply"], true);

    // The answer with a photo added later (multipart), cleaned as at intake.
    let (ct, body) = samples::multipart(
        &[("receipt", receipt.as_str()), ("body", "晚上十点以后。")],
        &[("later.jpg", &samples::jpeg())],
    );
    let res = app.post("/status/messages", &ct, body);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("已收到您的补充信息"), "{}", res.body);
    let p = lookup(&app, &receipt);
    assert_eq!(p["awaiting_reply"], false);
    assert_eq!(p["files"], 1);
    let case = app.send(
        "GET",
        &format!("/api/v1/cases/{case_id}"),
        Some(&cookie),
        None,
        None,
    );
    let file = case.json()["tips"][0]["attachments"][0].clone();
    assert!(
        file["removed"].as_str().unwrap_or("").contains("exif"),
        "{}",
        case.body
    );
    let (code, _, stored) = app.get_bytes(file["url"].as_str().unwrap(), &[("Cookie", &cookie)]);
    assert_eq!(code, 200);
    assert!(
        !samples::contains(&stored, "iPhone 15 Pro"),
        "GPS and make removed"
    );
    assert!(!samples::contains(&stored, "TRAILER-SECRET"));
}

#[test]
fn ratings_reviews_and_a_second_handling() {
    let app = TestApp::spawn();
    app.add_user("disp", "dispatcher", None, None);
    app.add_user("iit", "bureau", Some("industry_it"), None);
    let (disp, disp_csrf) = app.login("disp");
    let (iit, iit_csrf) = app.login("iit");
    let receiver = "http://127.0.0.1:9/callback";
    let key = relay_support::add_relay(&app, "12345", Some(receiver));

    // A web tip and two relayed tickets.
    let web = app.post_json(
        "/api/v1/tips",
        &json!({"description": TEXT, "address": PLACE, "district": "baoan"}),
    );
    assert_eq!(web.status, 201, "{}", web.body);
    let web_receipt = web.json()["receipt"].as_str().unwrap().to_string();
    assert!(web.json()["answer_due_on"].is_string(), "{}", web.body);
    let mut t1 = relay_support::ticket("RATE-1");
    t1["description"] = json!("来电反映龙岗区坪地街道某厂用小高炉炼铁，夜间开工。");
    t1["district"] = json!("龙岗区");
    t1["enterprise_name"] = json!("深圳市坪地铸造厂");
    let r1 = relay_support::relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &t1);
    assert_eq!(r1.status, 201, "{}", r1.body);
    let mut t2 = relay_support::ticket("RATE-2");
    t2["description"] = json!("来电反映南山区西丽街道某印染厂夜里偷排污水到河里。");
    t2["district"] = json!("南山区");
    t2["enterprise_name"] = json!("深圳市西丽印染厂");
    t2["dimensions"] = json!(["environment"]);
    t2["industry"] = json!("印染");
    let r2 = relay_support::relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &t2);
    assert_eq!(r2.status, 201, "{}", r2.body);
    let r2_receipt = serde_json::from_str::<Value>(&r2.body).unwrap()["receipt"]
        .as_str()
        .unwrap()
        .to_string();

    let rate = |receipt: &str, rating: &str| {
        app.post_json(
            "/api/v1/tips/rating",
            &json!({"receipt": receipt, "rating": rating, "comment": "没有人来现场看"}),
        )
    };
    let relay_rate = |ticket: &str, body: &Value| {
        relay_support::relay_post(
            &app.base,
            Some(&key),
            &format!("/api/v1/relay/tips/{ticket}/rating"),
            body,
        )
    };
    // Before closure: 409, both ways, with a reason in both languages.
    let res = rate(&web_receipt, "dissatisfied");
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(res.json()["error"], "not_closed");
    assert!(res.json()["message"].as_str().unwrap().contains("办结"));
    assert_eq!(
        relay_rate("RATE-1", &json!({"rating": "satisfied"})).status,
        409
    );
    // A wrong grade is a 422 naming the field.
    let res = rate(&web_receipt, "great");
    assert_eq!(res.status, 422);
    assert!(res.json()["fields"]["rating"].is_array(), "{}", res.body);

    let web_case = case_of_receipt(&app, &web_receipt);
    let r2_case = case_of_receipt(&app, &r2_receipt);
    let r1_case = {
        use tipline::db::schema::{relay_tickets, tips};
        let mut conn = app.state.db.read_conn().unwrap();
        relay_tickets::table
            .inner_join(tips::table)
            .filter(relay_tickets::ticket_id.eq("RATE-1"))
            .select(tips::case_id)
            .first::<Option<i64>>(&mut *conn)
            .unwrap()
            .unwrap()
    };
    assert!(web_case != r1_case && r1_case != r2_case && web_case != r2_case);
    for id in [web_case, r1_case, r2_case] {
        close_case(&app, id);
    }

    // Once: 200, then 409.
    let res = rate(&web_receipt, "dissatisfied");
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["rating"], "dissatisfied");
    assert_eq!(res.json()["rating_label"], "不满意");
    let res = rate(&web_receipt, "satisfied");
    assert_eq!(res.status, 409);
    assert_eq!(res.json()["error"], "already_rated");
    // The relay's own 回访: idempotent; another grade afterwards is a 409.
    let body = json!({"rating": "satisfied", "comment": "回访满意"});
    let first = relay_rate("RATE-1", &body);
    assert_eq!(first.status, 200, "{}", first.body);
    let again = relay_rate("RATE-1", &body);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(
        relay_rate("RATE-1", &json!({"rating": "basic"})).status,
        409
    );
    assert_eq!(relay_rate("NO-SUCH", &body).status, 404);
    // The relayed caller rates through the web with the receipt: the relay
    // hears of it in its call-back stream.
    assert_eq!(rate(&r2_receipt, "dissatisfied").status, 200);
    let events = |case_id: i64| -> Vec<Value> {
        use tipline::db::schema::{outbox, tips};
        let mut conn = app.state.db.read_conn().unwrap();
        let rows: Vec<String> = outbox::table
            .inner_join(tips::table.on(tips::id.eq(outbox::tip_id)))
            .filter(tips::case_id.eq(case_id))
            .order(outbox::id.asc())
            .select(outbox::payload)
            .load(&mut *conn)
            .unwrap();
        rows.iter()
            .map(|r| serde_json::from_str(r).unwrap())
            .collect()
    };
    let r2_events = events(r2_case);
    let rating_event = r2_events
        .iter()
        .find(|e| e["event"] == "tip.rating")
        .unwrap_or_else(|| panic!("{r2_events:?}"));
    assert_eq!(rating_event["ticket_id"], "RATE-2");
    assert_eq!(rating_event["rating"], "dissatisfied");
    // The relay's own rating is not sent back to it.
    assert!(!events(r1_case).iter().any(|e| e["event"] == "tip.rating"));

    // The dispatcher's queue: both dissatisfied cases wait for review.
    let queue = app.send("GET", "/staff/queue?view=review", Some(&disp), None, None);
    assert_eq!(queue.status, 200);
    for id in [web_case, r2_case] {
        assert!(
            queue.body.contains(&format!("href=\"/staff/cases/{id}\"")),
            "{id}: {}",
            queue.body
        );
    }
    assert!(
        !queue
            .body
            .contains(&format!("href=\"/staff/cases/{r1_case}\""))
    );
    assert!(queue.body.contains("不满意待复核"));
    let page = app.send(
        "GET",
        &format!("/staff/cases/{web_case}"),
        Some(&disp),
        None,
        None,
    );
    assert!(page.body.contains("不满意评价待复核"), "{}", page.body);
    assert!(page.body.contains("没有人来现场看"));

    // A bureau may not reopen; the dispatcher may, for 二次办理.
    let reopen = |cookie: &str, csrf: &str, id: i64| {
        app.send(
            "POST",
            &format!("/api/v1/cases/{id}/reopen"),
            Some(cookie),
            Some(csrf),
            Some(&json!({"public_note": "您对办理结果不满意，本案已重新交办，请等待再次核查。"})),
        )
    };
    assert_eq!(reopen(&iit, &iit_csrf, r2_case).status, 403);
    let res = reopen(&disp, &disp_csrf, r2_case);
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["status"], "dispatched");
    // Audited; the reporter and the relay are told.
    let audit: Vec<String> = {
        let mut conn = app.state.db.read_conn().unwrap();
        tipline::db::audit::for_subject(&mut conn, &format!("case:{r2_case}"))
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {} {}", e.actor, e.action, e.detail))
            .collect()
    };
    assert!(
        audit.iter().any(|a| a.starts_with("user:disp case.reopen")),
        "{audit:?}"
    );
    let p = lookup(&app, &r2_receipt);
    assert_eq!(p["status"], "dispatched", "{p}");
    let last = p["updates"].as_array().unwrap().last().unwrap().clone();
    assert!(last["note"].as_str().unwrap().contains("重新交办"), "{p}");
    assert_eq!(p["rating"]["review"], "reopened");
    let status_event = events(r2_case)
        .into_iter()
        .rfind(|e| e["event"] == "tip.status")
        .unwrap();
    assert_eq!(status_event["status"], "dispatched");
    assert!(status_event["note"].as_str().unwrap().contains("重新交办"));
    // The case is back with its bureau with a fresh limit, counted once.
    let case = app.send(
        "GET",
        &format!("/api/v1/cases/{r2_case}"),
        Some(&disp),
        None,
        None,
    );
    assert_eq!(case.json()["reopen_count"], 1, "{}", case.body);
    assert_eq!(case.json()["deadlines"][0]["step"], "verify");

    // The other dissatisfied case: kept closed, with the reason recorded.
    let decline = |reason: &str| {
        app.send(
            "POST",
            &format!("/api/v1/cases/{web_case}/rating-review"),
            Some(&disp),
            Some(&disp_csrf),
            Some(&json!({"reason": reason})),
        )
    };
    assert_eq!(decline(" ").status, 422);
    let res = decline("已两次现场核查，举报内容不属实，不予重办。");
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["reviewed"], 1);
    assert_eq!(decline("再次").status, 409);
    let queue = app.send("GET", "/staff/queue?view=review", Some(&disp), None, None);
    for id in [web_case, r2_case] {
        assert!(!queue.body.contains(&format!("href=\"/staff/cases/{id}\"")));
    }
    let audit = {
        let mut conn = app.state.db.read_conn().unwrap();
        tipline::db::audit::for_subject(&mut conn, &format!("case:{web_case}")).unwrap()
    };
    assert!(audit.iter().any(|e| e.action == "case.rating_declined"));
    assert_eq!(lookup(&app, &web_receipt)["rating"]["review"], "declined");
    // The status page shows the rating and no longer offers the form.
    let status = app.post_form("/status", &[("receipt", &web_receipt)]);
    assert!(status.body.contains("您的评价"));
    assert!(!status.body.contains("action=\"/status/rating\""));
}

#[test]
fn the_status_page_rates_without_javascript() {
    let app = TestApp::spawn();
    let res = app.post_json("/api/v1/tips", &json!({"description": TEXT}));
    let receipt = res.json()["receipt"].as_str().unwrap().to_string();
    let status = app.post_form("/status", &[("receipt", &receipt)]);
    assert!(
        !status.body.contains("action=\"/status/rating\""),
        "not before closure"
    );
    let early = app.post_form(
        "/status/rating",
        &[("receipt", &receipt), ("rating", "satisfied")],
    );
    assert_eq!(early.status, 409);
    assert!(early.body.contains("办结后才能评价"));
    close_case(&app, case_of_receipt(&app, &receipt));
    let status = app.post_form("/status", &[("receipt", &receipt)]);
    assert!(
        status.body.contains("action=\"/status/rating\""),
        "{}",
        status.body
    );
    let rated = app.post_form(
        "/status/rating",
        &[
            ("receipt", &receipt),
            ("rating", "basic"),
            ("comment", "处理较快"),
        ],
    );
    assert_eq!(rated.status, 200, "{}", rated.body);
    assert!(rated.body.contains("感谢您的评价"));
    assert!(rated.body.contains("基本满意"));
    let again = app.post_form(
        "/status/rating",
        &[("receipt", &receipt), ("rating", "satisfied")],
    );
    assert_eq!(again.status, 409);
    assert!(again.body.contains("已经评价过"));
}
