//! The command line: `steward [serve|migrate|create-admin|check-config|backup|import-usage|
//! seed-demo]`.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{ENV_VARS, Settings};
use crate::domain::{EmailAddress, text};
use crate::startup::{Application, prepare_state};

#[derive(Parser)]
#[command(
    name = "steward",
    version,
    about = "The operations desk of a non-profit software foundation"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator account.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Read the password from standard input instead of printing a one-time link.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print the effective settings, secrets masked.
    CheckConfig,
    /// Write a consistent copy of the SQLite database while the app runs.
    Backup { file: PathBuf },
    /// Read a usage file (CSV) from disk now, as an upload is read: refused lines are
    /// listed; a clean file then waits for review and confirmation on the web.
    ImportUsage {
        file: PathBuf,
        /// Who the import is recorded as.
        #[arg(long, default_value = "command line")]
        by: String,
    },
    /// Fill the database with realistic demo data (refused in production).
    SeedDemo {
        /// Then copy the record tables so there are this many times the demo's rows (2–1000),
        /// to measure pages at a busy foundation's size. Needs a fresh database.
        #[arg(long)]
        scale: Option<u32>,
    },
}

/// Runs the command; the binary's `main` is only this.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    crate::telemetry::init(&settings.log_filter);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => {
            let state = prepare_state(settings)?;
            let _ = state;
            println!("Database is up to date.");
            Ok(())
        }
        Command::CreateAdmin {
            email,
            name,
            password_stdin,
        } => create_admin(settings, &email, &name, password_stdin),
        Command::CheckConfig => {
            check_config(&settings);
            Ok(())
        }
        Command::Backup { file } => {
            let state = prepare_state(settings)?;
            let mut conn = state.db.get()?;
            crate::db::backup_sqlite(&mut conn, &file)?;
            println!("Backup written to {}", file.display());
            Ok(())
        }
        Command::ImportUsage { file, by } => import_usage(settings, &file, &by),
        Command::SeedDemo { scale } => {
            if settings.production {
                anyhow::bail!("seed-demo refuses to run in production mode");
            }
            let state = prepare_state(settings)?;
            let report = crate::seed::seed_demo(&state)?;
            println!("{report}");
            if let Some(factor) = scale {
                let started = std::time::Instant::now();
                let mut conn = state.db.get()?;
                let report = crate::seed::scale::scale(&mut conn, factor)?;
                println!("{report}Took {:.1} s.", started.elapsed().as_secs_f64());
            }
            Ok(())
        }
    }
}

fn import_usage(settings: Settings, file: &std::path::Path, by: &str) -> anyhow::Result<()> {
    use crate::services::usage_import::{Read, import_file};
    let state = prepare_state(settings)?;
    let mut conn = state.db.get()?;
    let started = std::time::Instant::now();
    let (id, outcome) = import_file(&mut conn, &state.settings.data_dir, file, by)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let i = crate::models::usage::find_import(&mut conn, id)?;
    println!(
        "Read {} lines in {:.1} s.",
        text::thousands(i.rows_read),
        started.elapsed().as_secs_f64()
    );
    // Linux says how much memory the process held at most; elsewhere this line is left out.
    if let Some(kb) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
    {
        println!("Peak memory: {kb} kB");
    }
    let url = format!(
        "{}/staff/usage/imports/{id}",
        state.settings.base_url.trim_end_matches('/')
    );
    match outcome {
        Read::Review => {
            println!("The file is clean. Review and confirm it at {url}");
            Ok(())
        }
        Read::Cancelled => anyhow::bail!("The import was cancelled while it was read."),
        Read::Refused => {
            if !i.error.is_empty() {
                println!("{}", i.error);
            }
            for (line, why) in crate::models::usage::errors_page(&mut conn, id, 0, 20)? {
                println!("Line {line}: {why}");
            }
            anyhow::bail!(
                "Nothing was imported: {} of {} lines refused (all listed at {url}).",
                i.rows_bad,
                i.rows_read
            )
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await?;
        let s = &app.state.settings;
        println!();
        println!("  Steward is running at {}", s.base_url);
        println!(
            "  Database: {}",
            crate::config::mask_url(s.database_url.expose())
        );
        println!(
            "  Mail: {}",
            match &s.mail_transport {
                crate::config::MailTransport::File => format!(
                    "written as files to {}",
                    s.data_dir.join("outbox").display()
                ),
                other => other.describe(),
            }
        );
        println!(
            "  Card payments: {}",
            if s.stripe_enabled() {
                "Stripe"
            } else {
                "off (no Stripe keys)"
            }
        );
        if let Some(url) = &app.setup_url {
            println!();
            println!(
                "  First run: no administrator exists yet. Open this one-time link to create one:"
            );
            println!();
            println!("      {url}");
            println!();
            println!("  (Or run: steward create-admin --email you@example.org)");
        }
        println!();
        app.run_until_stopped()
            .await
            .context("the server stopped with an error")
    })
}

fn create_admin(
    settings: Settings,
    email: &str,
    name: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email).map_err(|m| anyhow::anyhow!(m))?;
    let name = text::single_line(name, "a name", 200).map_err(|m| anyhow::anyhow!(m))?;
    let hash = if password_stdin {
        let mut pw = String::new();
        std::io::stdin().read_to_string(&mut pw)?;
        let pw = pw.trim_end_matches(['\r', '\n']);
        crate::domain::password::check_new_password(pw, email.as_str(), &name)
            .map_err(|m| anyhow::anyhow!(m))?;
        Some(crate::auth::password::hash(pw)?)
    } else {
        None
    };
    let base = settings.base_url.clone();
    let state = prepare_state(settings)?;
    let mut conn = state.db.get()?;
    let (_, link) =
        crate::services::accounts::create_admin_cli(&mut conn, email.clone(), name, hash)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("Administrator {email} created.");
    if let Some(t) = link {
        println!("Open this one-time link to choose the password (valid 24 hours):");
        println!("  {base}/account/set-password/{t}");
    }
    Ok(())
}

fn check_config(s: &Settings) {
    println!("Effective settings (secrets masked):");
    for (k, v) in s.describe() {
        println!("  {k:<26} {v}");
    }
    let problems = s.production_problems();
    if s.production {
        if problems.is_empty() {
            println!("\nProduction checks: all passed.");
        } else {
            println!("\nProduction checks FAILED; the server would refuse to start:");
            for p in problems {
                println!("  - {p}");
            }
        }
    }
    println!("\nEnvironment variables read:");
    for (k, v) in ENV_VARS {
        println!("  {k:<34} {v}");
    }
}
