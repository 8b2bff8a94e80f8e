//! Trainable embeddings inside a run (`[penalty.trainable]`, issue 14; SPEC §1.6): the neurons'
//! points move with the penalty's gradient.
//!
//! - **Each step** of the training phase (from `start`, not in the held epochs with
//!   `freeze_hold`): S = ∂P/∂R = λ / |W| · Σ_g |W_g|ᵖ over the kept entries of the step's
//!   weights (before their update), the points' gradient
//!   [`geosparse_moduli::trainable::coordinate_grad`], an Adam step (β 0.9 / 0.999, ε 1e-8, step
//!   size `lr` × `decay`^epoch, no weight decay), each point put back on its space
//!   (`canonicalize`: wrapped on the torus and Klein bottle, normalised on the spheres — the
//!   retraction after a Riemannian step), and R rebuilt from the points for the next step (an
//!   inverted R takes its new max). The weights' step uses the R of the points before it: both
//!   move on the same state, as one optimizer would. Unless prices are `relative` (whose λ
//!   needs the new R's mean first), a moving step takes R and the points' gradient in one pass
//!   over the pairs ([`Trainable::terms_and_gradient`]).
//! - **State**: points and Adam moments in the loop state (checkpointed: a resumed run is bit
//!   for bit the same); `embeddings/<param>_epoch<E>.npy` after every epoch; the final points in
//!   model.safetensors (read back by `report` and `analyze`) and `embedding_<param>_final.npy`.
//!
//! ```no_run
//! // driven by the trainer: gradient (before the weights' step) → apply (after it) → terms
//! ```

use super::penalty::Built;
use crate::config::{RunConfig, TrainableConfig};
use geosparse_engine::param::Param;
use geosparse_engine::regularize::{Regularization, Term, TermKind};
use geosparse_moduli::penalty::Power;
use geosparse_moduli::trainable::{coordinate_grad, prices_and_grad};
use geosparse_moduli::space::Space;
use geosparse_moduli::{Penalty, Regularizer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A trained term's regularizer, its space and S = ∂P/∂R (row-major, N × N).
type Sensitivity<'a> = (&'a Regularizer, Arc<dyn Space>, Vec<f64>);

/// One parameter's points and their Adam state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsState {
    /// n × coord_dim, as `embedding_<param>.npy`.
    pub coords: Vec<f32>,
    pub m: Vec<f64>,
    pub v: Vec<f64>,
    /// Adam steps taken.
    pub steps: u64,
}

impl PointsState {
    /// Points at `coords` with fresh (zero) Adam moments.
    pub fn at(coords: Vec<f32>) -> Self {
        let len = coords.len();
        PointsState { coords, m: vec![0.0; len], v: vec![0.0; len], steps: 0 }
    }
}

/// Points per recurrent parameter.
pub type Points = BTreeMap<String, PointsState>;

/// The trainable geometry of a run.
pub struct Trainable {
    pub cfg: TrainableConfig,
    /// Step size at epoch 0.
    lr0: f64,
    /// First step at which the points move.
    start: u64,
    /// Epochs of the ramp (held epochs come after).
    main_epochs: usize,
    /// The regularizers as built (their spec, space and first points).
    regs: Vec<(String, Regularizer)>,
}

impl Trainable {
    /// None without `[penalty.trainable]`. `total_steps`: the training phase's steps.
    pub fn build(cfg: &RunConfig, built: &Built, total_steps: u64) -> Option<Trainable> {
        let t = cfg.penalty.trainable?;
        let lr0 = if t.lr > 0.0 { t.lr } else { cfg.train.optimizer.lr() as f64 };
        Some(Trainable { cfg: t, lr0, start: (t.start * total_steps as f64).round() as u64, main_epochs: cfg.train.epochs, regs: built.regularizers.clone() })
    }

    /// `param`'s regularizer as built (its spec and space; the first points).
    fn built(&self, param: &str) -> Option<&Regularizer> {
        self.regs.iter().find(|r| r.0 == param).map(|r| &r.1)
    }

