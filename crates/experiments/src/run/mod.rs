//! `geosparse train`: one run in one folder.
//!
//! The folder holds `config.toml` (the resolved config), `metrics.jsonl`, `checkpoint.safetensors`
//! (parameters, masks, optimizer state and the loop position; rewritten atomically each epoch),
//! `model.safetensors` (the trained, pruned model with its masks), `control.safetensors` (the
//! control's retrained model), `embedding_<param>.npy` (the neurons' points),
//! `summary.json` and `plots/`. A killed run continues with `--resume` from its last
//! checkpoint and ends with the same numbers as an uninterrupted one.
//!
//! ```no_run
//! use geosparse_experiments::{config::RunConfig, run};
//! let cfg = RunConfig::from_file("configs/navigation-small.toml".as_ref(), &[]).unwrap();
//! let opts = run::Options { out: "runs/demo".into(), ..Default::default() };
//! let summary = run::train(&cfg, &opts).unwrap();
//! println!("{:?}", summary.train.unwrap().val);
//! ```

pub mod dynamic;
pub mod metrics;
pub mod folder;
pub mod penalty;
mod phases;
pub mod progress;
pub mod state;
pub mod summary;
pub mod swaps;
pub mod trainable;
pub mod trainer;

use crate::config::{ControlKind, RunConfig};
use geosparse_engine::checkpoint;
use folder::{prepare_dir, refused};
use phases::Session;
pub use folder::{RESUMABLE_CHANGES, RUN_MARKERS, Refused, is_run_folder};
use geosparse_io::atomic_write;
use geosparse_prune::report::Sparsity;
use geosparse_tasks::task::{Split, Task};
use progress::Mode;
use std::path::{Path, PathBuf};
use summary::{PhaseSummary, Status, Summary};

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    /// Continue the run in `out` from its checkpoint.
    pub resume: bool,
    /// Start over in a folder that holds a run.
    pub force: bool,
    pub progress: Mode,
    /// Overrides `threads` of the config.
    pub threads: Option<usize>,
    /// Draw the plots at the end.
    pub plots: bool,
    /// Pause after this many steps of the whole run (checkpoint kept; continue with `resume`),
    /// e.g. to fit a cluster's time limit.
    pub max_steps: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options { out: PathBuf::from("runs/run"), resume: false, force: false, progress: Mode::Auto, threads: None, plots: true, max_steps: None }
    }
}

/// A run that stopped because it diverged (the message says where; exit status 1).
#[derive(Debug)]
pub struct Diverged(pub String);

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the run diverged: {}; its last good checkpoint is kept", self.0)
    }
}
impl std::error::Error for Diverged {}

/// The most worker threads a run may ask for: a sane multiple of the cores (more only queue
/// up, and an absurd count makes the thread pool hang while it spawns them).
pub fn max_threads() -> usize {
    8 * num_cpus()
}

/// A run paused by `max_steps` (not an error for the caller: resume it later).
#[derive(Debug)]
pub struct Paused(pub u64);

impl std::fmt::Display for Paused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "paused after {} steps; continue with --resume", self.0)
    }
}
impl std::error::Error for Paused {}

