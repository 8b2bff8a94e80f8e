//! What a training run needs from a task: parameters, the recurrent matrices the moduli
//! penalty prices, one training step's gradients, and evaluation.
//!
//! ```no_run
//! use geosparse_tasks::task::{Task, Split};
//! fn one_epoch(task: &mut dyn Task, epoch: usize) -> f64 {
//!     task.begin_epoch(epoch);
//!     let n = task.steps_per_epoch();
//!     let mut last = 0.0;
//!     for s in 0..n {
//!         last = task.train_step(epoch as u64 * n + s);
//!     }
//!     task.evaluate(Split::Valid).loss + last * 0.0
//! }
//! ```

use geosparse_engine::param::Param;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A recurrent matrix the moduli penalty applies to.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurrent {
    /// Parameter name, e.g. `rnn.weight_hh_l0`.
    pub param: String,
    /// Hidden size N (R is N × N).
    pub hidden: usize,
    /// Gate blocks stacked in the matrix (1, 3 or 4).
    pub gates: usize,
    pub layer: usize,
}

/// Which held-out data to evaluate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Valid,
    Test,
}

impl Split {
    pub fn prefix(self) -> &'static str {
        match self {
            Split::Valid => "val",
            Split::Test => "test",
        }
    }
}

/// Evaluation result: the task loss and named metrics (e.g. `error_cm`, `ppl`, `mse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eval {
    pub loss: f64,
    pub metrics: BTreeMap<String, f64>,
}

/// A task with its model and data.
pub trait Task: Send {
    fn kind(&self) -> &'static str;
    fn params(&self) -> Vec<&Param>;
    fn params_mut(&mut self) -> Vec<&mut Param>;
    /// The recurrent matrices, in layer order.
    fn recurrent(&self) -> Vec<Recurrent>;
    /// The headline metric (lower is better), a key of [`Eval::metrics`].
    fn primary_metric(&self) -> &'static str;
    fn steps_per_epoch(&self) -> u64;
    /// Called before the first step of each epoch (the LM resets its carried state).
    fn begin_epoch(&mut self, _epoch: usize) {}
    /// Forward and backward pass of training step `global_step` (its data and dropout are
    /// drawn from the run seed and the step); gradients are *added* to the parameters.
    /// Returns the task loss.
    fn train_step(&mut self, global_step: u64) -> f64;
    fn evaluate(&mut self, split: Split) -> Eval;
    /// Runs the products of every pruned weight matrix (recurrent, encoder, decoder, readout;
    /// not an embedding's lookup) that keeps less than `threshold` of its entries on the sparse
    /// kernels (0: never). Called before each step and evaluation.
    fn prepare_sparse(&mut self, threshold: f64);
    /// State carried across steps (the LM's hidden state), for exact resume.
    fn carried_state(&self) -> Vec<f32> {
        Vec::new()
    }
    fn set_carried_state(&mut self, _state: Vec<f32>) {}
}
