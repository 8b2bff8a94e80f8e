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

pub mod metrics;
pub mod penalty;
pub mod progress;
pub mod state;
pub mod summary;
pub mod trainer;

use crate::config::{ControlKind, RunConfig};
use anyhow::Context;
use geosparse_engine::checkpoint;
use geosparse_engine::optim::Optimizer;
use geosparse_io::lock::{DirLock, lock_dir};
use geosparse_io::{DirState, atomic_write, dir_state, npy};
use geosparse_prune::controls::random_like;
use geosparse_prune::report::Sparsity;
use geosparse_tasks::task::{Split, Task};
use metrics::Metrics;
use progress::{Mode, Progress};
use state::{Phase, RunState};
use std::path::{Path, PathBuf};
use summary::{PhaseSummary, RegularizerInfo, Status, Summary};
use trainer::{PhaseRun, Stop, checkpoint_path, prunable_names, select};

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

/// Keys that may change on `--resume` (they do not change what is being trained).
pub const RESUMABLE_CHANGES: [&str; 5] = ["name", "threads", "train.optimizer.lr", "train.clip", "train.checkpoint_every"];

/// A request the user must change (a refused folder, a config that cannot run here: exit
/// status 2), as opposed to a failure while working.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refused(m: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Refused(m.into()))
}

/// Files that mark a folder as a run folder (only such a folder may be replaced by `force`).
pub const RUN_MARKERS: [&str; 5] = ["config.toml", "summary.json", "metrics.jsonl", "checkpoint.safetensors", "model.safetensors"];

/// Whether `dir` holds a run (one of [`RUN_MARKERS`]).
pub fn is_run_folder(dir: &Path) -> bool {
    RUN_MARKERS.iter().any(|m| dir.join(m).is_file())
}

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

/// Creates `out` and takes its lock (one writer per run folder).
fn create_locked(out: &Path) -> anyhow::Result<DirLock> {
    std::fs::create_dir_all(out).map_err(|e| refused(format!("--out {}: {e}", out.display())))?;
    lock_dir(out).map_err(|e| refused(format!("--out {e}")))
}

