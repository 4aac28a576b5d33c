//! `parley`: one binary for every part of Parley.

use clap::{Parser, Subcommand};
use command_api::config::Settings;
use command_api::startup::{Application, connect_database, migrate};

#[derive(Debug, Parser)]
#[command(
    name = "parley",
    version,
    about = "Parley: an event-sourced interpretation call center"
)]
struct Cli {
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true, env = "PARLEY_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (applies migrations first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create the demo accounts, queues and interpreter skills (idempotent).
    Seed,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    command_api::telemetry::init(cli.log_json);
    let settings = Settings::load()?;
    match cli.command {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await
        }
        Command::Migrate => {
            let pool = connect_database(&settings.database).await?;
            migrate(&pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed => {
            let pool = connect_database(&settings.database).await?;
            migrate(&pool).await?;
            let report = command_api::seed::seed(&pool, settings).await?;
            tracing::info!(?report, "seeded");
            Ok(())
        }
    }
}
