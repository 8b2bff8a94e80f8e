//! Dynamic sparse training inside a run (`prune.kind = "dynamic"`, issue 17): every pruned
//! tensor starts at the target density before step 0 and, on `[prune.dynamic]`'s schedule,
//! trades its weakest kept weights for new ones (see [`geosparse_prune::dynamic`]).
//!
//! - **Densities**: every pruned tensor at the target (`uniform`), or ERK shares whose total is
//!   the target (`densities = "erk"`: thin matrices dense, W_hh sparser than the target).
//! - **Geometry as a prior**: the recurrent matrices read the penalty's own R (same seeds, even
//!   when λ = 0) as g(R) = exp(−R / (τ · mean R)); the other pruned tensors (encoder, decoder,
//!   embeddings) have no geometry, so there `geometric` regrowth is random and
//!   `gradient-geometric` is RigL's plain gradient.
//! - **Gradient regrowth** reads the dense gradient of the update step (the sparse kernels are
//!   switched off for that step only), before clipping; the penalty's gradient is included.
//! - **Regrown weights start at 0 and stay 0 through their first step**: their gradient of the
//!   update step is dropped; the optimizer moments of dropped and regrown entries are zeroed.
//! - **Reproducible and resumable without extra state**: each update's draws come from the run
//!   seed, the global step and the tensor's place in the pruned set; the masks and moments are
//!   in the checkpoint.
//!
//! ```no_run
//! // driven by the trainer: Dynamic::build at the session's start, init_masks before step 0,
//! // alpha_at / update at each step between the backward pass and mask_grad.
//! ```

use super::penalty::recurrent_rows;
use crate::config::RunConfig;
use geosparse_engine::optim::Optimizer;
use geosparse_engine::param::Param;
use geosparse_moduli::seed;
use geosparse_prune::dynamic::config::{DynamicConfig, Init};
use geosparse_prune::dynamic::erk::densities;
use geosparse_prune::dynamic::{DynamicSchedule, Regrow, geometric_prior, initial_mask, update};
use geosparse_tasks::task::Task;
use std::collections::BTreeMap;

/// The dynamic-sparsity state of a run that does not change while it trains.
pub struct Dynamic {
    pub cfg: DynamicConfig,
    pub schedule: DynamicSchedule,
    /// Kept fraction of the pruned set (1 − prune.target): of every tensor with uniform
    /// densities, of the set as a whole with ERK.
    pub density: f64,
    /// g(R) per recurrent tensor of the pruned set (only when a choice reads the geometry).
    pub priors: BTreeMap<String, Vec<f64>>,
    seed: u64,
}

impl Dynamic {
    /// None unless `prune.kind = "dynamic"`. `total_steps`: the training phase's steps.
    pub fn build(cfg: &RunConfig, task: &dyn Task, prunable: &[String], total_steps: u64) -> Result<Option<Dynamic>, String> {
        let Some(dc) = cfg.prune.dynamic_config() else { return Ok(None) };
        let schedule = dc.schedule(total_steps)?;
        let mut priors = BTreeMap::new();
        if dc.uses_geometry() {
            for r in task.recurrent().iter().filter(|r| prunable.contains(&r.param)) {
                let (rows, _) = recurrent_rows(&cfg.penalty, cfg.seed, r)?;
                let mean = rows.iter().map(|&x| x as f64).sum::<f64>() / rows.len() as f64;
                let (lo, hi) = rows.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
                if lo == hi || mean <= 0.0 {
                    return Err(format!(
                        "prune.dynamic: {:?} regrowth / {:?} init read the geometry, but penalty.regularizer gives a constant or non-positive R for {} (mean {mean}); choose a space and inhibitor whose R varies",
                        dc.regrow, dc.init, r.param
                    ));
                }
                let len = r.gates * r.hidden * r.hidden;
                priors.insert(r.param.clone(), geometric_prior(&rows, len, dc.tau * mean)?);
            }
            if priors.is_empty() {
                return Err(format!("prune.dynamic: geometric choices need a recurrent matrix in the pruned set; prune.tensors is {:?}", cfg.prune.tensors));
            }
        }
        Ok(Some(Dynamic { cfg: dc, schedule, density: 1.0 - cfg.prune.target, priors, seed: cfg.seed }))
    }

    /// The seeded draws of tensor `k` at `step` (the initial mask draws at step 0 with its own stream).
    fn rng(&self, stream: &str, step: u64, k: usize) -> seed::GeoRng {
        seed::rng_at(self.seed, stream, step.wrapping_mul(4096).wrapping_add(k as u64))
    }

