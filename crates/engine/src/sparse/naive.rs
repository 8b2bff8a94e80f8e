//! The references the fast kernels are tested against: plain loops over the stored entries,
//! sums in f64, no blocking, no threads.
//!
//! ```
//! use geosparse_engine::sparse::{Csr, Act, naive};
//! let w = Csr::from_dense(&[1.0, 2.0], 1, 2); // (N = 1, K = 2)
//! let mut out = [0.0f32];
//! naive::step(&w, &[3.0, 4.0], &[-1.0], &mut out, 1, Act::Identity);
//! assert_eq!(out, [10.0]); // −1 + 1·3 + 2·4
//! ```

use super::{Act, Csr};

/// out (B, N) = act(h (B, K) · Wᵀ + xw (B, N)).
pub fn step(w: &Csr, h: &[f32], xw: &[f32], out: &mut [f32], batch: usize, act: Act) {
    let (n, k) = (w.rows(), w.cols());
    assert_eq!(h.len(), batch * k);
    assert_eq!((xw.len(), out.len()), (batch * n, batch * n));
    for b in 0..batch {
        for i in 0..n {
            let mut s = xw[b * n + i] as f64;
            for e in w.row_range(i) {
                s += w.values()[e] as f64 * h[b * k + w.col_idx().get(e)] as f64;
            }
            out[b * n + i] = act.apply(s as f32);
        }
    }
}

/// c (B, N) += a (B, K) · Wᵀ.
pub fn spmm_nt(c: &mut [f32], a: &[f32], w: &Csr, batch: usize) {
    let pre = c.to_vec();
    step(w, a, &pre, c, batch, Act::Identity);
}

/// c (B, K) += d (B, N) · W.
pub fn spmm_nn(c: &mut [f32], d: &[f32], w: &Csr, batch: usize) {
    let (n, k) = (w.rows(), w.cols());
    assert_eq!((c.len(), d.len()), (batch * k, batch * n));
    for b in 0..batch {
        let mut acc: Vec<f64> = c[b * k..(b + 1) * k].iter().map(|&v| v as f64).collect();
        for i in 0..n {
            for e in w.row_range(i) {
                acc[w.col_idx().get(e)] += w.values()[e] as f64 * d[b * n + i] as f64;
            }
        }
        c[b * k..(b + 1) * k].iter_mut().zip(&acc).for_each(|(c, a)| *c = *a as f32);
    }
}

/// grad (nnz) += Σ_m d[m, i] · h[m, j] for each stored (i, j) of W; d (M, N), h (M, K).
pub fn sddmm(grad: &mut [f32], d: &[f32], h: &[f32], w: &Csr, m: usize) {
    let (n, k) = (w.rows(), w.cols());
    assert_eq!((grad.len(), d.len(), h.len()), (w.nnz(), m * n, m * k));
    for i in 0..n {
        for e in w.row_range(i) {
            let j = w.col_idx().get(e);
            let s: f64 = (0..m).map(|r| d[r * n + i] as f64 * h[r * k + j] as f64).sum();
            grad[e] = (grad[e] as f64 + s) as f32;
        }
    }
}
