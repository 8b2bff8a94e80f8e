//! Optimizers with PyTorch's semantics (SGD with momentum, Adam, AdamW with decoupled weight
//! decay), gradient clipping by global norm, and the "divide the learning rate by 4 when
//! validation does not improve" schedule.
//!
//! Pruned entries (mask 0) are skipped entirely: no gradient, no weight decay, no moment
//! update (their moments are held at 0), and their value is exactly 0 after every step.
//!
//! ```
//! use geosparse_engine::optim::{Optimizer, OptimizerConfig};
//! use geosparse_engine::param::{Param, ParamKind};
//! let mut p = Param::zeros("w", &[2], ParamKind::Weight);
//! p.value = vec![1.0, 1.0];
//! p.grad = vec![1.0, -1.0];
//! p.set_mask(vec![1, 0]);
//! let mut opt = Optimizer::new(OptimizerConfig::adamw(0.1, 0.01));
//! opt.step(vec![&mut p]);
//! assert_eq!(p.value[1], 0.0);
//! assert!((p.value[0] - (1.0 - 0.1 * 0.01 - 0.1)).abs() < 1e-6);
//! ```

mod clip;
mod schedule;

pub use clip::{clip_coef, clip_grad_norm, grad_norm};
pub use schedule::{EpochDecay, PlateauDecay};

use crate::param::Param;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn default_betas() -> (f32, f32) {
    (0.9, 0.999)
}
fn default_eps() -> f32 {
    1e-8
}
fn default_decay() -> f32 {
    0.01
}

/// Which optimizer, with PyTorch's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum OptimizerConfig {
    /// p ← p − lr·(g + wd·p), with classical momentum when momentum > 0.
    Sgd {
        lr: f32,
        #[serde(default)]
        momentum: f32,
        #[serde(default)]
        weight_decay: f32,
    },
    /// Adam with L2 weight decay added to the gradient.
    Adam {
        lr: f32,
        #[serde(default = "default_betas")]
        betas: (f32, f32),
        #[serde(default = "default_eps")]
        eps: f32,
        #[serde(default)]
        weight_decay: f32,
    },
    /// Adam with decoupled weight decay (default 0.01, as PyTorch's AdamW).
    Adamw {
        lr: f32,
        #[serde(default = "default_betas")]
        betas: (f32, f32),
        #[serde(default = "default_eps")]
        eps: f32,
        #[serde(default = "default_decay")]
        weight_decay: f32,
    },
}

impl OptimizerConfig {
    pub fn sgd(lr: f32) -> Self {
        OptimizerConfig::Sgd { lr, momentum: 0.0, weight_decay: 0.0 }
    }
    pub fn adam(lr: f32) -> Self {
        OptimizerConfig::Adam { lr, betas: default_betas(), eps: default_eps(), weight_decay: 0.0 }
    }
    pub fn adamw(lr: f32, weight_decay: f32) -> Self {
        OptimizerConfig::Adamw { lr, betas: default_betas(), eps: default_eps(), weight_decay }
    }
    pub fn lr(&self) -> f32 {
        match self {
            OptimizerConfig::Sgd { lr, .. } | OptimizerConfig::Adam { lr, .. } | OptimizerConfig::Adamw { lr, .. } => *lr,
        }
    }
    /// Checks ranges; the message names the field.
    pub fn validate(&self, prefix: &str) -> Result<(), String> {
        let bad = |f: &str, v: f32, allowed: &str| Err(format!("{prefix}.{f}: {v} is not allowed; {allowed}"));
        let lr = self.lr();
        if !(lr.is_finite() && lr > 0.0) {
            return bad("lr", lr, "must be a finite number > 0");
        }
        match self {
            OptimizerConfig::Sgd { momentum, weight_decay, .. } => {
                if !(0.0..1.0).contains(momentum) {
                    return bad("momentum", *momentum, "must be in [0, 1)");
                }
                if !(weight_decay.is_finite() && *weight_decay >= 0.0) {
                    return bad("weight_decay", *weight_decay, "must be >= 0");
                }
            }
            OptimizerConfig::Adam { betas, eps, weight_decay, .. } | OptimizerConfig::Adamw { betas, eps, weight_decay, .. } => {
                for (name, b) in [("betas[0]", betas.0), ("betas[1]", betas.1)] {
                    if !(0.0..1.0).contains(&b) {
                        return bad(name, b, "must be in [0, 1)");
                    }
                }
                if !(eps.is_finite() && *eps > 0.0) {
                    return bad("eps", *eps, "must be > 0");
                }
                if !(weight_decay.is_finite() && *weight_decay >= 0.0) {
                    return bad("weight_decay", *weight_decay, "must be >= 0");
                }
            }
        }
        Ok(())
    }
}

