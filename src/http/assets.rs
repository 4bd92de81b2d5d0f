//! Static files under frontend/static, compiled into the binary.
use actix_web::{HttpResponse, web};
use include_dir::{Dir, include_dir};

static STATIC: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/frontend/static");

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

pub async fn file(path: web::Path<String>) -> HttpResponse {
    match STATIC.get_file(path.as_str()) {
        Some(f) => HttpResponse::Ok()
            .content_type(content_type(path.as_str()))
            .insert_header(("Cache-Control", "public, max-age=3600"))
            .body(f.contents()),
        None => super::public::error_page(actix_web::http::StatusCode::NOT_FOUND),
    }
}
