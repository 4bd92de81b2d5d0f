//! The write ceiling that intake is measured against (benches/intake-load.sh):
//! a server on the same stack (actix-web, tipline's pools and pragmas) whose
//! `POST /api/v1/tips` inserts the body as one row and answers 201, nothing
//! else. `DATABASE_URL` and `TIPLINE_BIND` as for tipline.
use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use tipline::db::{Db, DbError, DbUrl};

async fn insert(db: web::Data<Db>, body: web::Bytes) -> HttpResponse {
    let text = String::from_utf8_lossy(&body).into_owned();
    let sql = match db.backend() {
        tipline::db::Backend::Sqlite => "INSERT INTO bare (body) VALUES (?)",
        tipline::db::Backend::Postgres => "INSERT INTO bare (body) VALUES ($1)",
    };
    let done = db
        .write(move |conn| -> Result<usize, DbError> {
            Ok(diesel::sql_query(sql).bind::<Text, _>(text).execute(conn)?)
        })
        .await;
    match done {
        Ok(_) => HttpResponse::Created().json(serde_json::json!({"ok": true})),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = DbUrl::parse(&std::env::var("DATABASE_URL").expect("DATABASE_URL"));
    let bind = std::env::var("TIPLINE_BIND").unwrap_or_else(|_| "127.0.0.1:18182".into());
    let db = Db::connect(&url, 16).expect("the database");
    let ddl = match &url {
        DbUrl::Sqlite(_) => {
            "CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
        }
        DbUrl::Postgres(_) => {
            "CREATE TABLE IF NOT EXISTS bare (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)"
        }
    };
    db.write_tx(|c| -> Result<(), DbError> { Ok(c.batch_execute(ddl)?) })
        .expect("the table");
    let db = web::Data::new(db);
    HttpServer::new(move || {
        App::new()
            .app_data(db.clone())
            .route("/api/v1/tips", web::post().to(insert))
            .route("/readyz", web::get().to(HttpResponse::Ok))
    })
    .bind(bind)?
    .run()
    .await
}