/// Trains a run (see the module docs). Returns its summary, also written to `summary.json`.
pub fn train(cfg: &RunConfig, opts: &Options) -> anyhow::Result<Summary> {
    let threads = opts.threads.filter(|&t| t > 0).or((cfg.threads > 0).then_some(cfg.threads)).unwrap_or_else(num_cpus);
    if threads > max_threads() {
        return Err(refused(format!("threads: {threads} is not allowed; this machine has {} cores, so give at most {}", num_cpus(), max_threads())));
    }
    if opts.max_steps == Some(0) {
        return Err(refused("--max-steps: 0 is not allowed; pause after at least 1 step (omit it to run to the end)"));
    }
    crate::memory::check_run(cfg).map_err(refused)?;
    let previous_lr = std::fs::read_to_string(opts.out.join("config.toml")).ok().and_then(|t| toml::from_str::<RunConfig>(&t).ok()).map(|c| c.train.optimizer.lr());
    let (resuming, _lock) = prepare_dir(cfg, opts)?;
    if opts.resume && let Ok(s) = Summary::read(&opts.out)
        && s.status == Status::Completed
    {
        return Ok(s);
    }
    let changed_lr = previous_lr.filter(|&l| resuming && l != cfg.train.optimizer.lr()).map(|_| cfg.train.optimizer.lr());
    // the saved config names the thread count the numbers were made with
    let mut saved = cfg.clone();
    saved.threads = threads;
    atomic_write(&opts.out.join("config.toml"), saved.to_toml().as_bytes())?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    pool.install(|| run_in_pool(cfg, opts, resuming, threads, changed_lr))
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn phase_summary(cfg: &RunConfig, task: &mut dyn Task, reg: &geosparse_engine::regularize::Regularization, prunable: &[String], epochs: usize, val: Option<geosparse_tasks::task::Eval>) -> anyhow::Result<PhaseSummary> {
    task.prepare_sparse(cfg.train.sparse_below);
    let pen = reg.apply(task.params_mut(), false).map_err(|m| anyhow::anyhow!(m))?;
    let val = match val {
        Some(v) => v,
        None => {
            let mut v = task.evaluate(Split::Valid);
            v.loss += pen;
            v
        }
    };
    let test = task.evaluate(Split::Test);
    let sp = Sparsity::of(&task.params().into_iter().filter(|p| prunable.contains(&p.name)).collect::<Vec<_>>());
    Ok(PhaseSummary {
        epochs,
        steps: epochs as u64 * task.steps_per_epoch(),
        val_loss: val.loss,
        val: val.metrics,
        test_loss: test.loss + pen,
        test: test.metrics,
        val_task_loss: val.loss - pen,
        test_task_loss: test.loss,
        penalty: pen,
        sparsity: sp.overall,
        sparsity_per_tensor: sp.per_tensor,
        entries_per_tensor: sp.entries,
    })
}

/// Builds the task with its initial weights: the seed's, or `train.init_from`'s.
pub fn initial_task(cfg: &RunConfig, seed: u64) -> anyhow::Result<Box<dyn Task>> {
    // a task that cannot be built (a missing corpus, say) is the config's problem
    let mut task = cfg.task.build(seed).map_err(refused)?;
    if let Some(path) = &cfg.train.init_from {
        if !path.is_file() {
            return Err(refused(format!("train.init_from: {} does not exist (give a `geosparse import`ed file or a run's model.safetensors)", path.display())));
        }
        let ck = checkpoint::load(path).map_err(|e| refused(format!("train.init_from {}: {e:#}", path.display())))?;
        ck.restore_params(task.params_mut()).map_err(|e| refused(format!("train.init_from {}: {e:#}", path.display())))?;
    }
    Ok(task)
}

fn run_in_pool(cfg: &RunConfig, opts: &Options, resuming: bool, threads: usize, changed_lr: Option<f32>) -> anyhow::Result<Summary> {
    let mut task = initial_task(cfg, cfg.seed)?;
    let mut session = Session::open(cfg, opts, resuming, threads, changed_lr, &*task)?;
    session.train(&mut *task)?;
    if cfg.control.kind != ControlKind::None {
        session.control()?;
    }
    session.finish(&*task)
}

/// A warning for every tensor pruned to 99 % or more: a number like "pruned 90 %" over the
/// whole set can hide a matrix that global pruning removed almost entirely.
pub fn stripped_tensors(p: &PhaseSummary) -> Vec<String> {
    p.sparsity_per_tensor
        .iter()
        .filter(|&(_, &s)| s >= 0.99)
        .map(|(name, s)| format!("{name} is {:.1} % pruned: almost nothing of it is left (one global threshold takes most from the tensor with the smallest weights; prune.scope = \"per-tensor\" prunes each to the target)", 100.0 * s))
        .collect()
}

/// The seed of a control's fresh weights and R.
fn control_seed(seed: u64) -> u64 {
    use rand::RngCore;
    geosparse_moduli::seed::rng(seed, "control").next_u64()
}

/// Where the run's figures go.
pub fn plots_dir(dir: &Path) -> PathBuf {
    dir.join("plots")
}
