//! The run folder: new, resumed (the config must match the one it was started with), or
//! replaced with `--force` — a run folder only, never a folder of other files — and locked
//! for its one writer before anything in it changes.
//!
//! ```
//! use geosparse_experiments::run::is_run_folder;
//! let d = tempfile::tempdir().unwrap();
//! assert!(!is_run_folder(d.path()));
//! std::fs::write(d.path().join("summary.json"), "{}").unwrap();
//! assert!(is_run_folder(d.path()));
//! ```

use super::Options;
use super::trainer::checkpoint_path;
use crate::config::RunConfig;
use anyhow::Context;
use geosparse_io::lock::{DirLock, lock_dir};
use geosparse_io::{DirState, dir_state};
use std::path::Path;

/// Keys that may change on `--resume` (they do not change what is being trained).
pub const RESUMABLE_CHANGES: [&str; 5] = ["name", "threads", "train.optimizer.lr", "train.clip", "train.checkpoint_every"];

/// A request the user must change (a refused folder, a config that cannot run here: exit
/// status 2), as opposed to a failure while working.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

pub(crate) fn refused(m: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Refused(m.into()))
}

/// Files that mark a folder as a run folder (only such a folder may be replaced by `force`).
pub const RUN_MARKERS: [&str; 5] = ["config.toml", "summary.json", "metrics.jsonl", "checkpoint.safetensors", "model.safetensors"];

/// Whether `dir` holds a run (one of [`RUN_MARKERS`]).
pub fn is_run_folder(dir: &Path) -> bool {
    RUN_MARKERS.iter().any(|m| dir.join(m).is_file())
}

/// Creates `out` and takes its lock (one writer per run folder).
fn create_locked(out: &Path) -> anyhow::Result<DirLock> {
    std::fs::create_dir_all(out).map_err(|e| refused(format!("--out {}: {e}", out.display())))?;
    lock_dir(out).map_err(|e| refused(format!("--out {e}")))
}

/// Prepares the folder: new, resumed (config must match), or replaced with `force` (a run
/// folder only). Returns whether a checkpoint exists to resume from, and the folder's lock,
/// taken before anything in it changes.
pub(crate) fn prepare_dir(cfg: &RunConfig, opts: &Options) -> anyhow::Result<(bool, DirLock)> {
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

/// Sets the learning rate of an optimizer config.
fn set_lr(c: &mut geosparse_engine::optim::OptimizerConfig, v: f32) {
    use geosparse_engine::optim::OptimizerConfig as O;
    match c {
        O::Sgd { lr, .. } | O::Adam { lr, .. } | O::Adamw { lr, .. } => *lr = v,
    }
}

