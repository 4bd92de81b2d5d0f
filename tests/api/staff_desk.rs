//! The dispatcher's desk (issue 17): queue rows that say what each case is
//! about, and the enterprise side of the case page — the matcher's
//! candidates, a registry search, linking with one click, and similar open
//! cases merged with one click.
use crate::common;
use crate::relay_support::{add_relay, relay_post, ticket};

use common::TestApp;
use serde_json::{Value, json};

const CODE: &str = "91440300MA5HXQ8K0Y";

fn import(app: &TestApp, rows: &str) {
    app.import_firms(rows);
    app.state.registry.refresh(&app.state.db).unwrap();
}

fn newest_case(app: &TestApp) -> i64 {
    app.newest_case()
}

fn submit(app: &TestApp, body: Value) -> i64 {
    let res = app.post_json("/api/v1/tips", &body);
    assert_eq!(res.status, 201, "{}", res.body);
    newest_case(app)
}

fn get(app: &TestApp, cookie: &str, path: &str) -> String {
    let r = app.send("GET", path, Some(cookie), None, None);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

fn case_json(app: &TestApp, cookie: &str, id: i64) -> Value {
    let r = app.send(
        "GET",
        &format!("/api/v1/cases/{id}"),
        Some(cookie),
        None,
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// The queue's row (or card) for one case.
fn row(page: &str, id: i64) -> &str {
    let start = page
        .find(&format!("href=\"/staff/cases/{id}\""))
        .unwrap_or_else(|| panic!("case {id} not in the queue"));
    let end = page[start..]
        .find("</tr>")
        .map_or(page.len(), |e| start + e);
    &page[start..end]
}

#[test]
fn the_queue_row_tells_what_each_case_is_about() {
    let app = TestApp::spawn();
    import(
        &app,
        &format!(
            "{CODE},深圳市新星钢铁有限公司,深圳市宝安区沙井街道后亭社区工业大道9号,宝安区,steel\n"
        ),
    );
    let web = submit(
        &app,
        json!({
            "description": "新星钢铁夜里用中频炉熔废钢炼钢坯，车间烟很大，\n\n附近居民都闻到焦味，已经持续三个月了，请尽快查处。",
            "enterprise_name": "深圳市新星钢铁有限公司",
            "address": "宝安区沙井街道后亭社区工业大道9号",
            "dimensions": ["ditiaogang"],
        }),
    );
    let key = add_relay(&app, "12345", None);
    let mut t = ticket("GD-SZ-20261205-0001");
    t["district"] = json!("龙岗区");
    t["description"] = json!("来电反映龙岗区坪地街道某厂夜间用中频炉炼钢，烟囱冒黑烟。");
    assert_eq!(
        relay_post(&app.base, Some(&key), "/api/v1/relay/tips", &t).status,
        201
    );
    let relayed = newest_case(&app);
    assert_ne!(web, relayed);

    app.add_user("dispatch1", "dispatcher", None, None);
    let (cookie, _) = app.login("dispatch1");
    let page = get(&app, &cookie, "/staff/queue?view=all");
    assert!(page.contains("href=\"#cases\""), "a skip link to the cases");
    assert!(!page.contains("UTC"));

    let r = row(&page, web);
    // About forty characters of the first tip, on one line, cut with "…".
    assert!(
        r.contains("新星钢铁夜里用中频炉熔废钢炼钢坯，车间烟很大， 附近居民"),
        "{r}"
    );
    assert!(r.contains('…'), "{r}");
    assert!(!r.contains("请尽快查处"), "{r}");
    assert!(r.contains("深圳市新星钢铁有限公司"), "{r}");
    assert!(r.contains("网页 · 20"), "{r}");
    // Time left in working days: a new case's dispatch limit runs from
    // the day its tip came (as the daily job will write it).
    let list = app
        .send("GET", "/api/v1/cases", Some(&cookie), None, None)
        .json();
    let item = |id: i64| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(item(web)["due_step"], "dispatch");
    let due = chrono::NaiveDate::parse_from_str(item(web)["due_on"].as_str().unwrap(), "%Y-%m-%d")
        .unwrap();
    let today = tipline::clock::local_day(tipline::clock::now());
    let left = app
        .state
        .pack
        .work_calendar()
        .working_days_between(today, due);
    let want = match left {
        0 => "今天到期".to_string(),
        n if n > 0 => format!("剩余 {n} 个工作日"),
        n => format!("逾期 {} 个工作日", -n),
    };
    assert!(r.contains(&want), "{want} in {r}");

    let r = row(&page, relayed);
    assert!(r.contains("12345 · "), "{r}");
    assert!(
        r.contains("未关联") || r.contains("深圳市宏达钢铁有限公司"),
        "{r}"
    );
    assert!(
        r.contains("来电反映龙岗区坪地街道某厂夜间用中频炉炼钢"),
        "{r}"
    );

    // The queue also finds a case by its firm's credit code.
    let found = get(&app, &cookie, &format!("/staff/queue?view=all&q={CODE}"));
    assert!(found.contains(&format!("href=\"/staff/cases/{web}\"")));
    assert!(!found.contains(&format!("href=\"/staff/cases/{relayed}\"")));

    // The JSON list carries the same first-tip summary and channel.
    assert_eq!(item(relayed)["first_tip"]["origin"], "hotline");
    assert_eq!(item(web)["first_tip"]["origin"], "web");
}

#[test]
fn a_dispatcher_links_a_firm_and_merges_a_similar_case_with_one_click() {
    let app = TestApp::spawn();
    import(
        &app,
        &format!(
            "{CODE},深圳市新星钢铁有限公司,深圳市宝安区沙井街道后亭社区工业大道9号,宝安区,steel\n"
        ),
    );
    // No firm named: nothing to link by itself.
    let first = submit(
        &app,
        json!({
            "description": "凤凰第三工业区有家厂夜里用中频炉把废钢熔成地条钢。",
            "address": "宝安区福永街道凤凰第三工业区A栋",
            "district": "宝安区",
            "dimensions": ["ditiaogang"],
        }),
    );
    app.add_user("dispatch1", "dispatcher", None, None);
    let (cookie, csrf) = app.login("dispatch1");

    // The matcher's candidates are offered with their reasons.
    let c = case_json(&app, &cookie, first);
    let page = get(&app, &cookie, &format!("/staff/cases/{first}"));
    for cand in c["candidates"].as_array().unwrap() {
        let code = cand["credit_code"].as_str().unwrap();
        assert!(
            page.contains(&format!("name=\"credit_code\" value=\"{code}\"")),
            "{page}"
        );
    }
    assert!(page.contains("未关联企业"), "not linked yet");

    // A registry search by short name and by credit code finds the firm.
    for q in ["新星钢铁", CODE] {
        let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let found = get(&app, &cookie, &format!("/staff/cases/{first}?firm_q={q}"));
        let results = &found[found.find("查找结果").expect("results")..];
        assert!(results.contains("深圳市新星钢铁有限公司"), "{results}");
        assert!(results.contains(&format!("value=\"{CODE}\"")), "{results}");
    }

    // A code the registry does not hold is refused by the field.
    let r = app.send_form(
        &format!("/staff/cases/{first}/link"),
        Some(&cookie),
        &format!("csrf={csrf}&credit_code=91440300MA5G7Y7X2T"),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("企业登记库中没有这个统一社会信用代码"),
        "{}",
        r.body
    );

    // One click links it, audited, and the page confirms.
    let r = app.send_form(
        &format!("/staff/cases/{first}/link"),
        Some(&cookie),
        &format!("csrf={csrf}&credit_code={CODE}"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/staff/cases/{first}?done=link").as_str())
    );
    let c = case_json(&app, &cookie, first);
    assert_eq!(c["enterprise"]["credit_code"], CODE, "{c}");
    assert!(
        c["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["action"] == "case.link" && h["actor"] == "user:dispatch1"),
        "{c}"
    );
    let page = get(&app, &cookie, &format!("/staff/cases/{first}?done=link"));
    assert!(page.contains("已完成：关联企业"), "confirmed");
    assert!(
        page.contains("关联企业：深圳市新星钢铁有限公司"),
        "in the timeline"
    );

    // Another tip about the same firm under another dimension opens its own
    // case; each case shows the other as similar, with a merge button that
    // keeps the older case.
    let second = submit(
        &app,
        json!({
            "description": "新星钢铁的行车吊钩裂了还在用，车间没有任何安全防护，工人被烫伤过。",
            "enterprise_name": "深圳市新星钢铁有限公司",
            "district": "宝安区",
            "dimensions": ["safety"],
        }),
    );
    assert_ne!(first, second);
    let page = get(&app, &cookie, &format!("/staff/cases/{second}"));
    let similar = &page[page.find("相似的未结案件").unwrap()..];
    assert!(
        similar.contains(&format!("href=\"/staff/cases/{first}\"")),
        "{similar}"
    );
    assert!(similar.contains("同一企业"), "{similar}");
    assert!(
        similar.contains(&format!("action=\"/staff/cases/{second}/merge\"")),
        "{similar}"
    );

    // A district officer reads the case but is offered neither.
    app.add_user("baoan1", "district", None, Some("baoan"));
    let (district, _) = app.login("baoan1");
    let page = get(&app, &district, &format!("/staff/cases/{second}"));
    assert!(!page.contains("/merge\"") && !page.contains("/link\""));

    let r = app.send_form(
        &format!("/staff/cases/{second}/merge"),
        Some(&cookie),
        &format!("csrf={csrf}&into={first}"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/staff/cases/{first}?done=merge").as_str())
    );
    assert_eq!(case_json(&app, &cookie, second)["status"], "closed");
    assert_eq!(case_json(&app, &cookie, first)["tip_count"], 2);
}

/// The text a person reads on a page: tags and the English glosses
/// dropped, entities left as they are.
fn visible_zh(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    // Scripts and styles are not read.
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let skip_to = |tag: &str, r: &str| r.find(tag).map_or(r.len(), |e| e + tag.len());
        let n = if rest.starts_with("<span class=\"en\">") {
            skip_to("</span>", rest)
        } else if rest.starts_with("<style") {
            skip_to("</style>", rest)
        } else if rest.starts_with("<script") {
            skip_to("</script>", rest)
        } else {
            rest.find('>').map_or(rest.len(), |e| e + 1)
        };
        out.push(' ');
        rest = &rest[n..];
    }
    out.push_str(rest);
    out
}

#[test]
fn staff_pages_show_names_and_beijing_minutes_never_keys_or_utc() {
    let app = TestApp::spawn();
    let id = submit(
        &app,
        json!({
            "description": "沙井街道有家厂用中频炉熔废钢生产地条钢，300立方米的高炉也还在用。",
            "district": "宝安区",
            "industry": "钢铁",
            "dimensions": ["ditiaogang"],
        }),
    );
    app.add_user("dispatch1", "dispatcher", None, None);
    app.add_user("industry1", "bureau", Some("industry_it"), None);
    let (dc, dt) = app.login("dispatch1");
    let (bc, bt) = app.login("industry1");
    let act = |cookie: &str, csrf: &str, action: &str, body: Value| {
        let r = app.send(
            "POST",
            &format!("/api/v1/cases/{id}/{action}"),
            Some(cookie),
            Some(csrf),
            Some(&body),
        );
        assert!(matches!(r.status, 200 | 201), "{action}: {}", r.body);
    };
    let today = tipline::clock::local_day(tipline::clock::now()).to_string();
    let mut pages = vec![get(&app, &dc, &format!("/staff/cases/{id}"))];
    act(
        &dc,
        &dt,
        "dispatch",
        json!({"lead_bureau": "industry_it", "co_bureaus": ["market_regulation"], "district": "baoan", "dimensions": ["ditiaogang"]}),
    );
    act(&bc, &bt, "accept", json!({}));
    act(
        &bc,
        &bt,
        "verify",
        json!({"finding": "substantiated", "inspected_on": today, "inspectors": ["张三"], "evidence": "现场照片"}),
    );
    // The order form starts on what the plan requires for 地条钢, and says
    // where (a pack setting with its citation).
    let form = get(&app, &bc, &format!("/staff/cases/{id}"));
    assert!(
        form.contains("<option value=\"close\" selected>"),
        "closure preselected"
    );
    assert!(
        form.contains("已按方案预选：深圳2019 表5 钢铁(4)"),
        "with the plan's words"
    );
    act(&bc, &bt, "order", json!({"measure": "close"}));
    act(&dc, &dt, "supervise", json!({"body": "请抓紧办理。"}));
    for path in [
        format!("/staff/cases/{id}"),
        "/staff/queue?view=all".to_string(),
        "/staff/queue?view=mine".to_string(),
        "/staff/punishments".to_string(),
        format!("/staff/reports?period={}", &today[..4]),
    ] {
        pages.push(get(&app, &dc, &path));
    }
    pages.push(get(&app, &bc, &format!("/staff/cases/{id}")));

    let pack = &app.state.pack;
    let deadline_keys: Vec<String> = {
        let mut conn = app.state.db.read_conn().unwrap();
        use diesel::prelude::*;
        use tipline::db::schema::cases;
        let step: Option<String> = cases::table
            .find(id)
            .select(cases::due_step)
            .first(&mut *conn)
            .unwrap();
        step.into_iter().collect()
    };
    let keys: Vec<&str> = pack
        .bureaus
        .iter()
        .map(|b| b.key.as_str())
        .chain(pack.dimensions.iter().map(|d| d.key.as_str()))
        .chain(pack.districts.iter().map(|d| d.key.as_str()))
        .chain(pack.industries.iter().map(|d| d.key.as_str()))
        .chain(deadline_keys.iter().map(String::as_str))
        .chain(["hotline_ditiaogang_result", "case_dispatch"])
        .collect();
    // What the sweep reads is the page's text: the names are there, and
    // times to the minute.
    let case_text = visible_zh(&pages[1]);
    for name in ["市工业和信息化局", "宝安区", "地条钢", "钢铁"] {
        assert!(case_text.contains(name), "{name} not on the case page");
    }
    let minute = regex::Regex::new(r"20\d\d-\d\d-\d\d \d\d:\d\d").unwrap();
    assert!(minute.is_match(&case_text), "{case_text}");
    // Keys are in the markup (form values), not in the text.
    assert!(pages[0].contains("value=\"industry_it\""));
    let word = regex::Regex::new(r"[A-Za-z_][A-Za-z0-9_:.-]*").unwrap();
    let micro = regex::Regex::new(r"\d{2}:\d{2}:\d{2}(\.\d+)?").unwrap();
    for (n, page) in pages.iter().enumerate() {
        let text = visible_zh(page);
        let words: Vec<&str> = word.find_iter(&text).map(|m| m.as_str()).collect();
        for k in &keys {
            assert!(!words.contains(k), "page {n} shows the key {k}:\n{text}");
        }
        assert!(!text.contains("UTC"), "page {n} shows UTC");
        assert!(
            micro.find(&text).is_none(),
            "page {n} shows seconds: {:?}",
            micro.find(&text)
        );
    }
}
