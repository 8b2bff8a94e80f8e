//! The phases one run walks through, over a [`Session`] that holds what they share: open the
//! folder's state (fresh or from the checkpoint), train with the penalty and the pruning
//! schedule, retrain a control with the final mask, and finish (summary, figures).
//!
//! ```no_run
//! // used by geosparse_experiments::run::train:
//! //   let mut s = Session::open(cfg, opts, resuming, threads, changed_lr, &*task)?;
//! //   s.train(&mut *task)?;  s.control()?;  s.finish(&*task)
//! ```

use super::dynamic::Dynamic;
use super::swaps::{Orders, Swaps, relabel};
use super::trainable::{Points, PointsState, Trainable};
use super::folder::refused;
use super::metrics::Metrics;
use super::penalty::{self, Built};
use super::progress::Progress;
use super::state::{Phase, RunState};
use super::summary::{RegularizerInfo, Status, Summary};
use super::trainer::{PhaseRun, Stop, checkpoint_path, prunable_names, select};
use super::{Diverged, Options, Paused, control_seed, initial_task, phase_summary, stripped_tensors};
use crate::config::{ControlKind, RunConfig};
use anyhow::Context;
use geosparse_engine::checkpoint::{self, Loaded};
use geosparse_engine::optim::Optimizer;
use geosparse_engine::regularize::Regularization;
use geosparse_io::npy;
use geosparse_prune::controls::random_like;
use geosparse_tasks::task::Task;
use std::path::Path;

/// What the phases of one run share.
pub(crate) struct Session<'a> {
    cfg: &'a RunConfig,
    opts: &'a Options,
    prunable: Vec<String>,
    built: Built,
    metrics: Metrics,
    progress: Progress,
    summary: Summary,
    /// The checkpoint resumed from, if any.
    ckpt: Option<Loaded>,
    /// Where the loop stands (the checkpoint's, or a fresh start).
    state: RunState,
    /// Training-phase epochs (main + held + extra).
    train_epochs: usize,
    /// Dynamic sparse training, when `prune.kind = "dynamic"`.
    dynamic: Option<Dynamic>,
    /// Neuron swaps, when `[penalty.swaps]` is given.
    swaps: Option<Swaps>,
    /// The neuron orders the training phase ended with (empty without swaps).
    orders: Orders,
    /// Trainable embeddings, when `[penalty.trainable]` is given.
    trainable: Option<Trainable>,
    /// The points the training phase ended with (empty unless trainable).
    points: Points,
}

