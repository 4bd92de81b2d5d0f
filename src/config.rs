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

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TIPLINE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Jurisdiction pack (a folder name under seeds/).
    #[arg(long, env = "TIPLINE_PACK", default_value = crate::jurisdiction::DEFAULT_PACK)]
    pub pack: String,
    /// Receipt lookups per minute per client.
    #[arg(long, env = "TIPLINE_LOOKUP_LIMIT", default_value_t = 30)]
    pub lookup_limit: u32,
    /// Take the client address from X-Forwarded-For (only behind a proxy you run).
    #[arg(long, env = "TIPLINE_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "TIPLINE_WORKERS")]
    pub workers: Option<usize>,
    /// Seconds to finish in-flight requests after SIGTERM.
    #[arg(long, env = "TIPLINE_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
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
            files_dir: None,
            hsts: false,
        }
    }
}

impl IntakeArgs {
    pub fn upload_limits(&self) -> crate::domain::file_kind::UploadLimits {
        crate::domain::file_kind::UploadLimits {
            max_file_bytes: self.max_file_mb * 1024 * 1024,
            max_tip_bytes: self.max_tip_mb * 1024 * 1024,
            max_files: self.max_files,
        }
    }
}
