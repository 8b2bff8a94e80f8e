//! Magnitude pruning: mask out the k = round(fraction · Σ numel) entries of smallest |w|.
//!
//! Ties are broken by position (tensor order, then row-major index), so the masks are a pure
//! function of the values. Already-pruned weights are exact zeros, hence the smallest, so a
//! pruned weight stays pruned unless the fraction drops (SPEC §2.1). Pruning "bakes": pruned
//! values become exact zeros.
//!
//! ```
//! use geosparse_engine::param::{Param, ParamKind};
//! use geosparse_prune::magnitude::{prune, Scope};
//! let mut w = Param::zeros("w", &[4], ParamKind::Weight);
//! w.value = vec![0.4, -0.1, 0.3, 0.2];
//! prune(&mut [&mut w], 0.5, Scope::PerTensor);
//! assert_eq!(w.value, [0.4, 0.0, 0.3, 0.0]);
//! ```

use geosparse_engine::param::Param;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One threshold over all tensors, or one per tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    #[default]
    Global,
    PerTensor,
}

/// The order key of an entry: |w| as ordered bits (f32 bits of a non-negative number sort like
/// the number). NaN is treated as the largest value (never pruned first).
#[inline]
fn key(w: f32) -> u32 {
    if w.is_nan() { u32::MAX } else { w.abs().to_bits() }
}

/// Masks (1 = keep) for `values`, pruning exactly `k` entries over all of them together.
pub fn masks_for(values: &[&[f32]], k: usize) -> Vec<Vec<u8>> {
    let total: usize = values.iter().map(|v| v.len()).sum();
    assert!(k <= total, "cannot prune {k} of {total} entries");
    if k == 0 {
        return values.iter().map(|v| vec![1u8; v.len()]).collect();
    }
    // the k-th smallest key is the threshold: everything below goes, ties go in position order
    let mut keys: Vec<u32> = Vec::with_capacity(total);
    for v in values {
        keys.extend(v.iter().map(|&w| key(w)));
    }
    let (_, &mut thr, _) = keys.select_nth_unstable(k - 1);
    drop(keys);
    let below: usize = values.par_iter().map(|v| v.iter().filter(|&&w| key(w) < thr).count()).sum();
    let mut ties_to_prune = k - below;
    values
        .iter()
        .map(|v| {
            v.iter()
                .map(|&w| {
                    let kk = key(w);
                    if kk < thr {
                        0
                    } else if kk == thr && ties_to_prune > 0 {
                        ties_to_prune -= 1;
                        0
                    } else {
                        1
                    }
                })
                .collect()
        })
        .collect()
}

/// round(fraction · n), the number of entries to prune.
pub fn count(fraction: f64, n: usize) -> usize {
    assert!((0.0..=1.0).contains(&fraction), "prune fraction {fraction} outside [0, 1]");
    ((fraction * n as f64).round() as usize).min(n)
}

/// Prunes `params` to `fraction` (bake + new masks). Returns the number of pruned entries.
pub fn prune(params: &mut [&mut Param], fraction: f64, scope: Scope) -> usize {
    let masks: Vec<Vec<u8>> = match scope {
        Scope::Global => {
            let total: usize = params.iter().map(|p| p.numel()).sum();
            let values: Vec<&[f32]> = params.iter().map(|p| p.value.as_slice()).collect();
            masks_for(&values, count(fraction, total))
        }
        Scope::PerTensor => params.iter().map(|p| masks_for(&[&p.value], count(fraction, p.numel())).remove(0)).collect(),
    };
    let mut pruned = 0;
    for (p, m) in params.iter_mut().zip(masks) {
        pruned += m.iter().filter(|&&x| x == 0).count();
        p.set_mask(m);
    }
    pruned
}
