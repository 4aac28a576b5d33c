//! M0: how noisy the machine itself is, measured first, so that the latency lines of the
//! same run can be read against it. On a virtual machine the hypervisor may run other
//! guests on our cores: every process here then stops at once, for milliseconds, and
//! each p99 pays for it whatever the code does.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use crate::common::{Fragment, Latency, Row, fmt_int, fmt_ms, histogram, record, write_fragment};

#[derive(Debug, Args)]
pub struct MachineArgs {
    /// How long to sleep and wake up, in seconds.
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
}

/// The whole machine's CPU time so far, from the first line of `/proc/stat` (in clock
/// ticks), and the part of it the hypervisor gave to others ("steal").
#[derive(Debug, Clone, Copy)]
pub struct CpuTimes {
    total: u64,
    steal: u64,
}

impl CpuTimes {
    /// `None` where `/proc/stat` cannot be read (not Linux).
    pub fn now() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        Self::parse(stat.lines().next()?)
    }

    /// `cpu  user nice system idle iowait irq softirq steal guest guest_nice`; guest time
    /// is already counted in user time.
    fn parse(line: &str) -> Option<Self> {
        let mut fields = line.split_whitespace();
        if fields.next()? != "cpu" {
            return None;
        }
        let ticks: Vec<u64> = fields
            .take(8)
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let steal = *ticks.get(7)?;
        Some(Self {
            total: ticks.iter().sum(),
            steal,
        })
    }

    /// The percentage of CPU time stolen between `earlier` and now.
    pub fn steal_percent_since(earlier: Option<Self>) -> Option<f64> {
        let (earlier, now) = (earlier?, Self::now()?);
        let total = now.total.checked_sub(earlier.total)?;
        let steal = now.steal.checked_sub(earlier.steal)?;
        (total > 0).then(|| 100.0 * steal as f64 / total as f64)
    }
}

/// "; the hypervisor took (steal) 1.2 % of the CPU time meanwhile", for a line's
/// conditions, or nothing where `/proc/stat` cannot be read.
pub fn steal_text(since: Option<CpuTimes>) -> String {
    CpuTimes::steal_percent_since(since).map_or_else(String::new, |percent| {
        format!("; the hypervisor took (steal) {percent:.1} % of the CPU time meanwhile")
    })
}

pub async fn run(out: &Path, args: &MachineArgs) -> anyhow::Result<()> {
    let began = Instant::now();
    let duration = Duration::from_secs(args.duration_s);
    eprintln!("M0: sleeping 1 ms at a time for {} s", args.duration_s);
    let cpu_before = CpuTimes::now();
    // A plain thread, not a task: the figure is the kernel's (and the hypervisor's)
    // wake-up, with no runtime in between.
    let late = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let mut late = histogram()?;
        let nap = Duration::from_millis(1);
        let deadline = Instant::now() + duration;
        while Instant::now() < deadline {
            let asleep = Instant::now();
            std::thread::sleep(nap);
            record(&mut late, asleep.elapsed().saturating_sub(nap));
        }
        Ok(late)
    })
    .await??;
    let steal = CpuTimes::steal_percent_since(cpu_before);
    let latency = Latency::of(&late);
    let steal_figure =
        steal.map_or_else(|| "steal unknown".to_owned(), |s| format!("steal {s:.1} %"));
    let row = Row::new(
        "M0",
        "the machine itself: a thread sleeping 1 ms, how late it wakes up (nothing else running)",
    )
    .figure(
        format!(
            "p50 {} / p99 {} / max {} ms late; {steal_figure}",
            fmt_ms(latency.p50_ms),
            fmt_ms(latency.p99_ms),
            fmt_ms(latency.max_ms)
        ),
        latency.p99_ms,
        "ms (p99)",
    )
    .conditions(format!(
        "{} naps over {} s, PostgreSQL and NATS started and idle, before any Parley process; \
         steal is the share of all CPU time that the hypervisor gave to other guests \
         (`/proc/stat`). Every latency line pays for these stalls too",
        fmt_int(latency.count as f64),
        args.duration_s
    ));
    write_fragment(
        out,
        &Fragment {
            bench: "M0".to_owned(),
            rows: vec![row],
            details: json!({
                "duration_s": args.duration_s,
                "late": latency,
                "steal_percent": steal,
            }),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_line_gives_total_and_steal() {
        let times = CpuTimes::parse("cpu  4510732 1640 553576 2222517 19649 0 59096 8024 0 0");
        let times = times.expect("a cpu line");
        assert_eq!(times.steal, 8024);
        assert_eq!(
            times.total,
            4_510_732 + 1640 + 553_576 + 2_222_517 + 19649 + 59096 + 8024
        );
    }

    #[test]
    fn other_lines_are_not_cpu_times() {
        assert!(CpuTimes::parse("cpu0 1 2 3 4 5 6 7 8 0 0").is_none());
        assert!(CpuTimes::parse("cpu  1 2 x").is_none());
    }
}
