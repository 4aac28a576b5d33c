//! Gathers the per-benchmark results into `bench-results.json` and `docs/benchmarks.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::common::{Fragment, Row, fmt_int, proc_kib};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long, default_value = "bench-results.json")]
    pub json: PathBuf,
    #[arg(long, default_value = "docs/benchmarks.md")]
    pub markdown: PathBuf,
    /// `quick` or `full`.
    #[arg(long, default_value = "full")]
    pub mode: String,
    /// The benchmarks that were meant to run, in order; a missing one is reported as such.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "B1,B2,B3,B6,B4,B5,B7,B11"
    )]
    pub expect: Vec<String>,
    /// Parley processes whose peak RSS (VmHWM) to report: `name=pid`.
    #[arg(long = "pid")]
    pub pids: Vec<String>,
    /// /proc/loadavg when the run started.
    #[arg(long, default_value = "")]
    pub load_start: String,
    /// The git commit the binaries were built from.
    #[arg(long, default_value = "")]
    pub commit: String,
    /// Seconds the whole run took (servers' start-up included).
    #[arg(long)]
    pub total_s: Option<f64>,
    /// Hand-written method and profiling notes, appended to the Markdown.
    #[arg(long, default_value = "bench/notes.md")]
    pub notes: PathBuf,
    /// Free-text remarks from the script (failures, skipped steps), one per flag.
    #[arg(long = "remark")]
    pub remarks: Vec<String>,
}

fn read_fragments(dir: &Path) -> BTreeMap<String, Fragment> {
    let mut fragments = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return fragments;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json")
            && let Ok(text) = std::fs::read_to_string(&path)
            && let Ok(fragment) = serde_json::from_str::<Fragment>(&text)
        {
            fragments.insert(fragment.bench.clone(), fragment);
        }
    }
    fragments
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn mem_total_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0)
}

fn load_1min(loadavg: &str) -> Option<f64> {
    loadavg.split_whitespace().next()?.parse().ok()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn met(row: &Row) -> &'static str {
    match row.met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "—",
    }
}

