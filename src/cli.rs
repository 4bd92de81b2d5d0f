//! What the administrative subcommands do (parsing is in main.rs).
use std::io::BufRead;

use anyhow::Context;

use crate::db::{self, Db};
use crate::domain::role::Role;
use crate::services::ServiceError;
use crate::services::accounts::{self, NewUser};

/// `tipline user …`. The password comes from --password-stdin or TIPLINE_PASSWORD.
#[derive(clap::Subcommand)]
pub enum UserAction {
    /// Create an account.
    Add {
        #[arg(long)]
        username: String,
        /// admin, dispatcher, bureau or district.
        #[arg(long)]
        role: String,
        /// The bureau key (role bureau), e.g. ecology_environment.
        #[arg(long)]
        bureau: Option<String>,
        /// The district key (role district), e.g. baoan.
        #[arg(long)]
        district: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, env = "TIPLINE_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[command(flatten)]
        pack: crate::config::PackArgs,
    },
    /// List accounts.
    List,
    /// Disable an account and end its sessions.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Set a new password (from --password-stdin or TIPLINE_PASSWORD); ends the account's sessions.
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, env = "TIPLINE_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Change an account's role (and bureau or district); ends its sessions.
    SetRole {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        bureau: Option<String>,
        #[arg(long)]
        district: Option<String>,
        #[command(flatten)]
        pack: crate::config::PackArgs,
    },
    /// Enrol an account in the TOTP second factor; prints the otpauth:// URI once.
    TotpEnrol { username: String },
    /// Remove an account's TOTP second factor.
    TotpRemove { username: String },
    /// Require TOTP at login for every account of a role (--off to stop).
    RequireTotp {
        #[arg(long)]
        role: String,
        #[arg(long)]
        off: bool,
    },
}

fn read_password(from_stdin: bool, given: Option<String>) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    given.context("give the password with --password-stdin or TIPLINE_PASSWORD")
}

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(fields) => {
            let lines: Vec<String> = fields
                .0
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.join("; ")))
                .collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        }
        other => anyhow::anyhow!(other),
    }
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::parse(role).context("role must be admin, dispatcher, bureau or district")
}

pub fn user(
    db: &Db,
    secrets: &crate::config::SecretArgs,
    action: UserAction,
) -> anyhow::Result<()> {
    use crate::services::second_factor;
    use accounts::AccountChange;
    let now = db::now();
    let change = |username: &str, change: AccountChange, pack: &crate::config::PackArgs| {
        let pack = pack.load()?;
        accounts::change_account(db, &pack, "cli", username, change).map_err(|e| match e {
            ServiceError::NotFound => anyhow::anyhow!("no user {username}"),
            other => explain(other),
        })
    };
    match action {
        UserAction::Add {
            username,
            role,
            bureau,
            district,
            password_stdin,
            password,
            pack,
        } => {
            let role = parse_role(&role)?;
            let pack = pack.load()?;
            let password = read_password(password_stdin, password)?;
            let user = NewUser {
                username: username.clone(),
                password,
                role,
                bureau,
                district,
            };
            let id = accounts::add_user(db, &pack, user).map_err(explain)?;
            println!("user {username} ({}) created with id {id}", role.as_str());
        }
        UserAction::List => {
            println!(
                "{:<6} {:<24} {:<11} {:<22} {:<12} {:<9} state",
                "id", "username", "role", "bureau", "district", "totp"
            );
            for u in accounts::list(db).map_err(explain)? {
                let state = if u.disabled { "disabled" } else { "active" };
                println!(
                    "{:<6} {:<24} {:<11} {:<22} {:<12} {:<9} {state}",
                    u.id,
                    u.username,
                    u.role.map(Role::as_str).unwrap_or("?"),
                    u.bureau.unwrap_or_default(),
                    u.district.unwrap_or_default(),
                    if u.totp_enrolled { "enrolled" } else { "-" }
                );
            }
        }
        UserAction::Disable { username } => {
            change(
                &username,
                AccountChange::Disable,
                &crate::config::PackArgs::default(),
            )?;
            println!("{username} disabled");
        }
        UserAction::Enable { username } => {
            change(
                &username,
                AccountChange::Enable,
                &crate::config::PackArgs::default(),
            )?;
            println!("{username} enabled");
        }
        UserAction::ResetPassword {
            username,
            password_stdin,
            password,
        } => {
            let password = read_password(password_stdin, password)?;
            change(
                &username,
                AccountChange::ResetPassword(password),
                &crate::config::PackArgs::default(),
            )?;
            println!("password of {username} reset; its sessions ended");
        }
        UserAction::SetRole {
            username,
            role,
            bureau,
            district,
            pack,
        } => {
            let role = parse_role(&role)?;
            change(
                &username,
                AccountChange::Role {
                    role,
                    bureau,
                    district,
                },
                &pack,
            )?;
            println!("{username} is now {}; its sessions ended", role.as_str());
        }
        UserAction::TotpEnrol { username } => {
            let secrets = crate::startup::secrets(secrets)?;
            println!("{}", second_factor::enrol(db, &secrets, &username, now)?);
        }
        UserAction::TotpRemove { username } => second_factor::remove(db, &username, now)?,
        UserAction::RequireTotp { role, off } => {
            second_factor::require_for_role(db, parse_role(&role)?, !off, now)?;
        }
    }
    Ok(())
}