impl<'a> Session<'a> {
    fn dir(&self) -> &'a Path {
        self.opts.out.as_path()
    }

    /// Builds the penalty, writes the embeddings and the first summary, and reads the loop
    /// state from the checkpoint when resuming.
    pub(crate) fn open(cfg: &'a RunConfig, opts: &'a Options, resuming: bool, threads: usize, changed_lr: Option<f32>, task: &dyn Task) -> anyhow::Result<Self> {
        let dir = opts.out.as_path();
        let prunable = prunable_names(task, &cfg.prune.tensors).map_err(refused)?;
        let built = penalty::build(&cfg.penalty, cfg.seed, task).map_err(refused)?;
        let mut summary = Summary::new(&cfg.name, task.kind(), cfg.seed, task.primary_metric());
        summary.threads = threads;
        for (param, reg) in &built.regularizers {
            let file = reg.embedding().map(|e| (format!("embedding_{param}.npy"), e));
            if let Some((f, e)) = &file {
                npy::write_f32(&dir.join(f), &[reg.neurons(), e.dim], &e.coords)?;
            }
            summary.regularizers.push(RegularizerInfo { param: param.clone(), spec: reg.spec.clone(), stats: reg.stats(), embedding_file: file.map(|x| x.0), order: None });
        }
        let mut metrics = Metrics::open(&dir.join("metrics.jsonl"))?;
        let mut state = RunState::start(Phase::Train, cfg.train.optimizer.lr());
        let ckpt = if resuming { Some(checkpoint::load(&checkpoint_path(dir))?) } else { None };
        if let Some(ck) = &ckpt {
            state = serde_json::from_value(ck.meta["state"].clone()).context("checkpoint: no loop state")?;
            metrics.truncate_to(state.phase.name(), state.epoch)?;
            if let Some(lr) = changed_lr {
                state.lr = lr; // a learning rate given on resume replaces the schedule's current one
            }
        } else {
            metrics.truncate_to("train", 0)?;
        }
        let train_epochs = cfg.prune.total_epochs(cfg.train.epochs);
        let dynamic = Dynamic::build(cfg, task, &prunable, train_epochs as u64 * task.steps_per_epoch()).map_err(refused)?;
        let swaps = Swaps::build(cfg, train_epochs as u64 * task.steps_per_epoch());
        let trainable = Trainable::build(cfg, &built, train_epochs as u64 * task.steps_per_epoch());
        if ckpt.is_none()
            && let Some(t) = &trainable
        {
            state.points = t.initial();
        }
        let control_epochs = if cfg.control.kind == ControlKind::None { 0 } else { cfg.train.epochs };
        let progress = Progress::new(opts.progress, (train_epochs + control_epochs) as u64 * task.steps_per_epoch());
        summary.write(dir)?;
        Ok(Session { cfg, opts, prunable, built, metrics, progress, summary, ckpt, state, train_epochs, dynamic, swaps, orders: Orders::new(), trainable, points: Points::new() })
    }

    /// The penalty terms of a phase's last epoch (its λ schedule's final multiple of λ): what
    /// the summary's penalty and objective are computed with, by the neuron `orders` the phase ended with.
    fn last_epoch_terms(&self, base: &Regularization, epochs: usize, orders: &Orders, points: &Points) -> anyhow::Result<Regularization> {
        let schedule = &self.cfg.penalty.schedule;
        let terms = if schedule.is_constant() { base.clone() } else { base.scaled(schedule.factor(epochs.saturating_sub(1), epochs)).map_err(|m| anyhow::anyhow!(m))? };
        if !orders.is_empty() {
            return relabel(&terms, orders).map_err(|m| anyhow::anyhow!(m));
        }
        match &self.trainable {
            Some(t) if !points.is_empty() => t.terms(&terms, points).map_err(|m| anyhow::anyhow!(m)),
            _ => Ok(terms),
        }
    }

    /// The regularizers as the training phase left them: relabelled by swaps, or at the
    /// trained points.
    fn final_regularizers(&self) -> anyhow::Result<Vec<(String, geosparse_moduli::Regularizer)>> {
        let mut out = Vec::new();
        for (p, r) in &self.built.regularizers {
            let reg = match (self.orders.get(p), &self.trainable) {
                (Some(o), _) => r.relabelled(o),
                (None, Some(t)) if self.points.contains_key(p) => t.regularizer(p, &self.points).map_err(|m| anyhow::anyhow!(m))?.unwrap_or_else(|| r.clone()),
                _ => r.clone(),
            };
            out.push((p.clone(), reg));
        }
        Ok(out)
    }

    /// The trained points a model file recorded (empty without them), with fresh moments.
    fn points_from_meta(&self, meta: &serde_json::Value) -> Points {
        let coords: std::collections::BTreeMap<String, Vec<f32>> = serde_json::from_value(meta["points"].clone()).unwrap_or_default();
        coords.into_iter().map(|(p, c)| (p, PointsState::at(c))).collect()
    }

    /// Records the final neuron orders in the summary and writes the points each neuron ended
    /// at (`embedding_<param>_final.npy`) after swaps or trained points.
    fn record_geometry(&mut self) -> anyhow::Result<()> {
        let dir = self.dir();
        let finals = self.final_regularizers()?;
        for info in &mut self.summary.regularizers {
            let (order, moved) = (self.orders.get(&info.param), self.points.contains_key(&info.param));
            if order.is_none() && !moved {
                continue;
            }
            if let Some((_, reg)) = finals.iter().find(|r| r.0 == info.param)
                && let Some(e) = reg.embedding()
            {
                npy::write_f32(&dir.join(format!("embedding_{}_final.npy", info.param)), &[reg.neurons(), e.dim], &e.coords)?;
            }
            info.order = order.cloned();
        }
        Ok(())
    }

    /// Records how the run stopped in summary.json and returns the error for the caller.
    fn fail(&mut self, stop: Stop) -> anyhow::Error {
        self.progress.finish();
        let (status, err) = match stop {
            Stop::Diverged(m) => (Status::Diverged, anyhow::Error::new(Diverged(m))),
            Stop::Paused(n) => (Status::Running, anyhow::Error::new(Paused(n))),
            Stop::Error(e) => (Status::Failed, e),
        };
        self.summary.status = status;
        self.summary.message = Some(format!("{err:#}"));
        let _ = self.summary.write(self.dir());
        err
    }

    /// Phase 1: train with the penalty and the pruning schedule into model.safetensors (or,
    /// resuming in the control phase, read the trained model's numbers back).
    pub(crate) fn train(&mut self, task: &mut dyn Task) -> anyhow::Result<()> {
        let (cfg, dir) = (self.cfg, self.dir());
        if self.state.phase != Phase::Train {
            let ck = checkpoint::load(&dir.join("model.safetensors"))?;
            ck.restore_params(task.params_mut())?;
            self.orders = serde_json::from_value(ck.meta["orders"].clone()).unwrap_or_default();
            self.points = self.points_from_meta(&ck.meta);
            self.record_geometry()?;
            let terms = self.last_epoch_terms(&self.built.regularization, self.train_epochs, &self.orders, &self.points)?;
            self.summary.train = Some(phase_summary(cfg, task, &terms, &self.prunable, self.train_epochs, None)?);
            return Ok(());
        }
        let mut opt = Optimizer::new(cfg.train.optimizer.clone());
        if let Some(ck) = &self.ckpt {
            ck.restore_params(task.params_mut())?;
            let params: Vec<_> = task.params().into_iter().cloned().collect();
            ck.restore_optimizer(&mut opt, &params.iter().collect::<Vec<_>>())?;
        } else if let Some(d) = &self.dynamic {
            d.init_masks(select(&mut *task, &self.prunable)).map_err(|m| anyhow::anyhow!(m))?; // sparse from step 0
        }
        let mut run = PhaseRun {
            cfg,
            dir,
            task: &mut *task,
            reg: &self.built.regularization,
            opt: &mut opt,
            prunable: &self.prunable,
            state: self.state.clone(),
            metrics: &mut self.metrics,
            progress: &mut self.progress,
            epochs: self.train_epochs,
            prunes: cfg.prune.prunes(),
            max_steps: self.opts.max_steps,
            steps_before: 0,
            dynamic: self.dynamic.as_ref(),
            swaps: self.swaps.as_ref(),
            trainable: self.trainable.as_ref(),
        };
        let result = run.run();
        let orders = std::mem::take(&mut run.state.orders);
        let points = std::mem::take(&mut run.state.points);
        let last = result.map_err(|stop| self.fail(stop))?;
        self.orders = orders;
        self.points = points;
        self.record_geometry()?;
        checkpoint::save(&dir.join("model.safetensors"), &task.params(), None, &serde_json::json!({"phase": "train", "orders": self.orders, "points": self.points.iter().map(|(p, s)| (p.clone(), s.coords.clone())).collect::<std::collections::BTreeMap<_, _>>()}))?;
        let terms = self.last_epoch_terms(&self.built.regularization, self.train_epochs, &self.orders, &self.points)?;
        let trained = phase_summary(cfg, task, &terms, &self.prunable, self.train_epochs, last)?;
        self.summary.warnings = stripped_tensors(&trained);
        for w in &self.summary.warnings {
            eprintln!("warning: {w}");
        }
        self.summary.train = Some(trained);
        self.summary.write(dir)?;
        self.state = RunState::start(Phase::Control, cfg.train.optimizer.lr());
        // the run's clock goes on: the control's wall_s counts from the training's end
        self.state.wall_s = self.metrics.records().last().map_or(0.0, |r| r.wall_s);
        if !(cfg.control.kind == ControlKind::Lottery && cfg.control.fresh_regularizer) {
            // the control prices with the final geometry
            self.state.orders = self.orders.clone();
            self.state.points = self.points.clone();
        }
        Ok(())
    }

    /// Phase 2: the control retrains with the final mask (lottery: fresh weights; rewind: the
    /// run's own start; random mask: the same densities, other entries).
    pub(crate) fn control(&mut self) -> anyhow::Result<()> {
        let (cfg, dir) = (self.cfg, self.dir());
        let final_masks: Vec<Vec<u8>> = {
            let ck = checkpoint::load(&dir.join("model.safetensors"))?;
            self.prunable.iter().map(|n| ck.masks.get(n).map(|m| m.1.clone()).unwrap_or_else(|| vec![1; ck.tensors[n].1.len()])).collect()
        };
        let (seed, masks) = match cfg.control.kind {
            ControlKind::Lottery => (control_seed(cfg.seed), final_masks),
            ControlKind::Rewind => (cfg.seed, final_masks), // initial_task rebuilds the same start
            ControlKind::RandomMask => (cfg.seed, random_like(&final_masks, control_seed(cfg.seed))),
            ControlKind::None => unreachable!("no control phase without a control"),
        };
        let mut ctask = if cfg.control.kind == ControlKind::Lottery { cfg.task.build(seed).map_err(|m| anyhow::anyhow!(m))? } else { initial_task(cfg, seed)? };
        let creg = if cfg.control.kind == ControlKind::Lottery && cfg.control.fresh_regularizer {
            penalty::build(&cfg.penalty, control_seed(cfg.seed), &*ctask).map_err(|m| anyhow::anyhow!(m))?.regularization
        } else {
            self.built.regularization.clone()
        };
        for (p, m) in select(&mut *ctask, &self.prunable).into_iter().zip(masks) {
            p.set_mask(m);
        }
        let spe = ctask.steps_per_epoch();
        let mut copt = Optimizer::new(cfg.train.optimizer.clone());
        if let Some(ck) = self.ckpt.as_ref().filter(|c| c.meta["state"]["phase"] == "control") {
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
            prunable: &self.prunable,
            state: self.state.clone(),
            metrics: &mut self.metrics,
            progress: &mut self.progress,
            epochs: cfg.train.epochs,
            prunes: false,
            max_steps: self.opts.max_steps,
            steps_before: self.train_epochs as u64 * spe,
            dynamic: None,
            swaps: None,
            trainable: self.trainable.as_ref(),
        };
        let result = run.run();
        let control_orders = std::mem::take(&mut run.state.orders);
        let control_points = std::mem::take(&mut run.state.points);
        let last = result.map_err(|stop| self.fail(stop))?;
        checkpoint::save(&dir.join("control.safetensors"), &ctask.params(), None, &serde_json::json!({"phase": "control"}))?;
        self.summary.control_kind = Some(format!("{:?}", cfg.control.kind).to_lowercase());
        let terms = self.last_epoch_terms(&creg, cfg.train.epochs, &control_orders, &control_points)?;
        self.summary.control = Some(phase_summary(cfg, &mut *ctask, &terms, &self.prunable, cfg.train.epochs, last)?);
        Ok(())
    }

    /// The run is complete: the final summary and the figures.
    pub(crate) fn finish(mut self, task: &dyn Task) -> anyhow::Result<Summary> {
        let dir = self.dir();
        self.progress.finish();
        self.summary.status = Status::Completed;
        self.summary.wall_s = self.metrics.records().last().map(|r| r.wall_s).unwrap_or(0.0);
        self.summary.write(dir)?;
        if self.opts.plots {
            let init = initial_task(self.cfg, self.cfg.seed)?;
            // the geometry each neuron ended with (after swaps or trained points; else as built)
            let regs = self.final_regularizers()?;
            let moved = !self.orders.is_empty() || !self.points.is_empty();
            let first = moved.then_some(self.built.regularizers.as_slice());
            crate::plot::run::write_all(dir, &self.metrics, &*init, task, &regs, first, task.primary_metric())?;
        }
        Ok(self.summary)
    }
}
