//! The language model's schedule: divide the learning rate by `factor` after an epoch whose
//! validation loss is not the best so far (the word-language-model example uses 4).
//!
//! ```
//! use geosparse_engine::optim::PlateauDecay;
//! let mut s = PlateauDecay::new(4.0);
//! assert_eq!(s.observe(5.0, 20.0), 20.0);   // best so far: keep
//! assert_eq!(s.observe(5.5, 20.0), 5.0);    // worse: divide by 4
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
