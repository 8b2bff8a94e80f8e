//! `[penalty]`: the moduli penalty on the recurrent matrices, and the two ways its geometry can
//! follow the weights — neuron swaps (`[penalty.swaps]`) and trainable points
//! (`[penalty.trainable]`) — with their checks.
//!
//! ```
//! use geosparse_experiments::config::RunConfig;
//! let cfg = RunConfig::from_toml_str("[task]\nkind = \"navigation\"\nhidden = 16\n[penalty]\nlambda = 0.0\n[penalty.swaps]\ncount = 4", &[]);
//! assert!(cfg.unwrap_err().to_string().contains("penalty.swaps"));   // nothing to swap for at λ = 0
//! ```

use super::ConfigError;
use geosparse_engine::lambda_schedule::LambdaSchedule;
use geosparse_moduli::penalty::Power;
use geosparse_moduli::spec::RegularizerSpec;
use geosparse_tasks::config::TaskConfig;
use serde::{Deserialize, Serialize};

/// The moduli penalty λ·mean(R ⊙ |W_hh|ᵖ) on each recurrent matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PenaltyConfig {
    /// λ (0: no penalty, the "no reg." control).
    pub lambda: f32,
    pub p: Power,
    /// The geometry and inhibitor (see `geosparse regularizer --help`).
    pub regularizer: RegularizerSpec,
    /// An independent R per gate block of a GRU/LSTM (default: one R tiled over the gates).
    pub per_gate: bool,
    /// One R for all layers (default: an independent embedding per layer, as the reference).
    pub shared_layers: bool,
    /// λ of a plain L1 on every other weight matrix (the May 2024 LM; SPEC B14). 0: off.
    pub l1_other: f32,
    /// How λ changes over each phase's epochs (default constant).
    pub schedule: LambdaSchedule,
    /// BIMT neuron swaps: the geometry follows the weights (absent: the points stay put; left
    /// out of configs without it, so their sweep ids stay what they were).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swaps: Option<SwapConfig>,
    /// Trainable embeddings: the points move with the penalty's gradient (absent: frozen).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trainable: Option<TrainableConfig>,
    /// seRNN's weight-dependent cost: each weight priced by R and by the communicability of its
    /// two neurons (absent: R alone; see `geosparse_engine::communicability`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communicability: Option<CommunicabilityConfig>,
}

/// `[penalty.communicability]`: λ·mean(R ⊙ |W| ⊙ Cᶜ), C = offdiag(exp(S^-½|W|S^-½)) (Achterberg,
/// Akarca et al. 2023). seRNN's own setting: `space = "grid"`, `inhibitor = "identity"`, c = 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommunicabilityConfig {
    /// c, seRNN's `comms_factor` (1).
    pub factor: f64,
}

impl Default for CommunicabilityConfig {
    fn default() -> Self {
        CommunicabilityConfig { factor: 1.0 }
    }
}

/// `[penalty.trainable]`: the neurons' points become parameters (issue 14; SPEC §1.6): each step
/// the penalty's gradient over the points (`geosparse_moduli::trainable`) takes an Adam step,
/// the points are put back on the space (`canonicalize`) and R is rebuilt from them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainableConfig {
    /// Adam step size of the points (0: the optimizer's learning rate — the reference trained
    /// them in the net's own optimizer).
    pub lr: f64,
    /// × this per epoch on that step size (the November 2024 adding code: 0.99).
    pub decay: f64,
    /// The points stay put before this fraction of the training phase, [0, 1).
    pub start: f64,
    /// Freeze the points in the held epochs (the adding code's stabilizer epochs).
    pub freeze_hold: bool,
    /// Price relative to the mean: R · mean R₀ / mean R, so that gathering every pair into the
    /// cheap band no longer lowers the penalty (the guard against the ring-scale blob).
    pub relative: bool,
}

impl Default for TrainableConfig {
    fn default() -> Self {
        TrainableConfig { lr: 0.0, decay: 1.0, start: 0.0, freeze_hold: true, relative: false }
    }
}

