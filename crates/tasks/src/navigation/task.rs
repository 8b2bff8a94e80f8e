//! The navigation task: configuration, seeded batches and evaluation (SPEC §3.1).
//!
//! Training trajectories come from `(seed, "nav/train", step)`; place cells and the held-out
//! validation set (`eval_batches` × `eval_batch_size` trajectories) from `data_seed`, which is
//! the same for every run by default so runs are compared on the same trajectories.
//!
//! ```
//! use geosparse_tasks::navigation::task::{NavConfig, NavTask};
//! use geosparse_tasks::task::{Task, Split};
//! let cfg = NavConfig { place_cells: 16, hidden: 32, sequence: 5, batch: 4, steps_per_epoch: 2,
//!                       eval_batches: 1, eval_batch_size: 4, ..NavConfig::default() };
//! let mut task = NavTask::new(&cfg, 1).unwrap();
//! let loss = task.train_step(0);
//! assert!(loss > 0.0);
//! let e = task.evaluate(Split::Valid);
//! assert!(e.metrics["error_cm"] > 0.0);
//! ```

use super::metric::decoding_error;
use super::model::{NavBatch, NavModel};
use super::place_cells::PlaceCells;
use super::trajectory::{TrajectoryConfig, Trajectories};
use crate::task::{Eval, Recurrent, Split, Task};
use geosparse_engine::loss;
use geosparse_engine::param::{Module, Param};
use geosparse_moduli::seed;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Navigation settings; the defaults are the paper's (SPEC §3.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NavConfig {
    /// Np.
    pub place_cells: usize,
    /// Ng, the recurrent size.
    pub hidden: usize,
    /// T, steps per trajectory.
    pub sequence: usize,
    pub batch: usize,
    pub steps_per_epoch: u64,
    /// Box side (m).
    pub box_size: f64,
    /// Place-cell width σ (m).
    pub sigma: f64,
    pub surround: f64,
    pub eval_batches: usize,
    pub eval_batch_size: usize,
    /// Seed of the place cells and the validation trajectories.
    pub data_seed: u64,
}

impl Default for NavConfig {
    fn default() -> Self {
        NavConfig {
            place_cells: 512,
            hidden: 4096,
            sequence: 50,
            batch: 200,
            steps_per_epoch: 1000,
            box_size: 2.2,
            sigma: 0.12,
            surround: 2.0,
            eval_batches: 5,
            eval_batch_size: 200,
            data_seed: 0,
        }
    }
}

impl NavConfig {
    /// Checks ranges; messages name the field under `prefix`.
    pub fn validate(&self, prefix: &str) -> Result<(), String> {
        let pos = |f: &str, v: usize| if v >= 1 { Ok(()) } else { Err(format!("{prefix}.{f}: {v} is not allowed; must be >= 1")) };
        pos("place_cells", self.place_cells)?;
        pos("hidden", self.hidden)?;
        pos("sequence", self.sequence)?;
        pos("batch", self.batch)?;
        pos("steps_per_epoch", self.steps_per_epoch as usize)?;
        pos("eval_batches", self.eval_batches)?;
        pos("eval_batch_size", self.eval_batch_size)?;
        for (f, v) in [("box_size", self.box_size), ("sigma", self.sigma), ("surround", self.surround)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{prefix}.{f}: {v} is not allowed; must be a finite number > 0"));
            }
        }
        if self.place_cells < 3 {
            return Err(format!("{prefix}.place_cells: {} is not allowed; decoding averages the top 3 cells, so >= 3", self.place_cells));
        }
        Ok(())
    }
}

pub struct NavTask {
    pub cfg: NavConfig,
    pub cells: PlaceCells,
    pub model: NavModel,
    seed: u64,
    traj: TrajectoryConfig,
    eval_set: Vec<NavBatch>,
}

impl NavTask {
    /// Builds the model (weights from `(seed, "nav/init")`) and the fixed validation set.
    pub fn new(cfg: &NavConfig, seed_value: u64) -> Result<Self, String> {
        cfg.validate("task")?;
        let cells = PlaceCells::new(cfg.place_cells, cfg.box_size as f32, cfg.sigma as f32, cfg.surround as f32, cfg.data_seed);
        let model = NavModel::new(cfg.place_cells, cfg.hidden, &mut seed::rng(seed_value, "nav/init"));
        let traj = TrajectoryConfig { box_size: cfg.box_size, ..TrajectoryConfig::default() };
        let mut t = NavTask { cfg: cfg.clone(), cells, model, seed: seed_value, traj, eval_set: Vec::new() };
        t.eval_set = (0..cfg.eval_batches)
            .map(|i| t.batch(&mut seed::rng_at(cfg.data_seed, "nav/valid", i as u64), cfg.eval_batch_size))
            .collect();
        Ok(t)
    }

