//! Configuration from flags and environment, with defaults that run out of
//! the box: SQLite in `./data`, the Shenzhen pack, 127.0.0.1:8080.
use std::path::PathBuf;

use clap::Args;

use crate::db::DbUrl;

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
}