/// `[penalty.swaps]`: every `every` steps the `count` neurons of highest wiring cost
/// Σ_j R_ij |W_ij| + R_ji |W_ji| each take the point (another neuron's) that lowers the total
/// cost most, swapping the two (Liu, Gan & Tegmark 2023; exact and deterministic, see
/// `geosparse_moduli::swap`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SwapConfig {
    /// Optimizer steps between swap rounds.
    pub every: u64,
    /// Neurons that may move per round (the costliest first), 1 to N.
    pub count: usize,
    /// No round at or after this fraction of the training phase's steps, (0, 1].
    pub end: f64,
}

impl Default for SwapConfig {
    fn default() -> Self {
        SwapConfig { every: 200, count: 16, end: 1.0 }
    }
}

impl Default for PenaltyConfig {
    fn default() -> Self {
        let mut regularizer = RegularizerSpec::new(geosparse_moduli::SpaceName::Torus, geosparse_moduli::InhibitorName::Dog);
        regularizer.invert = true;
        PenaltyConfig { lambda: 0.1, p: Power::One, regularizer, per_gate: false, shared_layers: false, l1_other: 0.0, schedule: LambdaSchedule::default(), swaps: None, trainable: None, communicability: None }
    }
}

impl PenaltyConfig {
    /// Checks `[penalty]` against the task (the messages name the field).
    pub fn validate(&self, task: &TaskConfig) -> Result<(), ConfigError> {
        let e = |m: String| Err(ConfigError(m));
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return e(format!("penalty.lambda: {} is not allowed; must be a finite number >= 0 (0: no penalty)", self.lambda));
        }
        self.schedule.validate("penalty.schedule").map_err(ConfigError)?;
        if !(self.l1_other.is_finite() && self.l1_other >= 0.0) {
            return e(format!("penalty.l1_other: {} is not allowed; must be >= 0", self.l1_other));
        }
        if self.lambda > 0.0 {
            // resolve the geometry now so a bad space, inhibitor or file fails before work; a
            // points or distances file brings its own N, which must be the recurrent size
            let reg = &self.regularizer;
            let from_file = reg.points.is_some() || reg.distances.is_some();
            let n = task.hidden();
            let resolved = reg.resolve(if from_file { None } else { Some(n) }, 0).map_err(|err| ConfigError(format!("penalty.regularizer.{err}")))?;
            if from_file && resolved.spec.neurons != n {
                let field = if reg.points.is_some() { "points" } else { "distances" };
                return e(format!(
                    "penalty.regularizer.{field}: the file has {} rows, but task.hidden is {n}; it needs one row per recurrent neuron",
                    resolved.spec.neurons
                ));
            }
        }
        if let Some(sw) = &self.swaps {
            let n = task.hidden();
            if sw.every == 0 {
                return e("penalty.swaps.every: 0 is not allowed; give at least 1 step between swap rounds".into());
            }
            if sw.count == 0 || sw.count > n {
                return e(format!("penalty.swaps.count: {} is not allowed; give 1 to task.hidden = {n} neurons per round", sw.count));
            }
            if !(sw.end > 0.0 && sw.end <= 1.0) {
                return e(format!("penalty.swaps.end: {} is not allowed; give a fraction of training in (0, 1]", sw.end));
            }
            if self.lambda == 0.0 {
                return e("penalty.swaps: swaps move the penalty's points, but penalty.lambda is 0 (no penalty); set λ > 0 or drop [penalty.swaps]".into());
            }
            if self.shared_layers {
                return e("penalty.swaps: with shared_layers = true every layer prices by one R, but swaps follow each layer's own weights; drop one of the two".into());
            }
        }
        if let Some(t) = &self.trainable {
            self.validate_trainable(t)?;
        }
        if let Some(c) = &self.communicability {
            self.validate_communicability(c)?;
        }
        if self.per_gate && task.gates() == 1 {
            return e(format!(
                "penalty.per_gate: true needs a gated cell (gru or lstm) with one R per gate block; the task's cell is {}",
                task.cell_name()
            ));
        }
        Ok(())
    }

    /// `[penalty.communicability]`: its factor, and what it cannot be combined with.
    fn validate_communicability(&self, c: &CommunicabilityConfig) -> Result<(), ConfigError> {
        if !(c.factor.is_finite() && c.factor > 0.0) {
            return Err(ConfigError(format!("penalty.communicability.factor: {} is not allowed; give a finite exponent > 0 (seRNN's comms_factor, 1)", c.factor)));
        }
        let clash = [
            (self.lambda == 0.0, "penalty.lambda is 0: there is no penalty to weight"),
            (self.p != Power::One, "penalty.p = 2: seRNN prices |W|, p = 1"),
            (self.trainable.is_some(), "[penalty.trainable]: the points' gradient ignores C(W)"),
            (self.swaps.is_some(), "[penalty.swaps]: the swap cost Σ R|W| ignores C(W)"),
        ];
        match clash.iter().find(|c| c.0) {
            Some((_, why)) => Err(ConfigError(format!("penalty.communicability: not with {why}"))),
            None => Ok(()),
        }
    }

    /// `[penalty.trainable]`: ranges, what it cannot be combined with, and the collapse guard.
    fn validate_trainable(&self, t: &TrainableConfig) -> Result<(), ConfigError> {
        let e = |m: String| Err(ConfigError(m));
        if !(t.lr.is_finite() && t.lr >= 0.0) {
            return e(format!("penalty.trainable.lr: {} is not allowed; give a step size >= 0 (0: the optimizer's)", t.lr));
        }
        if !(t.decay > 0.0 && t.decay <= 1.0) {
            return e(format!("penalty.trainable.decay: {} is not allowed; give a factor per epoch in (0, 1]", t.decay));
        }
        if !(0.0..1.0).contains(&t.start) {
            return e(format!("penalty.trainable.start: {} is not allowed; give a fraction of training in [0, 1)", t.start));
        }
        let reg = &self.regularizer;
        let clash = [
            (self.lambda == 0.0, "penalty.lambda is 0: no penalty to move the points"),
            (reg.permute, "penalty.regularizer.permute = true: a shuffled R is no function of the points"),
            (reg.distances.is_some(), "penalty.regularizer.distances: a distance matrix has no points to move"),
            (reg.space == Some(geosparse_moduli::SpaceName::Grid), "space = \"grid\": a lattice's points are fixed"),
            (self.per_gate, "penalty.per_gate = true: one trainable embedding per gate is not supported"),
            (self.shared_layers, "penalty.shared_layers = true: the layers' weights would pull one embedding apart"),
            (self.swaps.is_some(), "[penalty.swaps]: give one way of moving the geometry"),
        ];
        if let Some((_, why)) = clash.iter().find(|c| c.0) {
            return e(format!("penalty.trainable: not with {why}"));
        }
        // the collapse guard: an R cheapest at d = 0 is zeroed (or made constant) by moving every
        // point onto one, a trivial solution; such inhibitors are refused
        let spec = reg.resolve(Some(16), 0).map_err(|err| ConfigError(format!("penalty.regularizer.{err}")))?.spec;
        let sigma = if spec.invert { -1.0 } else { 1.0 };
        let reach = spec.geometry.space().and_then(|s| s.diameter()).unwrap_or(20.0);
        let r0 = sigma * spec.inhibitor.eval(0.0);
        let cheapest_elsewhere = (1..=400).map(|k| sigma * spec.inhibitor.eval(reach * k as f64 / 400.0)).fold(f64::INFINITY, f64::min);
        if r0 <= cheapest_elsewhere {
            return e(format!(
                "penalty.trainable: the {}{} inhibitor prices d = 0 cheapest, so moving every point onto one would erase the penalty (collapse); use one whose R rises at d = 0, e.g. the inverted dog",
                if spec.invert { "inverted " } else { "" },
                spec.inhibitor.name()
            ));
        }
        Ok(())
    }
}
