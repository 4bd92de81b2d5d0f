//! What the benches share: the keys of the Shenzhen pack, a small
//! deterministic generator (so both backends get the same data), timing,
//! and a fresh database of either backend.
#![allow(dead_code)]

pub const STATUSES: [&str; 9] = [
    "received",
    "dispatched",
    "returned",
    "verifying",
    "verified",
    "enforcing",
    "reinspected",
    "exit_accepted",
    "closed",
];
pub const DISTRICTS: [&str; 11] = [
    "futian",
    "luohu",
    "nanshan",
    "yantian",
    "baoan",
    "longgang",
    "longhua",
    "pingshan",
    "guangming",
    "dapeng",
    "shenshan",
];
pub const BUREAUS: [&str; 6] = [
    "industry_it",
    "development_reform",
    "ecology_environment",
    "market_regulation",
    "emergency_management",
    "water_affairs",
];
pub const INDUSTRIES: [&str; 12] = [
    "steel",
    "cement",
    "aluminium",
    "glass",
    "paper",
    "dyeing",
    "tanning",
    "battery",
    "copper",
    "lead",
    "power",
    "ceramics",
];
pub const DIMS: [&str; 6] = [
    "energy",
    "environment",
    "quality",
    "safety",
    "technology",
    "ditiaogang",
];

/// A small deterministic generator, so both backends get the same data.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() % xs.len()]
    }
}

/// Runs `f` `runs` times and prints the rows of its last run and the
/// p50/p95/max; returns the p95 in milliseconds.
pub fn measure(name: &str, runs: usize, mut f: impl FnMut() -> usize) -> f64 {
    use std::time::{Duration, Instant};
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = f();
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = ms(times[runs * 95 / 100]);
    println!(
        "{name:<44} rows {rows:>5}  p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
        ms(times[runs / 2]),
        p95,
        ms(times[runs - 1])
    );
    p95
}

/// Runs `run` on a fresh database: a new PostgreSQL database under the
/// admin URL in `TIPLINE_BENCH_PG` (dropped afterwards), else a SQLite file
/// in a temporary directory.
pub fn on_fresh_database(prefix: &str, run: impl FnOnce(&str)) {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};
    if let Ok(admin) = std::env::var("TIPLINE_BENCH_PG") {
        let name = format!("{prefix}_{}", std::process::id());
        let mut a = PgConnection::establish(&admin).expect("PostgreSQL admin connection");
        a.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        println!("== PostgreSQL ==");
        run(&format!("{base}/{name}"));
        a.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    } else {
        let dir = tempfile::tempdir().unwrap();
        println!("== SQLite ==");
        run(&format!(
            "sqlite://{}",
            dir.path().join("bench.db").display()
        ));
    }
}

/// After rows were written with explicit ids: move PostgreSQL's sequences
/// of `tables` past them (so later inserts do not collide) and refresh the
/// planner's statistics on either backend.
pub fn after_bulk_fill(conn: &mut tipline::db::DbConnection, tables: &[&str]) {
    use diesel::connection::SimpleConnection;
    let mut sql = String::new();
    if matches!(conn, tipline::db::DbConnection::Pg(_)) {
        for t in tables {
            sql += &format!(
                "SELECT setval(pg_get_serial_sequence('{t}','id'), (SELECT max(id) FROM {t})); "
            );
        }
    }
    conn.batch_execute(&(sql + "ANALYZE;")).unwrap();
}