    /// Draws every pruned tensor's first mask (exactly round(d · len) kept, d its share of the
    /// density: [`geosparse_prune::dynamic::erk::densities`]) and zeroes the rest of its values.
    /// `params`: the pruned set in model order.
    pub fn init_masks(&self, params: Vec<&mut Param>) -> Result<(), String> {
        let shapes: Vec<(usize, usize)> = params.iter().map(|p| { let rows = p.shape.first().copied().unwrap_or(1).max(1); (rows, p.numel() / rows) }).collect();
        let shares = densities(self.cfg.densities, &shapes, self.density).map_err(|e| format!("prune.dynamic.densities: {e}"))?;
        for (k, (p, d)) in params.into_iter().zip(shares).enumerate() {
            let prior = match self.cfg.init {
                Init::Geometric => self.priors.get(&p.name).map(Vec::as_slice),
                Init::Random => None,
            };
            if d >= 1.0 {
                // an ERK share capped at 1: the tensor stays whole (its updates trade nothing)
                p.set_mask(vec![1; p.numel()]);
                continue;
            }
            let mask = initial_mask(p.numel(), d, prior, &mut self.rng("prune/dynamic/init", 0, k)).map_err(|e| format!("prune: {}: {e}", p.name))?;
            p.set_mask(mask);
        }
        Ok(())
    }

    /// α at `global` when it is an update step.
    pub fn alpha_at(&self, global: u64) -> Option<f64> {
        self.schedule.alpha_at(global)
    }

    /// Whether the step at `global` needs the dense gradient (gradient regrowth at an update).
    pub fn needs_dense_grad(&self, global: u64) -> bool {
        self.cfg.uses_gradient() && self.alpha_at(global).is_some()
    }

    /// One drop-and-regrow update of every pruned tensor, between the backward pass (gradients
    /// in place, not yet masked) and the optimizer step. Returns the number of regrown weights.
    pub fn update(&self, global: u64, alpha: f64, params: Vec<&mut Param>, opt: &mut Optimizer) -> Result<u64, String> {
        let mut grown = 0;
        for (k, p) in params.into_iter().enumerate() {
            let prior = self.priors.get(&p.name).map(Vec::as_slice);
            let regrow = match (self.cfg.regrow, prior) {
                (Regrow::Geometric, None) => Regrow::Random,
                (Regrow::GradientGeometric, None) => Regrow::Gradient,
                (r, _) => r,
            };
            let grad = self.cfg.uses_gradient().then(|| visited_grad(p));
            let mut mask = p.mask.clone().ok_or_else(|| format!("prune: {} has no mask at step {global}; dynamic masks are drawn before step 0", p.name))?;
            let mut rng = self.rng("prune/dynamic/update", global, k);
            let u = update(&mut p.value, &mut mask, grad.as_deref(), prior, alpha, regrow, &mut rng).map_err(|e| format!("prune: {}: {e}", p.name))?;
            p.set_mask(mask);
            for &i in &u.grown {
                p.grad[i] = 0.0; // a regrown weight starts at 0 and stays there this step
            }
            if let Some(s) = opt.state.get_mut(&p.name) {
                for &i in u.dropped.iter().chain(&u.grown) {
                    if let Some(m) = s.m.get_mut(i) {
                        *m = 0.0;
                    }
                    if let Some(v) = s.v.get_mut(i) {
                        *v = 0.0;
                    }
                }
            }
            grown += u.grown.len() as u64;
        }
        Ok(grown)
    }
}

