//! What every request handler shares: built once per process, cloned into
//! each actix worker.
use std::sync::Arc;

use crate::db::Db;
use crate::domain::file_kind::UploadLimits;
use crate::evidence::store::Vault;
use crate::http::pow::Pow;
use crate::jurisdiction::Pack;
use crate::metrics::Metrics;
use crate::routing::Router;
use crate::secrets::Secrets;
use crate::services::limiter::ClientLimiter;
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
    pub lookup_limiter: Arc<ClientLimiter>,
    pub metrics: Arc<Metrics>,
    /// The proxies in front and TLS: the client address and scheme come from here.
    pub edge: Arc<crate::http::client::Edge>,
    /// One rate limit per relay (issue 5).
    pub relay_limits: Arc<crate::services::relay::limits::RelayLimits>,
    /// Tips and uploads per client (`TIPLINE_INTAKE_LIMIT`).
    pub intake_limiter: Arc<ClientLimiter>,
    /// Form posts without a solved proof-of-work (`TIPLINE_INTAKE_LIMIT_NOJS`).
    pub nojs_limiter: Arc<ClientLimiter>,
    pub pow: Arc<Pow>,
    pub vault: Vault,
    /// Decoder slots, decoding budgets and the upload memory pool.
    pub gate: Arc<crate::evidence::gate::Gate>,
    /// How fast request bodies must arrive (http/pace.rs).
    pub body_pace: crate::http::pace::BodyPace,
    /// A staff session's absolute lifetime (`TIPLINE_SESSION_HOURS`).
    pub session_lifetime: chrono::Duration,
    /// The bearer token `/metrics` asks for; none: `/metrics` is not served.
    pub metrics_token: Option<Arc<str>>,
    pub upload_limits: UploadLimits,
    /// The public lists between changes (services/list_cache.rs).
    pub list_cache: Arc<crate::services::list_cache::ListCache>,
}
