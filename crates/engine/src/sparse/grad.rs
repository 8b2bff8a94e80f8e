//! The two products of sparse training, for W (N, K) in CSR:
//!
//! * [`spmm_nn`]: c (B, K) += d (B, N) · W — the backward product dh = dpre · W_hh. Stored
//!   W[i, j] scatters d[:, i] into c[:, j]; tasks own equal column ranges of c (found in each
//!   sorted row by binary search), and every c[·, j] sums its rows in order i = 0, 1, …, so
//!   the split never changes a result. Batches > 1 go through (·, P) transposes as in
//!   [`super::kernels`].
//! * [`sddmm`]: grad (nnz) += Σ_m d[m, i] · h[m, j] at the stored (i, j) only — dW_hh for
//!   d = dpre (T·B, N), h = h_prev (T·B, K). The T·B rows are taken 64 at a time (a tile),
//!   transposed to (N, P) and (K, P), so each stored entry adds one contiguous dot of length
//!   P, eight entries' dots reduced together. The tiles form up to four groups of consecutive
//!   tiles fixed by M, each a task with its own sum (added in group order at the end); with
//!   more threads than groups a tile's rows of W are split too (M ≤ 2 adds the products
//!   directly). On elman-2048's dW_hh (M = 4 000, 90 % sparse, 2 threads, Zen 4;
//!   examples/sparse_train_kernels.rs) the joint reduction took 57.3 → 54.4 ms and the groups
//!   54.4 → 43.4 ms.
//!
//! The layers run dx = dy W as `spmm_nt` on [`Csr::transpose`] (gathers instead of scatters:
//! 1.65–1.8× faster than `spmm_nn` at elman-2048's shapes, for a transpose that costs about one
//! 64-row product; see `layers::sparse_weight`).
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
use super::par::{balanced_bounds, for_chunks, parts_for};
use super::simd::{F8, eight_mut, row};
use super::{Act, Csr, add_transposed, lanes, transpose_pad, with_scratch};
use rayon::prelude::*;

/// c (B, K) += d (B, N) · W for W (N, K).
pub fn spmm_nn(c: &mut [f32], d: &[f32], w: &Csr, batch: usize) {
    let (n, k) = (w.rows(), w.cols());
    assert_eq!(c.len(), batch * k, "spmm_nn: c is not (B, K) = ({batch}, {k})");
    assert_eq!(d.len(), batch * n, "spmm_nn: d is not (B, N) = ({batch}, {n})");
    let vals = w.values();
    if batch == 1 {
        return with_idx!(w.col_idx(), cols => by_columns(w, cols, 1, c, |i, a, b, j0, out| {
            for (v, col) in vals[a..b].iter().zip(&cols[a..b]) {
                let o = &mut out[col.idx() - j0];
                *o = v.mul_add(d[i], *o);
            }
        }));
    }
    for b0 in (0..batch).step_by(64) {
        let bb = (batch - b0).min(64);
        let p = lanes(bb);
        let mut dt = vec![0f32; n * p];
        transpose_pad(&d[b0 * n..(b0 + bb) * n], bb, n, p, &mut dt);
        let mut ct = vec![0f32; k * p]; // (K, P)
        with_idx!(w.col_idx(), cols => match p {
            8 => by_columns(w, cols, p, &mut ct, |i, a, b, j0, out| scatter_row::<_, 1>(&vals[a..b], &cols[a..b], j0, row::<1>(&dt, i), out)),
            16 => by_columns(w, cols, p, &mut ct, |i, a, b, j0, out| scatter_row::<_, 2>(&vals[a..b], &cols[a..b], j0, row::<2>(&dt, i), out)),
            32 => by_columns(w, cols, p, &mut ct, |i, a, b, j0, out| scatter_row::<_, 4>(&vals[a..b], &cols[a..b], j0, row::<4>(&dt, i), out)),
            _ => by_columns(w, cols, p, &mut ct, |i, a, b, j0, out| scatter_row::<_, 8>(&vals[a..b], &cols[a..b], j0, row::<8>(&dt, i), out)),
        });
        add_transposed(&mut c[b0 * k..(b0 + bb) * k], &ct, bb, k, p, Act::Identity);
    }
}

