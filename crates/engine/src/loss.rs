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
    cross_entropy_biased(logits, None, targets, v, grad, None)
}

/// Rows per block of [`cross_entropy_biased`]'s bias gradient (a partial sum each, added in
/// block order: the result does not depend on the thread count).
const CE_BLOCK: usize = 32;

/// [`cross_entropy`] of `logits + bias`: `bias` (V) is added to every row in place first, and
/// `bias_grad` (with `grad`) receives Σ_rows d(loss)/d(logits). This is a decoder's bias handled
/// in the pass that reads the logits anyway, instead of two more passes over the (M, V) matrix
/// (the word LM's is 28 MB).
pub fn cross_entropy_biased(logits: &mut [f32], bias: Option<&[f32]>, targets: &[u32], v: usize, grad: bool, bias_grad: Option<&mut [f32]>) -> LossOut {
    let _t = crate::profile::scope("cross-entropy");
    let m = targets.len();
    assert_eq!(logits.len(), m * v, "logits are not (M={m}, V={v})");
    assert!(bias.is_none_or(|b| b.len() == v), "bias is not (V={v})");
    assert!(bias_grad.as_ref().is_none_or(|b| b.len() == v), "bias gradient is not (V={v})");
    let sums = grad && bias_grad.is_some();
    let inv_m = 1.0 / m as f32;
    let mut losses = vec![0f64; m];
    let mut hits = vec![0u8; m];
    // a block of rows: its logits, losses and hits
    type Block<'a> = (usize, (&'a mut [f32], (&'a mut [f64], &'a mut [u8])));
    let work = |(blk, (zs, (ls, hs))): Block| -> Vec<f32> {
        let mut colsum = if sums { vec![0f32; v] } else { Vec::new() };
        for (i, ((z, l), h)) in zs.chunks_mut(v).zip(ls.iter_mut()).zip(hs.iter_mut()).enumerate() {
            if let Some(b) = bias {
                z.iter_mut().zip(b).for_each(|(x, b)| *x += b);
            }
            let t = targets[blk * CE_BLOCK + i] as usize;
            (*l, *h) = row_loss(z, t, inv_m, grad);
            if sums {
                colsum.iter_mut().zip(z.iter()).for_each(|(s, &g)| *s += g);
            }
        }
        colsum
    };
    use rayon::prelude::*;
    let parts: Vec<Vec<f32>> = if logits_len_small(m * v) {
        logits.chunks_mut(CE_BLOCK * v).zip(losses.chunks_mut(CE_BLOCK).zip(hits.chunks_mut(CE_BLOCK))).enumerate().map(work).collect()
    } else {
        logits.par_chunks_mut(CE_BLOCK * v).zip(losses.par_chunks_mut(CE_BLOCK).zip(hits.par_chunks_mut(CE_BLOCK))).enumerate().map(work).collect()
    };
    if let (true, Some(bg)) = (sums, bias_grad) {
        for part in &parts {
            bg.iter_mut().zip(part).for_each(|(g, p)| *g += p);
        }
    }
    LossOut { loss: losses.iter().sum::<f64>() / m as f64, correct: hits.iter().map(|&h| h as usize).sum(), rows: m }
}

/// One row's loss and argmax hit; with `grad` the row becomes (softmax − onehot)·inv_m.
fn row_loss(z: &mut [f32], t: usize, inv_m: f32, grad: bool) -> (f64, u8) {
    let (mx, am) = ops::max_index(z);
    let zt = z[t];
    let loss = if grad {
        let s = ops::exp_shift_sum(z, mx); // z ← e^(z − max)
        let c = inv_m / s;
        z.iter_mut().for_each(|x| *x *= c);
        z[t] -= inv_m;
        mx + s.ln() - zt
    } else {
        let mut acc = [0f32; 8];
        let mut it = z.chunks_exact(8);
        for ch in &mut it {
            for q in 0..8 {
                acc[q] += crate::math::exp(ch[q] - mx);
            }
        }
        let s: f32 = acc.iter().sum::<f32>() + it.remainder().iter().map(|&v| crate::math::exp(v - mx)).sum::<f32>();
        mx + s.ln() - zt
    };
    (loss as f64, (am == t) as u8)
}

/// Mean squared error; returns (loss, d loss / d pred).
pub fn mse(pred: &[f32], target: &[f32]) -> (f64, Vec<f32>) {
    assert_eq!(pred.len(), target.len());
    let n = pred.len() as f32;
    let loss = pred.iter().zip(target).map(|(&p, &t)| ((p - t) as f64).powi(2)).sum::<f64>() / pred.len() as f64;
    let grad = pred.iter().zip(target).map(|(&p, &t)| 2.0 * (p - t) / n).collect();
    (loss, grad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(n: usize, seed: u32) -> Vec<f32> {
        (0..n).map(|i| (((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) % 2000) as f32 / 250.0 - 4.0).collect()
    }

    /// The biased loss equals the plain loss on logits + bias (same bits: the bias is added
    /// first, then the same row pass), and its bias gradient is the column sum of the logit
    /// gradient, on any thread count.
    #[test]
    fn biased_cross_entropy_is_the_plain_one_plus_column_sums() {
        // 150 rows: four full blocks of 32 and a partial one; large enough to run in parallel
        let (m, v) = (150, 700);
        let z0 = vals(m * v, 1);
        let bias = vals(v, 2);
        let targets: Vec<u32> = (0..m as u32).map(|r| (r * 37) % v as u32).collect();
        let mut plain = z0.clone();
        plain.chunks_mut(v).for_each(|row| row.iter_mut().zip(&bias).for_each(|(x, b)| *x += b));
        let want = cross_entropy(&mut plain, &targets, v, true);
        let mut sums = vec![0f64; v];
        plain.chunks(v).for_each(|row| sums.iter_mut().zip(row).for_each(|(s, &g)| *s += g as f64));
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut z = z0.clone();
                let mut bg = vec![0.5f32; v]; // added into, not overwritten
                let out = cross_entropy_biased(&mut z, Some(&bias), &targets, v, true, Some(&mut bg));
                (out, z, bg)
            })
        };
        let (out, z, bg) = run(2);
        assert_eq!(out, want);
        assert_eq!(z, plain, "logit gradients");
        for (j, (&g, &s)) in bg.iter().zip(&sums).enumerate() {
            assert!((g as f64 - 0.5 - s).abs() < 1e-6, "bias gradient [{j}]: {g} vs 0.5 + {s}");
        }
        let (out1, z1, bg1) = run(1);
        assert_eq!((out1, z1, bg1), (out, z, bg.clone()), "1 vs 2 threads");
        assert_eq!(run(3).2, bg, "3 threads");
        // without grad nothing is added and the logits keep the bias
        let mut z = z0.clone();
        let mut bg = vec![0f32; v];
        let eval = cross_entropy_biased(&mut z, Some(&bias), &targets, v, false, Some(&mut bg));
        assert!(bg.iter().all(|&g| g == 0.0));
        assert!((eval.loss - want.loss).abs() < 1e-5 * want.loss, "{} vs {}", eval.loss, want.loss);
    }
}