    /// mean R of `param`'s regularizer as built (the relative pricing's constant).
    fn mean0(&self, param: &str) -> f64 {
        self.built(param).map_or(1.0, |r| mean(r.matrix()))
    }

    /// N of `param`'s regularizer (0 if it has none).
    pub fn neurons(&self, param: &str) -> usize {
        self.built(param).map_or(0, Regularizer::neurons)
    }

    /// The points as drawn, with zero moments.
    pub fn initial(&self) -> Points {
        self.regs.iter().filter_map(|(p, r)| r.embedding().map(|e| (p.clone(), PointsState::at(e.coords.clone())))).collect()
    }

    /// The step size at `global` of `epoch`, or None while the points stay put.
    pub fn lr_at(&self, global: u64, epoch: usize) -> Option<f64> {
        let frozen = global < self.start || (self.cfg.freeze_hold && epoch >= self.main_epochs);
        (!frozen).then(|| self.lr0 * self.cfg.decay.powi(epoch as i32))
    }

    /// The regularizer of `param` with its neurons at `points`.
    pub fn regularizer(&self, param: &str, points: &Points) -> Result<Option<Regularizer>, String> {
        let Some(reg) = self.built(param) else { return Ok(None) };
        match points.get(param) {
            Some(p) => reg.with_points(p.coords.clone()).map(Some).map_err(|e| format!("penalty.trainable: {e}")),
            None => Ok(Some(reg.clone())),
        }
    }

    /// `base`'s terms with each moduli term's R rebuilt from its points (λ as in `base`; with
    /// `relative`, λ × mean R₀ / mean R — the same prices as R scaled by that factor).
    pub fn terms(&self, base: &Regularization, points: &Points) -> Result<Regularization, String> {
        let _t = geosparse_engine::profile::scope("points: R rebuilt");
        let mut terms = Vec::with_capacity(base.terms.len());
        for t in &base.terms {
            match (&t.kind, self.regularizer(&t.param, points)?) {
                (TermKind::Moduli(pen), Some(reg)) if points.contains_key(&t.param) => {
                    let scale = if self.cfg.relative { self.mean0(&t.param) / mean(reg.matrix()) } else { 1.0 };
                    let lambda = (pen.lambda() as f64 * scale) as f32;
                    let p = Penalty::with_rows(reg.shared_matrix(), pen.r_rows(), pen.n(), lambda, pen.power()).map_err(|e| format!("penalty on '{}': {e}", t.param))?;
                    terms.push(Term::moduli(&t.param, p));
                }
                _ => terms.push(t.clone()),
            }
        }
        Ok(Regularization { terms })
    }

