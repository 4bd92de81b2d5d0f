//! The `tipline` command line.
use clap::{Parser, Subcommand};

use tipline::config::{DbArgs, SecretArgs, ServeArgs};
use tipline::startup;

#[derive(Parser)]
#[command(
    name = "tipline",
    version,
    about = "举报落后产能 · tips about obsolete industrial capacity"
)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    secrets: SecretArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Parser)]
struct ServeOnly {
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, load the pack and serve HTTP (the default).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Staff accounts.
    #[command(subcommand)]
    User(tipline::cli::UserAction),
    /// The enterprise registry.
    #[command(subcommand)]
    Enterprises(EnterprisesCommand),
    /// Jurisdiction packs: check one, show its routing matrix, list them.
    #[command(subcommand)]
    Pack(PackCommand),
    /// Relays: the 12345 hotline and upper-level platforms (docs/relay.md).
    #[command(subcommand)]
    Relay(RelayCommand),
    /// The daily jobs once (`serve` runs them hourly; TIPLINE_JOBS=off for cron).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Half-year or yearly summary per district and bureau (docs/outcomes.md).
    Report {
        /// 2019H1, 2019H2 or 2019.
        #[arg(long)]
        period: String,
        /// One district (key, name or code).
        #[arg(long)]
        district: Option<String>,
        /// json (default), csv or xlsx.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        #[command(flatten)]
        pack: tipline::config::PackArgs,
    },
    /// Load a jurisdiction pack's reference data into the database.
    Seed {
        #[command(flatten)]
        pack: tipline::config::PackArgs,
    },
}

