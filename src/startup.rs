//! Bringing a process up: connect, migrate, load the pack, read the keys,
//! serve until SIGTERM.
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::config::{DbArgs, SecretArgs, ServeArgs};
use crate::db::{Db, reference};
use crate::evidence::store::{LocalDir, Vault};
use crate::http::pow::Pow;
use crate::jurisdiction::{self, Pack};
use crate::metrics::Metrics;
use crate::routing::Router;
use crate::secrets::Secrets;
use crate::services::limiter::{ClientLimiter, SharedCounts};
use crate::services::live_index::LiveIndex;
use crate::state::AppState;

/// Connect to the database; a wrong URL fails here with the database's own message.
pub fn connect(db: &DbArgs) -> anyhow::Result<Db> {
    Ok(Db::connect(&db.url(), db.pool_size())?)
}

pub fn load_pack(name: &str) -> anyhow::Result<Pack> {
    jurisdiction::embedded_pack(name).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("pack {name} does not load:\n{}", lines.join("\n"))
    })
}

/// Write the pack's reference data into the database.
pub fn seed(db: &Db, pack: &Pack) -> anyhow::Result<()> {
    db.with_startup_lock(|conn| Ok(reference::load_pack(conn, pack)?))
        .context("loading the pack into the database")
}

pub fn secrets(args: &SecretArgs) -> anyhow::Result<Secrets> {
    match &args.secret {
        Some(hex) => Ok(Secrets::from_hex(hex)?),
        None => Ok(Secrets::load_or_create(&args.secret_file())?),
    }
}

/// Everything `serve` needs, ready: migrated database, pack loaded, keys read.
pub fn prepare(
    db_args: &DbArgs,
    secret_args: &SecretArgs,
    serve: &ServeArgs,
) -> anyhow::Result<AppState> {
    let pack = serve.pack.load()?;
    let db = connect(db_args)?;
    let applied = db.migrate()?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    seed(&db, &pack)?;
    let secrets = Arc::new(secrets(secret_args)?);
    crate::services::ops::check_secret(&db, &secrets)?;
    let registry = Arc::new(LiveIndex::load(&db, pack.match_config())?);
    tracing::info!(enterprises = registry.len(), "enterprise index built");
    let router = Arc::new(Router::new(&pack));
    {
        // Open cases without a firm are matched again after every import.
        let (db, router) = (db.clone(), router.clone());
        registry.watch(db.clone(), Duration::from_secs(2), move |index, version| {
            let found = crate::services::rematch::after_refresh(
                &db,
                &router,
                |q| index.match_tip(q),
                version,
            );
            if let Err(e) = found {
                tracing::warn!(error = %e, "re-matching after a registry change failed");
            }
        });
    }
    let files_dir = serve
        .intake
        .files_dir
        .clone()
        .unwrap_or_else(|| secret_args.data_dir.join("files"));
    let store = LocalDir::open(&files_dir)
        .with_context(|| format!("evidence directory {}", files_dir.display()))?;
    warn_if_loose(db_args, secret_args, &files_dir);
    let minute = Duration::from_secs(60);
    // Per-client windows and spent proofs: shared through PostgreSQL.
    let shared = SharedCounts::for_db(&db, secrets.clone());
    Ok(AppState {
        db,
        router,
        registry,
        pack: Arc::new(pack),
        vault: Vault::new(Arc::new(store), secrets.clone()),
        gate: Arc::new(serve.intake.gate()),
        secrets: secrets.clone(),
        lookup_limiter: Arc::new(ClientLimiter::new(
            "lookup",
            serve.lookup_limit,
            minute,
            shared.clone(),
        )),
        metrics: Arc::new(Metrics::new()),
        list_cache: Arc::default(),
        edge: Arc::new(serve.edge().map_err(anyhow::Error::msg)?),
        relay_limits: Arc::default(),
        intake_limiter: Arc::new(ClientLimiter::new(
            "intake",
            serve.intake.intake_limit,
            minute,
            shared.clone(),
        )),
        nojs_limiter: Arc::new(ClientLimiter::new(
            "intake_nojs",
            serve.intake.intake_limit_nojs,
            minute,
            shared.clone(),
        )),
        pow: Arc::new(Pow::new(serve.intake.pow_bits, secrets.pow_key(), shared)),
        upload_limits: serve.intake.upload_limits(),
        body_pace: serve.body_pace(),
        session_lifetime: chrono::Duration::hours(i64::from(serve.session_hours.max(1))),
        metrics_token: serve
            .metrics_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(Arc::from),
    })
}