    /// A trained term's regularizer (spec and space) and S = ∂P/∂R at the weights in `params`.
    fn sensitivity_of(&self, param: &str, pen: &Penalty, params: &[&Param]) -> Result<Sensitivity<'_>, String> {
        let p = params.iter().find(|p| p.name == param).ok_or_else(|| format!("penalty.trainable: the model has no parameter '{param}'"))?;
        let reg = self.built(param).expect("points belong to a regularizer"); // spec and space only
        let space = reg.space().ok_or("penalty.trainable: the geometry has no points")?.clone();
        let _t = geosparse_engine::profile::scope("points: S = dP/dR");
        Ok((reg, space, sensitivity(&p.value, p.mask.as_deref(), pen.n(), pen.lambda() as f64, pen.power())))
    }

    /// ∂P/∂x of every trained term at the weights in `params` (call before the weights' step).
    pub fn gradient(&self, current: &Regularization, params: &[&Param], points: &Points) -> Result<BTreeMap<String, Vec<f64>>, String> {
        let mut out = BTreeMap::new();
        for t in &current.terms {
            let (TermKind::Moduli(pen), Some(state)) = (&t.kind, points.get(&t.param)) else { continue };
            let (reg, space, mut s) = self.sensitivity_of(&t.param, pen, params)?;
            let n = pen.n();
            if self.cfg.relative {
                // the term holds the points' own R and λ' = λ c/m, so S is already (c/m) S_λ;
                // P = Σ S ⊙ R with m = mean R free: ∂P/∂x = Σ (S − Q/(m N²)) ∂R/∂x, Q = Σ S ⊙ R
                let r = pen.matrix();
                let m = mean(r);
                let q: f64 = s.iter().zip(r).map(|(&s, &r)| s * r as f64).sum();
                let shift = q / (m * (n * n) as f64);
                s.iter_mut().for_each(|v| *v -= shift);
            }
            let _t = geosparse_engine::profile::scope("points: gradient over the pairs");
            out.insert(t.param.clone(), coordinate_grad(space.as_ref(), &reg.spec.inhibitor, reg.spec.invert, &state.coords, n, &s));
        }
        Ok(out)
    }

    /// Whether a moving step can take its R and gradient in one pass
    /// ([`Trainable::terms_and_gradient`]): not with `relative` prices, whose λ and S need the
    /// new R's mean before the gradient.
    pub fn one_pass(&self) -> bool {
        !self.cfg.relative
    }

    /// `base`'s terms with each trained term's R at `points`, and ∂P/∂x at the weights in
    /// `params` (before their step), from one pass over the pairs
    /// ([`prices_and_grad`]): [`Trainable::terms`] then [`Trainable::gradient`], up to rounding,
    /// for about a third of their work. Not for `relative` prices ([`Trainable::one_pass`]).
    pub fn terms_and_gradient(&self, base: &Regularization, params: &[&Param], points: &Points) -> Result<(Regularization, BTreeMap<String, Vec<f64>>), String> {
        debug_assert!(self.one_pass(), "relative prices take two passes");
        let mut terms = Vec::with_capacity(base.terms.len());
        let mut grads = BTreeMap::new();
        for t in &base.terms {
            let (TermKind::Moduli(pen), Some(state)) = (&t.kind, points.get(&t.param)) else {
                terms.push(t.clone());
                continue;
            };
            let (reg, space, s) = self.sensitivity_of(&t.param, pen, params)?;
            let n = pen.n();
            let (r, g) = {
                let _t = geosparse_engine::profile::scope("points: R and gradient in one pass");
                prices_and_grad(space.as_ref(), &reg.spec.inhibitor, reg.spec.invert, &state.coords, n, &s).map_err(|e| format!("penalty.trainable: {e}"))?
            };
            let fresh = Penalty::with_rows(Arc::new(r), pen.r_rows(), n, pen.lambda(), pen.power()).map_err(|e| format!("penalty on '{}': {e}", t.param))?;
            terms.push(Term::moduli(&t.param, fresh));
            grads.insert(t.param.clone(), g);
        }
        Ok((Regularization { terms }, grads))
    }

    /// One Adam step of the points down `grads`, each point put back on its space.
    pub fn apply(&self, grads: &BTreeMap<String, Vec<f64>>, points: &mut Points, lr: f64) -> Result<(), String> {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8f64);
        for (param, g) in grads {
            let st = points.get_mut(param).expect("a gradient per trained parameter");
            st.steps += 1;
            let (c1, c2) = (1.0 - b1.powi(st.steps as i32), 1.0 - b2.powi(st.steps as i32));
            for (((x, m), v), &g) in st.coords.iter_mut().zip(&mut st.m).zip(&mut st.v).zip(g) {
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *x = (*x as f64 - lr * (*m / c1) / ((*v / c2).sqrt() + eps)) as f32;
            }
            let reg = self.built(param).expect("a regularizer per trained parameter");
            let space = reg.space().ok_or("penalty.trainable: the geometry has no points")?;
            let k = space.coord_dim();
            for (i, p) in st.coords.chunks_mut(k).enumerate() {
                space.canonicalize(p).map_err(|e| format!("penalty.trainable: point {i} of {param} left the space ({e}); lower penalty.trainable.lr"))?;
            }
        }
        Ok(())
    }
}

fn mean(r: &[f32]) -> f64 {
    r.iter().map(|&v| v as f64).sum::<f64>() / r.len().max(1) as f64
}

