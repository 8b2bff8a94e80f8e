//! `geosparse sweep`: run a grid of configs locally (`--jobs N`) or one point of it
//! (`--index I`, for Slurm job arrays and Kubernetes indexed jobs).

use super::user;
use geosparse_experiments::memory;
use geosparse_experiments::sweep::{self, spec::SweepSpec};
use geosparse_io::lock::lock_dir;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The sweep file (TOML): a base config, variants and axes.
    #[arg(long)]
    config: PathBuf,
    /// The sweep folder (shared storage on a cluster).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker processes (each gets cores / jobs threads).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Print the number of runs and exit.
    #[arg(long)]
    list: bool,
    /// Print the grid (index, id, label) and exit.
    #[arg(long)]
    show: bool,
    /// Run only grid point I (0-based), e.g. $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX.
    #[arg(long)]
    index: Option<usize>,
    /// Write into a folder that holds another sweep (its runs stay; its index is replaced).
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args, threads: Option<usize>) -> anyhow::Result<()> {
    let spec = SweepSpec::from_file(&a.config).map_err(user)?;
    let grid = spec.expand().map_err(|e| user(format!("{}: {e}", a.config.display())))?;
    if a.list {
        println!("{}", grid.len());
        return Ok(());
    }
    if a.show {
        for p in &grid {
            println!("{}\t{}\t{}", p.index, p.id, p.label);
        }
        return Ok(());
    }
    let out = a.out.clone().ok_or_else(|| user("--out: the sweep folder is required (except with --list / --show)"))?;
    if a.jobs == 0 {
        return Err(user("--jobs: 0 is not allowed; run at least 1 worker"));
    }
    sweep::check_out(&out, &spec.file.name, a.force).map_err(user)?;
    // the largest run must fit in memory (each worker checks its own run again)
    if let Some((_, p)) = grid.iter().map(|p| (memory::run_estimate(&p.config), p)).max_by(|x, y| x.0.total_cmp(&y.0)) {
        memory::check_run(&p.config).map_err(|e| user(format!("run {} ({}): {e}", p.index, p.label)))?;
    }
    // one local sweep per folder (workers of a cluster job array lock only their run folders)
    std::fs::create_dir_all(&out).map_err(|e| user(format!("--out {}: {e}", out.display())))?;
    let _lock = if a.index.is_none() { Some(lock_dir(&out).map_err(|e| user(format!("--out {e}")))?) } else { None };
    sweep::write_index(&out, &spec.file.name, &grid)?;
    if let Some(i) = a.index {
        let p = grid.get(i).ok_or_else(|| user(format!("--index: {i} is out of range; the sweep has {} runs (0..{})", grid.len(), grid.len().saturating_sub(1))))?;
        let result = sweep::run_point(p, &out, threads, false).map_err(|e| if e.downcast_ref::<geosparse_experiments::run::Refused>().is_some() { user(format!("{e:#}")) } else { e })?;
        match result {
            None => println!("run {i} ({}) already finished", p.label),
            Some(s) => println!("run {i} ({}) {:?}", p.label, s.status),
        }
        return Ok(());
    }
    let cores = threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let each = (cores / a.jobs).max(1);
    let exe = std::env::current_exe()?;
    let failed = sweep::run_local(&exe, &a.config, &out, &grid, a.jobs, each, |m| eprintln!("sweep: {m}"))?;
    let done = grid.iter().filter(|p| sweep::is_finished(&out, p)).count();
    println!("{done} of {} runs finished in {}", grid.len(), out.display());
    if !failed.is_empty() {
        anyhow::bail!("{} runs failed: {:?} (logs in {}/logs); run the sweep again to retry them", failed.len(), failed, out.display());
    }
    Ok(())
}
