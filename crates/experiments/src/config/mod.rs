//! The run configuration: one typed TOML file (unknown keys rejected, every default written
//! out next to its field), with `--set key=value` overrides, checked once before any work.
//! The resolved config is saved as `config.toml` in every run directory.
//!
//! ```
//! use geosparse_experiments::config::RunConfig;
//! let cfg = RunConfig::from_toml_str("seed = 3\n[task]\nkind = \"navigation\"\nhidden = 64\nplace_cells = 32", &["prune.target=0.8".into()]).unwrap();
//! assert_eq!(cfg.seed, 3);
//! assert_eq!(cfg.prune.target, 0.8);
//! assert!(RunConfig::from_toml_str("sede = 3", &[]).unwrap_err().to_string().contains("sede"));
//! ```

use geosparse_engine::optim::OptimizerConfig;
use geosparse_prune::schedule::Schedule;
use geosparse_tasks::config::TaskConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

mod penalty;
pub use penalty::{PenaltyConfig, SwapConfig, TrainableConfig};

/// A configuration problem, naming the field.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ConfigError {}

/// Everything a run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct RunConfig {
    /// A label for reports (default: the file name).
    pub name: String,
    /// Seed of weights, training data, dropout, embeddings and permutations.
    pub seed: u64,
    /// Worker threads (0: all cores). Results are bit-identical for a given seed and count.
    pub threads: usize,
    pub task: TaskConfig,
    pub train: TrainConfig,
    pub penalty: PenaltyConfig,
    pub prune: PruneConfig,
    pub control: ControlConfig,
}


/// The optimisation loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Main epochs E (the pruning ramp spans them; an extra phase adds more).
    pub epochs: usize,
    pub optimizer: OptimizerConfig,
    /// Clip the global gradient norm to this value (0: no clipping).
    pub clip: f32,
    /// Divide the learning rate by this after an epoch whose validation loss is not the best
    /// (0: never; the language model uses 4).
    pub plateau_divisor: f32,
    /// Multiply the learning rate by this each epoch after the first `lr_decay_after` epochs
    /// (1: no decay; Zaremba's small PTB model: 0.5 after 4).
    pub lr_decay: f32,
    /// Epochs at the base learning rate before `lr_decay` applies.
    pub lr_decay_after: usize,
    /// Also write a checkpoint every this many steps (0: at the end of each epoch only).
    pub checkpoint_every: u64,
    /// Never zero gradients between steps (the April 2024 navigation code; SPEC B10).
    pub compat_accumulate_grads: bool,
    /// Recurrent matrices keeping less than this fraction of their entries run on the sparse
    /// kernels (forward, backward and the gradient at surviving entries only); 0: never.
    pub sparse_below: f64,
    /// Start from these weights (and masks) instead of the seed's: a `geosparse import`ed
    /// PyTorch model or another run's `model.safetensors` (fine-tuning).
    pub init_from: Option<std::path::PathBuf>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            optimizer: OptimizerConfig::adamw(1e-4, 0.01),
            clip: 0.0,
            plateau_divisor: 0.0,
            lr_decay: 1.0,
            lr_decay_after: 0,
            checkpoint_every: 0,
            compat_accumulate_grads: false,
            init_from: None,
            sparse_below: 0.25,
        }
    }
}

/// Which weights are pruned, and when (`[prune]`: kind, target, scope, tensors, ...).
pub type PruneConfig = Schedule;

/// A second phase retraining with the final mask (SPEC §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ControlKind {
    #[default]
    None,
    /// Fresh random weights, the final mask, the same budget (what the reference did).
    Lottery,
    /// The run's own initial weights, the final mask (Frankle & Carbin).
    Rewind,
    /// The run's initial weights and a random mask with the same per-tensor densities.
    RandomMask,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControlConfig {
    pub kind: ControlKind,
    /// Lottery: draw a fresh embedding (new R) as the reference did; false keeps R.
    pub fresh_regularizer: bool,
}

impl Default for ControlConfig {
    fn default() -> Self {
        ControlConfig { kind: ControlKind::None, fresh_regularizer: true }
    }
}

/// Sets `key` (dotted path) in a TOML tree to `value` parsed as a TOML literal (a bare word
/// that is not valid TOML is taken as a string).
pub fn set_key(doc: &mut toml::Table, key: &str, value: &str) -> Result<(), ConfigError> {
    let parsed: toml::Value = match toml::from_str::<toml::Table>(&format!("v = {value}")) {
        Ok(mut t) => t.remove("v").expect("parsed"),
        Err(_) => toml::Value::String(value.to_string()),
    };
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(ConfigError(format!("--set {key}={value}: '{key}' is not a dotted key like prune.target")));
    }
    let mut t = doc;
    for p in &parts[..parts.len() - 1] {
        let entry = t.entry(p.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = entry.as_table_mut().ok_or_else(|| ConfigError(format!("--set {key}={value}: '{p}' is not a table")))?;
    }
    t.insert(parts[parts.len() - 1].to_string(), parsed);
    Ok(())
}