/// Many slow clients hold one descriptor each: allow as many as the
/// system lets this process have, so /healthz and real users still get one.
fn raise_open_files_limit() {
    #[cfg(unix)]
    // SAFETY: getrlimit/setrlimit only read and write the struct we own.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                tracing::warn!("could not raise the open-files limit");
            }
        }
    }
}

/// Name every private file that others may read: a database, key or
/// evidence directory left 0644 by an earlier version or an operator.
fn warn_if_loose(db_args: &DbArgs, secret_args: &SecretArgs, files_dir: &std::path::Path) {
    use crate::private_files::{loose, sqlite_family};
    let mut paths = vec![files_dir.to_path_buf()];
    if secret_args.secret.is_none() {
        paths.push(secret_args.secret_file());
    }
    if let Some(db) = db_args.url().sqlite_path() {
        paths.extend(sqlite_family(db));
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            paths.push(dir.to_path_buf());
        }
    }
    for l in loose(&paths) {
        tracing::warn!(
            path = %l.path.display(),
            mode = format!("{:o}", l.mode),
            "readable by others than the service's user: chmod 600 (files) or 700 (directories)"
        );
    }
}

/// Serve until SIGTERM or Ctrl-C; in-flight requests get `shutdown_timeout`
/// seconds to finish (actix's graceful shutdown).
pub async fn serve(state: AppState, args: &ServeArgs) -> anyhow::Result<()> {
    // Relay call-backs: a thread polling the outbox, stopped after the
    // server. Its settings are checked before anything listens.
    let outbox = crate::services::outbox::WorkerConfig::from_env().map_err(anyhow::Error::msg)?;
    let jobs_every = crate::services::daily::every_from_env().map_err(anyhow::Error::msg)?;
    raise_open_files_limit();
    let factory_state = state.clone();
    let mut server = actix_web::HttpServer::new(move || crate::app(factory_state.clone()))
        .shutdown_timeout(args.shutdown_timeout)
        // Headers must arrive within 5 s (actix's default, stated here on
        // purpose); bodies are paced by http/pace.rs.
        .client_request_timeout(Duration::from_secs(5))
        .bind(&args.bind)
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    crate::services::retention::spawn_daily(
        state.clone(),
        Arc::new(crate::services::retention::SystemClock),
    );
    if let Some(every) = jobs_every {
        crate::services::daily::spawn(state.db.clone(), state.pack.clone(), every);
    }
    let today = crate::services::workflow::local_day(crate::db::now());
    for year in state.pack.work_calendar().missing_years(today, 60) {
        tracing::warn!(
            year,
            pack = %state.pack.meta.key,
            "the working-day calendar lacks this year: its deadlines skip weekends only; \
             add the State Council's holiday notice to the pack's workdays.toml"
        );
    }
    tracing::info!(
        bind = %args.bind,
        pack = %state.pack.meta.key,
        backend = ?state.db.backend(),
        "tipline serving"
    );
    let worker = outbox.enabled.then(|| {
        crate::services::outbox::spawn(crate::services::outbox::Worker::new(
            state.db.clone(),
            state.secrets.clone(),
            outbox,
            Arc::new(crate::services::outbox::SystemClock),
        ))
    });
    let result = server.run().await;
    if let Some(w) = worker {
        w.stop(Duration::from_secs(args.shutdown_timeout));
    }
    result?;
    tracing::info!("stopped");
    Ok(())
}
