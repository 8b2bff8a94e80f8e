//! When to prune, and to what fraction.
//!
//! * `linear` (the paper's navigation, SPEC §2.1): at the start of epoch e ≥ 1 of E, prune to
//!   a(e) = T·e/(E − 1); epoch 0 is dense and the mask is fixed within an epoch.
//! * `linear-lm` (the language-model code, and April 2024 navigation): a(e) = T·(e + 1)/E for
//!   e ≥ 1 (epoch 0 dense; the ramp starts at 2T/E).
//! * `cubic` (Zhu & Gupta 2017): every `frequency` steps from `begin_step` to `end_step`,
//!   s_t = T + (s_0 − T)·(1 − (t − t_0)/(end − t_0))³.
//! * `dynamic` (issue 17): the mask is drawn at the target density before step 0 and traded
//!   on `[prune.dynamic]`'s schedule (see [`crate::dynamic`]); [`Schedule::at`] never prunes.
//! * `hold_epochs` more epochs with the final mask fixed (the adding problem's stabilizer
//!   epochs), then an optional extra phase of `extra_epochs` toward `extra_target`:
//!   a = T + (T_x − T)·(e′ + 1)/E_x (the May 2024 form, default), or the April 2024 code's
//!   a = T_x·(E + e′)/(E + E_x) under `april_compat` (never reaches T_x; SPEC B4).
//!
//! ```
//! use geosparse_prune::schedule::{Schedule, Kind};
//! let s = Schedule { kind: Kind::Linear, target: 0.9, ..Default::default() };
//! assert_eq!(s.at(0, 0, 0, 30), None);                // epoch 0: dense
//! assert_eq!(s.at(29, 0, 29_000, 30), Some(0.9));     // last epoch: the target
//! assert_eq!(s.at(5, 1, 5_001, 30), None);            // only at an epoch's first step
//! ```

use crate::dynamic::config::DynamicConfig;
use crate::magnitude::Scope;
use serde::{Deserialize, Serialize};

/// Schedule shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// No pruning (the dense baseline).
    None,
    /// The paper's per-epoch ramp.
    #[default]
    Linear,
    /// T·(e + 1)/E from epoch 1 (the LM code).
    #[serde(rename = "linear-lm")]
    LinearLm,
    /// Zhu & Gupta's gradual schedule.
    Cubic,
    /// Sparse from step 0 at the target, drop and regrow on `[prune.dynamic]`'s schedule.
    Dynamic,
}

/// A pruning schedule; every field has a default and is checked by [`Schedule::validate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Schedule {
    pub kind: Kind,
    /// Final fraction of pruned weights (over the pruned set).
    pub target: f64,
    /// cubic: initial fraction s₀.
    pub initial: f64,
    /// cubic: first pruning step.
    pub begin_step: u64,
    /// cubic: last pruning step (0: the end of the main epochs).
    pub end_step: u64,
    /// cubic: steps between pruning events.
    pub frequency: u64,
    /// Epochs after the ramp with the final mask held fixed.
    pub hold_epochs: usize,
    /// Epochs of the extra phase (0: none).
    pub extra_epochs: usize,
    /// Target of the extra phase.
    pub extra_target: f64,
    /// The April 2024 code's extra phase (SPEC B4).
    pub april_compat: bool,
    /// One global threshold (the paper) or one per tensor.
    pub scope: Scope,
    /// Parameter names to prune (empty: every weight matrix and embedding; never biases).
    pub tensors: Vec<String>,
    /// kind = "dynamic": its options (defaults when absent; left out of configs without it,
    /// so their sweep ids stay what they were).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic: Option<DynamicConfig>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            kind: Kind::Linear,
            target: 0.9,
            initial: 0.0,
            begin_step: 0,
            end_step: 0,
            frequency: 100,
            hold_epochs: 0,
            extra_epochs: 0,
            extra_target: 0.98,
            april_compat: false,
            scope: Scope::Global,
            tensors: Vec::new(),
            dynamic: None,
        }
    }
}

