//! Search at 10,000 and 100,000 tips (issue 20): fills a fresh database
//! through the service layer — `services::intake::check`, `prepare` (routing,
//! matching, receipt) and `insert_tip` (case grouping, the tip, its first
//! update; the search triggers fire as in production), 200 tips a
//! transaction — then measures, as served by `services::cases::list` (the
//! queue page's and `GET /api/v1/cases`' own call, excerpts included):
//! the queue, a selective search, broad searches (first page with its
//! bounded count, and a later page), a two-character search, a district's
//! search.
//!
//!   cargo bench --bench search                        # SQLite, release
//!   TIPLINE_BENCH_PG=postgres://postgres@127.0.0.1/postgres cargo bench --bench search
//!   TIPLINE_BENCH_SIZES=10000,100000,1000000 cargo bench --bench search
use std::time::Instant;

use tipline::config::{DbArgs, SecretArgs, ServeArgs};
use tipline::domain::role::Scope;
use tipline::domain::tip::TipInput;
use tipline::domain::tip_status::TipSource;
use tipline::services::cases::{CaseFilter, list};
use tipline::services::intake;
use tipline::state::AppState;

#[path = "support/mod.rs"]
mod support;
use support::Lcg;

const RUNS: usize = 100;
const TX: usize = 200;

const DISTRICTS: [&str; 8] = [
    "宝安区",
    "龙岗区",
    "福田区",
    "南山区",
    "龙华区",
    "坪山区",
    "光明区",
    "罗湖区",
];
const STREETS: [&str; 8] = [
    "沙井街道",
    "松岗街道",
    "横岗街道",
    "坪地街道",
    "观澜街道",
    "福永街道",
    "石岩街道",
    "布吉街道",
];
const WHAT: [&str; 6] = [
    "晚上偷偷用中频炉炼钢，烟囱冒黑烟",
    "用中频炉熔化废钢做地条钢，噪声很大",
    "中频炉整夜开工，运废钢的货车进进出出",
    "厂里的中频炉没有环评，废渣堆在河边",
    "疑似用中频炉生产建筑用钢筋，没有营业执照",
    "印染车间夜里偷排废水，河水发黑",
];
const SEEN: [&str; 5] = [
    "邻居说已经好几个月了",
    "味道很刺鼻，老人小孩都咳嗽",
    "门口挂着别的公司的牌子",
    "工人说是给外地送货",
    "白天关门，晚上十点以后开工",
];

/// A tip in a caller's words; `tag` is a phrase only this tip has.
fn tip(rng: &mut Lcg, n: usize) -> TipInput {
    let d = rng.pick(&DISTRICTS);
    let s = rng.pick(&STREETS);
    TipInput {
        description: format!(
            "{d}{s}有一家厂{}，{}。登记编号{}。",
            rng.pick(&WHAT),
            rng.pick(&SEEN),
            tag(n)
        ),
        enterprise_name: (rng.next() % 3 == 0).then(|| format!("深圳市{}实业有限公司", tag(n))),
        enterprise_credit_code: None,
        address: Some(format!("{d}{s}{}号", rng.next() % 5000)),
        district: Some(d.to_string()),
        industry: Some("钢铁".into()),
        dimensions: Some(vec!["ditiaogang".into()]),
        occurred_on: None,
        contact: None,
    }
}

/// Five characters unique to tip `n` (a base-20 number in Chinese digits).
fn tag(n: usize) -> String {
    const DIGITS: [char; 20] = [
        '甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸', '子', '丑', '寅', '卯', '辰',
        '巳', '午', '未', '申', '酉',
    ];
    let mut x = n;
    let mut s = String::new();
    for _ in 0..5 {
        s.push(DIGITS[x % 20]);
        x /= 20;
    }
    s
}

fn fill(state: &AppState, rng: &mut Lcg, from: usize, to: usize) {
    let start = Instant::now();
    let mut n = from;
    while n < to {
        let batch: Vec<intake::Prepared> = (n..(n + TX).min(to))
            .map(|i| {
                let draft = intake::check(state, tip(rng, i)).expect("a valid tip");
                intake::prepare(state, draft, TipSource::Api)
            })
            .collect();
        n += batch.len();
        state
            .db
            .write_tx(|conn| {
                for p in &batch {
                    intake::insert_tip(conn, p)?;
                }
                Ok::<_, tipline::services::ServiceError>(())
            })
            .expect("insert");
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "filled tips {from}..{to} in {secs:.1} s ({:.0} tips/s)",
        (to - from) as f64 / secs
    );
}

