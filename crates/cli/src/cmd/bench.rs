//! `geosparse bench train-step`: geosparse's training step against PyTorch's, same shapes,
//! same machine, same thread count, each case in its own process.
//! `geosparse bench infer`: the sparse recurrent step against the dense one, in this process.

use super::user;
use geosparse_experiments::bench::{Measurement, infer, median, train_step};
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
    /// The fused sparse recurrent step (CSR, blocked) vs the dense one, as a Markdown table.
    Infer(Infer),
}

#[derive(clap::Args, Debug)]
struct Infer {
    /// Hidden sizes N (default 1024 and 4096).
    #[arg(long = "n")]
    sizes: Vec<usize>,
    /// Fractions of pruned weights (default 0, 0.9, 0.95, 0.98).
    #[arg(long = "sparsity")]
    sparsities: Vec<f64>,
    /// Batch sizes (default 1, 8, 64).
    #[arg(long = "batch")]
    batches: Vec<usize>,
    /// Masks: random, geometric (default both).
    #[arg(long = "mask")]
    masks: Vec<String>,
    /// Minimum timed seconds per kernel and case (the median step is reported).
    #[arg(long, default_value_t = 0.2)]
    min_time: f64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(clap::Args, Debug)]
struct TrainStep {
    /// Cases to run (default: all): elman-512, elman-2048, elman-4096, lstm-200, lstm-650.
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
    /// Rounds per case: geosparse and PyTorch alternate this many times and the table shows
    /// the median of each and the median per-round speed-up with its range (a shared machine
    /// drifts by ±10 % between runs).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Prune every weight matrix at random to this fraction and compare training on the CSR
    /// kernels (train.sparse_below) with dense masked training, here and in PyTorch
    /// (torch.nn.utils.prune), e.g. --sparsity 0.9.
    #[arg(long)]
    sparsity: Option<f64>,
    /// Internal: with --sparsity, run the CSR kernels (else the dense masked step).
    #[arg(long, hide = true)]
    sparse_kernels: bool,
    /// Internal: measure one case in this process and print JSON.
    #[arg(long, hide = true)]
    worker: bool,
}

pub fn run(a: Args, threads: Option<usize>) -> anyhow::Result<()> {
    match a.what {
        What::TrainStep(a) => run_train_step(a, threads),
        What::Infer(a) => run_infer(a),
    }
}

