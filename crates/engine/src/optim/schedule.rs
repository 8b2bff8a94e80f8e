//! The language models' learning-rate schedules, both per epoch:
//! - [`PlateauDecay`]: divide the learning rate by `factor` after an epoch whose validation loss
//!   is not the best so far (PyTorch's word-language-model example uses 4);
//! - [`EpochDecay`]: keep the base rate for `after` epochs, then multiply it by `factor` each
//!   epoch (Zaremba et al. 2014: lr 1 halved each epoch after the 4th for the small PTB model,
//!   ÷ 1.2 after the 6th for the medium one).
//!
//! ```
//! use geosparse_engine::optim::{EpochDecay, PlateauDecay};
//! let mut s = PlateauDecay::new(4.0);
//! assert_eq!(s.observe(5.0, 20.0), 20.0);   // best so far: keep
//! assert_eq!(s.observe(5.5, 20.0), 5.0);    // worse: divide by 4
//! let z = EpochDecay { after: 4, factor: 0.5 };
//! let lrs: Vec<f32> = (0..7).map(|e| z.lr(1.0, e)).collect();
//! assert_eq!(lrs, [1.0, 1.0, 1.0, 1.0, 0.5, 0.25, 0.125]);
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlateauDecay {
    pub factor: f32,
    pub best: Option<f64>,
}

impl PlateauDecay {
    pub fn new(factor: f32) -> Self {
        PlateauDecay { factor, best: None }
    }

    /// Records a validation loss; returns the learning rate to use next.
    pub fn observe(&mut self, val_loss: f64, lr: f32) -> f32 {
        match self.best {
            Some(b) if val_loss >= b => lr / self.factor,
            _ => {
                self.best = Some(val_loss);
                lr
            }
        }
    }
}

/// The base rate for the first `after` epochs, then × `factor` per epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochDecay {
    pub after: usize,
    pub factor: f32,
}

impl EpochDecay {
    /// The learning rate of (0-based) `epoch`: base · factor^max(0, epoch + 1 − after), computed
    /// in f64 from the base so that it is the same on every resume.
    pub fn lr(&self, base: f32, epoch: usize) -> f32 {
        let k = (epoch + 1).saturating_sub(self.after);
        (base as f64 * (self.factor as f64).powi(k as i32)) as f32
    }
}