    /// A batch of `b` trajectories: inputs v_t = x_{t+1} − x_t, targets c(x_{t+1}), t = 1..T.
    pub fn batch(&self, rng: &mut impl rand::Rng, b: usize) -> NavBatch {
        let t = self.cfg.sequence;
        let np = self.cfg.place_cells;
        let tr = Trajectories::generate(&self.traj, t, b, rng);
        let starts: Vec<f32> = (0..b).flat_map(|bi| tr.at(bi, 1)).collect();
        let mut c0 = vec![0f32; b * np];
        self.cells.codes_into(&starts, &mut c0);
        let mut v = vec![0f32; t * b * 2];
        let mut pos = vec![0f32; t * b * 2];
        for s in 0..t {
            for bi in 0..b {
                let (a, n) = (tr.at(bi, s + 1), tr.at(bi, s + 2));
                let o = (s * b + bi) * 2;
                v[o] = n[0] - a[0];
                v[o + 1] = n[1] - a[1];
                pos[o] = n[0];
                pos[o + 1] = n[1];
            }
        }
        let mut targets = vec![0f32; t * b * np];
        self.cells.codes_into(&pos, &mut targets);
        NavBatch { t, b, c0, v, targets, pos }
    }

    /// Held-out batch `i` (`eval_batch_size` trajectories from `(data_seed, "nav/valid", i)`:
    /// the validation batches for i < `eval_batches`, fresh held-out ones beyond) and the
    /// trained model's hidden states on it: (states (T·B, Ng), positions (T·B, 2)), rows
    /// sequence-first. Never used by training, so it does not change any training numerics.
    pub fn hidden_states(&self, i: usize) -> (Vec<f32>, Vec<f32>) {
        let batch = match self.eval_set.get(i) {
            Some(b) => b.clone(),
            None => self.batch(&mut seed::rng_at(self.cfg.data_seed, "nav/valid", i as u64), self.cfg.eval_batch_size),
        };
        (self.model.hidden_states(&batch), batch.pos)
    }

    /// The validation batches.
    pub fn eval_set(&self) -> &[NavBatch] {
        &self.eval_set
    }
}

impl Task for NavTask {
    fn kind(&self) -> &'static str {
        "navigation"
    }
    fn params(&self) -> Vec<&Param> {
        self.model.params()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.model.params_mut()
    }
    fn recurrent(&self) -> Vec<Recurrent> {
        vec![Recurrent { param: "rnn.weight_hh_l0".into(), hidden: self.cfg.hidden, gates: 1, layer: 0 }]
    }
    fn primary_metric(&self) -> &'static str {
        "error_cm"
    }
    fn steps_per_epoch(&self) -> u64 {
        self.cfg.steps_per_epoch
    }
    fn train_step(&mut self, global_step: u64) -> f64 {
        let batch = self.batch(&mut seed::rng_at(self.seed, "nav/train", global_step), self.cfg.batch);
        self.model.loss_and_grad(&batch)
    }
    fn prepare_sparse(&mut self, threshold: f64) {
        self.model.prepare_sparse(threshold);
    }
    fn evaluate(&mut self, split: Split) -> Eval {
        // navigation has one held-out set (fresh trajectories): valid and test coincide
        let _ = split;
        let np = self.cfg.place_cells;
        let (mut loss, mut err, mut f10, mut f20, mut f50) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for b in &self.eval_set {
            let mut logits = self.model.logits(b);
            let e = decoding_error(&self.cells, &logits, &b.pos, np);
            loss += loss::soft_cross_entropy(&mut logits, &b.targets, np, false);
            err += e.mean_cm;
            f10 += e.frac_ge_10cm;
            f20 += e.frac_ge_20cm;
            f50 += e.frac_ge_50cm;
        }
        let n = self.eval_set.len().max(1) as f64;
        let metrics = BTreeMap::from([
            ("error_cm".to_string(), err / n),
            ("frac_ge_10cm".to_string(), f10 / n),
            ("frac_ge_20cm".to_string(), f20 / n),
            ("frac_ge_50cm".to_string(), f50 / n),
        ]);
        Eval { loss: loss / n, metrics }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_states_are_the_forward_pass_of_evaluation() {
        let cfg = NavConfig { place_cells: 8, hidden: 12, sequence: 4, batch: 3, steps_per_epoch: 1, eval_batches: 2, eval_batch_size: 5, ..NavConfig::default() };
        let task = NavTask::new(&cfg, 3).unwrap();
        let (h, pos) = task.hidden_states(1);
        assert_eq!((h.len(), pos.len()), (4 * 5 * 12, 4 * 5 * 2));
        assert_eq!(pos, task.eval_set()[1].pos);
        // decoding the states gives exactly the logits evaluation uses
        assert_eq!(task.model.decoder.forward(&h, 4 * 5), task.model.logits(&task.eval_set()[1]));
        // past the validation set: fresh held-out batches, the same every time
        let (h2, p2) = task.hidden_states(7);
        assert_eq!((h2.clone(), p2.clone()), task.hidden_states(7));
        assert_ne!(p2, pos);
        assert!(h.iter().all(|&x| x >= 0.0), "ReLU states");
    }
}
