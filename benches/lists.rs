//! The public lists at 10,000 listed enterprises (issue 7, acceptance 4):
//! fills a fresh database and measures the p95 of what
//! `GET /api/v1/public/lists/{kind}` does — the derivation from case
//! measures and records (`services::lists::list`), the remembered list of
//! `services::list_cache` as requests meet it, and the JSON or CSV body.
//!
//!   cargo bench --bench lists                         # SQLite, release
//!   TIPLINE_BENCH_PG=postgres://postgres@127.0.0.1/postgres cargo bench --bench lists
//!   cargo test --bench lists                          # the same, debug build (slower)
//!   bash benches/lists-load.sh                        # over HTTP, with wrk
//!
//! Of the 10,000 enterprises, half are on the yellow list, 3,000 on the red
//! list (2,000 failed re-inspections, 1,000 closures) and 2,000 closed and
//! exited (red and on the exit list); 20,000 more cases have no measure.
use std::time::Instant;

use diesel::connection::SimpleConnection;
use tipline::db::{Db, DbConnection, DbUrl};
use tipline::domain::lists::{ListKind, csv_document};
use tipline::http::open_data::ListBody;
use tipline::services::list_cache::ListCache;
use tipline::services::lists::{CSV_HEADER, ListEntry, ListFilter, list};

#[path = "support/mod.rs"]
mod support;
use support::{BUREAUS, DIMS, DISTRICTS, INDUSTRIES, Lcg};

const LISTED: usize = 10_000;
const UNLISTED: usize = 20_000;
const BATCH: usize = 1_000;
const RUNS: usize = 100;
const COLD_RUNS: usize = 20;

/// The SQL text of one batch: enterprises, cases, measures, records.
fn batch(rng: &mut Lcg, from: usize) -> String {
    let mut ents = String::from(
        "INSERT INTO enterprises (id, credit_code, credit_code_valid, name, former_names, aliases, address, \
         district, industry, status, list_status, rev, created_at, updated_at) VALUES ",
    );
    let mut cases = String::from(
        "INSERT INTO cases (id, status, industry, district, dimensions, lead_bureau, co_bureaus, routing, \
         tip_count, first_seen_at, last_seen_at, created_at, updated_at, enterprise_id, candidates, \
         enterprise_credit_code, overdue) VALUES ",
    );
    let mut measures = String::from(
        "INSERT INTO case_measures (case_id, measure, rule_key, ordered_on, due_on, extensions, \
         extended_months, note, is_open, created_by, created_at) VALUES ",
    );
    let mut records = String::from(
        "INSERT INTO case_records (case_id, kind, detail, created_by, created_at) VALUES ",
    );
    let (mut nm, mut nr) = (0, 0);
    for id in from..from + BATCH {
        let sep = if id == from { "" } else { "," };
        let (district, industry) = (rng.pick(&DISTRICTS), rng.pick(&INDUSTRIES));
        let (lead, dim) = (rng.pick(&BUREAUS), rng.pick(&DIMS));
        let at = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            + chrono::Duration::minutes((id * 60) as i64);
        let day = at.date();
        let code = format!("91440300{id:010}");
        let listed = id <= LISTED;
        let enterprise = if listed {
            ents.push_str(&format!(
                "{}({id}, '{code}', true, '深圳市第{id}号实业有限公司', '', '', '{district}某街道{id}号', \
                 '{district}', '{industry}', 'active', 'none', 1, '{at}', '{at}')",
                if id == from { "" } else { "," }
            ));
            format!("{id}, '[]', '{code}'")
        } else {
            "NULL, '[]', NULL".to_string()
        };
        cases.push_str(&format!(
            "{sep}({id}, 'enforcing', '{industry}', '{district}', '{dim}', '{lead}', '', '{{}}', 1, \
             '{at}', '{at}', '{at}', '{at}', {enterprise}, false)"
        ));
        if !listed {
            continue;
        }
        let mut measure = |m: &str, days: i64| {
            let later = at + chrono::Duration::days(days);
            let due = day + chrono::Duration::days(days + 180);
            measures.push_str(&format!(
                "{}({id}, '{m}', NULL, '{}', '{due}', 0, 0, '', true, 'bench', '{later}')",
                if nm == 0 { "" } else { "," },
                later.date()
            ));
            nm += 1;
        };
        let kind = id % 10;
        match kind {
            0..=4 => measure("rectify", 1),
            5 | 6 => measure("rectify", 1),
            _ => measure("close", 1),
        }
        let mut record = |k: &str, detail: String| {
            let later = at + chrono::Duration::days(200);
            records.push_str(&format!(
                "{}({id}, '{k}', '{detail}', 'bench', '{later}')",
                if nr == 0 { "" } else { "," }
            ));
            nr += 1;
        };
        match kind {
            5 | 6 => record(
                "reinspection",
                format!(
                    r#"{{"passed":false,"inspected_on":"{}"}}"#,
                    day + chrono::Duration::days(200)
                ),
            ),
            8 | 9 => record(
                "exit",
                format!(
                    r#"{{"equipment":"{id}号中频炉","capacity":{}.5,"unit":"万吨/年"}}"#,
                    id % 40 + 1
                ),
            ),
            _ => {}
        }
    }
    let mut sql = String::from("BEGIN; ");
    if ents.ends_with(')') {
        sql.push_str(&ents);
        sql.push_str("; ");
    }
    sql.push_str(&cases);
    for (n, s) in [(nm, &measures), (nr, &records)] {
        if n > 0 {
            sql.push_str("; ");
            sql.push_str(s);
        }
    }
    sql.push_str("; COMMIT;");
    sql
}

