//! Connections and pools.
//!
//! diesel's derived `MultiConnection::establish` tries each backend in turn
//! and loses the real error, so [`Manager`] picks the backend from the URL
//! scheme and keeps SQLite's or libpq's own message (STACK.md).
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Key of the PostgreSQL advisory lock that serialises migrations and pack
/// loading when several processes start at once.
const PG_STARTUP_LOCK: i64 = 0x0074_6970_6c69_6e65;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database URL.
#[derive(Debug, Clone)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbUrl {
    /// `postgres://…`, `postgresql://…`, `sqlite://path`, `sqlite:path` or a bare path.
    pub fn parse(url: &str) -> DbUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut url = url.to_string();
            // Fail fast on an unreachable host instead of libpq's default wait.
            if !url.contains("connect_timeout") {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str("connect_timeout=5");
            }
            return DbUrl::Postgres(url);
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        DbUrl::Sqlite(PathBuf::from(path))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Postgres(_) => Backend::Postgres,
        }
    }

    fn connect(&self) -> ConnectionResult<DbConnection> {
        match self {
            DbUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                SqliteConnection::establish(&path).map(DbConnection::Sqlite)
            }
            DbUrl::Postgres(url) => PgConnection::establish(url).map(DbConnection::Pg),
        }
    }

    /// The SQLite file, if this is SQLite.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DbUrl::Sqlite(p) => Some(p),
            DbUrl::Postgres(_) => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] ConnectionError),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations: {0}")]
    Migration(String),
    #[error("the blocking thread pool is gone")]
    Canceled,
    /// A grouped transaction (db/group_commit.rs) did not commit.
    #[error("the grouped transaction failed: {0}")]
    CommitFailed(String),
}

impl DbError {
    /// A unique constraint refused the write (a race another request won).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

pub struct Manager(DbUrl);

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// SQLite pragmas, set on every new connection.
#[derive(Debug)]
struct SqlitePragmas {
    /// Page cache in KiB. Large for the one writer (imports walk a big
    /// index); small for readers, whose cache SQLite drops after every
    /// write by another connection — a large one makes that drop costly.
    cache_kib: u32,
}

impl CustomizeConnection<DbConnection, ConnectionError> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA cache_size = -{};",
                self.cache_kib
            ))
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
        }
        Ok(())
    }
}

/// The diesel backend of [`DbConnection`], for boxed queries.
pub type DbBackend = <DbConnection as diesel::Connection>::Backend;

type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Serialise writers that decide on the same thing (e.g. "is there an open
/// case for this enterprise?") until the transaction ends. PostgreSQL only:
/// SQLite write transactions are already serial (`BEGIN IMMEDIATE`).
pub fn lock_in_transaction(conn: &mut DbConnection, space: i32, key: i64) -> QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        let key = (key ^ (key >> 32)) as i32;
        c.batch_execute(&format!("SELECT pg_advisory_xact_lock({space}, {key})"))?;
    }
    Ok(())
}

/// The pools of one process. On SQLite, writes go through a pool of one
/// connection (more only adds lock waits, STACK.md) and reads through their
/// own pool, which WAL lets run beside the writer. On PostgreSQL both are the
/// same pool.
#[derive(Clone)]
pub struct Db {
    url: DbUrl,
    write: Pool,
    read: Pool,
    group: std::sync::Arc<super::group_commit::GroupCommit>,
    /// `TIPLINE_GROUP_COMMIT=off` commits each grouped write alone (to
    /// compare; see benches/intake-load.sh).
    grouping: bool,
}

impl Db {
    /// Connect once directly, so a wrong URL fails at once with the
    /// database's own message, then build the pools.
    pub fn connect(url: &DbUrl, pool_size: u32) -> Result<Db, DbError> {
        if let DbUrl::Sqlite(path) = url {
            // 0600 before SQLite opens it: its -wal and -shm take the same mode.
            crate::private_files::make_file(path).map_err(|e| {
                DbError::Connect(ConnectionError::BadConnection(format!(
                    "cannot create {}: {e}",
                    path.display()
                )))
            })?;
        }
        drop(url.connect()?);
        let build = |size: u32, cache_kib: u32| {
            let builder = r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(5));
            let builder = match url {
                DbUrl::Sqlite(_) => {
                    builder.connection_customizer(Box::new(SqlitePragmas { cache_kib }))
                }
                DbUrl::Postgres(_) => builder,
            };
            builder.build(Manager(url.clone()))
        };
        let (write, read) = match url {
            DbUrl::Sqlite(_) => (build(1, 65_536)?, build(pool_size.max(1), 2_048)?),
            DbUrl::Postgres(_) => {
                let pool = build(pool_size.max(2), 0)?;
                (pool.clone(), pool)
            }
        };
        Ok(Db {
            url: url.clone(),
            write,
            read,
            group: Default::default(),
            grouping: !matches!(
                std::env::var("TIPLINE_GROUP_COMMIT")
                    .as_deref()
                    .map(str::trim),
                Ok("off" | "0" | "false" | "no")
            ),
        })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// A connection for reads, on the calling thread (CLI and blocking code).
    pub fn read_conn(&self) -> Result<PooledConn, DbError> {
        Ok(self.read.get()?)
    }

