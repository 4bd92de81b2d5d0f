//! Both migration folders give the same tables and columns, and processes
//! that start together on one database migrate it once.
use crate::common;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Col {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn pg_admin() -> String {
    std::env::var("TIPLINE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1/postgres".into())
}

#[test]
fn sqlite_and_postgres_migrations_give_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("s.db").display());
    let sqlite = tipline::db::Db::connect(&tipline::db::DbUrl::parse(&sqlite_url), 1).unwrap();
    sqlite.migrate().unwrap();
    let mut conn = sqlite.read_conn().unwrap();
    let mut lite: Vec<Col> = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
         AND m.name NOT LIKE 'tip_search%'",
    )
    .load(&mut *conn)
    .unwrap();
    lite.sort();

    let admin = pg_admin();
    let Ok(mut admin_conn) = PgConnection::establish(&admin) else {
        assert!(
            std::env::var("CI").is_err(),
            "PostgreSQL must be reachable in CI at {admin}"
        );
        eprintln!("skipped: no PostgreSQL at {admin}");
        return;
    };
    let name = format!("tipline_schema_{}", std::process::id());
    admin_conn
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    admin_conn
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    let pg =
        tipline::db::Db::connect(&tipline::db::DbUrl::parse(&format!("{base}/{name}")), 2).unwrap();
    pg.migrate().unwrap();
    let mut pconn = pg.read_conn().unwrap();
    let mut post: Vec<Col> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
           AND table_name NOT LIKE 'tip_search%'",
    )
    .load(&mut *pconn)
    .unwrap();
    post.sort();
    drop(pconn);
    drop(pg);
    admin_conn
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    assert!(!lite.is_empty());
    // The search index is the one table built differently on each backend
    // (an FTS5 virtual table with its shadow tables; a table with a trigram
    // GIN index), so it is left out here; tests/api/search.rs runs the same
    // searches on both.
    assert_eq!(lite, post);
}

/// Several processes started at once on a new database (as a deployment or
/// `tests/registry.rs` does): each must come up, and each migration must run
/// exactly once. Without a lock, one process finds the tables half made by
/// another and fails with "table … already exists".
#[test]
fn processes_that_start_together_migrate_once() {
    const PROCESSES: usize = 4;
    let db = common::TestDb::new();
    let url = tipline::db::DbUrl::parse(&db.url);
    let start = std::sync::Arc::new(std::sync::Barrier::new(PROCESSES));
    let applied: Vec<usize> = (0..PROCESSES)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                // Separate pools stand for separate processes.
                let pool = tipline::db::Db::connect(&url, 1).unwrap();
                start.wait();
                pool.migrate()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap().expect("migrate"))
        .collect();
    let folder = if db.is_postgres() {
        "migrations/postgres"
    } else {
        "migrations/sqlite"
    };
    let expected = std::fs::read_dir(folder).unwrap().count();
    assert_eq!(applied.iter().sum::<usize>(), expected, "{applied:?}");
    let pool = tipline::db::Db::connect(&url, 1).unwrap();
    assert!(pool.is_ready().unwrap());
}
