//! How the penalty's λ changes over a phase's epochs: a multiple m(e) of the configured λ,
//! set at the start of each epoch.
//!
//! | kind | m(e) for epoch e = 0..E−1 |
//! |---|---|
//! | `constant` | 1 |
//! | `warmup` | min(1, (e + 1) / warmup_epochs) |
//! | `steps` | factor^k, k = the milestones m (fractions of E) with e ≥ m·E (BIMT: ×10 steps) |
//! | `cosine` | end + (1 − end)·(1 + cos(π·e / (E − 1)))/2: from 1 at the first epoch to `end` at the last |
//!
//! ```
//! use geosparse_engine::lambda_schedule::{LambdaSchedule, LambdaKind};
//! let w = LambdaSchedule { kind: LambdaKind::Warmup, warmup_epochs: 4, ..Default::default() };
//! assert_eq!((0..6).map(|e| w.factor(e, 6)).collect::<Vec<_>>(), [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
//! let s = LambdaSchedule { kind: LambdaKind::Steps, milestones: vec![0.5], factor: 10.0, ..Default::default() };
//! assert_eq!((0..4).map(|e| s.factor(e, 4)).collect::<Vec<_>>(), [1.0, 1.0, 10.0, 10.0]);
//! ```

use serde::{Deserialize, Serialize};

/// Schedule shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LambdaKind {
    #[default]
    Constant,
    /// Linear warm-up over `warmup_epochs`.
    Warmup,
    /// × `factor` at each milestone.
    Steps,
    /// Cosine from λ to `end`·λ.
    Cosine,
}

/// `[penalty.schedule]`; each field is used by one kind (see the module table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LambdaSchedule {
    pub kind: LambdaKind,
    /// warmup: epochs to reach the full λ.
    pub warmup_epochs: usize,
    /// steps: fractions of the phase's epochs, increasing, in (0, 1).
    pub milestones: Vec<f64>,
    /// steps: multiplier at each milestone.
    pub factor: f64,
    /// cosine: the last epoch's multiple of λ.
    pub end: f64,
}

impl Default for LambdaSchedule {
    fn default() -> Self {
        LambdaSchedule { kind: LambdaKind::Constant, warmup_epochs: 1, milestones: Vec::new(), factor: 10.0, end: 0.0 }
    }
}

impl LambdaSchedule {
    /// m(e) for epoch `epoch` of a phase of `epochs` epochs.
    pub fn factor(&self, epoch: usize, epochs: usize) -> f64 {
        match self.kind {
            LambdaKind::Constant => 1.0,
            LambdaKind::Warmup => ((epoch + 1) as f64 / self.warmup_epochs.max(1) as f64).min(1.0),
            LambdaKind::Steps => {
                let passed = self.milestones.iter().filter(|&&m| epoch as f64 >= m * epochs as f64).count();
                self.factor.powi(passed as i32)
            }
            LambdaKind::Cosine if epochs <= 1 => 1.0,
            LambdaKind::Cosine => {
                let t = epoch.min(epochs - 1) as f64 / (epochs - 1) as f64;
                self.end + (1.0 - self.end) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
        }
    }

    /// Whether λ ever changes.
    pub fn is_constant(&self) -> bool {
        self.kind == LambdaKind::Constant
    }

    /// Checks the fields the kind uses; messages name them under `prefix`.
    pub fn validate(&self, prefix: &str) -> Result<(), String> {
        match self.kind {
            LambdaKind::Constant => Ok(()),
            LambdaKind::Warmup if self.warmup_epochs == 0 => Err(format!("{prefix}.warmup_epochs: 0 is not allowed; warm up over at least 1 epoch")),
            LambdaKind::Warmup => Ok(()),
            LambdaKind::Steps => {
                if self.milestones.is_empty() {
                    return Err(format!("{prefix}.milestones: none given; list fractions of the epochs in (0, 1), e.g. [0.5, 0.75]"));
                }
                if let Some(m) = self.milestones.iter().find(|m| !(m.is_finite() && **m > 0.0 && **m < 1.0)) {
                    return Err(format!("{prefix}.milestones: {m} is not allowed; fractions of the epochs in (0, 1)"));
                }
                if self.milestones.windows(2).any(|w| w[1] <= w[0]) {
                    return Err(format!("{prefix}.milestones: {:?} must increase", self.milestones));
                }
                if !(self.factor.is_finite() && self.factor > 0.0) {
                    return Err(format!("{prefix}.factor: {} is not allowed; a multiplier > 0", self.factor));
                }
                Ok(())
            }
            LambdaKind::Cosine if !(self.end.is_finite() && self.end >= 0.0) => Err(format!("{prefix}.end: {} is not allowed; a multiple of λ >= 0", self.end)),
            LambdaKind::Cosine => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_gives_its_exact_factors() {
        assert!((0..5).all(|e| LambdaSchedule::default().factor(e, 5) == 1.0));
        let s = LambdaSchedule { kind: LambdaKind::Steps, milestones: vec![0.5, 0.75], factor: 10.0, ..Default::default() };
        assert_eq!((0..8).map(|e| s.factor(e, 8)).collect::<Vec<_>>(), [1.0, 1.0, 1.0, 1.0, 10.0, 10.0, 100.0, 100.0]);
        let c = LambdaSchedule { kind: LambdaKind::Cosine, end: 0.2, ..Default::default() };
        let f: Vec<f64> = (0..5).map(|e| c.factor(e, 5)).collect();
        assert_eq!(f[0], 1.0);
        assert!((f[2] - 0.6).abs() < 1e-12, "{f:?}");
        assert!((f[4] - 0.2).abs() < 1e-12, "{f:?}");
        assert!(f.windows(2).all(|w| w[1] < w[0]));
        assert_eq!(c.factor(0, 1), 1.0);
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = [
            (LambdaSchedule { kind: LambdaKind::Warmup, warmup_epochs: 0, ..Default::default() }, "warmup_epochs"),
            (LambdaSchedule { kind: LambdaKind::Steps, ..Default::default() }, "milestones: none"),
            (LambdaSchedule { kind: LambdaKind::Steps, milestones: vec![0.5, 1.5], ..Default::default() }, "milestones: 1.5"),
            (LambdaSchedule { kind: LambdaKind::Steps, milestones: vec![0.7, 0.5], ..Default::default() }, "must increase"),
            (LambdaSchedule { kind: LambdaKind::Steps, milestones: vec![0.5], factor: -1.0, ..Default::default() }, "factor: -1"),
            (LambdaSchedule { kind: LambdaKind::Cosine, end: -0.1, ..Default::default() }, "end: -0.1"),
        ];
        for (s, want) in bad {
            let e = s.validate("penalty.schedule").unwrap_err();
            assert!(e.starts_with("penalty.schedule.") && e.contains(want), "{e}");
        }
    }
}
