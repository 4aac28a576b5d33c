//! `parley-bench`: the load generator behind `scripts/bench.sh`.
//!
//! Each subcommand runs one benchmark against parts the script has started, beside its
//! baseline, and writes `<out-dir>/<id>.json`; `report` gathers them into
//! `bench-results.json` and `docs/benchmarks.md`. Latencies are recorded in HDR
//! histograms; latency runs use open-loop arrivals (each request is timed from the moment
//! it was meant to be sent, so a slow answer delays no later request and hides nothing).

mod b11;
mod b12;
mod b1b2;
mod b3;
mod b4;
mod b5;
mod b6;
mod b7;
mod b9;
mod common;
mod failover;
mod integrity;
mod machine;
mod report;
mod soak;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "parley-bench",
    about = "Parley's benchmarks (run by scripts/bench.sh)"
)]
struct Cli {
    /// Folder for the per-benchmark results (`<id>.json`).
    #[arg(long, global = true, default_value = "bench-out")]
    out_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// M0: how late a thread sleeping 1 ms wakes up, and the hypervisor's steal.
    Machine(machine::MachineArgs),
    /// B1: commands/s through HTTP with many concurrent clients, beside pgbench.
    B1(b1b2::B1Args),
    /// B2: command latency at a fixed rate (open loop), beside `pgbench -R`.
    B2(b1b2::B2Args),
    /// B3: relay throughput and commit → JetStream latency, beside a bare publisher.
    B3(b3::B3Args),
    /// B4: projection lag, command answered → WebSocket notice received.
    B4(b4::B4Args),
    /// B5: WebSocket fan-out to many supervisors, beside a minimal axum broadcast server.
    B5(b5::B5Args),
    /// The minimal axum broadcast server B5 compares with (started by B5 itself).
    BaselineServer(b5::ServerArgs),
    /// B6: rebuild a projection from sequence 1, beside a COPY of the same rows.
    B6(b6::B6Args),
    /// Waits for `parley project` to apply the whole stream; reports its catch-up rate.
    CatchUp(b6::CatchUpArgs),
    /// B7: router, call queued → offer made.
    B7(b7::B7Args),
    /// B9: router takeover, SIGKILL of the leader → the warm standby's first offer.
    B9(b9::B9Args),
    /// B11: a command on an interpreter with 100,000 events, beside a new interpreter.
    B11(b11::B11Args),
    /// B12: the call list, boards and metrics with 5,000,000 calls held, beside a first day.
    B12(b12::B12Args),
    /// B10: the soak, simulator traffic for half an hour (`scripts/bench.sh --soak`).
    Soak(soak::SoakArgs),
    /// One fault injected into a running cluster under load (`scripts/cluster.sh test`).
    Failover(failover::FailoverArgs),
    /// Gathers the results into bench-results.json and docs/benchmarks.md.
    Report(report::ReportArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let out = cli.out_dir;
    match cli.command {
        Command::Machine(args) => machine::run(&out, &args).await,
        Command::B1(args) => b1b2::b1(&out, &args).await,
        Command::B2(args) => b1b2::b2(&out, &args).await,
        Command::B3(args) => b3::run(&out, &args).await,
        Command::B4(args) => b4::run(&out, &args).await,
        Command::B5(args) => b5::run(&out, &args).await,
        Command::BaselineServer(args) => b5::serve(&args).await,
        Command::B6(args) => b6::run(&out, &args).await,
        Command::B9(args) => b9::run(&out, &args).await,
        Command::Failover(args) => failover::run(&out, &args).await,
        Command::Soak(args) => soak::run(&args).await,
        Command::CatchUp(args) => b6::catch_up(&out, &args).await,
        Command::B7(args) => b7::run(&out, &args).await,
        Command::B11(args) => b11::run(&out, &args).await,
        Command::B12(args) => b12::run(&out, &args).await,
        Command::Report(args) => report::run(&out, &args),
    }
}
