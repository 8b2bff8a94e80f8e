//! Losses, each returning the mean loss and writing d(loss)/d(input) (scaled for the mean).
//!
//! * [`soft_cross_entropy`]: −mean_rows Σ_k y_k log softmax(z)_k (navigation's place cells).
//! * [`cross_entropy`]: −mean_rows log softmax(z)[target] (language modelling), with the
//!   number of correct argmax predictions.
//! * [`mse`]: mean (ŷ − y)² (adding problem).
//!
//! ```
//! use geosparse_engine::loss::cross_entropy;
//! let mut z = vec![0.0f32; 2 * 4];            // uniform over 4 classes
//! let out = cross_entropy(&mut z, &[1, 3], 4, true);
//! assert!((out.loss - 4f64.ln()).abs() < 1e-6); // perplexity of a uniform model = 4
//! assert!((z[1] - (0.25 - 1.0) / 2.0).abs() < 1e-7);
//! ```

use crate::ops;

/// Result of a classification loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossOut {
    /// Mean over rows.
    pub loss: f64,
    /// Rows whose argmax equals the target (cross_entropy only).
    pub correct: usize,
    pub rows: usize,
}

/// Soft-target cross-entropy over rows of `logits` (M, K) against `targets` (M, K).
/// With `grad`, `logits` is overwritten by d(mean loss)/d(logits) = (softmax·Σy − y)/M.
pub fn soft_cross_entropy(logits: &mut [f32], targets: &[f32], k: usize, grad: bool) -> f64 {
    let _t = crate::profile::scope("soft cross-entropy");
    assert_eq!(logits.len(), targets.len(), "logits and targets differ in shape");
    let m = logits.len() / k;
    let inv_m = 1.0 / m as f32;
    let per_row: Vec<f64> = {
        let mut out = vec![0f64; m];
        let mut rows: Vec<(&mut [f32], &mut f64)> = logits.chunks_mut(k).zip(out.iter_mut()).collect();
        let work = |(r, (z, o)): (usize, &mut (&mut [f32], &mut f64))| {
            let y = &targets[r * k..(r + 1) * k];
            let ysum: f32 = ops::lane_sum(y);
            let dot: f64 = ops::dot_f64(z, y);
            let (mx, _) = ops::max_index(z);
            let s = ops::exp_shift_sum(z, mx); // z ← e^(z − max)
            let lse = mx + s.ln();
            **o = lse as f64 * ysum as f64 - dot;
            if grad {
                let c = ysum / s;
                z.iter_mut().zip(y).for_each(|(v, &t)| *v = (*v * c - t) * inv_m);
            }
        };
        use rayon::prelude::*;
        if logits_len_small(m * k) {
            rows.iter_mut().enumerate().for_each(work);
        } else {
            rows.par_iter_mut().with_min_len(ops::min_rows(k)).enumerate().for_each(work);
        }
        out
    };
    per_row.iter().sum::<f64>() / m as f64
}

fn logits_len_small(n: usize) -> bool {
    n < 1 << 15
}

/// Cross-entropy of integer targets over rows of `logits` (M, V). With `grad`, `logits` is
/// overwritten by (softmax − onehot)/M. Counts argmax hits (ties: the first maximum).
pub fn cross_entropy(logits: &mut [f32], targets: &[u32], v: usize, grad: bool) -> LossOut {
    let _t = crate::profile::scope("cross-entropy");
    let m = targets.len();
    assert_eq!(logits.len(), m * v, "logits are not (M={m}, V={v})");
    let inv_m = 1.0 / m as f32;
    let mut losses = vec![0f64; m];
    let mut hits = vec![0u8; m];
    {
        let mut rows: Vec<(&mut [f32], (&mut f64, &mut u8))> = logits.chunks_mut(v).zip(losses.iter_mut().zip(hits.iter_mut())).collect();
        let work = |(r, (z, (l, h))): (usize, &mut (&mut [f32], (&mut f64, &mut u8)))| {
            let t = targets[r] as usize;
            let (mx, am) = ops::max_index(z);
            let zt = z[t];
            if grad {
                let s = ops::exp_shift_sum(z, mx); // z ← e^(z − max)
                **l = (mx + s.ln() - zt) as f64;
                let c = inv_m / s;
                z.iter_mut().for_each(|x| *x *= c);
                z[t] -= inv_m;
            } else {
                let mut acc = [0f32; 8];
                let mut it = z.chunks_exact(8);
                for ch in &mut it {
                    for q in 0..8 {
                        acc[q] += crate::math::exp(ch[q] - mx);
                    }
                }
                let s: f32 = acc.iter().sum::<f32>() + it.remainder().iter().map(|&v| crate::math::exp(v - mx)).sum::<f32>();
                **l = (mx + s.ln() - zt) as f64;
            }
            **h = (am == t) as u8;
        };
        use rayon::prelude::*;
        if logits_len_small(m * v) {
            rows.iter_mut().enumerate().for_each(work);
        } else {
            rows.par_iter_mut().with_min_len(ops::min_rows(v)).enumerate().for_each(work);
        }
    }
    LossOut { loss: losses.iter().sum::<f64>() / m as f64, correct: hits.iter().map(|&h| h as usize).sum(), rows: m }
}

/// Mean squared error; returns (loss, d loss / d pred).
pub fn mse(pred: &[f32], target: &[f32]) -> (f64, Vec<f32>) {
    assert_eq!(pred.len(), target.len());
    let n = pred.len() as f32;
    let loss = pred.iter().zip(target).map(|(&p, &t)| ((p - t) as f64).powi(2)).sum::<f64>() / pred.len() as f64;
    let grad = pred.iter().zip(target).map(|(&p, &t)| 2.0 * (p - t) / n).collect();
    (loss, grad)
}