impl Schedule {
    /// Checks ranges (messages name the field, prefixed by `prefix`).
    pub fn validate(&self, prefix: &str) -> Result<(), String> {
        let frac = |f: &str, v: f64| {
            if (0.0..1.0).contains(&v) { Ok(()) } else { Err(format!("{prefix}.{f}: {v} is not allowed; a fraction in [0, 1) is needed")) }
        };
        frac("target", self.target)?;
        frac("initial", self.initial)?;
        if self.extra_epochs > 0 {
            frac("extra_target", self.extra_target)?;
            if self.extra_target < self.target {
                return Err(format!("{prefix}.extra_target: {} is below target {}; the extra phase prunes further", self.extra_target, self.target));
            }
            if self.kind == Kind::None {
                return Err(format!("{prefix}.extra_epochs: an extra phase needs a pruning schedule (kind is \"none\")"));
            }
        }
        if self.kind == Kind::Dynamic {
            if self.target == 0.0 {
                return Err(format!("{prefix}.target: 0 is not allowed with kind \"dynamic\" (density 1: nothing to drop or regrow); give a fraction in (0, 1)"));
            }
            if self.extra_epochs > 0 {
                return Err(format!("{prefix}.extra_epochs: the extra phase prunes by magnitude; with kind \"dynamic\" give the final target instead"));
            }
            self.dynamic.unwrap_or_default().validate(&format!("{prefix}.dynamic"))?;
        } else if self.dynamic.is_some() {
            return Err(format!("{prefix}.dynamic: given, but {prefix}.kind is {:?}; set kind = \"dynamic\" or drop [{prefix}.dynamic]", self.kind));
        }
        if self.kind == Kind::Cubic {
            if self.frequency == 0 {
                return Err(format!("{prefix}.frequency: 0 is not allowed; prune every >= 1 steps"));
            }
            if self.initial > self.target {
                return Err(format!("{prefix}.initial: {} is above target {}", self.initial, self.target));
            }
            if self.end_step != 0 && self.end_step <= self.begin_step {
                return Err(format!("{prefix}.end_step: {} must come after begin_step {}", self.end_step, self.begin_step));
            }
        }
        Ok(())
    }

    /// The dynamic options (defaults filled) when kind is "dynamic".
    pub fn dynamic_config(&self) -> Option<DynamicConfig> {
        (self.kind == Kind::Dynamic).then(|| self.dynamic.unwrap_or_default())
    }

    /// Whether the run prunes at all.
    pub fn prunes(&self) -> bool {
        self.kind != Kind::None
    }

    /// Total epochs: the ramp's E, the held epochs and the extra phase.
    pub fn total_epochs(&self, main_epochs: usize) -> usize {
        main_epochs + self.hold_epochs + if self.prunes() { self.extra_epochs } else { 0 }
    }

    /// The fraction to prune to *before* the given step, or `None` to keep the masks.
    /// `epoch` counts from 0 over main and extra epochs, `step_in_epoch` from 0, `global_step`
    /// from 0 over the whole run, `main_epochs` = E.
    pub fn at(&self, epoch: usize, step_in_epoch: u64, global_step: u64, main_epochs: usize) -> Option<f64> {
        let e = epoch;
        if e >= main_epochs {
            // held epochs, then the extra phase: re-prune at each of its epochs' first step
            if step_in_epoch != 0 || !self.prunes() || e < main_epochs + self.hold_epochs {
                return None;
            }
            let x = (e - main_epochs - self.hold_epochs) as f64;
            let ex = self.extra_epochs as f64;
            return Some(if self.april_compat {
                self.extra_target * (main_epochs as f64 + x) / (main_epochs as f64 + ex)
            } else {
                self.target + (self.extra_target - self.target) * (x + 1.0) / ex
            });
        }
        match self.kind {
            Kind::None | Kind::Dynamic => None,
            Kind::Linear => {
                if step_in_epoch != 0 || e == 0 || main_epochs < 2 {
                    return None;
                }
                Some(self.target * e as f64 / (main_epochs - 1) as f64)
            }
            Kind::LinearLm => {
                if step_in_epoch != 0 || e == 0 {
                    return None;
                }
                Some(self.target * (e + 1) as f64 / main_epochs as f64)
            }
            Kind::Cubic => {
                let t = global_step;
                let end = self.end_step;
                if t < self.begin_step || t > end || !(t - self.begin_step).is_multiple_of(self.frequency) {
                    return None;
                }
                let span = (end - self.begin_step) as f64;
                let r = if span == 0.0 { 1.0 } else { (t - self.begin_step) as f64 / span };
                Some(self.target + (self.initial - self.target) * (1.0 - r).powi(3))
            }
        }
    }

    /// Fills `end_step` of a cubic schedule (0 = the end of the main epochs).
    pub fn resolved(&self, main_epochs: usize, steps_per_epoch: u64) -> Schedule {
        let mut s = self.clone();
        if s.kind == Kind::Cubic && s.end_step == 0 {
            s.end_step = (main_epochs as u64 * steps_per_epoch).saturating_sub(1).max(s.begin_step + 1);
        }
        s
    }
}