/// `tipline enterprises import FILE.csv`: stream the file with a progress
/// bar, then report imported, updated and rejected rows with line numbers.
pub fn import_enterprises(
    db: &Db,
    pack: &crate::jurisdiction::Pack,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(len).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {elapsed} eta {eta}",
        )
        .expect("a valid template"),
    );
    let started = std::time::Instant::now();
    let report = crate::services::registry::import_csv(
        db,
        pack,
        std::io::BufReader::with_capacity(1 << 20, f),
        "cli",
        |bytes| bar.set_position(bytes),
    )?;
    bar.finish_and_clear();
    for w in &report.warnings {
        println!("warning: line {}: {}", w.line, w.reason);
    }
    for r in &report.rejected {
        println!("rejected: line {}: {}", r.line, r.reason);
    }
    println!(
        "imported {}, updated {}, rejected {}, flagged {} in {:.1} s",
        report.imported,
        report.updated,
        report.rejected.len(),
        report.warnings.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `tipline relay …` (issue 5).
pub enum RelayAction {
    Add {
        name: String,
        source: String,
        callback_url: Option<String>,
        rate_limit: Option<i32>,
    },
    List,
    Revoke {
        name: String,
    },
    RotateKey {
        name: String,
    },
    Configure {
        name: String,
        /// `Some(None)`: remove the call-back URL.
        callback_url: Option<Option<String>>,
        rate_limit: Option<i32>,
        source: Option<String>,
    },
}

pub fn relay(
    db: &Db,
    secrets: &crate::secrets::Secrets,
    action: RelayAction,
) -> anyhow::Result<()> {
    use crate::services::relay::accounts;
    match action {
        RelayAction::Add {
            name,
            source,
            callback_url,
            rate_limit,
        } => {
            let (id, key) = accounts::add(
                db,
                secrets,
                &name,
                &source,
                callback_url.as_deref(),
                rate_limit,
                "cli",
            )?;
            println!("relay {name} created with id {id}.");
            println!("Its key follows, shown this once only; give it to the relay's operator:");
            println!("{key}");
        }
        RelayAction::List => {
            println!(
                "{:<4} {:<20} {:<9} {:<12} {:<8} {:<9} {:<20} callback",
                "id", "name", "source", "key", "limit", "state", "key since"
            );
            for r in accounts::list(db)? {
                println!(
                    "{:<4} {:<20} {:<9} {:<12} {:<8} {:<9} {:<20} {}",
                    r.id,
                    r.name,
                    r.source,
                    format!("{}…", r.key_prefix),
                    r.rate_limit,
                    if r.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    },
                    r.key_created_at.format("%Y-%m-%d %H:%M"),
                    r.callback_url.unwrap_or_default()
                );
            }
        }
        RelayAction::Revoke { name } => {
            accounts::revoke(db, &name, "cli")?;
            println!("the key of relay {name} is revoked");
        }
        RelayAction::RotateKey { name } => {
            let key = accounts::rotate_key(db, secrets, &name, "cli")?;
            println!("relay {name} has a new key; the old one no longer works.");
            println!("Its key follows, shown this once only:");
            println!("{key}");
        }
        RelayAction::Configure {
            name,
            callback_url,
            rate_limit,
            source,
        } => {
            let url = callback_url.as_ref().map(Option::as_deref);
            accounts::configure(db, &name, url, rate_limit, source.as_deref(), "cli")?;
            println!("relay {name} updated");
        }
    }
    Ok(())
}
