//! The training loop of one phase: prune on schedule (or trade weights, with dynamic sparsity), forward and backward, the penalty,
//! gradient masking and clipping, the optimizer step; evaluation, metrics and a checkpoint at
//! the end of each epoch (and every `checkpoint_every` steps). A NaN or infinite loss stops
//! the run with a message; the last checkpoint stays as it was.
//!
//! ```no_run
//! // driven by geosparse_experiments::run::train
//! ```

use super::dynamic::Dynamic;
use super::state::Phase;
use super::swaps::{Swaps, relabel};
use super::trainable::Trainable;
use super::metrics::{Metrics, Record};
use super::progress::Progress;
use super::state::RunState;
use crate::config::RunConfig;
use geosparse_engine::checkpoint;
use geosparse_engine::optim::{EpochDecay, Optimizer, PlateauDecay, clip_coef, grad_norm};
use geosparse_engine::param::{Param, ParamKind};
use geosparse_engine::regularize::Regularization;
use geosparse_prune::magnitude::prune;
use geosparse_prune::schedule::Schedule;
use geosparse_prune::report::Sparsity;
use geosparse_tasks::task::{Eval, Split, Task};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// The points' step size and their gradient per trained parameter.
type PointsStep = (f64, BTreeMap<String, Vec<f64>>);

/// Why a phase stopped early.
#[derive(Debug)]
pub enum Stop {
    /// Loss, penalty, gradient norm or validation loss not finite.
    Diverged(String),
    /// `max_steps` reached: the checkpoint is written and the run can be resumed.
    Paused(u64),
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Stop {
    fn from(e: anyhow::Error) -> Self {
        Stop::Error(e)
    }
}

/// The pruned set: the configured names, or every weight matrix and embedding.
pub fn prunable_names(task: &dyn Task, names: &[String]) -> Result<Vec<String>, String> {
    let all: Vec<&Param> = task.params();
    if names.is_empty() {
        return Ok(all.iter().filter(|p| p.kind != ParamKind::Bias).map(|p| p.name.clone()).collect());
    }
    for n in names {
        if !all.iter().any(|p| &p.name == n) {
            let known: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
            return Err(format!("prune.tensors: '{n}' is not a parameter of this model; parameters: {}", known.join(", ")));
        }
    }
    Ok(names.to_vec())
}

/// Parameters of `task` whose names are in `names`, in model order.
pub fn select<'a>(task: &'a mut dyn Task, names: &[String]) -> Vec<&'a mut Param> {
    task.params_mut().into_iter().filter(|p| names.contains(&p.name)).collect()
}

/// Everything one phase works on.
pub struct PhaseRun<'a> {
    pub cfg: &'a RunConfig,
    pub dir: &'a Path,
    pub task: &'a mut dyn Task,
    pub reg: &'a Regularization,
    pub opt: &'a mut Optimizer,
    pub prunable: &'a [String],
    pub state: RunState,
    pub metrics: &'a mut Metrics,
    pub progress: &'a mut Progress,
    /// Epochs of this phase (main + extra for training, main for a control).
    pub epochs: usize,
    /// Whether this phase follows the pruning schedule.
    pub prunes: bool,
    /// Pause (checkpoint and return) once this many steps of the whole run are done.
    pub max_steps: Option<u64>,
    /// Steps of the whole run before this phase (the training phase's, for a control).
    pub steps_before: u64,
    /// Dynamic sparse training (`prune.kind = "dynamic"`; only the training phase).
    pub dynamic: Option<&'a Dynamic>,
    /// Neuron swaps (`[penalty.swaps]`; only the training phase). Without them the orders in
    /// the state (a control after a swapping run) still relabel the penalty.
    pub swaps: Option<&'a Swaps>,
    /// Trainable embeddings (`[penalty.trainable]`): the points move in the training phase;
    /// a control prices with the points in its state.
    pub trainable: Option<&'a Trainable>,
}

/// The checkpoint path of a run folder.
pub fn checkpoint_path(dir: &Path) -> std::path::PathBuf {
    dir.join("checkpoint.safetensors")
}

