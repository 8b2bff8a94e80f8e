//! `summary.json`: how a run ended and its final numbers.
//!
//! ```
//! use geosparse_experiments::run::summary::{Status, Summary};
//! let s = Summary::new("demo", "navigation", 1, "error_cm");
//! assert_eq!(s.status, Status::Running);
//! ```

use geosparse_io::atomic_write;
use geosparse_moduli::{RStats, ResolvedSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Completed,
    /// A loss, penalty or gradient became NaN or infinite.
    Diverged,
    Failed,
}

/// Final numbers of one phase.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PhaseSummary {
    pub epochs: usize,
    pub steps: u64,
    /// The training objective on the validation set: task loss + the penalty term.
    pub val_loss: f64,
    pub val: BTreeMap<String, f64>,
    /// The training objective on the test set: task loss + the penalty term.
    pub test_loss: f64,
    pub test: BTreeMap<String, f64>,
    /// The task loss alone (what `geosparse infer` prints as loss).
    #[serde(default)]
    pub val_task_loss: f64,
    #[serde(default)]
    pub test_task_loss: f64,
    /// The penalty term λ·mean(R ⊙ |W|ᵖ) (+ any l1_other) of the final weights.
    #[serde(default)]
    pub penalty: f64,
    pub sparsity: f64,
    pub sparsity_per_tensor: BTreeMap<String, f64>,
    /// Entries of each pruned tensor (absent in runs made before stop 29): with
    /// `sparsity_per_tensor`, the share of the pruned weights each tensor holds.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entries_per_tensor: BTreeMap<String, usize>,
}

/// The regularizer of one recurrent matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegularizerInfo {
    pub param: String,
    pub spec: ResolvedSpec,
    pub stats: RStats,
    /// `embedding_<param>.npy` in the run folder (absent for a distance-matrix geometry).
    pub embedding_file: Option<String>,
    /// After neuron swaps: the original point each neuron ended at (`[penalty.swaps]`; the
    /// points themselves in `embedding_<param>_final.npy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<usize>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub name: String,
    pub status: Status,
    pub message: Option<String>,
    pub task: String,
    pub seed: u64,
    pub primary_metric: String,
    pub train: Option<PhaseSummary>,
    pub control_kind: Option<String>,
    pub control: Option<PhaseSummary>,
    pub regularizers: Vec<RegularizerInfo>,
    pub threads: usize,
    pub wall_s: f64,
    pub geosparse_version: String,
    /// Things the user should know about the result (e.g. a tensor pruned away entirely).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl Summary {
    pub fn new(name: &str, task: &str, seed: u64, primary: &str) -> Self {
        Summary {
            name: name.to_string(),
            status: Status::Running,
            message: None,
            task: task.to_string(),
            seed,
            primary_metric: primary.to_string(),
            train: None,
            control_kind: None,
            control: None,
            regularizers: Vec::new(),
            threads: 0,
            wall_s: 0.0,
            geosparse_version: env!("CARGO_PKG_VERSION").to_string(),
            warnings: Vec::new(),
        }
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        atomic_write(&dir.join("summary.json"), serde_json::to_string_pretty(self)?.as_bytes())?;
        Ok(())
    }

    pub fn read(dir: &Path) -> anyhow::Result<Summary> {
        let p = dir.join("summary.json");
        let text = std::fs::read_to_string(&p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
    }
}
