//! Configuration from flags and environment, with defaults that run out of
//! the box: SQLite in `./data`, the Shenzhen pack, 127.0.0.1:8080.
use std::path::PathBuf;

use clap::Args;

use crate::db::DbUrl;

/// Where `cargo run` keeps its data when no database is named.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tipline.db";

/// The database every subcommand uses.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// `sqlite://data/tipline.db` (default) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/tipline.db",
        global = true
    )]
    pub database_url: String,
    /// Connections per pool (SQLite readers; PostgreSQL all).
    #[arg(long, env = "TIPLINE_POOL_SIZE", global = true)]
    pub pool_size: Option<u32>,
}

impl DbArgs {
    pub fn url(&self) -> DbUrl {
        DbUrl::parse(&self.database_url)
    }

    pub fn pool_size(&self) -> u32 {
        self.pool_size.unwrap_or(match self.url() {
            DbUrl::Sqlite(_) => 4,
            DbUrl::Postgres(_) => 16,
        })
    }
}

/// Where keys live. Several processes on one PostgreSQL must share them:
/// give them the same `TIPLINE_SECRET` or secret file.
#[derive(Debug, Clone, Args)]
pub struct SecretArgs {
    /// Directory for the SQLite file's neighbours: the secret key file.
    #[arg(long, env = "TIPLINE_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// The master secret as 64 hex characters; overrides the secret file.
    #[arg(long, env = "TIPLINE_SECRET", hide_env_values = true, global = true)]
    pub secret: Option<String>,
    /// The secret file (default: DATA_DIR/secret.key, made on first start).
    #[arg(long, env = "TIPLINE_SECRET_FILE", global = true)]
    pub secret_file: Option<PathBuf>,
}

impl SecretArgs {
    pub fn secret_file(&self) -> PathBuf {
        self.secret_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("secret.key"))
    }
}

/// Which jurisdiction pack: one compiled into the binary, or a folder.
#[derive(Debug, Clone, Args)]
pub struct PackArgs {
    /// Jurisdiction pack compiled into the binary (a folder name under seeds/).
    #[arg(long, env = "TIPLINE_PACK", default_value = crate::jurisdiction::DEFAULT_PACK)]
    pub pack: String,
    /// A pack folder on disk, loaded and checked at start instead of the
    /// compiled pack: a new city, or next year's holidays, without a
    /// rebuild (`tipline pack export NAME DIR` writes one to start from).
    #[arg(long, env = "TIPLINE_PACK_DIR")]
    pub pack_dir: Option<PathBuf>,
}

impl Default for PackArgs {
    fn default() -> PackArgs {
        PackArgs {
            pack: crate::jurisdiction::DEFAULT_PACK.into(),
            pack_dir: None,
        }
    }
}

impl PackArgs {
    /// The pack, checked; every problem as file:line when it does not load.
    pub fn load(&self) -> anyhow::Result<crate::jurisdiction::Pack> {
        match &self.pack_dir {
            None => crate::startup::load_pack(&self.pack),
            Some(dir) => crate::jurisdiction::load_dir(dir).map_err(|errors| {
                let lines: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}/{e}", dir.display()))
                    .collect();
                anyhow::anyhow!(
                    "the pack in {} does not load (TIPLINE_PACK_DIR):\n{}",
                    dir.display(),
                    lines.join("\n")
                )
            }),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TIPLINE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub pack: PackArgs,
    /// Receipt lookups per minute per client.
    #[arg(long, env = "TIPLINE_LOOKUP_LIMIT", default_value_t = 30)]
    pub lookup_limit: u32,
    /// Deprecated: the same as `TIPLINE_TRUSTED_PROXIES=1`.
    #[arg(long, env = "TIPLINE_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// The proxies in front: a hop count (`1` for one nginx) or addresses and
    /// blocks (`127.0.0.1,10.0.0.0/8`). Forwarding headers are read from the
    /// right, and only when a trusted proxy sent them.
    #[arg(long, env = "TIPLINE_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Which header the proxies write: `x-forwarded-for` or `forwarded` (RFC 7239).
    #[arg(
        long,
        env = "TIPLINE_FORWARDED_HEADER",
        default_value = "x-forwarded-for"
    )]
    pub forwarded_header: String,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "TIPLINE_WORKERS")]
    pub workers: Option<usize>,
    /// Seconds to finish in-flight requests after SIGTERM.
    #[arg(long, env = "TIPLINE_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
    /// Seconds any request body may take; after that it must keep arriving
    /// at `TIPLINE_BODY_MIN_RATE` on average or it is cut off (408).
    #[arg(long, env = "TIPLINE_BODY_TIMEOUT", default_value_t = 60)]
    pub body_timeout: u64,
    /// Bytes per second a body must average once past the timeout.
    #[arg(long, env = "TIPLINE_BODY_MIN_RATE", default_value_t = 2048)]
    pub body_min_rate: u64,
    /// Hours after which a staff session ends however active it is.
    #[arg(long, env = "TIPLINE_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,
    /// The bearer token a Prometheus scraper sends to `/metrics`; without
    /// one, `/metrics` is not served.
    #[arg(long, env = "TIPLINE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    #[command(flatten)]
    pub intake: IntakeArgs,
}

