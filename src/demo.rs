//! Demo data for a first look: `cargo run --release` on the default SQLite
//! file loads fictional enterprises (seeds/demo) and creates demo staff
//! accounts with one random password, printed once. Never on an explicit
//! DATABASE_URL unless `TIPLINE_DEMO=1`; `TIPLINE_DEMO=0` turns it off.
use include_dir::{Dir, include_dir};

use crate::db::{enterprises, users};
use crate::domain::role::Role;
use crate::services::accounts::{NewUser, add_user};
use crate::services::registry;
use crate::state::AppState;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seeds/demo");

/// Demo accounts: (username, role, bureau).
const ACCOUNTS: [(&str, Role, Option<&str>); 4] = [
    ("demo-admin", Role::Admin, None),
    ("demo-dispatcher", Role::Dispatcher, None),
    ("demo-industry", Role::Bureau, Some("industry_it")),
    (
        "demo-environment",
        Role::Bureau,
        Some("ecology_environment"),
    ),
];

/// Whether to load the demo: asked for, or running on the default database.
pub fn wanted(database_url: &str, default_url: &str) -> bool {
    match std::env::var("TIPLINE_DEMO").ok().as_deref() {
        Some("1" | "true" | "on") => true,
        Some(_) => false,
        None => database_url == default_url,
    }
}

/// Load what is missing: enterprises into an empty registry, accounts into
/// an empty user table.
pub fn load(state: &AppState) -> anyhow::Result<()> {
    let (empty_registry, no_users) = {
        let mut conn = state.db.read_conn()?;
        (
            enterprises::count(&mut conn)? == 0,
            users::list(&mut conn)?.is_empty(),
        )
    };
    if empty_registry {
        let csv = DEMO
            .get_file("enterprises.csv")
            .expect("seeds/demo/enterprises.csv")
            .contents();
        let report = registry::import_csv(&state.db, &state.pack, csv, "demo", |_| {})?;
        state.registry.refresh(&state.db)?;
        tracing::info!(imported = report.imported, "demo enterprises loaded");
    }
    if no_users {
        let mut bytes = [0u8; 9];
        getrandom::fill(&mut bytes).expect("the OS random generator failed");
        let password = format!("demo-{}", hex::encode(bytes));
        for (username, role, bureau) in ACCOUNTS {
            let user = NewUser {
                username: username.into(),
                password: password.clone(),
                role,
                bureau: bureau.map(str::to_string),
                district: None,
            };
            add_user(&state.db, &state.pack, user).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        println!(
            "Demo staff accounts (shown once): {}",
            ACCOUNTS.map(|a| a.0).join(", ")
        );
        println!("Password for all of them: {password}");
        println!("Log in at /staff/login; set TIPLINE_DEMO=0 to start without demo data.");
    }
    Ok(())
}
