//! The two products of sparse training, for W (N, K) in CSR:
//!
//! * [`spmm_nn`]: c (B, K) += d (B, N) · W — the backward product dh = dpre · W_hh. Stored
//!   W[i, j] scatters d[:, i] into c[:, j]; tasks own equal column ranges of c (found in each
//!   sorted row by binary search), and every c[·, j] sums its rows in order i = 0, 1, …, so
//!   the split never changes a result. Batches > 1 go through (·, P) transposes as in
//!   [`super::kernels`].
//! * [`sddmm`]: grad (nnz) += Σ_m d[m, i] · h[m, j] at the stored (i, j) only — dW_hh for
//!   d = dpre (T·B, N), h = h_prev (T·B, K). The T·B rows are taken 64 at a time, transposed
//!   to (N, P) and (K, P), so each stored entry adds one contiguous dot of length P; tasks own
//!   rows of W.
//!
//! ```
//! use geosparse_engine::sparse::{Csr, sddmm, spmm_nn};
//! let w = Csr::from_dense(&[0.0, 2.0, 3.0, 0.0], 2, 2);
//! let mut c = [0.0f32; 2];
//! spmm_nn(&mut c, &[1.0, 10.0], &w, 1);        // [1, 10] · W
//! assert_eq!(c, [30.0, 2.0]);
//! let mut g = [0.0f32; 2];
//! sddmm(&mut g, &[1.0, 10.0], &[5.0, 7.0], &w, 1);
//! assert_eq!(g, [7.0, 50.0]);                   // d₀h₁ at (0, 1), d₁h₀ at (1, 0)
//! ```

use super::csr::{ColIndex, with_idx};
use super::kernels::{add_transposed, ht_row};
use super::par::{balanced_bounds, for_chunks, parts_for};
use super::{Act, Csr, lanes, transpose_pad};

/// c (B, K) += d (B, N) · W for W (N, K).
pub fn spmm_nn(c: &mut [f32], d: &[f32], w: &Csr, batch: usize) {
    let (n, k) = (w.rows(), w.cols());
    assert_eq!(c.len(), batch * k, "spmm_nn: c is not (B, K) = ({batch}, {k})");
    assert_eq!(d.len(), batch * n, "spmm_nn: d is not (B, N) = ({batch}, {n})");
    if batch == 1 {
        return scatter::<1>(w, d, c);
    }
    for b0 in (0..batch).step_by(64) {
        let bb = (batch - b0).min(64);
        let p = lanes(bb);
        let mut dt = vec![0f32; n * p];
        transpose_pad(&d[b0 * n..(b0 + bb) * n], bb, n, p, &mut dt);
        let mut ct = vec![0f32; k * p]; // (K, P)
        match p {
            8 => scatter::<8>(w, &dt, &mut ct),
            16 => scatter::<16>(w, &dt, &mut ct),
            32 => scatter::<32>(w, &dt, &mut ct),
            _ => scatter::<64>(w, &dt, &mut ct),
        }
        add_transposed(&mut c[b0 * k..(b0 + bb) * k], &ct, bb, k, p, Act::Identity);
    }
}

/// ct (K, P) += W_ᵀ · dt for dt (N, P): tasks own column ranges of W.
fn scatter<const P: usize>(w: &Csr, dt: &[f32], ct: &mut [f32]) {
    let (n, k) = (w.rows(), w.cols());
    let parts = parts_for(w.nnz() * P).min(k.max(1));
    let cuts: Vec<usize> = (0..=parts).map(|q| q * k / parts * P).collect();
    let (ptr, vals) = (w.row_ptr(), w.values());
    with_idx!(w.col_idx(), cols => for_chunks(ct, &cuts, |q, chunk| {
        let (j0, j1) = (q * k / parts, (q + 1) * k / parts);
        for i in 0..n {
            let (mut a, mut b) = (ptr[i] as usize, ptr[i + 1] as usize);
            if parts > 1 {
                let row = &cols[a..b];
                (a, b) = (a + row.partition_point(|c| c.idx() < j0), a + row.partition_point(|c| c.idx() < j1));
            }
            scatter_row::<_, P>(&vals[a..b], &cols[a..b], j0, ht_row::<P>(dt, i), chunk);
        }
    }));
}

/// out[c[e] − j0] (P lanes) += v[e] · x.
#[inline(always)]
fn scatter_row<I: ColIndex, const P: usize>(v: &[f32], c: &[I], j0: usize, x: &[f32; P], out: &mut [f32]) {
    for (v, c) in v.iter().zip(c) {
        let o: &mut [f32; P] = (&mut out[(c.idx() - j0) * P..(c.idx() - j0 + 1) * P]).try_into().expect("P lanes");
        for l in 0..P {
            o[l] = v.mul_add(x[l], o[l]);
        }
    }
}

/// Rows of d and h per tile of [`sddmm`].
const TILE: usize = 64;

