//! `[prune.dynamic]`: the options of `prune.kind = "dynamic"` (sparse from step 0, drop and
//! regrow every `update_every` steps), checked once by [`DynamicConfig::validate`].
//!
//! ```
//! use geosparse_prune::dynamic::config::{DynamicConfig, Init};
//! use geosparse_prune::dynamic::Regrow;
//! let c = DynamicConfig { regrow: Regrow::Geometric, init: Init::Geometric, ..Default::default() };
//! c.validate("prune.dynamic").unwrap();
//! let s = c.schedule(10_000).unwrap();               // updates end at 75 % of 10 000 steps
//! assert_eq!((s.update_every, s.end), (100, 7_500));
//! assert!(DynamicConfig { alpha: 1.5, ..c }.validate("prune.dynamic").unwrap_err().contains("alpha"));
//! ```

use super::erk::Densities;
use super::{DynamicSchedule, Regrow};
use serde::{Deserialize, Serialize};

/// How the first mask is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// Uniformly, exactly round(density · len) entries per tensor.
    #[default]
    Random,
    /// ∝ the geometry's prior g(R) for the recurrent matrices (uniform for the others).
    Geometric,
}

/// Dynamic sparse training's options; every field has a default (RigL's α 0.3, ΔT 100, end at
/// 75 % of training).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DynamicConfig {
    /// ΔT: optimizer steps between mask updates.
    pub update_every: u64,
    /// α: the fraction of each tensor's kept weights traded at the first update, cosine-decayed.
    pub alpha: f64,
    /// The last update comes before this fraction of the training phase's steps (0, 1].
    pub end: f64,
    /// How new connections are chosen: random, gradient (RigL), geometric, gradient-geometric.
    pub regrow: Regrow,
    /// How the first mask is drawn: random or geometric.
    pub init: Init,
    /// The prior's temperature as a fraction of R's mean: g(R) = exp(−R / (tau · mean R)).
    pub tau: f64,
    /// How the target density is shared among the pruned tensors: `uniform` (each at the
    /// target) or `erk` (Erdős–Rényi-Kernel, see [`super::erk`]).
    pub densities: Densities,
}

impl Default for DynamicConfig {
    fn default() -> Self {
        DynamicConfig { update_every: 100, alpha: 0.3, end: 0.75, regrow: Regrow::Random, init: Init::Random, tau: 0.1, densities: Densities::Uniform }
    }
}

impl DynamicConfig {
    /// Checks every range (messages name `prefix.field`).
    pub fn validate(&self, prefix: &str) -> Result<(), String> {
        if self.update_every == 0 {
            return Err(format!("{prefix}.update_every: 0 is not allowed; give at least 1 step"));
        }
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(format!("{prefix}.alpha: {} is not allowed; give a fraction from 0 to 1", self.alpha));
        }
        if !(self.end > 0.0 && self.end <= 1.0) {
            return Err(format!("{prefix}.end: {} is not allowed; give a fraction of training in (0, 1]", self.end));
        }
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return Err(format!("{prefix}.tau: {} is not allowed; give a positive fraction of R's mean", self.tau));
        }
        Ok(())
    }

    /// Whether any choice reads the geometry.
    pub fn uses_geometry(&self) -> bool {
        self.init == Init::Geometric || matches!(self.regrow, Regrow::Geometric | Regrow::GradientGeometric)
    }

    /// Whether updates need the dense gradient (RigL).
    pub fn uses_gradient(&self) -> bool {
        matches!(self.regrow, Regrow::Gradient | Regrow::GradientGeometric)
    }

    /// The update schedule over a phase of `total_steps` steps.
    pub fn schedule(&self, total_steps: u64) -> Result<DynamicSchedule, String> {
        DynamicSchedule::new(self.update_every, self.alpha, (self.end * total_steps as f64).round() as u64)
    }
}
