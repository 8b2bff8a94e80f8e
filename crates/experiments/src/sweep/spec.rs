//! A sweep file: a base config, named variants (bundles of overrides), and axes (lists of
//! values for any config key); the grid is variants × the Cartesian product of the axes.
//! Each grid point is a complete run config, named by a stable hash of it.
//!
//! ```toml
//! base = "../configs/navigation-small.toml"   # relative to the sweep file
//! name = "navigation-small"
//!
//! [axes]
//! seed = [0, 1, 2, 3, 4]
//! "prune.target" = [0.9]
//!
//! [[variants]]
//! label = "torus DoG"
//! set = { "penalty.regularizer.space" = "torus" }
//!
//! [[variants]]
//! label = "no penalty"
//! set = { "penalty.lambda" = 0.0 }
//! ```
//!
//! ```
//! use geosparse_experiments::sweep::spec::SweepSpec;
//! let s = SweepSpec::parse(
//!     "name = \"t\"\n[axes]\nseed = [1, 2]\n[[variants]]\nlabel = \"a\"\nset = { \"prune.target\" = 0.5 }",
//!     "seed = 0\n[task]\nkind = \"navigation\"\nhidden = 8\nplace_cells = 8",
//! ).unwrap();
//! let grid = s.expand().unwrap();
//! assert_eq!(grid.len(), 2);
//! assert_eq!(grid[1].config.seed, 2);
//! ```

use crate::config::{ConfigError, RunConfig, set_key};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One named bundle of overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub label: String,
    #[serde(default)]
    pub set: toml::Table,
}

/// The file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// The base run config, relative to the sweep file.
    pub base: Option<PathBuf>,
    #[serde(default)]
    pub name: String,
    /// Config key → values.
    #[serde(default)]
    pub axes: toml::Table,
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// A parsed sweep: the base config text and the file.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    pub file: SweepFile,
    pub base_text: String,
}

/// One run of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridPoint {
    pub index: usize,
    /// Stable hash of the resolved config (the run folder's name).
    pub id: String,
    /// Variant label plus the axis values, e.g. "torus DoG, seed=3".
    pub label: String,
    pub variant: String,
    /// Axis key → value (as TOML text).
    pub axes: BTreeMap<String, String>,
    pub config: RunConfig,
}

fn err(m: String) -> ConfigError {
    ConfigError(m)
}

/// FNV-1a 64: a hash that is the same on every machine and Rust version.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The id of a config: its canonical JSON without the run name and thread count (which do not
/// change the numbers' meaning) and without every value equal to the built-in default's at the
/// same place, hashed. Dropping the defaults keeps ids (and so a sweep's finished runs) stable
/// when a later version adds a field with a default: the old configs' ids do not move.
pub fn config_id(cfg: &RunConfig) -> String {
    let mut c = cfg.clone();
    c.name = String::new();
    c.threads = 0;
    let mut v = serde_json::to_value(&c).expect("configs serialise");
    let default = serde_json::to_value(RunConfig::default()).expect("configs serialise");
    // the optional sections at their defaults: inside them, default values are left out too
    let mut optional = RunConfig::default();
    optional.penalty.swaps = Some(Default::default());
    optional.penalty.trainable = Some(Default::default());
    optional.prune.dynamic = Some(Default::default());
    let optional = serde_json::to_value(optional).expect("configs serialise");
    strip_defaults_with(&mut v, &default, &optional);
    format!("{:016x}", fnv1a(v.to_string().as_bytes()))
}

/// Removes from `v` every key whose value equals `default`'s at the same path (recursing into
/// objects present in both). Injective for values of one shape: the removed keys are the
/// default's.
pub fn strip_defaults(v: &mut serde_json::Value, default: &serde_json::Value) {
    strip_defaults_with(v, default, &serde_json::Value::Null);
}

/// [`strip_defaults`], and inside a key the default lacks (an optional section that is
/// present) the values equal to `optional`'s at the same path are left out as well — the key
/// itself stays, so a section given at its defaults still differs from no section.
pub fn strip_defaults_with(v: &mut serde_json::Value, default: &serde_json::Value, optional: &serde_json::Value) {
    let Some(obj) = v.as_object_mut() else { return };
    let def = default.as_object();
    obj.retain(|k, x| def.and_then(|d| d.get(k)) != Some(x));
    for (k, x) in obj.iter_mut() {
        match (def.and_then(|d| d.get(k)), optional.get(k)) {
            (Some(d), o) => strip_defaults_with(x, d, o.unwrap_or(&serde_json::Value::Null)),
            (None, Some(o)) => strip_defaults_with(x, o, &serde_json::Value::Null),
            (None, None) => {}
        }
    }
}