/// Refuses a float no f32 field can hold (e.g. 1e300, which would silently become inf).
fn check_float_ranges(t: &toml::Table, prefix: &str) -> Result<(), ConfigError> {
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Float(x) if x.is_finite() && x.abs() > f32::MAX as f64 => {
                return Err(ConfigError(format!("{key}: {x:e} is out of range; the largest allowed magnitude is {:e}", f32::MAX)));
            }
            toml::Value::Table(inner) => check_float_ranges(inner, &key)?,
            toml::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let toml::Value::Table(inner) = item {
                        check_float_ranges(inner, &format!("{key}[{i}]"))?;
                    } else if let toml::Value::Float(x) = item
                        && x.is_finite()
                        && x.abs() > f32::MAX as f64
                    {
                        return Err(ConfigError(format!("{key}[{i}]: {x:e} is out of range; the largest allowed magnitude is {:e}", f32::MAX)));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

impl RunConfig {
    /// Parses, applies `--set` overrides, and validates.
    pub fn from_toml_str(text: &str, sets: &[String]) -> Result<RunConfig, ConfigError> {
        let mut doc: toml::Table = toml::from_str(text).map_err(|e| ConfigError(format!("config: {e}")))?;
        for s in sets {
            let (k, v) = s.split_once('=').ok_or_else(|| ConfigError(format!("--set {s}: expected key=value")))?;
            set_key(&mut doc, k.trim(), v.trim())?;
        }
        // re-parse the (overridden) text so errors point at the line and key
        let text = toml::to_string(&doc).map_err(|e| ConfigError(format!("config: {e}")))?;
        let mut cfg: RunConfig = toml::from_str(&text).map_err(|e: toml::de::Error| ConfigError(format!("config: {}", e.to_string().trim_end())))?;
        if !doc.contains_key("task") {
            // an empty or comment-only file would otherwise start the paper-scale default task
            return Err(ConfigError(format!(
                "task: the config has no [task] table; say what to train, e.g. [task] kind = \"navigation\" (one of {})",
                TaskConfig::KINDS.join(", ")
            )));
        }
        check_float_ranges(&doc, "")?;
        cfg.validate()?;
        if let Ok(full) = cfg.penalty.regularizer.with_defaults() {
            cfg.penalty.regularizer = full;
        }
        if cfg.prune.kind == geosparse_prune::schedule::Kind::Dynamic {
            cfg.prune.dynamic = cfg.prune.dynamic_config(); // the defaults, written out
        }
        // every default explicit in the saved config: an LM's embed = 0 means the hidden size
        if let TaskConfig::Lm(c) = &mut cfg.task
            && c.embed == 0
        {
            c.embed = c.hidden;
        }
        Ok(cfg)
    }

    /// Reads a config file (a missing file is a clear error).
    pub fn from_file(path: &Path, sets: &[String]) -> Result<RunConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("--config {}: {e}", path.display())))?;
        let mut cfg = Self::from_toml_str(&text, sets).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        if cfg.name.is_empty() {
            cfg.name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        }
        Ok(cfg)
    }

    /// The resolved config as TOML (every default explicit).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a RunConfig always serialises")
    }

    /// Checks every range once; the message names the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let e = |m: String| Err(ConfigError(m));
        self.task.validate().map_err(ConfigError)?;
        if self.train.epochs == 0 {
            return e("train.epochs: 0 is not allowed; train for at least 1 epoch".into());
        }
        self.train.optimizer.validate("train.optimizer").map_err(ConfigError)?;
        if !(self.train.clip.is_finite() && self.train.clip >= 0.0) {
            return e(format!("train.clip: {} is not allowed; a norm >= 0 (0: no clipping)", self.train.clip));
        }
        if !(0.0..=1.0).contains(&self.train.sparse_below) {
            return e(format!("train.sparse_below: {} is not allowed; a kept fraction in [0, 1] (0: never sparse)", self.train.sparse_below));
        }
        if !(self.train.plateau_divisor == 0.0 || self.train.plateau_divisor > 1.0) {
            return e(format!("train.plateau_divisor: {} is not allowed; 0 (off) or a divisor > 1", self.train.plateau_divisor));
        }
        if !(self.train.lr_decay > 0.0 && self.train.lr_decay <= 1.0) {
            return e(format!("train.lr_decay: {} is not allowed; a factor in (0, 1] per epoch (1: no decay)", self.train.lr_decay));
        }
        if self.train.lr_decay == 1.0 && self.train.lr_decay_after > 0 {
            return e(format!("train.lr_decay_after: {} has no effect with lr_decay = 1; set train.lr_decay < 1 (e.g. 0.5) or drop it", self.train.lr_decay_after));
        }
        if self.train.lr_decay < 1.0 && self.train.plateau_divisor > 0.0 {
            return e("train.lr_decay and train.plateau_divisor are two learning-rate schedules; give one".into());
        }
        self.penalty.validate(&self.task)?;
        self.prune.validate("prune").map_err(ConfigError)?;
        if let Some(d) = self.prune.dynamic_config().filter(|d| d.uses_geometry()) {
            // the prior g(R) reads the penalty's geometry even at λ = 0: it must exist and vary
            let reg = &self.penalty.regularizer;
            let from_file = reg.points.is_some() || reg.distances.is_some();
            let built = reg
                .resolve(if from_file { None } else { Some(16) }, 0)
                .and_then(|x| x.build())
                .map_err(|err| ConfigError(format!("prune.dynamic needs penalty.regularizer for its geometric choices: penalty.regularizer.{err}")))?;
            let st = built.stats();
            if st.min == st.max {
                return e(format!(
                    "prune.dynamic: regrow = {:?} / init = {:?} read the geometry, but penalty.regularizer gives a constant R ({}); choose an inhibitor whose R varies (e.g. dog)",
                    d.regrow, d.init, st.min
                ));
            }
        }
        if self.control.kind != ControlKind::None && !self.prune.prunes() {
            return e(format!("control.kind: {:?} retrains with the final mask, but prune.kind is \"none\" (no mask)", self.control.kind));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LM: &str = "[task]\nkind = \"lm\"\nhidden = 12\nlayers = 1\ncell = \"lstm\"\n";

    #[test]
    fn every_default_is_written_out() {
        let c = RunConfig::from_toml_str(LM, &[]).unwrap();
        let geosparse_tasks::config::TaskConfig::Lm(lm) = &c.task else { panic!() };
        assert_eq!(lm.embed, 12, "embed = 0 means the hidden size, and the saved config says so");
        assert!(c.to_toml().contains("embed = 12"));
        let c = RunConfig::from_toml_str(LM, &["task.embed=5".into()]).unwrap();
        let geosparse_tasks::config::TaskConfig::Lm(lm) = &c.task else { panic!() };
        assert_eq!(lm.embed, 5);
    }

    #[test]
    fn per_gate_needs_a_gated_cell() {
        let e = RunConfig::from_toml_str("[task]\nkind = \"navigation\"\nhidden = 8\nplace_cells = 8\n[penalty]\nper_gate = true", &[]).unwrap_err();
        assert!(e.0.contains("penalty.per_gate") && e.0.contains("elman-relu"), "{e}");
        let e = RunConfig::from_toml_str(&format!("{LM}[penalty]\nper_gate = true"), &["task.cell=elman-tanh".into()]).unwrap_err();
        assert!(e.0.contains("elman-tanh"), "{e}");
        assert!(RunConfig::from_toml_str(&format!("{LM}[penalty]\nper_gate = true"), &[]).is_ok());
    }

    #[test]
    fn out_of_range_floats_are_named() {
        for (text, key) in [("[penalty]\nlambda = 1e300", "penalty.lambda"), ("[train]\nclip = -1e39", "train.clip"), ("[train]\noptimizer = { kind = \"sgd\", lr = 1e100 }", "train.optimizer.lr")] {
            let e = RunConfig::from_toml_str(&format!("{LM}{text}"), &[]).unwrap_err();
            assert!(e.0.contains(key) && e.0.contains("out of range"), "{e}");
        }
        assert!(RunConfig::from_toml_str(&format!("{LM}[penalty]\nlambda = 3e38"), &[]).is_ok());
    }

    #[test]
    fn memory_estimates_grow_with_the_sizes() {
        let small = RunConfig::from_toml_str(LM, &[]).unwrap();
        let big = RunConfig::from_toml_str(LM, &["task.hidden=1300".into()]).unwrap();
        let (a, b) = (crate::memory::run_estimate(&small), crate::memory::run_estimate(&big));
        assert!(a > 0.0 && b > 5.0 * a, "{a} {b}");
        // 4 gates × 1300² recurrent + 2 × 10 000 × 1300 embedding/decoder, 17 bytes each at least
        assert!(b > 17.0 * (4.0 * 1300.0 * 1300.0 + 2.0e4 * 1300.0), "{b}");
        assert!(crate::memory::check(1e30, "huge").unwrap_err().contains("needs about"));
        assert!(crate::memory::check(1.0, "tiny").is_ok());
    }
}