/// Per-parameter state: first and second moments (SGD momentum uses `m`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slots {
    pub m: Vec<f32>,
    pub v: Vec<f32>,
}

/// An optimizer with its state, keyed by parameter name.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer {
    pub config: OptimizerConfig,
    /// The current learning rate (schedules change it).
    pub lr: f32,
    /// Steps taken (Adam's t).
    pub steps: u64,
    pub state: BTreeMap<String, Slots>,
}

const CHUNK: usize = 1 << 14;

impl Optimizer {
    pub fn new(config: OptimizerConfig) -> Self {
        let lr = config.lr();
        Optimizer { config, lr, steps: 0, state: BTreeMap::new() }
    }

    /// One update of every parameter from its `grad`; pruned entries stay exactly 0.
    pub fn step(&mut self, params: Vec<&mut Param>) {
        self.step_scaled(params, 1.0)
    }

    /// [`Optimizer::step`] with every gradient first multiplied by `grad_scale` (rounded to f32,
    /// as `g.mul_(coef)` would): gradient clipping fused into the update, saving a pass over
    /// all gradients (see [`clip_coef`]).
    pub fn step_scaled(&mut self, params: Vec<&mut Param>, grad_scale: f32) {
        let _t = crate::profile::scope("optimizer step");
        self.steps += 1;
        let t = self.steps as i32;
        let lr = self.lr;
        for p in params {
            let slots = self.state.entry(p.name.clone()).or_default();
            match self.config {
                OptimizerConfig::Sgd { momentum: 0.0, weight_decay: 0.0, .. } => sgd_plain(p, lr, grad_scale),
                OptimizerConfig::Sgd { momentum, weight_decay, .. } => sgd(p, slots, Sgd { lr, scale: grad_scale, momentum, weight_decay, first: t == 1 }),
                OptimizerConfig::Adam { betas, eps, weight_decay, .. } | OptimizerConfig::Adamw { betas, eps, weight_decay, .. } => {
                    let decoupled = matches!(self.config, OptimizerConfig::Adamw { .. });
                    adam(p, slots, Adam { lr, scale: grad_scale, betas, eps, weight_decay, decoupled, t })
                }
            }
        }
    }
}

/// One SGD step's constants (momentum and/or coupled weight decay).
struct Sgd {
    lr: f32,
    scale: f32,
    momentum: f32,
    weight_decay: f32,
    /// The first step: the momentum buffer starts at the gradient (PyTorch).
    first: bool,
}

/// SGD with momentum and/or weight decay on one parameter; pruned entries and their momentum
/// are set to 0.
fn sgd(p: &mut Param, slots: &mut Slots, c: Sgd) {
    let Sgd { lr, scale, momentum, weight_decay, first } = c;
    if momentum > 0.0 && slots.m.len() != p.numel() {
        slots.m = vec![0.0; p.numel()];
    }
    for_chunks(&mut p.value, &p.grad, &mut slots.m, &mut [], p.mask.as_deref(), |w, g, m, _, k| {
        for i in 0..w.len() {
            if k.is_some_and(|k| k[i] == 0) {
                w[i] = 0.0;
                if !m.is_empty() {
                    m[i] = 0.0;
                }
                continue;
            }
            let mut d = g[i] * scale;
            if weight_decay != 0.0 {
                d += weight_decay * w[i];
            }
            if momentum > 0.0 {
                m[i] = if first { d } else { momentum * m[i] + d };
                d = m[i];
            }
            w[i] -= lr * d;
        }
    });
}

/// One Adam/AdamW step's constants.
struct Adam {
    lr: f32,
    scale: f32,
    betas: (f32, f32),
    eps: f32,
    weight_decay: f32,
    /// AdamW: decay scales w; Adam: λw is added to the gradient.
    decoupled: bool,
    /// The step number (bias corrections).
    t: i32,
}