fn fill(conn: &mut DbConnection) {
    let mut rng = Lcg(7);
    let start = Instant::now();
    for b in 0..(LISTED + UNLISTED) / BATCH {
        conn.batch_execute(&batch(&mut rng, b * BATCH + 1))
            .expect("insert batch");
    }
    support::after_bulk_fill(conn, &["cases", "enterprises"]);
    println!(
        "filled {LISTED} listed enterprises and {} cases in {:.1} s",
        LISTED + UNLISTED,
        start.elapsed().as_secs_f64()
    );
}

fn run(url: &str) {
    let db = Db::connect(&DbUrl::parse(url), 1).expect("connect");
    db.migrate().expect("migrate");
    let pack = tipline::jurisdiction::embedded_pack("shenzhen-2019").expect("the default pack");
    let mut conn = db.read_conn().unwrap();
    fill(&mut conn);
    let filters: [(&str, ListKind, ListFilter); 5] = [
        (
            "yellow, whole list",
            ListKind::Yellow,
            ListFilter::default(),
        ),
        ("red, whole list", ListKind::Red, ListFilter::default()),
        ("exit, whole list", ListKind::Exit, ListFilter::default()),
        (
            "yellow, district=baoan",
            ListKind::Yellow,
            ListFilter {
                district: Some("baoan".into()),
                ..Default::default()
            },
        ),
        (
            "red, industry=steel, year=2024",
            ListKind::Red,
            ListFilter {
                industry: Some("steel".into()),
                year: Some(2024),
                ..Default::default()
            },
        ),
    ];
    // The JSON body the API sends (`http::open_data`), and one page of it.
    let body = |entries: &[&ListEntry]| {
        serde_json::to_vec(&ListBody {
            list: ListKind::Yellow,
            title: "",
            total: entries.len(),
            count: entries.len(),
            page: None,
            per_page: None,
            entries,
        })
        .unwrap()
        .len()
    };
    println!("-- derived on every request (a list just changed), JSON body");
    for (name, kind, f) in &filters {
        support::measure(name, COLD_RUNS, || {
            let e = list(&mut conn, &pack, *kind, f).unwrap();
            body(&e.iter().collect::<Vec<_>>());
            e.len()
        });
    }
    println!(
        "-- as served: version check + remembered list and whole-list body (services::list_cache)"
    );
    let cache = ListCache::default();
    let mut worst: f64 = 0.0;
    for (name, kind, f) in &filters {
        let cached = cache.get(&mut conn, &pack, *kind, f).unwrap();
        let cached: Vec<ListEntry> = cached.entries().into_iter().cloned().collect();
        assert_eq!(cached, list(&mut conn, &pack, *kind, f).unwrap(), "{name}");
        worst = worst.max(support::measure(&format!("{name}, JSON"), RUNS, || {
            // As the API does: a whole list's body is made once.
            let e = cache.get(&mut conn, &pack, *kind, f).unwrap();
            e.body(false, |s| vec![0; body(&s.entries())]);
            e.len()
        }));
    }
    worst = worst.max(support::measure(
        "yellow, page 1 of 100, JSON",
        RUNS,
        || {
            let e = cache
                .get(&mut conn, &pack, ListKind::Yellow, &ListFilter::default())
                .unwrap();
            body(&e.page(1, 100));
            100
        },
    ));
    worst = worst.max(support::measure("yellow, whole list, CSV", RUNS, || {
        let e = cache
            .get(&mut conn, &pack, ListKind::Yellow, &ListFilter::default())
            .unwrap();
        e.body(true, |s| {
            let rows: Vec<Vec<String>> = s.entries().into_iter().map(ListEntry::csv_row).collect();
            csv_document(&CSV_HEADER, &rows).into_bytes()
        });
        e.len()
    }));
    println!("worst p95 as served {worst:.2} ms (target 50 ms)");
}

fn main() {
    // `TIPLINE_BENCH_FILL=URL`: fill that (empty) database and stop, so a
    // server can be measured on it over HTTP (benches/lists-load.sh).
    if let Ok(url) = std::env::var("TIPLINE_BENCH_FILL") {
        let db = Db::connect(&DbUrl::parse(&url), 1).expect("connect");
        db.migrate().expect("migrate");
        fill(&mut db.read_conn().unwrap());
        return;
    }
    support::on_fresh_database("tipline_bench_lists", run);
}