fn run_infer(a: Infer) -> anyhow::Result<()> {
    let mut cfg = infer::Config { min_time_s: a.min_time, seed: a.seed, ..Default::default() };
    if let Some(&n) = a.sizes.iter().find(|&&n| n == 0) {
        return Err(user(format!("--n: {n} is not allowed; give at least 1 neuron")));
    }
    if let Some(s) = a.sparsities.iter().find(|s| !(0.0..1.0).contains(*s)) {
        return Err(user(format!("--sparsity: {s} is not in [0, 1)")));
    }
    if a.batches.contains(&0) {
        return Err(user("--batch: 0 is not allowed; give at least 1"));
    }
    if !(a.min_time.is_finite() && a.min_time >= 0.0) {
        return Err(user(format!("--min-time: {} is not a number of seconds ≥ 0", a.min_time)));
    }
    let masks: Vec<infer::MaskKind> = a
        .masks
        .iter()
        .map(|m| infer::MaskKind::parse(m).ok_or_else(|| user(format!("--mask: '{m}' is not a mask; masks: random, geometric"))))
        .collect::<Result<_, _>>()?;
    if !a.sizes.is_empty() {
        cfg.sizes = a.sizes;
    }
    if !a.sparsities.is_empty() {
        cfg.sparsities = a.sparsities;
    }
    if !a.batches.is_empty() {
        cfg.batches = a.batches;
    }
    if !masks.is_empty() {
        cfg.masks = masks;
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let threads = rayon::current_num_threads();
    println!("fused step h' = relu(h W_hhᵀ + xw), {cpu}, {threads} threads, median over ≥ {} s per kernel", a.min_time);
    println!(
        "streaming read: {:.1} GB/s over 1 GiB, {:.1} GB/s over 64 MiB (a dense 4096² matrix)",
        infer::stream_read_gbs(1 << 30),
        infer::stream_read_gbs(1 << 26)
    );
    println!("dense = faer (ops::gemm) + relu; CSR in the original order; blocked = 1×8 blocks after Hilbert reordering");
    println!();
    println!("{}", infer::markdown_header());
    infer::run(&cfg, |r| println!("{}", infer::markdown_row(r)))?;
    Ok(())
}

/// `bench train-step`'s options, checked before any work.
fn check_train_step(a: &TrainStep) -> anyhow::Result<()> {
    for c in &a.cases {
        if !train_step::CASES.contains(&c.as_str()) {
            return Err(user(format!("--case: '{c}' is not a benchmark case; cases: {}", train_step::CASES.join(", "))));
        }
    }
    if a.steps == 0 {
        return Err(user("--steps: 0 is not allowed; time at least 1 step"));
    }
    if a.rounds == 0 {
        return Err(user("--rounds: 0 is not allowed; run at least 1 round"));
    }
    if let Some(s) = a.sparsity
        && !(0.0..1.0).contains(&s)
    {
        return Err(user(format!("--sparsity: {s} is not in [0, 1)")));
    }
    Ok(())
}

fn run_train_step(a: TrainStep, threads: Option<usize>) -> anyhow::Result<()> {
    check_train_step(&a)?;
    if a.worker {
        let case = a.cases.first().ok_or_else(|| user("--worker needs one --case"))?;
        let pruned = a.sparsity.map(|sparsity| train_step::Pruned { sparsity, kernels: a.sparse_kernels });
        let m = train_step::run_case_pruned(case, a.steps, a.warmup, pruned)?;
        geosparse_engine::profile::report();
        println!("{}", serde_json::to_string(&m)?);
        return Ok(());
    }
    let threads = threads.unwrap_or_else(rayon::current_num_threads);
    let cases: Vec<String> = if a.cases.is_empty() { train_step::CASES.iter().map(|s| s.to_string()).collect() } else { a.cases.clone() };
    let python = python_of(&a);
    let exe = std::env::current_exe()?;
    if let Some(s) = a.sparsity {
        return run_sparse_train_step(&exe, &cases, threads, s, &a);
    }
    let rounds = rounds_note(&a);
    println!("train step, {threads} threads, median of {} steps (after {} warm-up){rounds}", a.steps, a.warmup);
    println!("| case | geosparse ms/step | PyTorch ms/step | speed-up vs PyTorch | geosparse peak MiB | PyTorch peak MiB |");
    println!("|---|---|---|---|---|---|");
    let mut torch_version = None;
    for case in &cases {
        let (row, version) = dense_case_row(&exe, &python, case, threads, &a)?;
        println!("{row}");
        torch_version = version.or(torch_version);
    }
    if let Some(v) = torch_version {
        println!("PyTorch {v}, torch.set_num_threads({threads})");
    }
    Ok(())
}

/// One dense case over `a.rounds` rounds, each ours in a worker process then PyTorch's: the
/// table row (medians, ratio range, peak memory) and the PyTorch version seen.
fn dense_case_row(exe: &std::path::Path, python: &str, case: &str, threads: usize, a: &TrainStep) -> anyhow::Result<(String, Option<String>)> {
    let mut version = None;
    let (mut ours, mut theirs, mut ratios) = (vec![], vec![], vec![]);
    let (mut our_mb, mut their_mb) = (None, None);
    let mut failed = None;
    for _ in 0..a.rounds {
        let m = worker(exe, case, threads, a, &[])?;
        our_mb = m.peak_rss_mb.or(our_mb);
        ours.push(m.ms_per_step);
        if a.no_torch {
            failed = Some("skipped (--no-torch)".to_string());
            continue;
        }
        match torch_baseline(python, &a.torch_script, case, threads, a.steps, a.warmup, None) {
            Ok(t) => {
                version = t.get("torch").and_then(|v| v.as_str()).map(str::to_string);
                let tm = t["ms_per_step"].as_f64().unwrap_or(f64::NAN);
                their_mb = t["peak_rss_mb"].as_f64().or(their_mb);
                theirs.push(tm);
                ratios.push(tm / m.ms_per_step);
            }
            Err(why) => {
                // a missing or broken baseline will not recover in the next round
                failed = Some(why);
                break;
            }
        }
    }
    let ours_ms = median(&ours);
    let fmt_mb = |m: Option<f64>| m.map(|v| format!("{v:.0}")).unwrap_or_else(|| "n/a".into());
    let row = match failed {
        None => format!("| {case} | {ours_ms:.1} | {:.1} | {} | {} | {} |", median(&theirs), fmt_ratio(&ratios), fmt_mb(our_mb), fmt_mb(their_mb)),
        Some(why) => format!("| {case} | {ours_ms:.1} | n/a ({why}) | n/a | {} | n/a |", fmt_mb(our_mb)),
    };
    Ok((row, version))
}

/// One case in a worker process of this binary.
fn worker(exe: &std::path::Path, case: &str, threads: usize, a: &TrainStep, extra: &[String]) -> anyhow::Result<Measurement> {
    let out = Command::new(exe)
        .args(["--threads", &threads.to_string(), "bench", "train-step", "--worker", "--case", case])
        .args(["--steps", &a.steps.to_string(), "--warmup", &a.warmup.to_string()])
        .args(extra)
        .output()?;
    if !out.status.success() {
        anyhow::bail!("benchmark worker for {case} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Sparse-aware training (CSR W_hh) against dense masked training, same random mask.
fn run_sparse_train_step(exe: &std::path::Path, cases: &[String], threads: usize, sparsity: f64, a: &TrainStep) -> anyhow::Result<()> {
    let (python, rounds) = (python_of(a), rounds_note(a));
    println!(
        "train step with every weight matrix pruned at random to {:.0} % (the LM embedding excepted), {threads} threads, median of {} steps (after {} warm-up){rounds}",
        sparsity * 100.0,
        a.steps,
        a.warmup
    );
    println!("| case | (b) geosparse dense masked ms/step | (a) geosparse sparse (CSR kernels) ms/step | (a) vs (b) | (c) PyTorch dense masked (torch.nn.utils.prune) ms/step | (a) vs (c) |");
    println!("|---|---|---|---|---|---|");
    let s = sparsity.to_string();
    let mut torch_failed = a.no_torch.then(|| "skipped (--no-torch)".to_string());
    for case in cases {
        let (mut dense, mut sparse, mut torch, mut vs_dense, mut vs_torch) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..a.rounds {
            let d = worker(exe, case, threads, a, &["--sparsity".into(), s.clone()])?.ms_per_step;
            let sp = worker(exe, case, threads, a, &["--sparsity".into(), s.clone(), "--sparse-kernels".into()])?.ms_per_step;
            dense.push(d);
            sparse.push(sp);
            vs_dense.push(d / sp);
            if torch_failed.is_none() {
                match torch_baseline(&python, &a.torch_script, case, threads, a.steps, a.warmup, Some(sparsity)) {
                    Ok(t) => {
                        let tm = t["ms_per_step"].as_f64().unwrap_or(f64::NAN);
                        torch.push(tm);
                        vs_torch.push(tm / sp);
                    }
                    // a missing or broken baseline will not recover in the next round or case
                    Err(why) => torch_failed = Some(why),
                }
            }
        }
        let (tc, tr) = match (&torch_failed, torch.len() == a.rounds) {
            (None, true) => (format!("{:.1}", median(&torch)), fmt_ratio(&vs_torch)),
            (why, _) => (format!("n/a ({})", why.as_deref().unwrap_or("incomplete")), "n/a".into()),
        };
        println!("| {case} | {:.1} | {:.1} | {} | {tc} | {tr} |", median(&dense), median(&sparse), fmt_ratio(&vs_dense));
    }
    Ok(())
}

/// The Python for the PyTorch baseline: --python, else $GEOSPARSE_PYTHON, else python3.
fn python_of(a: &TrainStep) -> String {
    a.python.clone().or_else(|| std::env::var("GEOSPARSE_PYTHON").ok()).unwrap_or_else(|| "python3".into())
}

/// The header's note on alternating rounds (empty for one round).
fn rounds_note(a: &TrainStep) -> String {
    if a.rounds > 1 { format!(", {} alternating rounds (medians; per-round speed-up range in brackets)", a.rounds) } else { String::new() }
}

/// The median of per-round speed-ups, with their range when there are several: "1.23× (1.10–1.40)".
fn fmt_ratio(r: &[f64]) -> String {
    let range = if r.len() > 1 {
        let (lo, hi) = r.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        format!(" ({lo:.2}–{hi:.2})")
    } else {
        String::new()
    };
    format!("{:.2}×{range}", median(r))
}

fn torch_baseline(python: &str, script: &PathBuf, case: &str, threads: usize, steps: usize, warmup: usize, sparsity: Option<f64>) -> Result<serde_json::Value, String> {
    if !script.exists() {
        return Err(format!("{} not found", script.display()));
    }
    let out = Command::new(python)
        .arg(script)
        .args(["--case", case, "--threads", &threads.to_string(), "--steps", &steps.to_string(), "--warmup", &warmup.to_string()])
        .args(sparsity.map(|s| ["--sparsity".to_string(), s.to_string()]).into_iter().flatten())
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("{python} failed: {last}"));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bad output from the PyTorch script: {e}"))
}
