//! What every request handler shares: built once per process, cloned into
//! each actix worker.
use std::sync::Arc;

use crate::db::Db;
use crate::domain::file_kind::UploadLimits;
use crate::evidence::store::Vault;
use crate::http::limiter::RateLimiter;
use crate::http::pow::Pow;
use crate::jurisdiction::Pack;
use crate::metrics::Metrics;
use crate::routing::Router;
use crate::secrets::Secrets;
use crate::services::live_index::LiveIndex;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub pack: Arc<Pack>,
    /// The pack's word lists and rules, compiled once.
    pub router: Arc<Router>,
    /// The enterprise registry's match index, kept current (live_index.rs).
    pub registry: Arc<LiveIndex>,
    pub secrets: Arc<Secrets>,
    pub lookup_limiter: Arc<RateLimiter>,
    pub metrics: Arc<Metrics>,
    pub trust_proxy: bool,
    /// One rate limit per relay (issue 5).
    pub relay_limits: Arc<crate::services::relay::limits::RelayLimits>,
    /// Tips and uploads per client (`TIPLINE_INTAKE_LIMIT`).
    pub intake_limiter: Arc<RateLimiter>,
    /// Form posts without a solved proof-of-work (`TIPLINE_INTAKE_LIMIT_NOJS`).
    pub nojs_limiter: Arc<RateLimiter>,
    pub pow: Arc<Pow>,
    pub vault: Vault,
    pub upload_limits: UploadLimits,
    /// Send HSTS regardless of how the request arrived.
    pub hsts: bool,
    /// The public lists between changes (services/list_cache.rs).
    pub list_cache: Arc<crate::services::list_cache::ListCache>,
}
