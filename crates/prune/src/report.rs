//! Sparsity of each tensor and overall (fraction of masked entries; unmasked tensors count 0).
//!
//! ```
//! use geosparse_engine::param::{Param, ParamKind};
//! use geosparse_prune::report::Sparsity;
//! let mut w = Param::zeros("w", &[4], ParamKind::Weight);
//! w.set_mask(vec![1, 0, 0, 0]);
//! let b = Param::zeros("b", &[4], ParamKind::Weight);
//! let s = Sparsity::of(&[&w, &b]);
//! assert_eq!(s.per_tensor["w"], 0.75);
//! assert_eq!(s.overall, 0.375);
//! assert_eq!(s.entries["w"], 4);
//! ```

use geosparse_engine::param::Param;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sparsity {
    /// Pruned fraction per tensor.
    pub per_tensor: BTreeMap<String, f64>,
    /// Pruned fraction of all the given tensors together.
    pub overall: f64,
    /// Entries per tensor (with `per_tensor`, how many of the pruned entries each holds).
    #[serde(default)]
    pub entries: BTreeMap<String, usize>,
}

impl Sparsity {
    pub fn of(params: &[&Param]) -> Sparsity {
        let (mut per_tensor, mut entries) = (BTreeMap::new(), BTreeMap::new());
        let (mut pruned, mut total) = (0usize, 0usize);
        for p in params {
            let z = p.mask.as_ref().map_or(0, |m| m.iter().filter(|&&k| k == 0).count());
            per_tensor.insert(p.name.clone(), z as f64 / p.numel().max(1) as f64);
            entries.insert(p.name.clone(), p.numel());
            pruned += z;
            total += p.numel();
        }
        Sparsity { per_tensor, overall: pruned as f64 / total.max(1) as f64, entries }
    }
}
