//! Where a run is, saved in its checkpoint so a killed run resumes exactly.
//!
//! ```
//! use geosparse_experiments::run::state::{Phase, RunState};
//! let s = RunState::start(Phase::Train, 1e-3);
//! let back: RunState = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
//! assert_eq!(back, s);
//! ```

use serde::{Deserialize, Serialize};

/// Training phases of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Training with the penalty and the pruning schedule.
    Train,
    /// The control's retraining with a fixed mask.
    Control,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Train => "train",
            Phase::Control => "control",
        }
    }
}

/// The position of the loop and everything not stored in the tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub phase: Phase,
    /// Next epoch to run (within the phase).
    pub epoch: usize,
    /// Next step within that epoch.
    pub step_in_epoch: u64,
    pub lr: f32,
    /// Best validation loss so far (the plateau schedule).
    pub best_val_loss: Option<f64>,
    /// Sum and count of the current epoch's training losses so far.
    pub loss_sum: f64,
    pub penalty_sum: f64,
    pub loss_count: u64,
    /// Wall time spent before this (re)start.
    pub wall_s: f64,
    /// The task's carried state (the LM's hidden state).
    pub carried: Vec<f32>,
    /// Weights regrown by dynamic sparsity in the current epoch so far.
    #[serde(default)]
    pub regrown: u64,
    /// Neuron swaps: which original point each neuron holds, per recurrent parameter.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub orders: super::swaps::Orders,
    /// Neuron swaps in the current epoch so far.
    #[serde(default)]
    pub swap_log: super::swaps::SwapLog,
    /// Trainable embeddings: the points and their Adam state, per recurrent parameter.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub points: super::trainable::Points,
}

impl RunState {
    pub fn start(phase: Phase, lr: f32) -> Self {
        RunState {
            phase,
            epoch: 0,
            step_in_epoch: 0,
            lr,
            best_val_loss: None,
            loss_sum: 0.0,
            penalty_sum: 0.0,
            loss_count: 0,
            wall_s: 0.0,
            carried: Vec::new(),
            regrown: 0,
            orders: Default::default(),
            swap_log: Default::default(),
            points: Default::default(),
        }
    }
}
