//! The adding problem (SPEC §3.3): a ReLU (or tanh) Elman RNN with biases reads T steps of
//! (value, marker) and predicts the sum of the two marked values from h_T through a linear
//! readout; MSE. Training draws 10 000 fresh sequences per epoch (batch 32); validation and
//! test are fixed, seeded held-out sets (the reference only logged training MSE). The trivial
//! predictor 1 has MSE 1/6, reported beside the model's as `baseline_mse`.
//!
//! ```
//! use geosparse_tasks::adding::task::{AddingConfig, AddingTask};
//! use geosparse_tasks::task::{Task, Split};
//! let cfg = AddingConfig { hidden: 8, sequence: 6, samples_per_epoch: 64, eval_samples: 64, ..AddingConfig::default() };
//! let mut task = AddingTask::new(&cfg, 0).unwrap();
//! task.train_step(0);
//! let e = task.evaluate(Split::Test);
//! assert!((e.metrics["baseline_mse"] - 1.0 / 6.0).abs() < 0.08);
//! ```

use super::data::{self, AddingBatch};
use crate::cell::Cell;
use crate::task::{Eval, Recurrent, Split, Task};
use geosparse_engine::layers::linear::Linear;
use geosparse_engine::layers::rnn::{Rnn, RnnCache, RnnConfig, State};
use geosparse_engine::loss;
use geosparse_engine::param::{Module, Param};
use geosparse_moduli::seed;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AddingConfig {
    /// T.
    pub sequence: usize,
    pub hidden: usize,
    /// `elman-relu` (the reference) or `elman-tanh` (or gru / lstm).
    pub cell: Cell,
    pub batch: usize,
    /// Fresh training sequences per epoch.
    pub samples_per_epoch: usize,
    /// Sequences in each of the validation and test sets.
    pub eval_samples: usize,
    /// Seed of the held-out sets.
    pub data_seed: u64,
}

impl Default for AddingConfig {
    fn default() -> Self {
        AddingConfig { sequence: data::DEFAULT_T, hidden: 128, cell: Cell::ElmanRelu, batch: 32, samples_per_epoch: 10_000, eval_samples: 2_000, data_seed: 0 }
    }
}

impl AddingConfig {
    pub fn validate(&self, prefix: &str) -> Result<(), String> {
        if self.sequence < 2 {
            return Err(format!("{prefix}.sequence: {} is not allowed; two distinct steps are marked, so >= 2", self.sequence));
        }
        for (f, v) in [("hidden", self.hidden), ("batch", self.batch), ("samples_per_epoch", self.samples_per_epoch), ("eval_samples", self.eval_samples)] {
            if v == 0 {
                return Err(format!("{prefix}.{f}: 0 is not allowed; must be >= 1"));
            }
        }
        Ok(())
    }
}

pub struct AddingTask {
    pub cfg: AddingConfig,
    pub rnn: Rnn,
    pub readout: Linear,
    seed: u64,
    valid: Vec<AddingBatch>,
    test: Vec<AddingBatch>,
}

impl AddingTask {
    pub fn new(cfg: &AddingConfig, seed_value: u64) -> Result<Self, String> {
        cfg.validate("task")?;
        let mut rng = seed::rng(seed_value, "adding/init");
        let rc = RnnConfig { cell: cfg.cell.kind(), input: 2, hidden: cfg.hidden, layers: 1, bias: true, dropout: 0.0 };
        let rnn = Rnn::new("rnn", rc, &mut rng);
        let readout = Linear::new("readout", cfg.hidden, 1, true, &mut rng);
        let set = |s: u64| data::test_set(s, cfg.sequence, cfg.eval_samples, cfg.batch.max(256)).map_err(|e| format!("task: {e}"));
        let valid = set(cfg.data_seed ^ 0x5ee_d0f7_a11d)?;
        let test = set(cfg.data_seed)?;
        Ok(AddingTask { cfg: cfg.clone(), rnn, readout, seed: seed_value, valid, test })
    }

    fn forward(&self, b: &AddingBatch) -> (RnnCache, Vec<f32>) {
        let h = self.cfg.hidden;
        let cache = self.rnn.forward(&b.inputs, b.steps, b.batch, &State::zeros(&self.rnn.cfg, b.batch), false, &mut seed::rng(0, "adding/no-dropout"));
        let last = &cache.output()[(b.steps - 1) * b.batch * h..];
        let pred = self.readout.forward(last, b.batch);
        (cache, pred)
    }
}

impl Task for AddingTask {
    fn kind(&self) -> &'static str {
        "adding"
    }
    fn params(&self) -> Vec<&Param> {
        let mut v = self.rnn.params();
        v.extend(self.readout.params());
        v
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        let mut v = self.rnn.params_mut();
        v.extend(self.readout.params_mut());
        v
    }
    fn recurrent(&self) -> Vec<Recurrent> {
        vec![Recurrent { param: "rnn.weight_hh_l0".into(), hidden: self.cfg.hidden, gates: self.cfg.cell.kind().gates(), layer: 0 }]
    }
    fn primary_metric(&self) -> &'static str {
        "mse"
    }
    fn steps_per_epoch(&self) -> u64 {
        self.cfg.samples_per_epoch.div_ceil(self.cfg.batch) as u64
    }
    fn train_step(&mut self, global_step: u64) -> f64 {
        let spe = self.steps_per_epoch();
        let in_epoch = (global_step % spe) as usize;
        // the last batch of an epoch holds the remainder of samples_per_epoch
        let b = (self.cfg.samples_per_epoch - in_epoch * self.cfg.batch).min(self.cfg.batch);
        let batch = data::batch(self.seed, global_step, self.cfg.sequence, b).expect("validated sizes");
        let (cache, pred) = self.forward(&batch);
        let (l, dpred) = loss::mse(&pred, &batch.targets);
        let h = self.cfg.hidden;
        let last_start = (batch.steps - 1) * batch.batch * h;
        let dlast = self.readout.backward(&cache.output()[last_start..], &dpred, batch.batch, true).expect("dx");
        let mut dout = vec![0f32; batch.steps * batch.batch * h];
        dout[last_start..].copy_from_slice(&dlast);
        self.rnn.backward(&cache, &dout, None, false);
        l
    }
    fn prepare_sparse(&mut self, threshold: f64) {
        self.rnn.prepare_sparse(threshold);
        self.readout.prepare_sparse(threshold);
    }
    fn evaluate(&mut self, split: Split) -> Eval {
        let set = match split {
            Split::Valid => &self.valid,
            Split::Test => &self.test,
        };
        let (mut se, mut base, mut n) = (0f64, 0f64, 0usize);
        for b in set {
            let (_, pred) = self.forward(b);
            for (p, t) in pred.iter().zip(&b.targets) {
                se += ((p - t) as f64).powi(2);
                base += ((1.0 - t) as f64).powi(2);
            }
            n += b.batch;
        }
        let mse = se / n.max(1) as f64;
        Eval { loss: mse, metrics: BTreeMap::from([("mse".to_string(), mse), ("baseline_mse".to_string(), base / n.max(1) as f64)]) }
    }
}