/// Prepares the folder: new, resumed (config must match), or replaced with `force` (a run
/// folder only). Returns whether a checkpoint exists to resume from, and the folder's lock,
/// taken before anything in it changes.
fn prepare_dir(cfg: &RunConfig, opts: &Options) -> anyhow::Result<(bool, DirLock)> {
    let out = &opts.out;
    if opts.resume && opts.force {
        return Err(refused("--resume and --force contradict each other: --resume continues the run in --out, --force replaces it; give one"));
    }
    match dir_state(out).map_err(|e| refused(format!("--out {e}")))? {
        DirState::NotADirectory => Err(refused(format!("--out: {} exists and is not a folder", out.display()))),
        DirState::Missing | DirState::Empty => Ok((false, create_locked(out)?)),
        DirState::NonEmpty if opts.resume => {
            let lock = create_locked(out)?;
            let saved = std::fs::read_to_string(out.join("config.toml")).map_err(|e| refused(format!("--resume: {} holds no readable config.toml ({e})", out.display())))?;
            let saved: RunConfig = toml::from_str(&saved).map_err(|e| refused(format!("--resume: {}/config.toml: {e}", out.display())))?;
            let neutral = |c: &RunConfig| {
                let mut c = c.clone();
                c.name = String::new();
                c.threads = 0;
                c.train.clip = 0.0;
                c.train.checkpoint_every = 0;
                c.train.optimizer = saved.train.optimizer.clone();
                c
            };
            let same_kind = std::mem::discriminant(&saved.train.optimizer) == std::mem::discriminant(&cfg.train.optimizer);
            let mut lr_only = saved.train.optimizer.clone();
            set_lr(&mut lr_only, cfg.train.optimizer.lr());
            if neutral(&saved) != neutral(cfg) || !same_kind || lr_only != cfg.train.optimizer {
                return Err(refused(format!(
                    "--resume: the config differs from the one {} was started with (only {} may change on resume); resume with that config (omit --config) or start a new run",
                    out.display(),
                    RESUMABLE_CHANGES.join(", ")
                )));
            }
            Ok((checkpoint_path(out).exists(), lock))
        }
        DirState::NonEmpty if opts.force => {
            if !is_run_folder(out) {
                return Err(refused(format!(
                    "--force: {} holds files but is not a run folder (none of {}); --force only replaces a run folder, so pick another --out or empty it yourself",
                    out.display(),
                    RUN_MARKERS.join(", ")
                )));
            }
            let lock = create_locked(out)?;
            // clear the old run's files, keeping the lock file we hold
            for entry in std::fs::read_dir(out).with_context(|| format!("--force: cannot clear {}", out.display()))? {
                let entry = entry?;
                if entry.file_name() == geosparse_io::lock::LOCK_FILE {
                    continue;
                }
                let path = entry.path();
                let removed = if entry.file_type()?.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
                removed.map_err(|e| refused(format!("--force: cannot remove {}: {e}", path.display())))?;
            }
            Ok((false, lock))
        }
        DirState::NonEmpty => Err(refused(format!("--out: {} already holds files; pass --resume to continue that run or --force to start over", out.display()))),
    }
}

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
    let dir = opts.out.as_path();
    let mut task = initial_task(cfg, cfg.seed)?;
    let prunable = prunable_names(&*task, &cfg.prune.tensors).map_err(refused)?;
    let built = penalty::build(&cfg.penalty, cfg.seed, &*task).map_err(refused)?;
    let mut summary = Summary::new(&cfg.name, task.kind(), cfg.seed, task.primary_metric());
    summary.threads = threads;
    for (param, reg) in &built.regularizers {
        let file = reg.embedding().map(|e| {
            let f = format!("embedding_{param}.npy");
            (f, e)
        });
        if let Some((f, e)) = &file {
            npy::write_f32(&dir.join(f), &[reg.neurons(), e.dim], &e.coords)?;
        }
        summary.regularizers.push(RegularizerInfo { param: param.clone(), spec: reg.spec.clone(), stats: reg.stats(), embedding_file: file.map(|x| x.0) });
    }
    let mut metrics = Metrics::open(&dir.join("metrics.jsonl"))?;
    let mut opt = Optimizer::new(cfg.train.optimizer.clone());
    let mut st = RunState::start(Phase::Train, opt.lr);
    let ckpt = if resuming { Some(checkpoint::load(&checkpoint_path(dir))?) } else { None };
    if let Some(ck) = &ckpt {
        st = serde_json::from_value(ck.meta["state"].clone()).context("checkpoint: no loop state")?;
        metrics.truncate_to(st.phase.name(), st.epoch)?;
        if let Some(lr) = changed_lr {
            st.lr = lr; // a learning rate given on resume replaces the schedule's current one
        }
    } else {
        metrics.truncate_to("train", 0)?;
    }
    let train_epochs = cfg.prune.total_epochs(cfg.train.epochs);
    let spe = task.steps_per_epoch();
    let control_epochs = if cfg.control.kind == ControlKind::None { 0 } else { cfg.train.epochs };
    let mut progress = Progress::new(opts.progress, (train_epochs + control_epochs) as u64 * spe);
    summary.write(dir)?;
    let fail = |summary: &mut Summary, stop: Stop| -> anyhow::Error {
        let (status, err) = match stop {
            Stop::Diverged(m) => (Status::Diverged, anyhow::Error::new(Diverged(m))),
            Stop::Paused(n) => (Status::Running, anyhow::Error::new(Paused(n))),
            Stop::Error(e) => (Status::Failed, e),
        };
        summary.status = status;
        summary.message = Some(format!("{err:#}"));
        let _ = summary.write(dir);
        err
    };

    // phase 1: train with penalty and pruning
    if st.phase == Phase::Train {
        if let Some(ck) = &ckpt {
            ck.restore_params(task.params_mut())?;
            let params: Vec<_> = task.params().into_iter().cloned().collect();
            ck.restore_optimizer(&mut opt, &params.iter().collect::<Vec<_>>())?;
        }
        let mut run = PhaseRun {
            cfg,
            dir,
            task: &mut *task,
            reg: &built.regularization,
            opt: &mut opt,
            prunable: &prunable,
            state: st.clone(),
            metrics: &mut metrics,
            progress: &mut progress,
            epochs: train_epochs,
            prunes: cfg.prune.prunes(),
            max_steps: opts.max_steps,
            steps_before: 0,
        };
        let last = match run.run() {
            Ok(v) => v,
            Err(stop) => {
                progress.finish();
                return Err(fail(&mut summary, stop));
            }
        };
        checkpoint::save(&dir.join("model.safetensors"), &task.params(), None, &serde_json::json!({"phase": "train"}))?;
        summary.train = Some(phase_summary(cfg, &mut *task, &built.regularization, &prunable, train_epochs, last)?);
        summary.warnings = stripped_tensors(summary.train.as_ref().expect("just set"));
        for w in &summary.warnings {
            eprintln!("warning: {w}");
        }
        summary.write(dir)?;
        st = RunState::start(Phase::Control, cfg.train.optimizer.lr());
    } else {
        // resuming in the control phase: the training phase's numbers are in model.safetensors
        let ck = checkpoint::load(&dir.join("model.safetensors"))?;
        ck.restore_params(task.params_mut())?;
        summary.train = Some(phase_summary(cfg, &mut *task, &built.regularization, &prunable, train_epochs, None)?);
    }

    // phase 2: the control (retrain with a fixed mask)
    if cfg.control.kind != ControlKind::None {
        let final_masks: Vec<Vec<u8>> = {
            let ck = checkpoint::load(&dir.join("model.safetensors"))?;
            prunable.iter().map(|n| ck.masks.get(n).map(|m| m.1.clone()).unwrap_or_else(|| vec![1; ck.tensors[n].1.len()])).collect()
        };
        let (seed, masks) = match cfg.control.kind {
            ControlKind::Lottery => (control_seed(cfg.seed), final_masks),
            ControlKind::Rewind => (cfg.seed, final_masks), // initial_task rebuilds the same start
            ControlKind::RandomMask => (cfg.seed, random_like(&final_masks, control_seed(cfg.seed))),
            ControlKind::None => unreachable!(),
        };
        let mut ctask = if cfg.control.kind == ControlKind::Lottery { cfg.task.build(seed).map_err(|m| anyhow::anyhow!(m))? } else { initial_task(cfg, seed)? };
        let creg = if cfg.control.kind == ControlKind::Lottery && cfg.control.fresh_regularizer {
            penalty::build(&cfg.penalty, control_seed(cfg.seed), &*ctask).map_err(|m| anyhow::anyhow!(m))?.regularization
        } else {
            built.regularization.clone()
        };
        for (p, m) in select(&mut *ctask, &prunable).into_iter().zip(masks) {
            p.set_mask(m);
        }
        let mut copt = Optimizer::new(cfg.train.optimizer.clone());
        if st.phase == Phase::Control && resuming && ckpt.as_ref().is_some_and(|c| c.meta["state"]["phase"] == "control") {
            let ck = ckpt.as_ref().expect("checked");
            ck.restore_params(ctask.params_mut())?;
            let params: Vec<_> = ctask.params().into_iter().cloned().collect();
            ck.restore_optimizer(&mut copt, &params.iter().collect::<Vec<_>>())?;
        }
        let mut run = PhaseRun {
            cfg,
            dir,
            task: &mut *ctask,
            reg: &creg,
            opt: &mut copt,
            prunable: &prunable,
            state: st,
            metrics: &mut metrics,
            progress: &mut progress,
            epochs: cfg.train.epochs,
            prunes: false,
            max_steps: opts.max_steps,
            steps_before: train_epochs as u64 * spe,
        };
        let last = match run.run() {
            Ok(v) => v,
            Err(stop) => {
                progress.finish();
                return Err(fail(&mut summary, stop));
            }
        };
        checkpoint::save(&dir.join("control.safetensors"), &ctask.params(), None, &serde_json::json!({"phase": "control"}))?;
        summary.control_kind = Some(format!("{:?}", cfg.control.kind).to_lowercase());
        summary.control = Some(phase_summary(cfg, &mut *ctask, &creg, &prunable, cfg.train.epochs, last)?);
    }
    progress.finish();
    summary.status = Status::Completed;
    summary.wall_s = metrics.records().last().map(|r| r.wall_s).unwrap_or(0.0);
    summary.write(dir)?;
    if opts.plots {
        let init = initial_task(cfg, cfg.seed)?;
        crate::plot::run::write_all(dir, &metrics, &*init, &*task, &built.regularizers, task.primary_metric())?;
    }
    Ok(summary)
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

/// Sets the learning rate of an optimizer config.
fn set_lr(c: &mut geosparse_engine::optim::OptimizerConfig, v: f32) {
    use geosparse_engine::optim::OptimizerConfig as O;
    match c {
        O::Sgd { lr, .. } | O::Adam { lr, .. } | O::Adamw { lr, .. } => *lr = v,
    }
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
