//! Builds the penalty terms of a run from `[penalty]` and the task's recurrent matrices:
//! one regularizer per layer (independent embeddings, seeded from the run seed and the layer,
//! unless `shared_layers`), tiled over gate blocks (or one per gate with `per_gate`) — priced
//! as λ·mean(R ⊙ |W|) or, with `[penalty.communicability]`, seRNN's λ·mean(R ⊙ |W| ⊙ C(W)ᶜ) —
//! plus the optional plain L1 on the other weight matrices.
//!
//! ```no_run
//! # let cfg = geosparse_experiments::config::RunConfig::default();
//! # let task = cfg.task.build(0).unwrap();
//! let built = geosparse_experiments::run::penalty::build(&cfg.penalty, cfg.seed, &*task).unwrap();
//! println!("{} terms", built.regularization.terms.len());
//! ```

use crate::config::PenaltyConfig;
use geosparse_engine::communicability::Communicability;
use geosparse_engine::param::ParamKind;
use geosparse_engine::regularize::{Regularization, Term};
use geosparse_moduli::{Penalty, Regularizer, seed};
use geosparse_tasks::task::{Recurrent, Task};
use rand::RngCore;
use std::sync::Arc;

/// The penalty terms and the regularizers behind them (for plots and reports).
pub struct Built {
    pub regularization: Regularization,
    /// (parameter name, regularizer of gate block 0) per recurrent matrix.
    pub regularizers: Vec<(String, Regularizer)>,
}

/// The regularizer seed of layer `layer`, gate `gate` (all 0 with `shared_layers`).
pub fn regularizer_seed(run_seed: u64, layer: usize, gate: usize) -> u64 {
    seed::rng_at(run_seed, "penalty/regularizer", (layer as u64) << 8 | gate as u64).next_u64()
}

/// R of one recurrent matrix as the penalty sees it: `blocks` × hidden rows of hidden (one
/// independent R per gate block with `per_gate`, else one), and the regularizer of block 0.
/// The same seeds as the penalty's, so a dynamic-sparsity prior reads the penalty's geometry.
pub fn recurrent_rows(cfg: &PenaltyConfig, seed_value: u64, r: &Recurrent) -> Result<(Vec<f32>, Regularizer), String> {
    let layer = if cfg.shared_layers { 0 } else { r.layer };
    let blocks = if cfg.per_gate { r.gates } else { 1 };
    let mut rows: Vec<f32> = Vec::with_capacity(blocks * r.hidden * r.hidden);
    let mut first = None;
    for g in 0..blocks {
        let reg = cfg
            .regularizer
            .resolve(Some(r.hidden), regularizer_seed(seed_value, layer, g))
            .and_then(|x| x.build())
            .map_err(|e| format!("penalty.regularizer.{e}"))?;
        rows.extend_from_slice(reg.matrix());
        first.get_or_insert(reg);
    }
    Ok((rows, first.expect("at least one block")))
}

/// Builds the terms. `seed_value` is the run seed (or a derived one for a lottery's fresh R).
pub fn build(cfg: &PenaltyConfig, seed_value: u64, task: &dyn Task) -> Result<Built, String> {
    let mut terms = Vec::new();
    let mut regularizers = Vec::new();
    let recurrent = task.recurrent();
    if cfg.lambda > 0.0 {
        for r in &recurrent {
            let (rows, first) = recurrent_rows(cfg, seed_value, r)?;
            let n_rows = rows.len() / r.hidden;
            terms.push(match &cfg.communicability {
                Some(c) => Term::communicability(&r.param, Communicability::new(Arc::new(rows), n_rows, r.hidden, cfg.lambda, c.factor).map_err(|e| format!("penalty.{e}"))?),
                None => Term::moduli(&r.param, Penalty::with_rows(Arc::new(rows), n_rows, r.hidden, cfg.lambda, cfg.p).map_err(|e| format!("penalty: {e}"))?),
            });
            regularizers.push((r.param.clone(), first));
        }
    }
    if cfg.l1_other > 0.0 {
        for p in task.params() {
            let is_recurrent = recurrent.iter().any(|r| r.param == p.name);
            if p.kind != ParamKind::Bias && !is_recurrent {
                terms.push(Term::l1(&p.name, cfg.l1_other));
            }
        }
    }
    Ok(Built { regularization: Regularization { terms }, regularizers })
}