/// Abuse resistance and evidence limits of the public intake.
#[derive(Debug, Clone, Args)]
pub struct IntakeArgs {
    /// Tips (and uploads) per minute per client on the form and the JSON API; 0 = off (load tests).
    #[arg(long, env = "TIPLINE_INTAKE_LIMIT", default_value_t = 10)]
    pub intake_limit: u32,
    /// Form posts per minute per client without a solved proof-of-work (JavaScript off).
    #[arg(long, env = "TIPLINE_INTAKE_LIMIT_NOJS", default_value_t = 3)]
    pub intake_limit_nojs: u32,
    /// Proof-of-work difficulty in leading zero bits of SHA-256 (16 ≈ 65,000 hashes).
    #[arg(long, env = "TIPLINE_POW_BITS", default_value_t = 16)]
    pub pow_bits: u8,
    /// Largest evidence file, in MiB.
    #[arg(long, env = "TIPLINE_MAX_FILE_MB", default_value_t = 20)]
    pub max_file_mb: u64,
    /// Largest total of one tip's files, in MiB.
    #[arg(long, env = "TIPLINE_MAX_TIP_MB", default_value_t = 50)]
    pub max_tip_mb: u64,
    /// Files per tip.
    #[arg(long, env = "TIPLINE_MAX_FILES", default_value_t = 5)]
    pub max_files: usize,
    /// Bytes an image may take once decoded (width × height × bytes per pixel), in MiB.
    #[arg(long, env = "TIPLINE_IMAGE_BUDGET_MB", default_value_t = 256)]
    pub image_budget_mb: u64,
    /// Bytes a PDF's object streams may inflate to, in MiB.
    #[arg(long, env = "TIPLINE_PDF_BUDGET_MB", default_value_t = 64)]
    pub pdf_budget_mb: u64,
    /// Upload bodies held in memory at once, all requests together, in MiB.
    #[arg(long, env = "TIPLINE_UPLOAD_MEMORY_MB", default_value_t = 256)]
    pub upload_memory_mb: u32,
    /// Where sealed evidence files live (default: DATA_DIR/files).
    #[arg(long, env = "TIPLINE_FILES_DIR")]
    pub files_dir: Option<PathBuf>,
    /// Send HSTS on every response (set when the service is only reachable over TLS).
    #[arg(long, env = "TIPLINE_HSTS", default_value_t = false)]
    pub hsts: bool,
}

impl Default for IntakeArgs {
    fn default() -> Self {
        IntakeArgs {
            intake_limit: 10,
            intake_limit_nojs: 3,
            pow_bits: 16,
            max_file_mb: 20,
            max_tip_mb: 50,
            max_files: 5,
            image_budget_mb: 256,
            pdf_budget_mb: 64,
            upload_memory_mb: 256,
            files_dir: None,
            hsts: false,
        }
    }
}

impl ServeArgs {
    pub fn body_pace(&self) -> crate::http::pace::BodyPace {
        crate::http::pace::BodyPace {
            grace: std::time::Duration::from_secs(self.body_timeout.max(1)),
            min_rate: self.body_min_rate,
            ..Default::default()
        }
    }

    /// How the service is reached, from the proxy and TLS settings.
    pub fn edge(&self) -> Result<crate::http::client::Edge, String> {
        use crate::http::client::{Edge, ForwardedHeader, TrustedProxies};
        let mut proxies = TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|e| format!("TIPLINE_TRUSTED_PROXIES: {e}"))?;
        if self.trust_proxy && proxies == TrustedProxies::None {
            proxies = TrustedProxies::Hops(1);
        }
        let header = match self.forwarded_header.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" | "" => ForwardedHeader::XForwardedFor,
            "forwarded" => ForwardedHeader::Forwarded,
            other => {
                return Err(format!(
                    "TIPLINE_FORWARDED_HEADER: {other:?} is neither x-forwarded-for nor forwarded"
                ));
            }
        };
        Ok(Edge {
            proxies,
            header,
            tls_only: self.intake.hsts,
        })
    }
}

impl IntakeArgs {
    /// The evidence gate: one decoder per core, the budgets, the pool.
    pub fn gate(&self) -> crate::evidence::gate::Gate {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        crate::evidence::gate::Gate::new(
            cores,
            self.upload_memory_mb,
            std::time::Duration::from_secs(30),
            crate::evidence::gate::Budget {
                image_bytes: self.image_budget_mb << 20,
                pdf_inflated: (self.pdf_budget_mb << 20) as usize,
            },
        )
    }

    pub fn upload_limits(&self) -> crate::domain::file_kind::UploadLimits {
        crate::domain::file_kind::UploadLimits {
            max_file_bytes: self.max_file_mb * 1024 * 1024,
            max_tip_bytes: self.max_tip_mb * 1024 * 1024,
            max_files: self.max_files,
        }
    }
}
