//! BIMT neuron swaps inside a run (`[penalty.swaps]`, issue 14): every `every` steps of the
//! training phase, each moduli term's costliest neurons move to the points that lower its wiring
//! cost Σ R ⊙ |W| most (exact and deterministic: [`geosparse_moduli::swap::swap_round`]).
//!
//! - **What moves**: the labels. Neuron i holds original point `order[i]` of its parameter; the
//!   penalty prices with R'[i, j] = R[order[i], order[j]] (every gate block alike; with
//!   `per_gate`, A sums |W| over the gate blocks each R block prices).
//! - **State**: the orders live in the loop state (checkpointed with it, so a resumed run goes on
//!   with the same points); the summary keeps the final ones, and `embedding_<param>_final.npy`
//!   the points each neuron ended at.
//! - **Cost**: a round is O(count · B · n²) plus an O(n²) relabelling of R; at every = 200 it is
//!   a small share of the steps between rounds.
//!
//! ```no_run
//! // driven by the trainer: Swaps::due(global) → Swaps::round(...) → relabel(...) for the next steps
//! ```

use crate::config::{RunConfig, SwapConfig};
use geosparse_engine::param::Param;
use geosparse_engine::regularize::{Regularization, Term, TermKind};
use geosparse_moduli::Penalty;
use geosparse_moduli::swap::{apply_order, swap_round};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which original point each neuron holds, per recurrent parameter (identity when absent).
pub type Orders = BTreeMap<String, Vec<usize>>;

/// What the swap rounds of an epoch did (logged in metrics.jsonl).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SwapLog {
    /// Rounds run and swaps made.
    pub rounds: u64,
    pub swaps: u64,
    /// Wiring cost Σ R ⊙ |W| (all moduli terms) before the epoch's first round and after its last.
    pub cost_before: f64,
    pub cost_after: f64,
    /// Σ over the rounds of the cost each removed (≥ 0: a round only makes swaps that lower it).
    pub gain: f64,
}

impl SwapLog {
    /// Adds one round's numbers.
    pub fn add(&mut self, r: &SwapLog) {
        if self.rounds == 0 {
            self.cost_before = r.cost_before;
        }
        self.rounds += r.rounds;
        self.swaps += r.swaps;
        self.cost_after = r.cost_after;
        self.gain += r.gain;
    }
}

/// The swap schedule of a run.
pub struct Swaps {
    pub cfg: SwapConfig,
    /// No round at or after this step.
    end: u64,
}

impl Swaps {
    /// None unless `[penalty.swaps]` is given. `total_steps`: the training phase's steps.
    pub fn build(cfg: &RunConfig, total_steps: u64) -> Option<Swaps> {
        cfg.penalty.swaps.map(|s| Swaps { cfg: s, end: (s.end * total_steps as f64).round() as u64 })
    }

    /// Whether a round runs before the step at `global`.
    pub fn due(&self, global: u64) -> bool {
        global > 0 && global < self.end && global.is_multiple_of(self.cfg.every)
    }

    /// One round on every moduli term of `current` (the terms as relabelled by `orders`),
    /// reading |W| from `params`; `orders` is updated.
    pub fn round(&self, current: &Regularization, params: &[&Param], orders: &mut Orders) -> Result<SwapLog, String> {
        let mut log = SwapLog { rounds: 1, ..Default::default() };
        for t in &current.terms {
            let TermKind::Moduli(pen) = &t.kind else { continue };
            let p = params.iter().find(|p| p.name == t.param).ok_or_else(|| format!("penalty.swaps: the model has no parameter '{}'", t.param))?;
            let (n, rr) = (pen.n(), pen.r_rows());
            let a = wiring(&p.value, n, rr);
            let mut r = pen.matrix().to_vec();
            let order = orders.entry(t.param.clone()).or_insert_with(|| (0..n).collect());
            let round = swap_round(&mut r, &a, n, self.cfg.count, order);
            log.swaps += round.swaps.len() as u64;
            log.cost_before += round.cost_before;
            log.cost_after += round.cost_after;
        }
        log.gain = log.cost_before - log.cost_after;
        Ok(log)
    }
}

/// A (B·n, n) for R of `rr` = B·n rows: A_b[i, j] = Σ |W_g[i, j]| over the gate blocks g that R
/// block b prices (g ≡ b mod B, as the penalty tiles R over W's rows).
fn wiring(w: &[f32], n: usize, rr: usize) -> Vec<f64> {
    let mut a = vec![0f64; rr * n];
    for (row, chunk) in w.chunks(n).enumerate() {
        let dst = &mut a[(row % rr) * n..(row % rr + 1) * n];
        dst.iter_mut().zip(chunk).for_each(|(d, &x)| *d += x.abs() as f64);
    }
    a
}

/// The terms with each moduli term's R relabelled by its order (L1 terms and terms without an
/// order as they are).
pub fn relabel(base: &Regularization, orders: &Orders) -> Result<Regularization, String> {
    let terms = base
        .terms
        .iter()
        .map(|t| match (&t.kind, orders.get(&t.param)) {
            (TermKind::Moduli(pen), Some(order)) => {
                let r = apply_order(pen.matrix(), pen.n(), order);
                Penalty::with_rows(Arc::new(r), pen.r_rows(), pen.n(), pen.lambda(), pen.power()).map(|p| Term::moduli(&t.param, p)).map_err(|e| format!("penalty on '{}': {e}", t.param))
            }
            _ => Ok(t.clone()),
        })
        .collect::<Result<_, _>>()?;
    Ok(Regularization { terms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geosparse_engine::param::ParamKind;

    #[test]
    fn a_round_lowers_the_cost_and_relabelling_reproduces_its_r() {
        // 6 neurons on a ring-like R; strong weights between far-apart neurons 0 ↔ 3
        let n = 6;
        let r: Vec<f32> = (0..n * n).map(|k| {
            let (i, j) = (k / n, k % n);
            let d = (i as i64 - j as i64).rem_euclid(n as i64).min((j as i64 - i as i64).rem_euclid(n as i64));
            (d * d) as f32
        }).collect();
        let pen = Penalty::with_rows(Arc::new(r.clone()), n, n, 1.0, geosparse_moduli::penalty::Power::One).unwrap();
        let base = Regularization { terms: vec![Term::moduli("w", pen)] };
        let mut w = Param::zeros("w", &[2 * n, n], ParamKind::Weight); // two gate blocks, R tiled
        w.value[3] = 2.0; // (0, 3) of gate 0
        w.value[n * n + 3 * n] = -1.0; // (3, 0) of gate 1
        let swaps = Swaps { cfg: SwapConfig { every: 1, count: 2, end: 1.0 }, end: 10 };
        let mut orders = Orders::new();
        let log = swaps.round(&base, &[&w], &mut orders).unwrap();
        assert_eq!(log.cost_before, 9.0 * 3.0);
        assert!(log.cost_after < log.cost_before && log.swaps >= 1, "{log:?}");
        let current = relabel(&base, &orders).unwrap();
        let TermKind::Moduli(p) = &current.terms[0].kind else { panic!() };
        let a = wiring(&w.value, n, n);
        let cost: f64 = p.matrix().iter().zip(&a).map(|(&r, &a)| r as f64 * a).sum();
        assert!((cost - log.cost_after).abs() < 1e-9, "the relabelled R prices as the round ended: {cost} vs {}", log.cost_after);
        assert!(swaps.due(1) && !swaps.due(0) && !swaps.due(10));
    }
}
