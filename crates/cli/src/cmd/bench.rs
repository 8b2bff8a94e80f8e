//! `geosparse bench train-step`: geosparse's training step against PyTorch's, same shapes,
//! same machine, same thread count, each case in its own process.

use super::user;
use geosparse_experiments::bench::{Measurement, train_step};
use std::path::PathBuf;
use std::process::Command;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand, Debug)]
enum What {
    /// One training step (forward, loss, BPTT, optimizer) vs PyTorch.
    TrainStep(TrainStep),
}

#[derive(clap::Args, Debug)]
struct TrainStep {
    /// Cases to run (default: all): elman-512, elman-2048, lstm-200, lstm-650.
    #[arg(long = "case")]
    cases: Vec<String>,
    /// Timed steps per case (the median is reported).
    #[arg(long, default_value_t = 10)]
    steps: usize,
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Python with torch for the baseline (env GEOSPARSE_PYTHON, else python3).
    #[arg(long)]
    python: Option<String>,
    /// The PyTorch twin of the cases.
    #[arg(long, default_value = "tools/bench_torch.py")]
    torch_script: PathBuf,
    /// Skip the PyTorch baseline.
    #[arg(long)]
    no_torch: bool,
    /// Internal: measure one case in this process and print JSON.
    #[arg(long, hide = true)]
    worker: bool,
}

pub fn run(a: Args, threads: Option<usize>) -> anyhow::Result<()> {
    let What::TrainStep(a) = a.what;
    for c in &a.cases {
        if !train_step::CASES.contains(&c.as_str()) {
            return Err(user(format!("--case: '{c}' is not a benchmark case; cases: {}", train_step::CASES.join(", "))));
        }
    }
    if a.steps == 0 {
        return Err(user("--steps: 0 is not allowed; time at least 1 step"));
    }
    if a.worker {
        let case = a.cases.first().ok_or_else(|| user("--worker needs one --case"))?;
        let m = train_step::run_case(case, a.steps, a.warmup)?;
        geosparse_engine::profile::report();
        println!("{}", serde_json::to_string(&m)?);
        return Ok(());
    }
    let threads = threads.unwrap_or_else(rayon::current_num_threads);
    let cases: Vec<String> = if a.cases.is_empty() { train_step::CASES.iter().map(|s| s.to_string()).collect() } else { a.cases.clone() };
    let python = a.python.clone().or_else(|| std::env::var("GEOSPARSE_PYTHON").ok()).unwrap_or_else(|| "python3".into());
    let exe = std::env::current_exe()?;
    println!("train step, {threads} threads, median of {} steps (after {} warm-up)", a.steps, a.warmup);
    println!("| case | geosparse ms/step | PyTorch ms/step | speed-up vs PyTorch | geosparse peak MiB | PyTorch peak MiB |");
    println!("|---|---|---|---|---|---|");
    let mut torch_version = None;
    for case in &cases {
        let out = Command::new(&exe)
            .args(["--threads", &threads.to_string(), "bench", "train-step", "--worker", "--case", case])
            .args(["--steps", &a.steps.to_string(), "--warmup", &a.warmup.to_string()])
            .output()?;
        if !out.status.success() {
            anyhow::bail!("benchmark worker for {case} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let ours: Measurement = serde_json::from_slice(&out.stdout)?;
        let torch = if a.no_torch {
            Err("skipped (--no-torch)".to_string())
        } else {
            torch_baseline(&python, &a.torch_script, case, threads, a.steps, a.warmup)
        };
        let fmt_mb = |m: Option<f64>| m.map(|v| format!("{v:.0}")).unwrap_or_else(|| "n/a".into());
        match &torch {
            Ok(t) => {
                torch_version = t.get("torch").and_then(|v| v.as_str()).map(str::to_string);
                let tm = t["ms_per_step"].as_f64().unwrap_or(f64::NAN);
                println!(
                    "| {case} | {:.1} | {:.1} | {:.2}× | {} | {} |",
                    ours.ms_per_step,
                    tm,
                    tm / ours.ms_per_step,
                    fmt_mb(ours.peak_rss_mb),
                    fmt_mb(t["peak_rss_mb"].as_f64())
                );
            }
            Err(why) => println!("| {case} | {:.1} | n/a ({why}) | n/a | {} | n/a |", ours.ms_per_step, fmt_mb(ours.peak_rss_mb)),
        }
    }
    if let Some(v) = torch_version {
        println!("PyTorch {v}, torch.set_num_threads({threads})");
    }
    Ok(())
}

fn torch_baseline(python: &str, script: &PathBuf, case: &str, threads: usize, steps: usize, warmup: usize) -> Result<serde_json::Value, String> {
    if !script.exists() {
        return Err(format!("{} not found", script.display()));
    }
    let out = Command::new(python)
        .arg(script)
        .args(["--case", case, "--threads", &threads.to_string(), "--steps", &steps.to_string(), "--warmup", &warmup.to_string()])
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("{python} failed: {last}"));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bad output from the PyTorch script: {e}"))
}
