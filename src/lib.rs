//! tipline: tips about obsolete and illegal industrial capacity, carried to
//! the bureau that must act. This file builds the actix `App`; everything
//! else lives in the modules below.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod evidence;
pub mod http;
pub mod jurisdiction;
pub mod matching;
pub mod metrics;
pub mod private_files;
pub mod routing;
pub mod secrets;
pub mod services;
pub mod startup;
pub mod state;
pub mod text;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{App, Error, web};

use state::AppState;

/// Headers on every response: no inline script, no framing, no referrer.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
}

/// HSTS when the service is reached over TLS: always when configured
/// (`TIPLINE_HSTS`), or when a proxy we trust says the request was HTTPS.
async fn hsts(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let tls = match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.edge.is_https(req.request()),
        None => false,
    };
    let mut res = next.call(req).await?;
    if tls {
        res.headers_mut().insert(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    Ok(res)
}

/// The whole service as an actix `App`.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|e, _| http::errors::ApiError::bad_query(&e.to_string()).into()),
        )
        .configure(http::routes)
        .default_service(web::to(http::not_found))
        .wrap(security_headers())
        .wrap(from_fn(hsts))
        .wrap(from_fn(http::pace::pace))
        .wrap(from_fn(http::observe::observe))
}