pub fn run(out: &Path, args: &ReportArgs) -> anyhow::Result<()> {
    let fragments = read_fragments(out);
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let load_end = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load_end = load_end.trim().to_owned();
    // Only the load before the run says whether other work was there: at the end it is
    // mostly the benchmarks' own.
    let busy = load_1min(&args.load_start).is_some_and(|load| load >= 0.5 * cores as f64);
    let mut rss = BTreeMap::new();
    for spec in &args.pids {
        if let Some((name, pid)) = spec.split_once('=')
            && let Ok(pid) = pid.parse::<u32>()
        {
            rss.insert(name.to_owned(), proc_kib(pid, "VmHWM"));
        }
    }
    let quick = args.mode == "quick";
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();

    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for id in &args.expect {
        match fragments.get(id) {
            Some(fragment) => rows.extend(fragment.rows.iter().cloned()),
            None => missing.push(id.clone()),
        }
    }

    // ---------------------------------------------------------------- JSON
    let results = json!({
        "generated_at": chrono::Utc::now().to_rfc3339(),
        "mode": args.mode,
        "commit": args.commit,
        "machine": {
            "cores": cores,
            "cpu": cpu_model(),
            "memory_gib": mem_total_gib(),
            "kernel": std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim(),
            "loadavg_start": args.load_start.trim(),
            "loadavg_end": load_end,
            "shared_and_busy": busy,
        },
        "total_s": args.total_s,
        "rows": rows,
        "missing": missing,
        "remarks": args.remarks,
        "peak_rss_kib": rss,
        "details": fragments.iter().map(|(k, f)| (k.clone(), json!({"took_s": f.took_s, "details": f.details}))).collect::<BTreeMap<_, _>>(),
    });
    std::fs::write(&args.json, serde_json::to_vec_pretty(&results)?)
        .with_context(|| format!("writing {}", args.json.display()))?;

    // ------------------------------------------------------------ Markdown
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `scripts/bench.sh{}` on {date}{}. Do not edit this file by hand: run the \
         script again (the method and profiling notes at the end come from `bench/notes.md`). \
         The same figures, with more detail, are in `bench-results.json`.\n",
        if quick { " --quick" } else { "" },
        if args.commit.is_empty() {
            String::new()
        } else {
            format!(" from commit `{}`", args.commit)
        }
    );
    if quick {
        let _ = writeln!(
            md,
            "> **Quick mode.** A smoke run (each benchmark runs a few seconds): shorter runs, and smaller rates, client \
             counts and event counts than the issue asks for (the *conditions* below say which). \
             Its figures show that every benchmark works; they are not the issue's figures. Run \
             `scripts/bench.sh` for those.\n"
        );
    }
    let _ = writeln!(md, "## Machine\n");
    let _ = writeln!(
        md,
        "- {cores} cores ({}), {:.1} GiB of memory, Linux {}.",
        cpu_model(),
        mem_total_gib(),
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    let _ = writeln!(
        md,
        "- Load average (1, 5, 15 min) at the start: {}; at the end: {}.",
        args.load_start
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(", "),
        load_end
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if busy {
        let _ = writeln!(
            md,
            "- **Shared and busy**: other work (builds, test suites) was running on the same \
             {cores} cores when the run started, so the figures here may be lower, and the \
             latencies higher, than on an idle machine. The baselines ran on the same machine in \
             the same run, so the ratios are the fairer reading."
        );
    }
    let _ = writeln!(
        md,
        "- Everything on this one machine: PostgreSQL (durable: `fsync=on`, \
         `synchronous_commit=on`), NATS with JetStream (file storage), the Parley processes \
         (release build) and the load generator `parley-bench`, all sharing the cores."
    );
    if let Some(total) = args.total_s {
        let _ = writeln!(
            md,
            "- The whole run took {total:.0} s (servers' start-up included)."
        );
    }
    let _ = writeln!(md, "\n## Results\n");
    let _ = writeln!(
        md,
        "*ratio* is figure ÷ baseline: above 1 is better for a throughput, below 1 is better for a latency.\n"
    );
    let _ = writeln!(
        md,
        "| id | what | figure | baseline | ratio | target | met? |\n|----|------|--------|----------|-------|--------|------|"
    );
    for row in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.id,
            cell(&row.what),
            cell(&row.figure),
            cell(row.baseline.as_deref().unwrap_or("—")),
            row.ratio.map_or("—".to_owned(), |r| format!("{r:.2}")),
            cell(&row.target),
            met(row)
        );
    }
    for id in &missing {
        let _ = writeln!(
            md,
            "| {id} | did not run or failed (see the script's output) | — | — | — | — | **no** |"
        );
    }
    let _ = writeln!(md, "\n### Conditions of each line\n");
    for row in &rows {
        if !row.conditions.is_empty() {
            let _ = writeln!(md, "- **{}**: {}", row.id, row.conditions);
        }
    }
    let notes: Vec<&String> = fragments.values().flat_map(|f| f.notes.iter()).collect();
    if !notes.is_empty() || !args.remarks.is_empty() {
        let _ = writeln!(md);
        for note in notes.into_iter().chain(args.remarks.iter()) {
            let _ = writeln!(md, "- {note}");
        }
    }
    if !rss.is_empty() {
        let _ = writeln!(md, "\n## Peak memory of each Parley process\n");
        let _ = writeln!(
            md,
            "`VmHWM` (peak resident set) of each process at the end of the run, read from \
             `/proc/<pid>/status`.\n"
        );
        let _ = writeln!(md, "| process | peak RSS |\n|---------|----------|");
        for (name, kib) in &rss {
            let _ = writeln!(
                md,
                "| `parley {name}` | {} |",
                kib.map_or("gone".to_owned(), |k| format!(
                    "{} MiB",
                    fmt_int(k as f64 / 1024.0)
                ))
            );
        }
    }
    let mut timings: Vec<String> = Vec::new();
    for id in &args.expect {
        if let Some(f) = fragments.get(id) {
            timings.push(format!("{id} {:.0} s", f.took_s));
        }
    }
    if !timings.is_empty() {
        let _ = writeln!(
            md,
            "\nTime each benchmark took, set-up and warm-up included: {}.",
            timings.join(", ")
        );
    }
    if let Ok(notes) = std::fs::read_to_string(&args.notes) {
        let _ = writeln!(md, "\n{}", notes.trim_end());
    }
    if let Some(parent) = args.markdown.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.markdown, md)
        .with_context(|| format!("writing {}", args.markdown.display()))?;
    eprintln!(
        "wrote {} and {}",
        args.markdown.display(),
        args.json.display()
    );
    Ok(())
}
