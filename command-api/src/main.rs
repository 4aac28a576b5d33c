//! `parley`: one binary for every part of Parley.

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use command_api::config::Settings;
use command_api::startup::{Application, connect_database, connect_nats, migrate};
use projections::projection::Projection;
use tokio::sync::watch;

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
    /// Relay committed events to JetStream (one active at a time; others stand by).
    Relay {
        #[command(subcommand)]
        action: Option<RelayAction>,
    },
    /// Route calls to interpreters and run the ring, maximum-wait and wrap-up timers (one
    /// active at a time; others stand by).
    Route,
    /// Run the projection workers that keep the read models up to date.
    Project {
        /// Run only these projections (default: all).
        #[arg(long = "only")]
        only: Vec<String>,
    },
    /// Inspect or rebuild read models.
    Projections {
        #[command(subcommand)]
        action: ProjectionsAction,
    },
    /// Drive realistic traffic through the public HTTP API: interpreters who answer, talk
    /// and wrap up; requesters who call, sometimes hang up, and rate (see docs/routing.md).
    Simulate(Box<command_api::simulate::SimulateArgs>),
}

#[derive(Debug, Subcommand)]
enum RelayAction {
    /// After restoring a backup: publish what is left, then start a new epoch.
    Rebase,
    /// Print the relay's cursor and how many events it has yet to publish.
    Status,
    /// After a restore or a lost stream, with every other part stopped: replace the stream
    /// with one built from the events table and empty the read models, which replay it.
    RebuildStream,
}

#[derive(Debug, Subcommand)]
enum ProjectionsAction {
    /// Checkpoint and lag of each read model.
    Status,
    /// Rebuild a read model from sequence 1 beside the live one and swap it in.
    Rebuild { name: String },
}

fn selected(only: &[String]) -> anyhow::Result<Vec<std::sync::Arc<dyn Projection>>> {
    let all = projections::read_models::all();
    if only.is_empty() {
        return Ok(all);
    }
    let known: Vec<&str> = all.iter().map(|p| p.name()).collect();
    for name in only {
        anyhow::ensure!(
            known.contains(&name.as_str()),
            "unknown projection {name:?}; known: {}",
            known.join(", ")
        );
    }
    Ok(all
        .into_iter()
        .filter(|p| only.iter().any(|n| n == p.name()))
        .collect())
}

/// A watch that turns true on SIGTERM or ctrl-c.
fn shutdown_watch() -> watch::Receiver<bool> {
    let (sender, receiver) = watch::channel(false);
    tokio::spawn(async move {
        command_api::startup::shutdown_signal().await;
        let _ = sender.send(true);
    });
    receiver
}

/// Runs a long-lived part, starting it again a second after it fails (a database or bus
/// outage, a restore waiting for its rebase), until a shutdown signal arrives — also while
/// it waits to restart, so a part that keeps failing still stops on SIGTERM.
async fn run_restarting<F, Fut>(
    part: &str,
    mut shutdown: watch::Receiver<bool>,
    mut start: F,
) -> anyhow::Result<()>
where
    F: FnMut(watch::Receiver<bool>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    loop {
        match start(shutdown.clone()).await {
            Ok(()) => return Ok(()),
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "{part} failed; restarting")
            }
        }
        if *shutdown.borrow() {
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

#[allow(clippy::print_stdout)] // status commands print their answer
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    command_api::telemetry::init(cli.log_json);
    // The simulator is a client of the API: it needs none of the server's settings.
    if let Command::Simulate(args) = &cli.command {
        return command_api::simulate::run_cli(args).await;
    }
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
            let attempts = settings.commands.max_attempts.max(1);
            let report = command_api::seed::seed(&pool, settings).await?;
            command_api::seed_prices::seed_prices(
                &pool,
                &command_api::seed::seed_metadata(),
                attempts,
            )
            .await?;
            tracing::info!(?report, "seeded, with the demo's prices");
            Ok(())
        }
        Command::Relay { action } => {
            let pool = connect_database(&settings.database).await?;
            // A restored backup may predate the latest migrations (e.g. `relay_epochs`).
            migrate(&pool).await?;
            let js = async_nats::jetstream::new(connect_nats(&settings.nats.url).await?);
            match action {
                Some(RelayAction::Rebase) => {
                    let cursor = projections::relay::rebase(&pool, &js, &settings.bus).await?;
                    tracing::info!(?cursor, "rebased");
                    Ok(())
                }
                Some(RelayAction::RebuildStream) => {
                    let rebuilt = projections::stream_rebuild::rebuild_stream(
                        &pool,
                        &js,
                        &settings.bus,
                        &projections::read_models::all(),
                    )
                    .await?;
                    println!(
                        "stream {} rebuilt: {} events published; read models emptied, they replay it when `parley project` starts",
                        settings.bus.stream, rebuilt.events
                    );
                    Ok(())
                }
                Some(RelayAction::Status) => {
                    let (cursor, behind) = projections::relay::lag(&pool).await?;
                    println!(
                        "{}",
                        serde_json::json!({"cursor": format!("{cursor:?}"), "events_behind": behind})
                    );
                    Ok(())
                }
                None => {
                    let options = projections::relay::RelayOptions::new(settings.bus.clone());
                    run_restarting("relay", shutdown_watch(), |shutdown| {
                        projections::relay::run(pool.clone(), js.clone(), options.clone(), shutdown)
                    })
                    .await
                }
            }
        }
        Command::Route => {
            let pool = connect_database(&settings.database).await?;
            let js = async_nats::jetstream::new(connect_nats(&settings.nats.url).await?);
            let floor = command_api::state::pg_floor(&pool, &settings);
            run_restarting("router", shutdown_watch(), |shutdown| {
                projections::router::run(
                    pool.clone(),
                    js.clone(),
                    settings.bus.clone(),
                    &floor,
                    settings.presence.timeout(),
                    shutdown,
                )
            })
            .await
        }
        Command::Project { only } => {
            let pool = connect_database(&settings.database).await?;
            migrate(&pool).await?;
            let nats = connect_nats(&settings.nats.url).await?;
            let selected = selected(&only)?;
            let settings = std::sync::Arc::new(settings);
            run_restarting("projector", shutdown_watch(), |shutdown| {
                command_api::projector::run(
                    pool.clone(),
                    nats.clone(),
                    settings.clone(),
                    selected.clone(),
                    shutdown,
                )
            })
            .await
        }
        Command::Simulate(args) => command_api::simulate::run_cli(&args).await,
        Command::Projections { action } => {
            let pool = connect_database(&settings.database).await?;
            migrate(&pool).await?;
            let js = async_nats::jetstream::new(connect_nats(&settings.nats.url).await?);
            match action {
                ProjectionsAction::Status => {
                    let all = projections::read_models::all();
                    for status in
                        projections::worker::status(&pool, &js, &settings.bus, &all).await?
                    {
                        println!(
                            "{:<10} checkpoint {:>10}  stream {:>10}  lag {:>8}",
                            status.name, status.checkpoint, status.stream_last, status.lag
                        );
                    }
                    Ok(())
                }
                ProjectionsAction::Rebuild { name } => {
                    let projection = selected(std::slice::from_ref(&name))?
                        .into_iter()
                        .next()
                        .context("no such projection")?;
                    let checkpoint = projections::worker::rebuild(
                        &pool,
                        &js,
                        &settings.bus,
                        projection.as_ref(),
                    )
                    .await?;
                    println!("rebuilt {name} up to stream sequence {checkpoint}");
                    Ok(())
                }
            }
        }
    }
}