/// S = ∂P/∂R (n × n) for P = λ · mean over W's entries of R ⊙ |W|ᵖ, W of G gate blocks priced
/// by one R: λ / |W| · Σ_g |W_g,ij|ᵖ over the kept entries.
pub fn sensitivity(w: &[f32], mask: Option<&[u8]>, n: usize, lambda: f64, power: Power) -> Vec<f64> {
    use rayon::prelude::*;
    let scale = lambda / w.len() as f64;
    let blocks = w.len() / (n * n);
    let mut s = vec![0f64; n * n];
    // row i of S sums row i of every gate block, in block order (the same sum for any thread count)
    s.par_chunks_mut(n).enumerate().for_each(|(i, srow)| {
        for g in 0..blocks {
            let o = g * n * n + i * n;
            for (j, sv) in srow.iter_mut().enumerate() {
                if mask.is_some_and(|m| m[o + j] == 0) {
                    continue;
                }
                let a = (w[o + j] as f64).abs();
                *sv += scale * if power == Power::Two { a * a } else { a };
            }
        }
    });
    s
}

/// The regularizer of `param` in a run's model file: the config's, with the trained points the
/// model file recorded (`points`), if any.
pub fn with_recorded_points(reg: Regularizer, meta: &serde_json::Value, param: &str) -> anyhow::Result<Regularizer> {
    match meta.get("points").and_then(|p| p.get(param)) {
        Some(c) => {
            let coords: Vec<f32> = serde_json::from_value(c.clone())?;
            reg.with_points(coords).map_err(|e| anyhow::anyhow!("model.safetensors: the trained points of {param}: {e}"))
        }
        None => Ok(reg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};

    /// The task, built penalty and trainable points of a run config given as TOML.
    fn trained_points(text: &str) -> (Box<dyn geosparse_tasks::task::Task>, Built, Trainable) {
        let cfg = crate::config::RunConfig::from_toml_str(text, &[]).unwrap();
        let task = cfg.task.build(0).unwrap();
        let built = super::super::penalty::build(&cfg.penalty, cfg.seed, &*task).unwrap();
        let tr = Trainable::build(&cfg, &built, 100).unwrap();
        (task, built, tr)
    }

    /// The penalty's own value, with R rebuilt from moved points, changes as the analytic
    /// gradient says: S and the coordinate gradient together are ∂P/∂x.
    /// With `relative = true` the gradient is the slope of P = Σ S ⊙ R · mean R₀ / mean R.
    #[test]
    fn relative_pricing_has_the_slope_of_the_relative_penalty() {
        let text = "[task]\nkind = \"navigation\"\nhidden = 10\nplace_cells = 4\n[penalty]\nlambda = 0.5\n[penalty.regularizer]\nspace = \"torus\"\ninhibitor = \"dog\"\ninvert = true\n[penalty.trainable]\nrelative = true\n";
        let (task, built, tr) = trained_points(text);
        let mut points = tr.initial();
        let param = "rnn.weight_hh_l0";
        let w = task.params().into_iter().find(|p| p.name == param).unwrap().clone();
        let value = |pts: &Points| {
            let terms = tr.terms(&built.regularization, pts).unwrap();
            terms.apply(vec![&mut w.clone()], false).unwrap()
        };
        let g = tr.gradient(&tr.terms(&built.regularization, &points).unwrap(), &[&w], &points).unwrap();
        let k = 2;
        for i in [0, 4, 9] {
            for c in 0..k {
                let h = 1e-3;
                let x0 = points[param].coords[i * k + c];
                points.get_mut(param).unwrap().coords[i * k + c] = x0 + h as f32;
                let up = value(&points);
                points.get_mut(param).unwrap().coords[i * k + c] = x0 - h as f32;
                let down = value(&points);
                points.get_mut(param).unwrap().coords[i * k + c] = x0;
                let fd = (up - down) / (2.0 * h);
                let an = g[param][i * k + c];
                assert!((fd - an).abs() <= 2e-2 * (1e-4 + an.abs().max(fd.abs())), "point {i} coordinate {c}: analytic {an} vs finite difference {fd}");
            }
        }
    }

    #[test]
    fn the_points_gradient_is_the_slope_of_the_penalty_itself() {
        let n = 12;
        for (space, power) in [(SpaceName::Torus, Power::One), (SpaceName::Klein, Power::Two), (SpaceName::Sphere, Power::One)] {
            let mut spec = RegularizerSpec::new(space, InhibitorName::Dog);
            spec.invert = true;
            let reg = spec.resolve(Some(n), 3).unwrap().build().unwrap();
            let mut rng = geosparse_moduli::seed::rng(4, "w");
            use rand::Rng;
            let w: Vec<f32> = (0..2 * n * n).map(|_| rng.random::<f32>() - 0.5).collect(); // two gate blocks
            let mask: Vec<u8> = (0..w.len()).map(|k| (k % 3 != 0) as u8).collect();
            let value = |coords: &[f32]| {
                let r = reg.with_points(coords.to_vec()).unwrap();
                Penalty::with_rows(r.shared_matrix(), n, n, 0.7, power).unwrap().value(&w, Some(&mask))
            };
            let s = sensitivity(&w, Some(&mask), n, 0.7, power);
            let x = reg.embedding().unwrap().coords.clone();
            let g = coordinate_grad(reg.space().unwrap().as_ref(), &reg.spec.inhibitor, true, &x, n, &s);
            let k = reg.space().unwrap().coord_dim();
            for i in [0, 5, 11] {
                // a tangent direction at point i (on the sphere: orthogonal to it)
                let mut v: Vec<f64> = (0..k).map(|c| ((i + c) % 3) as f64 - 1.0).collect();
                if space == SpaceName::Sphere {
                    let dot: f64 = v.iter().zip(&x[i * k..(i + 1) * k]).map(|(a, &b)| a * b as f64).sum();
                    v.iter_mut().zip(&x[i * k..(i + 1) * k]).for_each(|(a, &b)| *a -= dot * b as f64);
                }
                let moved = |t: f64| {
                    let mut y = x.clone();
                    for c in 0..k {
                        y[i * k + c] = (x[i * k + c] as f64 + t * v[c]) as f32;
                    }
                    reg.space().unwrap().canonicalize(&mut y[i * k..(i + 1) * k]).unwrap();
                    y
                };
                let h = 1e-3;
                let fd = (value(&moved(h)) - value(&moved(-h))) / (2.0 * h);
                let an: f64 = g[i * k..(i + 1) * k].iter().zip(&v).map(|(a, b)| a * b).sum();
                assert!((fd - an).abs() <= 2e-2 * (1e-3 + an.abs().max(fd.abs())), "{space:?} point {i}: analytic {an} vs penalty finite difference {fd}");
            }
        }
    }

    /// A moving step's one pass gives the terms and gradient of the two passes (terms, then
    /// gradient), up to rounding: the same prices at the points, the same slope.
    #[test]
    fn one_pass_terms_and_gradient_are_the_two_passes() {
        let text = "[task]\nkind = \"navigation\"\nhidden = 70\nplace_cells = 4\n[penalty]\nlambda = 0.5\n[penalty.regularizer]\nspace = \"klein\"\ninhibitor = \"dog\"\ninvert = true\n[penalty.trainable]\n";
        let (task, built, tr) = trained_points(text);
        assert!(tr.one_pass());
        let points = tr.initial();
        let params = task.params();
        let (terms, g) = tr.terms_and_gradient(&built.regularization, &params, &points).unwrap();
        let two = tr.terms(&built.regularization, &points).unwrap();
        let g2 = tr.gradient(&two, &params, &points).unwrap();
        let param = "rnn.weight_hh_l0";
        let mut w = (*params.iter().find(|p| p.name == param).unwrap()).clone();
        let (a, b) = (terms.apply(vec![&mut w.clone()], false).unwrap(), two.apply(vec![&mut w], false).unwrap());
        assert!((a - b).abs() <= 1e-5 * b.abs(), "penalty {a} against {b}");
        assert_eq!(g.keys().collect::<Vec<_>>(), vec![param]);
        let scale = g2[param].iter().fold(0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        for (x, y) in g[param].iter().zip(&g2[param]) {
            assert!((x - y).abs() <= 1e-9 * scale, "gradient {x} against {y}");
        }
    }
}