#[derive(Subcommand)]
enum EnterprisesCommand {
    /// Import or update enterprises from a CSV with the header
    /// credit_code,name,address,district,industry (extra columns ignored).
    Import {
        file: std::path::PathBuf,
        #[command(flatten)]
        pack: tipline::config::PackArgs,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Mark cases whose step is past due overdue and write the notices.
    Overdue {
        #[command(flatten)]
        pack: tipline::config::PackArgs,
        /// Run as of this day (China time), e.g. to replay a missed day.
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum PackCommand {
    /// Check a pack folder; every problem is printed as file:line: message.
    Check { dir: std::path::PathBuf },
    /// Print the routing matrix (dimension × industry → lead + co-bureaus).
    Show {
        #[command(flatten)]
        pack: tipline::config::PackArgs,
    },
    /// List the packs compiled into this binary.
    List,
    /// Write a compiled pack's files into DIR (new or empty), as the
    /// starting point of a pack for another city or a later year; serve it
    /// with --pack-dir DIR (docs/packs.md).
    Export {
        name: String,
        dir: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum RelayCommand {
    /// Create a relay and print its key once, alone on the last line.
    Add {
        #[arg(long)]
        name: String,
        /// The report column its Open311 requests count under: hotline
        /// (12345), platform (provincial) or national. Tickets posted as
        /// JSON name their own channel.
        #[arg(long, value_parser = ["hotline", "platform", "national"])]
        source: String,
        /// Where status call-backs are POSTed.
        #[arg(long)]
        callback_url: Option<String>,
        /// Requests per minute (default 600; 0 for none).
        #[arg(long)]
        rate_limit: Option<i32>,
    },
    /// List relays (keys are never shown, only their first characters).
    List,
    /// Revoke the relay's key; its tickets and call-backs stay.
    Revoke { name: String },
    /// Give the relay a new key (printed once, alone on the last line); the old one stops working.
    RotateKey { name: String },
    /// Change the callback URL (omit it to remove) and the rate limit.
    /// Change the settings given; the others stay.
    Configure {
        name: String,
        #[arg(long)]
        callback_url: Option<String>,
        /// Stop sending status call-backs.
        #[arg(long, conflicts_with = "callback_url")]
        no_callback: bool,
        #[arg(long)]
        rate_limit: Option<i32>,
        #[arg(long, value_parser = ["hotline", "platform", "national"])]
        source: Option<String>,
    },
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() {
    tipline::private_files::restrict_umask();
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        None => {
            // Plain `tipline` serves with the defaults (and the environment).
            let serve = ServeOnly::parse_from(["tipline"]).serve;
            run_serve(&cli.db, &cli.secrets, serve)
        }
        Some(Command::Serve(serve)) => run_serve(&cli.db, &cli.secrets, serve),
        Some(Command::Migrate) => startup::connect(&cli.db).and_then(|db| {
            let n = db.migrate()?;
            println!("{n} migrations applied");
            Ok(())
        }),
        Some(Command::User(action)) => startup::connect(&cli.db).and_then(|db| {
            db.migrate()?;
            tipline::cli::user(&db, &cli.secrets, action)
        }),
        Some(Command::Pack(cmd)) => pack_command(cmd),
        Some(Command::Enterprises(EnterprisesCommand::Import { file, pack })) => {
            startup::connect(&cli.db).and_then(|db| {
                db.migrate()?;
                let pack = pack.load()?;
                tipline::cli::import_enterprises(&db, &pack, &file)
            })
        }
        Some(Command::Relay(cmd)) => startup::connect(&cli.db).and_then(|db| {
            db.migrate()?;
            let secrets = startup::secrets(&cli.secrets)?;
            tipline::cli::relay(&db, &secrets, cmd.into())
        }),
        Some(Command::Jobs(JobsCommand::Overdue { pack, today })) => {
            startup::connect(&cli.db).and_then(|db| {
                db.migrate()?;
                let pack = pack.load()?;
                // `--today D` runs at noon of D in China (04:00 UTC).
                let now = match today {
                    Some(d) => d.and_hms_opt(4, 0, 0).expect("a valid time"),
                    None => tipline::db::now(),
                };
                // Deadlines and notices; then missed exit deadlines become
                // proposals (never applied here) and ended punishments end.
                let r = tipline::services::daily::run(&db, &pack, now)?;
                println!("{}", serde_json::to_string(&r.overdue)?);
                println!("{}", serde_json::to_string(&r.punishment)?);
                Ok(())
            })
        }
        Some(Command::Report {
            period,
            district,
            format,
            output,
            pack,
        }) => startup::connect(&cli.db).and_then(|db| {
            db.migrate()?;
            let pack = pack.load()?;
            let mut conn = db.read_conn()?;
            use tipline::services::reports::{ReportRequest, build};
            let ask = ReportRequest::parse(&pack, &period, district.as_deref()).map_err(|e| {
                let reasons: Vec<String> = e.0.into_values().flatten().collect();
                anyhow::anyhow!(reasons.join("; "))
            })?;
            let report = build(&mut conn, &pack, &ask)?;
            let bytes = match format.as_str() {
                "csv" => tipline::services::reports::to_csv(&report).into_bytes(),
                "json" => format!("{}\n", serde_json::to_string_pretty(&report)?).into_bytes(),
                "xlsx" => tipline::services::report_xlsx::to_xlsx(&report)?,
                other => anyhow::bail!("unknown format {other} (json, csv or xlsx)"),
            };
            match output {
                Some(path) => std::fs::write(&path, bytes)?,
                None => std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes)?,
            }
            Ok(())
        }),
        Some(Command::Seed { pack }) => startup::connect(&cli.db).and_then(|db| {
            db.migrate()?;
            let pack = pack.load()?;
            startup::seed(&db, &pack)?;
            println!("pack {} loaded", pack.meta.key);
            Ok(())
        }),
    };
    let code = match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    exit_now(code)
}

/// Leave without running C `atexit` handlers. r2d2 keeps its connections in
/// detached threads, so at exit libpq's connections are still alive while
/// OpenSSL's cleanup handler tears down what they use: about one PostgreSQL
/// CLI run in ten crashed there. Nothing of ours needs an exit handler, and
/// every transaction has committed by now.
fn exit_now(code: i32) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: `_exit` ends the process at once; output is flushed above.
    unsafe { libc::_exit(code) }
}

fn pack_command(cmd: PackCommand) -> anyhow::Result<()> {
    use tipline::jurisdiction;
    match cmd {
        PackCommand::Check { dir } => match jurisdiction::load_dir(&dir) {
            Ok(pack) => {
                println!("{}: ok ({})", dir.display(), pack.meta.name);
                Ok(())
            }
            Err(errors) => {
                for e in &errors {
                    println!("{}/{e}", dir.display());
                }
                anyhow::bail!("{} problem(s) in {}", errors.len(), dir.display())
            }
        },
        PackCommand::Show { pack } => {
            let pack = pack.load()?;
            println!("{} — {}", pack.meta.key, pack.meta.name);
            print!("{}", pack.render_matrix());
            Ok(())
        }
        PackCommand::List => {
            for name in jurisdiction::embedded_pack_names() {
                println!("{name}");
            }
            Ok(())
        }
        PackCommand::Export { name, dir } => {
            let files = jurisdiction::embedded_files(&name).ok_or_else(|| {
                anyhow::anyhow!(
                    "no pack {name}; known packs: {}",
                    jurisdiction::embedded_pack_names().join(", ")
                )
            })?;
            std::fs::create_dir_all(&dir)?;
            if std::fs::read_dir(&dir)?.next().is_some() {
                anyhow::bail!("{} is not empty; export into a new folder", dir.display());
            }
            for f in &files {
                std::fs::write(dir.join(&f.name), &f.text)?;
            }
            println!(
                "{} files of {name} written to {}",
                files.len(),
                dir.display()
            );
            Ok(())
        }
    }
}

fn run_serve(db: &DbArgs, secrets: &SecretArgs, serve: ServeArgs) -> anyhow::Result<()> {
    let state = startup::prepare(db, secrets, &serve)?;
    if tipline::demo::wanted(&db.database_url, tipline::config::DEFAULT_DATABASE_URL) {
        tipline::demo::load(&state)?;
    }
    actix_web::rt::System::new().block_on(startup::serve(state, &serve))
}

impl From<RelayCommand> for tipline::cli::RelayAction {
    fn from(c: RelayCommand) -> Self {
        use tipline::cli::RelayAction as A;
        match c {
            RelayCommand::Add {
                name,
                source,
                callback_url,
                rate_limit,
            } => A::Add {
                name,
                source,
                callback_url,
                rate_limit,
            },
            RelayCommand::List => A::List,
            RelayCommand::Revoke { name } => A::Revoke { name },
            RelayCommand::RotateKey { name } => A::RotateKey { name },
            RelayCommand::Configure {
                name,
                callback_url,
                no_callback,
                rate_limit,
                source,
            } => A::Configure {
                name,
                callback_url: if no_callback {
                    Some(None)
                } else {
                    callback_url.map(Some)
                },
                rate_limit,
                source,
            },
        }
    }
}