/// Runs `f(i, a, b, j0, out)` for every row i of W, where a..b are the row's entries whose
/// columns fall in a task's range j0..j1 and `out` holds that task's rows j0..j1 of the
/// (K, p) output. Tasks own equal column ranges; rows are visited in order in each.
fn by_columns<I: ColIndex>(w: &Csr, cols: &[I], p: usize, out: &mut [f32], f: impl Fn(usize, usize, usize, usize, &mut [f32]) + Sync) {
    let (n, k, ptr) = (w.rows(), w.cols(), w.row_ptr());
    let parts = parts_for(w.nnz() * p).min(k.max(1));
    let cuts: Vec<usize> = (0..=parts).map(|q| q * k / parts * p).collect();
    for_chunks(out, &cuts, |q, chunk| {
        let (j0, j1) = (q * k / parts, (q + 1) * k / parts);
        for i in 0..n {
            let (mut a, mut b) = (ptr[i] as usize, ptr[i + 1] as usize);
            if parts > 1 {
                let row = &cols[a..b];
                (a, b) = (a + row.partition_point(|c| c.idx() < j0), a + row.partition_point(|c| c.idx() < j1));
            }
            f(i, a, b, j0, chunk);
        }
    });
}

/// out[c[e] − j0] (8W lanes) += v[e] · x.
#[inline(always)]
fn scatter_row<I: ColIndex, const W: usize>(v: &[f32], c: &[I], j0: usize, x: [F8; W], out: &mut [f32]) {
    for (v, c) in v.iter().zip(c) {
        let (s, base) = (F8::splat(*v), (c.idx() - j0) * 8 * W);
        for (q, x) in x.iter().enumerate() {
            let o = eight_mut(out, base + 8 * q);
            F8::load(o).mul_add(s, *x).store(o);
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
    if m <= 2 {
        // too few rows to fill a lane tile: add the products directly
        let ptr = w.row_ptr();
        return with_idx!(w.col_idx(), cols => for i in 0..n {
            for e in ptr[i] as usize..ptr[i + 1] as usize {
                grad[e] += (0..m).fold(0f32, |s, r| d[r * n + i].mul_add(h[r * k + cols[e].idx()], s));
            }
        });
    }
    // the tiles in GROUPS groups of consecutive tiles (fixed by M alone): group 0 adds into
    // grad, the others into zeroed buffers added to grad in order at the end, so results never
    // depend on the thread count; with more threads than groups each tile's rows are split too
    let tiles = m.div_ceil(TILE);
    let groups = tiles.min(GROUPS);
    let split = rayon::current_num_threads() > groups;
    let mut bufs = vec![vec![0f32; w.nnz()]; groups - 1];
    let mut targets: Vec<&mut [f32]> = std::iter::once(grad).chain(bufs.iter_mut().map(|b| b.as_mut_slice())).collect();
    let tile_range = |g: usize| (g * tiles / groups)..((g + 1) * tiles / groups);
    let run = |g: usize, out: &mut [f32]| tile_range(g).for_each(|t| sddmm_tile(out, d, h, w, t * TILE, (m - t * TILE).min(TILE), split));
    if groups > 1 {
        targets.par_iter_mut().enumerate().for_each(|(g, out)| run(g, out));
    } else {
        run(0, targets[0]);
    }
    let (grad, rest) = targets.split_first_mut().expect("group 0");
    if !rest.is_empty() {
        let cuts: Vec<usize> = (0..=16).map(|q| q * grad.len() / 16).collect();
        let rest: &[&mut [f32]] = rest;
        for_chunks(grad, &cuts, |q, g| {
            for b in rest {
                g.iter_mut().zip(&b[cuts[q]..cuts[q + 1]]).for_each(|(g, b)| *g += b);
            }
        });
    }
}

/// Tile groups of [`sddmm`] (at most; fewer when M has fewer tiles).
const GROUPS: usize = 4;

/// grad += the products of rows m0..m0+mt of d and h, through their (·, P) transposes;
/// `split`: W's rows are shared among tasks when large.
fn sddmm_tile(grad: &mut [f32], d: &[f32], h: &[f32], w: &Csr, m0: usize, mt: usize, split: bool) {
    let (n, k) = (w.rows(), w.cols());
    let p = lanes(mt);
    // both transposes overwrite every lane of their buffers
    with_scratch(n * p, |dt| {
        transpose_pad(&d[m0 * n..(m0 + mt) * n], mt, n, p, dt);
        with_scratch(k * p, |ht| {
            transpose_pad(&h[m0 * k..(m0 + mt) * k], mt, k, p, ht);
            let bounds = balanced_bounds(w.row_ptr(), if split { parts_for(w.nnz() * p) } else { 1 });
            let ptr = w.row_ptr();
            let cuts: Vec<usize> = bounds.iter().map(|&r| ptr[r] as usize).collect();
            let (dt, ht) = (&*dt, &*ht);
            with_idx!(w.col_idx(), cols => for_chunks(grad, &cuts, |q, g| {
                let (r0, r1) = (bounds[q], bounds[q + 1]);
                match p {
                    8 => dots::<_, 1>(&ptr[r0..=r1], cols, dt, ht, r0, g),
                    16 => dots::<_, 2>(&ptr[r0..=r1], cols, dt, ht, r0, g),
                    32 => dots::<_, 4>(&ptr[r0..=r1], cols, dt, ht, r0, g),
                    _ => dots::<_, 8>(&ptr[r0..=r1], cols, dt, ht, r0, g),
                }
            }));
        })
    })
}

/// g (the entries of rows r0.., whose pointers are `rows`) += ⟨dt[i], ht[c[e]]⟩ over 8W
/// lanes: eight entries at a time, their eight lane sums reduced together ([`F8::hsum8`]),
/// the rest one by one.
#[inline(always)]
fn dots<I: ColIndex, const W: usize>(rows: &[u32], cols: &[I], dt: &[f32], ht: &[f32], r0: usize, g: &mut [f32]) {
    let base = rows[0] as usize;
    let dot = |x: &[F8; W], j: usize| {
        let y = row::<W>(ht, j);
        (1..W).fold(x[0].mul(y[0]), |s, q| s.mul_add(x[q], y[q]))
    };
    for (r, ab) in rows.windows(2).enumerate() {
        let (a, b) = (ab[0] as usize, ab[1] as usize);
        let x = row::<W>(dt, r0 + r);
        let (g8, gt) = g[a - base..b - base].as_chunks_mut::<8>();
        let (c8, ct) = cols[a..b].as_chunks::<8>();
        for (gv, c) in g8.iter_mut().zip(c8) {
            let s = F8::hsum8(std::array::from_fn(|e| dot(&x, c[e].idx())));
            F8::load(gv).add(s).store(gv);
        }
        for (gv, c) in gt.iter_mut().zip(ct) {
            *gv += dot(&x, c.idx()).hsum();
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
        assert!(with_threads(3, || crate::sparse::par::parts_for(w.nnz())) > 1);
        // M = 300: five tiles in four groups (three buffers), split or not by the thread count
        for batch in [1, 7, 64, 100, 300] {
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
            assert_eq!((c1.clone(), g1.clone()), run(2), "batch {batch}");
            let mut c = rand_vec(batch * 700, 14);
            naive::spmm_nn(&mut c, &d, &w, batch);
            assert_close(&c1, &c, 500);
            let mut g = rand_vec(w.nnz(), 15);
            naive::sddmm(&mut g, &d, &h, &w, batch);
            assert_close(&g1, &g, batch);
        }
    }
}