/// Adam or AdamW on one parameter, as PyTorch's single-tensor implementation; pruned entries and
/// their moments are set to 0.
fn adam(p: &mut Param, slots: &mut Slots, c: Adam) {
    let Adam { lr, scale, betas, eps, weight_decay, decoupled, t } = c;
    let n = p.numel();
    if slots.m.len() != n {
        slots.m = vec![0.0; n];
        slots.v = vec![0.0; n];
    }
    let (b1, b2) = (betas.0 as f64, betas.1 as f64);
    let bc1 = 1.0 - b1.powi(t);
    let bc2 = 1.0 - b2.powi(t);
    let step_size = (lr as f64 / bc1) as f32;
    let bc2_sqrt = bc2.sqrt() as f32;
    let decay = (1.0 - lr as f64 * weight_decay as f64) as f32;
    let (w1, w2) = ((1.0 - b1) as f32, (1.0 - b2) as f32);
    let b2f = betas.1;
    let Slots { m, v } = slots;
    // weight decay as two per-tensor factors: decoupled (AdamW) scales w, coupled
    // (Adam) adds λw to the gradient; the other factor is the identity
    let (wd_mul, wd_add) = match (decoupled, weight_decay != 0.0) {
        (true, true) => (decay, 0.0),
        (false, true) => (1.0, weight_decay),
        (_, false) => (1.0, 0.0),
    };
    // one element, branch-free so that the loops below vectorise
    let adam = |w: &mut f32, g: f32, m: &mut f32, v: &mut f32| {
        let gi = g * scale + wd_add * *w;
        *w *= wd_mul;
        // exp_avg.lerp_(grad, 1 − β1); exp_avg_sq.mul_(β2).addcmul_(g, g, 1 − β2)
        *m += w1 * (gi - *m);
        *v = *v * b2f + w2 * gi * gi;
        let denom = v.sqrt() / bc2_sqrt + eps;
        *w -= step_size * (*m / denom);
    };
    for_chunks(&mut p.value, &p.grad, m, v, p.mask.as_deref(), |w, g, m, v, k| {
        let (m, v) = (&mut m[..w.len()], &mut v[..w.len()]);
        match k {
            None => w.iter_mut().zip(g).zip(m.iter_mut().zip(v.iter_mut())).for_each(|((w, &g), (m, v))| adam(w, g, m, v)),
            Some(k) => w.iter_mut().zip(g).zip(m.iter_mut().zip(v.iter_mut())).zip(k).for_each(|(((w, &g), (m, v)), &k)| {
                let (mut wi, mut mi, mut vi) = (*w, *m, *v);
                adam(&mut wi, g, &mut mi, &mut vi);
                (*w, *m, *v) = if k != 0 { (wi, mi, vi) } else { (0.0, 0.0, 0.0) };
            }),
        }
    });
}

/// w −= lr·(scale·g), pruned entries kept 0. Only the rows whose gradient may be non-zero are
/// visited (an embedding's, see [`Param::grad_rows`]); the others would not change, and their
/// pruned entries are already 0.
fn sgd_plain(p: &mut Param, lr: f32, scale: f32) {
    let update = |w: &mut [f32], g: &[f32], k: Option<&[u8]>| match k {
        None => w.iter_mut().zip(g).for_each(|(w, &g)| *w -= lr * (g * scale)),
        Some(k) => w.iter_mut().zip(g).zip(k).for_each(|((w, &g), &k)| *w = if k == 0 { 0.0 } else { *w - lr * (g * scale) }),
    };
    let mask = p.mask.as_deref();
    match p.grad_row_spans() {
        Some((d, rows)) => {
            let mut touched = vec![false; p.grad.len() / d.max(1)];
            rows.iter().for_each(|&r| touched[r as usize] = true);
            let grad = &p.grad;
            p.value.par_chunks_mut(d).enumerate().filter(|(r, _)| touched[*r]).for_each(|(r, w)| {
                let span = r * d..(r + 1) * d;
                update(w, &grad[span.clone()], mask.map(|k| &k[span]));
            });
        }
        None => for_chunks(&mut p.value, &p.grad, &mut [], &mut [], mask, |w, g, _, _, k| update(w, g, k)),
    }
}

/// Runs `f` over aligned chunks of value, grad, two state slots (either may be empty) and mask.
fn for_chunks(
    w: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    mask: Option<&[u8]>,
    f: impl Fn(&mut [f32], &[f32], &mut [f32], &mut [f32], Option<&[u8]>) + Sync + Send,
) {
    let n = w.len();
    let chunks = n.div_ceil(CHUNK).max(1);
    let mut ws: Vec<&mut [f32]> = w.chunks_mut(CHUNK).collect();
    let mut ms: Vec<&mut [f32]> = if m.is_empty() { (0..chunks).map(|_| &mut [][..]).collect() } else { m.chunks_mut(CHUNK).collect() };
    let mut vs: Vec<&mut [f32]> = if v.is_empty() { (0..chunks).map(|_| &mut [][..]).collect() } else { v.chunks_mut(CHUNK).collect() };
    type Slices<'a, 'b> = ((&'b mut &'a mut [f32], &'b mut &'a mut [f32]), &'b mut &'a mut [f32]);
    let work = |(i, ((wc, mc), vc)): (usize, Slices)| {
        let lo = i * CHUNK;
        let hi = (lo + CHUNK).min(n);
        f(wc, &g[lo..hi], mc, vc, mask.map(|k| &k[lo..hi]));
    };
    if n < 4 * CHUNK {
        ws.iter_mut().zip(ms.iter_mut()).zip(vs.iter_mut()).enumerate().for_each(work);
    } else {
        ws.par_iter_mut().zip(ms.par_iter_mut()).zip(vs.par_iter_mut()).enumerate().for_each(work);
    }
}