/// The gradient as it stands, with the rows an embedding's step did not visit read as 0 (their
/// entries may hold stale values; see `Param::grad_rows`).
fn visited_grad(p: &Param) -> Vec<f32> {
    match p.grad_row_spans() {
        None => p.grad.clone(),
        Some((d, rows)) => {
            let mut g = vec![0f32; p.grad.len()];
            for &r in rows {
                let span = r as usize * d..(r as usize + 1) * d;
                g[span.clone()].copy_from_slice(&p.grad[span]);
            }
            g
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geosparse_engine::optim::OptimizerConfig;
    use geosparse_engine::param::ParamKind;

    fn toy(kind_extra: &str) -> (RunConfig, Box<dyn Task>) {
        let text = format!(
            "seed = 3\n[task]\nkind = \"navigation\"\nhidden = 32\nplace_cells = 8\nsequence = 4\nbatch = 4\nsteps_per_epoch = 10\n[penalty]\nlambda = 0.0\n[prune]\nkind = \"dynamic\"\ntarget = 0.8\nscope = \"per-tensor\"\n[prune.dynamic]\nupdate_every = 2\n{kind_extra}"
        );
        let cfg = RunConfig::from_toml_str(&text, &[]).unwrap();
        let task = cfg.task.build(cfg.seed).unwrap();
        (cfg, task)
    }

    #[test]
    fn an_update_trades_exact_counts_resets_moments_and_keeps_regrown_at_zero() {
        let (cfg, mut task) = toy("regrow = \"gradient\"\n");
        let names = super::super::trainer::prunable_names(&*task, &[]).unwrap();
        let d = Dynamic::build(&cfg, &*task, &names, 100).unwrap().unwrap();
        d.init_masks(super::super::trainer::select(&mut *task, &names)).unwrap();
        let mut opt = Optimizer::new(OptimizerConfig::adam(1e-3));
        let mut ps = super::super::trainer::select(&mut *task, &names);
        for p in ps.iter_mut() {
            let kept = p.mask.as_ref().unwrap().iter().filter(|&&m| m == 1).count();
            assert_eq!(kept, (0.2 * p.numel() as f64).round() as usize, "{}", p.name);
            p.grad.iter_mut().enumerate().for_each(|(i, g)| *g = (i % 7) as f32 + 1.0);
        }
        opt.step(ps.iter_mut().map(|p| &mut **p).collect()); // moments become non-zero
        let before: Vec<(Vec<u8>, usize)> = ps.iter().map(|p| (p.mask.clone().unwrap(), p.mask.as_ref().unwrap().iter().filter(|&&m| m == 1).count())).collect();
        ps.iter_mut().for_each(|p| p.grad.iter_mut().enumerate().for_each(|(i, g)| *g = (i % 5) as f32 + 1.0));
        let alpha = d.alpha_at(2).unwrap();
        let grown = d.update(2, alpha, ps.iter_mut().map(|p| &mut **p).collect(), &mut opt).unwrap();
        let mut want = 0;
        for (p, (m0, kept)) in ps.iter().zip(&before) {
            let m = p.mask.as_ref().unwrap();
            let k = (alpha * *kept as f64).floor() as usize;
            want += k as u64;
            let new: Vec<usize> = (0..m.len()).filter(|&i| m[i] == 1 && m0[i] == 0).collect();
            let gone: Vec<usize> = (0..m.len()).filter(|&i| m[i] == 0 && m0[i] == 1).collect();
            assert_eq!((new.len(), gone.len()), (k, k), "{}: exact drop and regrow counts", p.name);
            assert_eq!(m.iter().filter(|&&x| x == 1).count(), *kept, "density constant");
            let s = &opt.state[&p.name];
            for &i in new.iter().chain(&gone) {
                assert_eq!((p.value[i], s.m[i], s.v[i]), (0.0, 0.0, 0.0), "{} entry {i}", p.name);
            }
            assert!(new.iter().all(|&i| p.grad[i] == 0.0), "regrown entries skip this step");
        }
        assert_eq!(grown, want);
    }

    #[test]
    fn geometric_choices_need_a_geometry_that_varies() {
        let (cfg, task) = toy("regrow = \"geometric\"\ninit = \"geometric\"\n");
        let names = super::super::trainer::prunable_names(&*task, &[]).unwrap();
        let d = Dynamic::build(&cfg, &*task, &names, 100).unwrap().unwrap();
        assert_eq!(d.priors.keys().collect::<Vec<_>>(), vec!["rnn.weight_hh_l0"]);
        // the geometric first mask favours the cheap (small-R) pairs
        let mut p = Param::zeros("rnn.weight_hh_l0", &[32, 32], ParamKind::Weight);
        d.init_masks(vec![&mut p]).unwrap();
        let prior = &d.priors["rnn.weight_hh_l0"];
        let m = p.mask.as_ref().unwrap();
        let mean = |keep: u8| {
            let v: Vec<f64> = (0..m.len()).filter(|&i| m[i] == keep).map(|i| prior[i]).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean(1) > 5.0 * mean(0), "kept prior {} vs dropped {}", mean(1), mean(0));
        // a constant R is refused when the config is read
        let text = "[task]\nkind = \"navigation\"\nhidden = 16\n[penalty]\nlambda = 0.0\n[penalty.regularizer]\nspace = \"torus\"\ninhibitor = \"constant\"\n[prune]\nkind = \"dynamic\"\n[prune.dynamic]\nregrow = \"geometric\"\n";
        let e = RunConfig::from_toml_str(text, &[]).unwrap_err().to_string();
        assert!(e.contains("prune.dynamic") && e.contains("constant"), "{e}");
        let e = Dynamic::build(&cfg, &*task, &["decoder.weight".to_string()], 100).err().unwrap();
        assert!(e.contains("recurrent matrix"), "{e}");
    }
}
