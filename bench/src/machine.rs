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
/// ticks): all of it, the idle part, and the part the hypervisor gave to others ("steal");
/// and how many CPUs that line adds up.
#[derive(Debug, Clone, Copy)]
pub struct CpuTimes {
    total: u64,
    idle: u64,
    steal: u64,
    cpus: usize,
    at: Instant,
}

/// How the machine's CPUs were used between two [`CpuTimes`].
#[derive(Debug, Clone, Copy)]
pub struct CpuUse {
    /// Busy (not idle, not waiting for I/O, not stolen), as a share of all CPU time.
    pub busy_percent: f64,
    pub steal_percent: f64,
    /// Busy CPU time over all CPUs, in seconds.
    pub busy_cpu_s: f64,
}

impl CpuTimes {
    /// `None` where `/proc/stat` cannot be read (not Linux).
    pub fn now() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let mut lines = stat.lines();
        let total = lines.next()?;
        // One `cpuN` line per CPU follows the total: all of them, not only those this
        // process may run on.
        let cpus = lines.take_while(|line| line.starts_with("cpu")).count();
        Self::parse(total, cpus, Instant::now())
    }

    /// `cpu  user nice system idle iowait irq softirq steal guest guest_nice`; guest time
    /// is already counted in user time.
    fn parse(line: &str, cpus: usize, at: Instant) -> Option<Self> {
        let mut fields = line.split_whitespace();
        if fields.next()? != "cpu" {
            return None;
        }
        let ticks: Vec<u64> = fields
            .take(8)
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        Some(Self {
            total: ticks.iter().sum(),
            idle: ticks.get(3)? + ticks.get(4)?,
            steal: *ticks.get(7)?,
            cpus,
            at,
        })
    }

    /// The use of the CPUs between `earlier` and `self`.
    fn use_since(self, earlier: Self) -> Option<CpuUse> {
        let total = self.total.checked_sub(earlier.total)?;
        let idle = self.idle.checked_sub(earlier.idle)?;
        let steal = self.steal.checked_sub(earlier.steal)?;
        if total == 0 {
            return None;
        }
        let share = |ticks: u64| ticks as f64 / total as f64;
        let busy = share(total.saturating_sub(idle + steal));
        Some(CpuUse {
            busy_percent: 100.0 * busy,
            steal_percent: 100.0 * share(steal),
            busy_cpu_s: busy * self.at.duration_since(earlier.at).as_secs_f64() * self.cpus as f64,
        })
    }

    /// The use of this machine's CPUs between `earlier` and now.
    pub fn use_since_then(earlier: Option<Self>) -> Option<CpuUse> {
        Self::now()?.use_since(earlier?)
    }
}

/// "; all processes (…) kept the CPUs 68 % busy (27 ms of CPU per call), the hypervisor
/// took (steal) 1.2 % of the CPU time meanwhile", for a line's conditions, where `done`
/// `what`s were done meanwhile; or nothing where `/proc/stat` cannot be read.
pub fn cpu_text(since: Option<CpuTimes>, done: u64, what: &str) -> String {
    CpuTimes::use_since_then(since).map_or_else(String::new, |cpu| {
        let per = if done > 0 {
            format!(
                " ({} ms of CPU per {what})",
                fmt_ms(1000.0 * cpu.busy_cpu_s / done as f64)
            )
        } else {
            String::new()
        };
        format!(
            "; all processes (the load generator's included) kept the CPUs {:.0} % busy{per}, \
             the hypervisor took (steal) {:.1} % of the CPU time meanwhile",
            cpu.busy_percent, cpu.steal_percent
        )
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
    let steal = CpuTimes::use_since_then(cpu_before).map(|cpu| cpu.steal_percent);
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
    fn proc_stat_lines_give_the_busy_and_the_stolen_share() {
        let at = Instant::now();
        let before =
            CpuTimes::parse("cpu  100 0 100 700 50 0 0 50 0 0", 2, at).expect("a cpu line");
        let after = CpuTimes::parse(
            "cpu  400 0 200 1000 100 0 100 200 0 0",
            2,
            at + Duration::from_secs(2),
        )
        .expect("a cpu line");
        // 1,000 ticks between them: 500 busy (user, system, softirq), 350 idle or
        // waiting for I/O, 150 stolen; half of 2 CPUs over 2 s is 2 s of CPU.
        let cpu = after.use_since(before).expect("a use");
        assert!((cpu.busy_percent - 50.0).abs() < 1e-9, "{cpu:?}");
        assert!((cpu.steal_percent - 15.0).abs() < 1e-9, "{cpu:?}");
        assert!((cpu.busy_cpu_s - 2.0).abs() < 1e-9, "{cpu:?}");
    }

    #[test]
    fn other_lines_are_not_cpu_times() {
        let at = Instant::now();
        assert!(CpuTimes::parse("cpu0 1 2 3 4 5 6 7 8 0 0", 1, at).is_none());
        assert!(CpuTimes::parse("cpu  1 2 x", 1, at).is_none());
    }
}
