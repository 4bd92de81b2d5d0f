//! The staff queue at 100,000 cases: fills a database fast and measures the
//! p95 of the queue pages staff actually open (issue 6, acceptance 5).
//!
//!   cargo bench --bench queue                         # SQLite, release
//!   TIPLINE_BENCH_PG=postgres://postgres@127.0.0.1/postgres cargo bench --bench queue
//!   cargo test --bench queue                          # the same, debug build (slower)
//!
//! Each query runs through the service's own SQL (`db::cases::list` and
//! `db::cases::counts`), 200 times, and the p50/p95/max are printed.
use std::time::Instant;

use diesel::connection::SimpleConnection;
use tipline::db::cases::{CaseFilter, counts, list};
use tipline::db::{Db, DbConnection, DbUrl};
use tipline::domain::role::Scope;

#[path = "support/mod.rs"]
mod support;
use support::{BUREAUS, DIMS, DISTRICTS, INDUSTRIES, Lcg, STATUSES};

const CASES: usize = 100_000;
const BATCH: usize = 1_000;
const RUNS: usize = 200;

/// Multi-row INSERTs as SQL text: diesel's multi-row insert does not compile
/// on the multi-backend connection, and text is fastest anyway. Only the
/// blob literal differs between the backends.
fn fill(conn: &mut DbConnection) {
    let pg = matches!(conn, DbConnection::Pg(_));
    let mut rng = Lcg(42);
    let start = Instant::now();
    for b in 0..CASES / BATCH {
        let mut cases = String::from(
            "INSERT INTO cases (id, status, industry, district, dimensions, lead_bureau, co_bureaus, routing, \
             tip_count, first_seen_at, last_seen_at, created_at, updated_at, due_step, due_on, overdue) VALUES ",
        );
        let mut tips = String::from(
            "INSERT INTO tips (id, receipt_hash, source, status, description, enterprise_name, district, industry, \
             dimensions, received_at, updated_at, case_id) VALUES ",
        );
        for i in 0..BATCH {
            let id = b * BATCH + i + 1;
            let status = rng.pick(&STATUSES);
            let district = rng.pick(&DISTRICTS);
            let lead = rng.pick(&BUREAUS);
            let co = rng.pick(&BUREAUS);
            let industry = rng.pick(&INDUSTRIES);
            let dim = rng.pick(&DIMS);
            // Spread over two years, newest last.
            let at = chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                + chrono::Duration::minutes((id * 10) as i64);
            let due = (at + chrono::Duration::days(20)).date();
            let overdue = status != "closed" && rng.next() % 20 == 0;
            let sep = if i == 0 { "" } else { "," };
            cases.push_str(&format!(
                "{sep}({id}, '{status}', '{industry}', '{district}', '{dim}', '{lead}', ',{co},', '{{}}', 1, \
                 '{at}', '{at}', '{at}', '{at}', 'verify', '{due}', {overdue})"
            ));
            let hash = format!("{:064x}", id as u128 * 0x9e37_79b9_7f4a_7c15);
            let blob = if pg {
                format!("'\\x{hash}'::bytea")
            } else {
                format!("X'{hash}'")
            };
            tips.push_str(&format!(
                "{sep}({id}, {blob}, 'web', 'received', '第{id}号举报：{district}某{industry}厂涉嫌{dim}问题，夜间生产。', \
                 '深圳市第{id}号企业', '{district}', '{industry}', '{dim}', '{at}', '{at}', {id})"
            ));
        }
        conn.batch_execute(&format!("BEGIN; {cases}; {tips}; COMMIT;"))
            .expect("insert batch");
    }
    support::after_bulk_fill(conn, &["cases", "tips"]);
    println!(
        "filled {CASES} cases and {CASES} tips in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

fn measure(name: &str, conn: &mut DbConnection, mut f: impl FnMut(&mut DbConnection) -> usize) {
    support::measure(name, RUNS, || f(conn));
}

fn page(f: CaseFilter) -> CaseFilter {
    CaseFilter { limit: 50, ..f }
}

fn run(url: &str) {
    let db = Db::connect(&DbUrl::parse(url), 1).expect("connect");
    db.migrate().expect("migrate");
    let mut conn = db.read_conn().unwrap();
    fill(&mut conn);
    let all = Scope::All;
    let bureau = Scope::Bureau("ecology_environment".into());
    let district = Scope::District("baoan".into());
    let mut q = |name: &str, scope: &Scope, f: CaseFilter| {
        measure(name, &mut conn, |c| list(c, scope, &f).unwrap().len());
    };
    q(
        "queue, newest first (dispatcher)",
        &all,
        page(CaseFilter::default()),
    );
    q(
        "queue, page 100 (keyset)",
        &all,
        page(CaseFilter {
            before_id: Some(95_000),
            ..Default::default()
        }),
    );
    q(
        "new cases (status=received)",
        &all,
        page(CaseFilter {
            status: Some("received".into()),
            ..Default::default()
        }),
    );
    q(
        "overdue",
        &all,
        page(CaseFilter {
            overdue: Some(true),
            ..Default::default()
        }),
    );
    q(
        "bureau scope (lead or co-handler)",
        &bureau,
        page(CaseFilter::default()),
    );
    q(
        "district scope + industry",
        &district,
        page(CaseFilter {
            industry: Some("steel".into()),
            ..Default::default()
        }),
    );
    q(
        "dimension filter",
        &all,
        page(CaseFilter {
            dimension: Some("ditiaogang".into()),
            ..Default::default()
        }),
    );
    q(
        "oldest first",
        &all,
        page(CaseFilter {
            oldest_first: true,
            ..Default::default()
        }),
    );
    q(
        "date range (one month)",
        &all,
        page(CaseFilter {
            since: chrono::NaiveDate::from_ymd_opt(2025, 6, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
            until: chrono::NaiveDate::from_ymd_opt(2025, 7, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
            ..Default::default()
        }),
    );
    let text = tipline::domain::search::SearchText::parse("第99999号")
        .unwrap()
        .unwrap();
    measure("text search q=第99999号 (db::search)", &mut conn, |c| {
        tipline::db::search::search(c, &all, &page(CaseFilter::default()), &text)
            .unwrap()
            .rows
            .len()
    });
    for (name, scope) in [
        ("counts (dispatcher)", &all),
        ("counts (bureau)", &bureau),
        ("counts (district)", &district),
    ] {
        measure(name, &mut conn, |c| {
            counts(c, scope).unwrap().mine as usize % 1000
        });
    }
}

fn main() {
    support::on_fresh_database("tipline_bench", run);
}