impl PhaseRun<'_> {
    fn save_checkpoint(&mut self, started: Instant) -> anyhow::Result<()> {
        let mut st = self.state.clone();
        st.wall_s += started.elapsed().as_secs_f64();
        st.lr = self.opt.lr;
        st.carried = self.task.carried_state();
        let meta = serde_json::json!({ "state": st });
        checkpoint::save(&checkpoint_path(self.dir), &self.task.params(), Some(self.opt), &meta)?;
        Ok(())
    }

    fn eval_with_penalty(&mut self, split: Split, reg: &Regularization) -> Result<Eval, Stop> {
        self.task.prepare_sparse(self.cfg.train.sparse_below);
        let mut e = self.task.evaluate(split);
        let pen = reg.apply(self.task.params_mut(), false).map_err(|m| Stop::Error(anyhow::anyhow!(m)))?;
        e.loss += pen;
        Ok(e)
    }

    /// The epoch's penalty terms: a λ schedule scales the base terms (None: use them as they are).
    fn epoch_terms(&self, lambda_factor: f64) -> Result<Option<Regularization>, Stop> {
        if self.cfg.penalty.schedule.is_constant() {
            return Ok(None);
        }
        self.reg.scaled(lambda_factor).map(Some).map_err(|m| Stop::Error(anyhow::anyhow!(m)))
    }

    /// The penalty terms of the geometry as it stands: relabelled by the state's neuron orders
    /// (swaps) or rebuilt from its points (trainable embeddings); None: `base` as built.
    fn geometry_terms(&self, base: &Regularization) -> Result<Option<Regularization>, Stop> {
        let err = |m: String| Stop::Error(anyhow::anyhow!(m));
        if !self.state.orders.is_empty() {
            return relabel(base, &self.state.orders).map(Some).map_err(err);
        }
        match self.trainable {
            Some(t) if !self.state.points.is_empty() => t.terms(base, &self.state.points).map(Some).map_err(err),
            _ => Ok(None),
        }
    }

    /// Trainable embeddings: brings `moved` to the points where they moved since it was built
    /// (`stale`), and gives the points' step size and gradient at `global`, taken before the
    /// weights' step (None when the points stay put). A moving step takes both in one pass.
    fn points_gradient(&self, base: &Regularization, moved: &mut Option<Regularization>, stale: &mut bool, global: u64, epoch: usize) -> Result<Option<PointsStep>, Stop> {
        let err = |m: String| Stop::Error(anyhow::anyhow!(m));
        let moving = self
            .trainable
            .filter(|_| self.state.phase == Phase::Train && !self.state.points.is_empty())
            .and_then(|t| t.lr_at(global, epoch).map(|lr| (t, lr)));
        if let Some((t, lr)) = moving.filter(|(t, _)| t.one_pass()) {
            let (terms, g) = t.terms_and_gradient(base, &self.task.params(), &self.state.points).map_err(err)?;
            (*moved, *stale) = (Some(terms), false);
            return Ok(Some((lr, g)));
        }
        if std::mem::take(stale) {
            *moved = self.geometry_terms(base)?;
        }
        let Some((t, lr)) = moving else { return Ok(None) };
        let g = t.gradient(moved.as_ref().unwrap_or(base), &self.task.params(), &self.state.points).map_err(err)?;
        Ok(Some((lr, g)))
    }

    /// Writes `embeddings/<param>_epoch<E>.npy` after a training epoch with trained points.
    fn save_points(&self, epoch: usize) -> anyhow::Result<()> {
        let Some(t) = self.trainable.filter(|_| self.state.phase == Phase::Train) else { return Ok(()) };
        for (param, st) in &self.state.points {
            let n = t.neurons(param).max(1);
            std::fs::create_dir_all(self.dir.join("embeddings"))?;
            geosparse_io::npy::write_f32(&self.dir.join(format!("embeddings/{param}_epoch{epoch}.npy")), &[n, st.coords.len() / n], &st.coords)?;
        }
        Ok(())
    }

    /// One optimizer step at `global`: prune on schedule, forward and backward, the penalty,
    /// gradient masking and clipping, the update. Returns (loss, penalty).
    fn step(&mut self, reg: &Regularization, schedule: &Schedule, epoch: usize, global: u64) -> Result<(f64, f64), Stop> {
        let (phase, s) = (self.state.phase, self.state.step_in_epoch);
        if self.prunes
            && let Some(f) = schedule.at(epoch, s, global, self.cfg.train.epochs)
        {
            let mut ps = select(self.task, self.prunable);
            prune(&mut ps, f, schedule.scope);
        }
        if !self.cfg.train.compat_accumulate_grads {
            self.task.params_mut().into_iter().for_each(Param::zero_grad);
        }
        let dynamic = self.dynamic.filter(|_| self.prunes);
        let alpha = dynamic.and_then(|d| d.alpha_at(global));
        // RigL's regrowth reads the dense gradient: no sparse kernels on its update steps
        let dense_grad = dynamic.is_some_and(|d| d.needs_dense_grad(global));
        self.task.prepare_sparse(if dense_grad { 0.0 } else { self.cfg.train.sparse_below });
        let loss = self.task.train_step(global);
        let pen = reg.apply(self.task.params_mut(), true).map_err(|m| Stop::Error(anyhow::anyhow!(m)))?;
        if !loss.is_finite() || !pen.is_finite() {
            return Err(Stop::Diverged(format!("{} epoch {epoch} step {global}: loss {loss}, penalty {pen}", phase.name())));
        }
        if let (Some(d), Some(a)) = (dynamic, alpha) {
            let ps = select(self.task, self.prunable);
            self.state.regrown += d.update(global, a, ps, self.opt).map_err(|m| Stop::Error(anyhow::anyhow!(m)))?;
        }
        self.task.params_mut().into_iter().for_each(|p| p.mask_grad());
        let coef = if self.cfg.train.clip > 0.0 {
            let n = grad_norm(self.task.params().into_iter());
            if !n.is_finite() {
                return Err(Stop::Diverged(format!("{} epoch {epoch} step {global}: gradient norm {n}", phase.name())));
            }
            clip_coef(n, self.cfg.train.clip)
        } else {
            1.0
        };
        self.opt.step_scaled(self.task.params_mut(), coef);
        Ok((loss, pen))
    }

    /// Within an epoch: a checkpoint every `checkpoint_every` steps, and the `max_steps` pause.
    fn mid_epoch_saves(&mut self, global: u64, started: Instant) -> Result<(), Stop> {
        if self.state.step_in_epoch >= self.task.steps_per_epoch() {
            return Ok(()); // the epoch's end checkpoints
        }
        let every = self.cfg.train.checkpoint_every;
        if every > 0 && (global + 1).is_multiple_of(every) {
            self.save_checkpoint(started)?;
        }
        let done = self.steps_before + global + 1;
        if self.max_steps.is_some_and(|m| done >= m) {
            self.save_checkpoint(started)?;
            return Err(Stop::Paused(done));
        }
        Ok(())
    }

    /// The end of an epoch: evaluate, log, maybe lower the learning rate, checkpoint.
    fn end_epoch(&mut self, reg: &Regularization, lambda_factor: f64, started: Instant) -> Result<Eval, Stop> {
        let (phase, epoch, spe) = (self.state.phase, self.state.epoch, self.task.steps_per_epoch());
        let val = self.eval_with_penalty(Split::Valid, reg)?;
        if !val.loss.is_finite() {
            return Err(Stop::Diverged(format!("{} epoch {epoch}: validation loss {}", phase.name(), val.loss)));
        }
        let sp = Sparsity::of(&self.task.params().into_iter().filter(|p| self.prunable.contains(&p.name)).collect::<Vec<_>>());
        let n = self.state.loss_count.max(1) as f64;
        let wall = self.state.wall_s + started.elapsed().as_secs_f64();
        let rec = Record {
            phase: phase.name().into(),
            epoch,
            step: (epoch as u64 + 1) * spe,
            lr: self.opt.lr,
            train_loss: self.state.loss_sum / n,
            penalty: self.state.penalty_sum / n,
            lambda_factor,
            sparsity: sp.overall,
            sparsity_per_tensor: sp.per_tensor,
            val_loss: val.loss,
            val: val.metrics.clone(),
            wall_s: wall,
            regrown: self.dynamic.filter(|_| self.prunes).map(|_| self.state.regrown),
            swaps: self.swaps.map(|_| self.state.swap_log),
        };
        self.metrics.append(&rec)?;
        self.save_points(epoch)?;
        let primary = self.task.primary_metric();
        self.progress.line(&format!(
            "{} epoch {}/{}: loss {:.4}, penalty {:.4}, sparsity {:.3}, val loss {:.4}, val {primary} {:.4} ({:.0} s)",
            phase.name(),
            epoch + 1,
            self.epochs,
            rec.train_loss,
            rec.penalty,
            rec.sparsity,
            rec.val_loss,
            val.metrics.get(primary).copied().unwrap_or(f64::NAN),
            wall
        ));
        if self.cfg.train.plateau_divisor > 0.0 {
            let mut plateau = PlateauDecay { factor: self.cfg.train.plateau_divisor, best: self.state.best_val_loss };
            self.opt.lr = plateau.observe(val.loss, self.opt.lr);
            self.state.best_val_loss = plateau.best;
        }
        self.state.epoch += 1;
        self.state.step_in_epoch = 0;
        self.state.loss_sum = 0.0;
        self.state.penalty_sum = 0.0;
        self.state.loss_count = 0;
        self.state.regrown = 0;
        self.state.swap_log = Default::default();
        self.save_checkpoint(started)?;
        Ok(val)
    }

    /// Runs the phase from `state` to its end. Returns the last epoch's validation result.
    pub fn run(&mut self) -> Result<Option<Eval>, Stop> {
        let started = Instant::now();
        let spe = self.task.steps_per_epoch();
        let schedule = self.cfg.prune.resolved(self.cfg.train.epochs, spe);
        self.opt.lr = self.state.lr;
        if !self.state.carried.is_empty() {
            self.task.set_carried_state(std::mem::take(&mut self.state.carried));
        }
        let mut last = None;
        while self.state.epoch < self.epochs {
            let epoch = self.state.epoch;
            if self.state.step_in_epoch == 0 {
                self.task.begin_epoch(epoch);
            }
            let lambda_factor = self.cfg.penalty.schedule.factor(epoch, self.epochs);
            let scaled = self.epoch_terms(lambda_factor)?;
            let base: &Regularization = scaled.as_ref().unwrap_or(self.reg);
            let mut moved = self.geometry_terms(base)?;
            let mut stale = false; // the points moved since `moved` was built
            if self.cfg.train.lr_decay < 1.0 {
                let decay = EpochDecay { after: self.cfg.train.lr_decay_after, factor: self.cfg.train.lr_decay };
                self.opt.lr = decay.lr(self.cfg.train.optimizer.lr(), epoch);
            }
            self.progress.prefix(format!("{} epoch {}/{}", self.state.phase.name(), epoch + 1, self.epochs));
            while self.state.step_in_epoch < spe {
                let global = epoch as u64 * spe + self.state.step_in_epoch;
                if let Some(sw) = self.swaps.filter(|s| s.due(global)) {
                    let current = moved.as_ref().unwrap_or(base);
                    let round = sw.round(current, &self.task.params(), &mut self.state.orders).map_err(|m| Stop::Error(anyhow::anyhow!(m)))?;
                    self.state.swap_log.add(&round);
                    moved = self.geometry_terms(base)?;
                }
                let moving = self.points_gradient(base, &mut moved, &mut stale, global, epoch)?;
                let (loss, pen) = self.step(moved.as_ref().unwrap_or(base), &schedule, epoch, global)?;
                if let (Some((lr, g)), Some(t)) = (moving, self.trainable) {
                    t.apply(&g, &mut self.state.points, lr).map_err(|m| Stop::Error(anyhow::anyhow!(m)))?;
                    stale = true; // R is brought to the moved points where it is next needed
                }
                self.state.loss_sum += loss;
                self.state.penalty_sum += pen;
                self.state.loss_count += 1;
                self.state.step_in_epoch += 1;
                self.progress.step(global + 1, loss);
                self.mid_epoch_saves(global, started)?;
            }
            if stale {
                moved = self.geometry_terms(base)?;
            }
            last = Some(self.end_epoch(moved.as_ref().unwrap_or(base), lambda_factor, started)?);
            let done = self.steps_before + self.state.epoch as u64 * spe;
            if self.max_steps.is_some_and(|m| done >= m) && self.state.epoch < self.epochs {
                return Err(Stop::Paused(done));
            }
        }
        Ok(last)
    }
}