impl SweepSpec {
    /// Reads a sweep file and its base config.
    pub fn from_file(path: &Path) -> Result<SweepSpec, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("--config {}: {e}", path.display())))?;
        let file: SweepFile = toml::from_str(&text).map_err(|e| err(format!("{}: {}", path.display(), e.to_string().trim_end())))?;
        let base = file.base.clone().ok_or_else(|| err(format!("{}: base: no base config given (base = \"configs/x.toml\")", path.display())))?;
        let base_path = path.parent().unwrap_or(Path::new(".")).join(&base);
        let base_text = std::fs::read_to_string(&base_path).map_err(|e| err(format!("{}: base: {}: {e}", path.display(), base_path.display())))?;
        let mut s = SweepSpec { file, base_text };
        if s.file.name.is_empty() {
            s.file.name = path.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
        }
        Ok(s)
    }

    /// Parses sweep text against a base config text (tests and tools).
    pub fn parse(sweep: &str, base: &str) -> Result<SweepSpec, ConfigError> {
        let file: SweepFile = toml::from_str(sweep).map_err(|e| err(format!("sweep: {}", e.to_string().trim_end())))?;
        Ok(SweepSpec { file, base_text: base.to_string() })
    }

    /// Checks the axes and variants; every grid point's config is validated.
    pub fn expand(&self) -> Result<Vec<GridPoint>, ConfigError> {
        let mut axes: Vec<(String, Vec<toml::Value>)> = Vec::new();
        for (k, v) in &self.file.axes {
            let vals = v.as_array().ok_or_else(|| err(format!("axes.\"{k}\": expected a list of values, got {v}")))?.clone();
            if vals.is_empty() {
                return Err(err(format!("axes.\"{k}\": the axis is empty; give at least one value")));
            }
            let texts: Vec<String> = vals.iter().map(|x| x.to_string()).collect();
            for (i, t) in texts.iter().enumerate() {
                if texts[..i].contains(t) {
                    return Err(err(format!("axes.\"{k}\": {t} appears twice (e.g. a duplicate seed); each value once")));
                }
            }
            axes.push((k.clone(), vals));
        }
        let variants = if self.file.variants.is_empty() { vec![Variant { label: String::new(), set: toml::Table::new() }] } else { self.file.variants.clone() };
        for (i, v) in variants.iter().enumerate() {
            if variants[..i].iter().any(|w| w.label == v.label) {
                return Err(err(format!("variants: the label '{}' appears twice", v.label)));
            }
            for k in v.set.keys() {
                if axes.iter().any(|(a, _)| a == k) {
                    return Err(err(format!("variants '{}': '{k}' is also an axis; set it in one place", v.label)));
                }
            }
        }
        let base: toml::Table = toml::from_str(&self.base_text).map_err(|e| err(format!("base config: {}", e.to_string().trim_end())))?;
        // the Cartesian product, last axis fastest
        let mut combos: Vec<Vec<usize>> = vec![vec![]];
        for (_, vals) in &axes {
            combos = combos.into_iter().flat_map(|c| (0..vals.len()).map(move |i| [c.clone(), vec![i]].concat())).collect();
        }
        let mut grid = Vec::new();
        for v in &variants {
            for combo in &combos {
                let mut doc = base.clone();
                let mut sets = Vec::new();
                for (k, val) in &v.set {
                    sets.push((k.clone(), val.clone()));
                }
                let mut axis_vals = BTreeMap::new();
                for ((k, vals), &i) in axes.iter().zip(combo) {
                    sets.push((k.clone(), vals[i].clone()));
                    axis_vals.insert(k.clone(), vals[i].to_string());
                }
                for (k, val) in &sets {
                    set_key(&mut doc, k, &val.to_string()).map_err(|e| err(format!("sweep key '{k}': {e}")))?;
                }
                let text = toml::to_string(&doc).map_err(|e| err(format!("sweep: {e}")))?;
                let where_ = if v.label.is_empty() { String::new() } else { format!("variant '{}': ", v.label) };
                let mut cfg = RunConfig::from_toml_str(&text, &[]).map_err(|e| err(format!("{where_}{e} (check the sweep's keys: {})", sets.iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(", "))))?;
                let label = std::iter::once(v.label.clone())
                    .filter(|l| !l.is_empty())
                    .chain(axis_vals.iter().map(|(k, x)| format!("{k}={x}")))
                    .collect::<Vec<_>>()
                    .join(", ");
                cfg.name = label.clone();
                let id = config_id(&cfg);
                grid.push(GridPoint { index: grid.len(), id, label, variant: v.label.clone(), axes: axis_vals, config: cfg });
            }
        }
        for (i, g) in grid.iter().enumerate() {
            if let Some(other) = grid[..i].iter().find(|o| o.id == g.id) {
                return Err(err(format!("runs {} ('{}') and {} ('{}') have the same config; remove the duplicate", other.index, other.label, g.index, g.label)));
            }
        }
        Ok(grid)
    }
}