/// grad (nnz) += Σ_m d[m, i] · h[m, j] for each stored (i, j) of W; d (M, N), h (M, K).
pub fn sddmm(grad: &mut [f32], d: &[f32], h: &[f32], w: &Csr, m: usize) {
    let (n, k) = (w.rows(), w.cols());
    assert_eq!(grad.len(), w.nnz(), "sddmm: grad has {} values for {} stored entries", grad.len(), w.nnz());
    assert_eq!(d.len(), m * n, "sddmm: d is not (M, N) = ({m}, {n})");
    assert_eq!(h.len(), m * k, "sddmm: h is not (M, K) = ({m}, {k})");
    for m0 in (0..m).step_by(TILE) {
        let mt = (m - m0).min(TILE);
        let p = lanes(mt);
        let (mut dt, mut ht) = (vec![0f32; n * p], vec![0f32; k * p]);
        transpose_pad(&d[m0 * n..(m0 + mt) * n], mt, n, p, &mut dt);
        transpose_pad(&h[m0 * k..(m0 + mt) * k], mt, k, p, &mut ht);
        let bounds = balanced_bounds(w.row_ptr(), parts_for(w.nnz() * p));
        let ptr = w.row_ptr();
        let cuts: Vec<usize> = bounds.iter().map(|&r| ptr[r] as usize).collect();
        with_idx!(w.col_idx(), cols => for_chunks(grad, &cuts, |q, g| {
            match p {
                8 => dots::<_, 8>(ptr, bounds[q], bounds[q + 1], cols, &dt, &ht, g),
                16 => dots::<_, 16>(ptr, bounds[q], bounds[q + 1], cols, &dt, &ht, g),
                32 => dots::<_, 32>(ptr, bounds[q], bounds[q + 1], cols, &dt, &ht, g),
                _ => dots::<_, 64>(ptr, bounds[q], bounds[q + 1], cols, &dt, &ht, g),
            }
        }));
    }
}

/// g (the entries of rows r0..r1) += ⟨dt[i], ht[c[e]]⟩ over P lanes.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn dots<I: ColIndex, const P: usize>(ptr: &[u32], r0: usize, r1: usize, cols: &[I], dt: &[f32], ht: &[f32], g: &mut [f32]) {
    let base = ptr[r0] as usize;
    for i in r0..r1 {
        let x = ht_row::<P>(dt, i);
        let (a, b) = (ptr[i] as usize, ptr[i + 1] as usize);
        for (gv, c) in g[a - base..b - base].iter_mut().zip(&cols[a..b]) {
            let y = ht_row::<P>(ht, c.idx());
            let mut acc = [0f32; 8];
            for (x8, y8) in x.as_chunks::<8>().0.iter().zip(y.as_chunks::<8>().0) {
                for l in 0..8 {
                    acc[l] = x8[l].mul_add(y8[l], acc[l]);
                }
            }
            *gv += ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sparse::naive;
    use crate::sparse::testutil::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn spmm_nn_matches_naive((n, k, dens, empty, batch, seed) in case()) {
            let w = rand_csr(n, k, dens, empty, seed);
            let d = rand_vec(batch * n, seed ^ 5);
            let mut fast = rand_vec(batch * k, seed ^ 6);
            let mut slow = fast.clone();
            spmm_nn(&mut fast, &d, &w, batch);
            naive::spmm_nn(&mut slow, &d, &w, batch);
            assert_close(&fast, &slow, n);
        }

        #[test]
        fn sddmm_matches_naive((n, k, dens, empty, _b, seed) in case(), m in prop_oneof![0usize..3, 1usize..140]) {
            let w = rand_csr(n, k, dens, empty, seed);
            let d = rand_vec(m * n, seed ^ 7);
            let h = rand_vec(m * k, seed ^ 8);
            let mut fast = rand_vec(w.nnz(), seed ^ 9);
            let mut slow = fast.clone();
            sddmm(&mut fast, &d, &h, &w, m);
            naive::sddmm(&mut slow, &d, &h, &w, m);
            assert_close(&fast, &slow, m);
        }
    }

    #[test]
    fn large_products_are_thread_count_independent() {
        let w = rand_csr(500, 700, 0.25, true, 11);
        for batch in [1, 7, 64, 100] {
            let d = rand_vec(batch * 500, 12);
            let h = rand_vec(batch * 700, 13);
            let run = |t| {
                with_threads(t, || {
                    let mut c = rand_vec(batch * 700, 14);
                    spmm_nn(&mut c, &d, &w, batch);
                    let mut g = rand_vec(w.nnz(), 15);
                    sddmm(&mut g, &d, &h, &w, batch);
                    (c, g)
                })
            };
            let (c1, g1) = run(1);
            assert_eq!((c1.clone(), g1.clone()), run(3), "batch {batch}");
            let mut c = rand_vec(batch * 700, 14);
            naive::spmm_nn(&mut c, &d, &w, batch);
            assert_close(&c1, &c, 500);
            let mut g = rand_vec(w.nnz(), 15);
            naive::sddmm(&mut g, &d, &h, &w, batch);
            assert_close(&g1, &g, batch);
        }
    }
}
