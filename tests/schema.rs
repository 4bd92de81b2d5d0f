//! Both migration folders give the same tables and columns.
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
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'",
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
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
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
    assert_eq!(lite, post);
}
