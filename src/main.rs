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
    /// Load a jurisdiction pack's reference data into the database.
    Seed {
        #[arg(long, env = "TIPLINE_PACK", default_value = tipline::jurisdiction::DEFAULT_PACK)]
        pack: String,
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

fn main() -> std::process::ExitCode {
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
        Some(Command::Seed { pack }) => startup::connect(&cli.db).and_then(|db| {
            db.migrate()?;
            let pack = startup::load_pack(&pack)?;
            startup::seed(&db, &pack)?;
            println!("pack {} loaded", pack.meta.key);
            Ok(())
        }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_serve(db: &DbArgs, secrets: &SecretArgs, serve: ServeArgs) -> anyhow::Result<()> {
    let state = startup::prepare(db, secrets, &serve)?;
    actix_web::rt::System::new().block_on(startup::serve(state, &serve))
}