    /// Run `f` inside one write transaction on the calling thread. On SQLite
    /// the transaction is `BEGIN IMMEDIATE`, so it takes the write lock up
    /// front (waiting on `busy_timeout`) instead of failing when a read turns
    /// into a write. `f` must not open transactions of its own.
    pub fn write_tx<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError> + From<diesel::result::Error>,
    {
        let mut conn = self.write.get().map_err(DbError::from)?;
        let conn: &mut DbConnection = &mut conn;
        match conn {
            DbConnection::Pg(_) => conn.transaction(f),
            DbConnection::Sqlite(_) => {
                conn.batch_execute("BEGIN IMMEDIATE")?;
                match f(conn) {
                    Ok(v) => match conn.batch_execute("COMMIT") {
                        Ok(()) => Ok(v),
                        Err(e) => {
                            let _ = conn.batch_execute("ROLLBACK");
                            Err(e.into())
                        }
                    },
                    Err(e) => {
                        let _ = conn.batch_execute("ROLLBACK");
                        Err(e)
                    }
                }
            }
        }
    }

    /// Like [`Db::write_tx`] for a short write that many requests make at
    /// once (a citizen's tip): on SQLite, writes that wait for the single
    /// writer are committed together, each in its own savepoint, and each
    /// caller gets its result after the shared COMMIT (db/group_commit.rs).
    /// On PostgreSQL, one transaction per call. Blocking.
    pub fn write_grouped<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        if self.backend() == Backend::Postgres || !self.grouping {
            return self.write_tx(f);
        }
        self.group.submit(f, |body| {
            self.write_tx(|conn| -> Result<(), DbError> {
                body(conn);
                Ok(())
            })
        })
    }

    /// [`Db::write_tx`] on a blocking thread.
    pub async fn write<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        let db = self.clone();
        actix_web::rt::task::spawn_blocking(move || db.write_tx(f))
            .await
            .map_err(|_| E::from(DbError::Canceled))?
    }

    /// Run `f` on a blocking thread with the pools at hand, for work that
    /// mixes computation and transactions.
    pub async fn blocking<T, E>(
        &self,
        f: impl FnOnce(&Db) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        actix_web::rt::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|_| E::from(DbError::Canceled))?
    }

    /// Run `f` with a read connection on a blocking thread.
    pub async fn read<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        actix_web::rt::task::spawn_blocking(move || {
            let mut conn = db.read_conn()?;
            f(&mut conn)
        })
        .await
        .map_err(|_| E::from(DbError::Canceled))?
    }

    /// Apply pending migrations, holding a lock so that processes starting
    /// together on one database do not race: the one that waits finds
    /// nothing pending. PostgreSQL takes an advisory lock; SQLite takes the
    /// write lock up front (`BEGIN IMMEDIATE`, waiting on `busy_timeout`),
    /// and diesel runs each migration in a savepoint inside it.
    pub fn migrate(&self) -> Result<usize, DbError> {
        let mut conn = self.write.get()?;
        let failed =
            |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
        match &mut *conn {
            DbConnection::Sqlite(c) => c.immediate_transaction(|c| {
                c.run_pending_migrations(SQLITE_MIGRATIONS)
                    .map(|v| v.len())
                    .map_err(failed)
            }),
            DbConnection::Pg(c) => {
                c.batch_execute(&format!("SELECT pg_advisory_lock({PG_STARTUP_LOCK})"))?;
                let r = c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len());
                c.batch_execute(&format!("SELECT pg_advisory_unlock({PG_STARTUP_LOCK})"))?;
                r.map_err(failed)
            }
        }
    }

    /// True when the database answers and no migration is pending.
    pub fn is_ready(&self) -> Result<bool, DbError> {
        let mut conn = self.read.get()?;
        let pending = match &mut *conn {
            DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
            DbConnection::Pg(c) => c.has_pending_migration(PG_MIGRATIONS),
        };
        pending
            .map(|p| !p)
            .map_err(|e| DbError::Migration(e.to_string()))
    }

    /// Whether the database takes a write now: one small committed update
    /// (a read-only database, a full disk or a lost writer fails it).
    pub fn takes_writes(&self) -> Result<(), DbError> {
        self.write_tx(|conn| {
            let now = crate::clock::now();
            super::settings::put(conn, "readyz_probe", &now.to_string(), now)?;
            Ok(())
        })
    }

    /// Run `f` in a write transaction while holding the startup lock, so
    /// only one process loads the pack at a time.
    pub fn with_startup_lock<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.write_tx(|conn| {
            if let DbConnection::Pg(c) = conn {
                c.batch_execute(&format!("SELECT pg_advisory_xact_lock({PG_STARTUP_LOCK})"))?;
            }
            f(conn)
        })
    }
}