fn run(url: &str, sizes: &[usize]) {
    let dir = tempfile::tempdir().unwrap();
    let serve = ServeArgs {
        bind: "127.0.0.1:0".into(),
        pack: Default::default(),
        lookup_limit: 0,
        trust_proxy: false,
        trusted_proxies: String::new(),
        forwarded_header: "x-forwarded-for".into(),
        metrics_token: None,
        session_hours: 12,
        body_timeout: 60,
        body_min_rate: 2048,
        workers: Some(1),
        shutdown_timeout: 1,
        intake: Default::default(),
    };
    let state = tipline::startup::prepare(
        &DbArgs {
            database_url: url.into(),
            pool_size: Some(4),
        },
        &SecretArgs {
            data_dir: dir.path().to_path_buf(),
            secret: None,
            secret_file: None,
        },
        &serve,
    )
    .expect("prepare");
    let rt = actix_rt::System::new();
    let mut rng = Lcg(7);
    let mut filled = 0;
    for &size in sizes {
        fill(&state, &mut rng, filled, size);
        filled = size;
        {
            use diesel::connection::SimpleConnection;
            let mut c = state.db.read_conn().unwrap();
            c.batch_execute("ANALYZE").unwrap();
        }
        let cases = rt
            .block_on(tipline::services::cases::counts(&state, Scope::All))
            .map(|c| c.new)
            .unwrap_or(0);
        println!("-- {size} tips, {cases} cases received --");
        let page = |scope: Scope, q: Option<String>, before: Option<i64>| {
            let f = CaseFilter {
                q,
                before_id: before,
                limit: 50,
                ..Default::default()
            };
            let p = rt.block_on(list(&state, scope, f)).expect("list");
            (p.items.len(), p.next)
        };
        support::measure("queue, newest first", RUNS, || {
            page(Scope::All, None, None).0
        });
        let mut pick = Lcg(size as u64);
        support::measure("selective search (one tip's 5-char tag)", RUNS, || {
            page(Scope::All, Some(tag(pick.next() % size)), None).0
        });
        support::measure("selective search, enterprise name", RUNS, || {
            page(
                Scope::All,
                Some(format!("{}实业", tag(pick.next() % size))),
                None,
            )
            .0
        });
        support::measure("broad search 中频炉, first page + count", RUNS, || {
            page(Scope::All, Some("中频炉".into()), None).0
        });
        let second = page(Scope::All, Some("中频炉".into()), None)
            .1
            .and_then(|c| c.parse().ok());
        support::measure("broad search 中频炉, second page", RUNS, || {
            page(Scope::All, Some("中频炉".into()), second).0
        });
        support::measure("broad, two words 中频炉 沙井街道", RUNS, || {
            page(Scope::All, Some("中频炉 沙井街道".into()), None).0
        });
        support::measure("short search 废钢 (2 chars, scan)", RUNS, || {
            page(Scope::All, Some("废钢".into()), None).0
        });
        support::measure("district scope, broad 中频炉", RUNS, || {
            page(Scope::District("baoan".into()), Some("中频炉".into()), None).0
        });
        support::measure("no match 不存在的短语", RUNS, || {
            page(Scope::All, Some("不存在的短语".into()), None).0
        });
        let pg = url.starts_with("postgres");
        let mb = |sql: &str| {
            one_number(&state, sql)
                .map(|b| b as f64 / 1e6)
                .unwrap_or(f64::NAN)
        };
        let (total, index) = if pg {
            (
                mb("SELECT pg_database_size(current_database())::bigint AS bytes"),
                mb("SELECT pg_total_relation_size('tip_search')::bigint AS bytes"),
            )
        } else {
            (
                mb(
                    "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()",
                ),
                mb(
                    "SELECT (SELECT coalesce(sum(length(block)), 0) FROM tip_search_data) \
                    + (SELECT coalesce(sum(length(c0)), 0) FROM tip_search_content) AS bytes",
                ),
            )
        };
        println!("database size {total:.1} MB, of which the search table and index {index:.1} MB");
    }
}

/// One number from the database (sizes in bytes).
fn one_number(state: &AppState, sql: &str) -> Option<i64> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        bytes: i64,
    }
    let mut conn = state.db.read_conn().ok()?;
    diesel::sql_query(sql)
        .get_result::<Size>(&mut *conn)
        .ok()
        .map(|s| s.bytes)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("TIPLINE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    support::on_fresh_database("tipline_search_bench", |url| run(url, &sizes));
}
