//! The fused sparse Elman step h' (B, N) = act(h (B, K) · W_hhᵀ + xw (B, N)), W_hh in CSR,
//! and the plain product [`spmm_nt`] it is built on.
//!
//! * Batch 1: SpMV — row i is a dot of its stored values with the h entries they pick: 8 at a
//!   time with the AVX2 gather for u16 indices, else in 8 scalar partial sums (one chain
//!   would wait on each add).
//! * Batch > 1: h is transposed to (K, P), P = the batch padded to a multiple of 8 lanes, so
//!   each stored W[i, j] does one contiguous axpy of length P out of a register-held row
//!   accumulator; the (N, P) result is transposed back into the output with xw and act.
//!   Batches above 64 run in ⌈B / 64⌉ chunks of about equal size ([`batch_chunks`]); when they
//!   spread evenly over the threads each task takes whole chunks (elman-2048's decoder, 4 000
//!   rows, 90 % sparse, 2 threads: 34.9 → 12.8 ms against 64-row chunks with split rows), else
//!   each chunk's rows are split.
//!
//! Rows are split into tasks of equal entry counts only above [`super::PAR_WORK`]; each output
//! row is computed by one task in entry order, so results do not depend on the thread count.
//!
//! ```
//! use geosparse_engine::sparse::{Csr, Act, step, naive};
//! let dense: Vec<f32> = (0..12).map(|v| if v % 3 == 0 { v as f32 } else { 0.0 }).collect();
//! let w = Csr::from_dense(&dense, 4, 3); // (N = 4, K = 3)
//! let h = vec![0.5f32; 2 * 3];           // (B = 2, K = 3)
//! let xw = vec![-1.0f32; 2 * 4];         // (B, N)
//! let (mut fast, mut slow) = (vec![0.0; 8], vec![0.0; 8]);
//! step(&w, &h, &xw, &mut fast, 2, Act::Tanh);
//! naive::step(&w, &h, &xw, &mut slow, 2, Act::Tanh);
//! assert!(fast.iter().zip(&slow).all(|(a, b)| (a - b).abs() < 1e-6));
//! ```

use super::csr::{ColIndex, with_idx};
#[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
use super::gather;
use super::par::{balanced_bounds, for_chunks, parts_for};
use super::simd::{F8, row};
use super::{Act, Csr, PAR_WORK, add_transposed, transpose_pad, with_scratch};
use rayon::prelude::*;

/// out (B, N) = act(h (B, K) · Wᵀ + xw (B, N)).
pub fn step(w: &Csr, h: &[f32], xw: &[f32], out: &mut [f32], batch: usize, act: Act) {
    assert_eq!(xw.len(), batch * w.rows(), "step: xw is not (B, N) = ({batch}, {})", w.rows());
    assert_eq!(out.len(), xw.len(), "step: out is not (B, N) = ({batch}, {})", w.rows());
    out.copy_from_slice(xw);
    step_in_place(w, h, out, batch, act);
}

/// pre (B, N) ← act(pre + h (B, K) · Wᵀ): `pre` holds xw on entry (the engine's Elman layout).
pub fn step_in_place(w: &Csr, h: &[f32], pre: &mut [f32], batch: usize, act: Act) {
    let (n, k) = (w.rows(), w.cols());
    assert_eq!(h.len(), batch * k, "step: h is not (B, K) = ({batch}, {k})");
    assert_eq!(pre.len(), batch * n, "step: output is not (B, N) = ({batch}, {n})");
    match batch {
        0 => return,
        1 => return spmv(w, h, pre, act),
        _ => {}
    }
    let chunks = batch_chunks(batch);
    let (count, threads) = (chunks.len() - 1, rayon::current_num_threads());
    // whole chunks per task when they spread evenly over the threads
    let whole_chunks = threads > 1 && count > 1 && w.nnz() * batch >= PAR_WORK && (count.is_multiple_of(threads) || count >= 4 * threads);
    // each chunk's rows of h and of pre: (bb, K) and (bb, N)
    let mut parts: Vec<(&[f32], &mut [f32], usize)> = Vec::with_capacity(chunks.len());
    let mut rest = pre;
    for w2 in chunks.windows(2) {
        let (b0, bb) = (w2[0], w2[1] - w2[0]);
        let (head, tail) = rest.split_at_mut(bb * n);
        parts.push((&h[b0 * k..(b0 + bb) * k], head, bb));
        rest = tail;
    }
    if whole_chunks {
        // one task per chunk of the batch (its transposes stay in that core's cache)
        parts.into_par_iter().for_each(|(h, pre, bb)| spmm_chunk(w, h, pre, bb, act, false));
    } else {
        // one chunk at a time, its rows split into tasks
        parts.into_iter().for_each(|(h, pre, bb)| spmm_chunk(w, h, pre, bb, act, true));
    }
}

/// Chunk boundaries of a batch: ⌈B / 64⌉ chunks of about equal size, each a multiple of 8
/// rows but the last (so no chunk has more than 64 rows and little padding). The split depends
/// on B only, so the results never depend on how the chunks are spread over threads.
pub(crate) fn batch_chunks(batch: usize) -> Vec<usize> {
    let c = batch.div_ceil(64).max(1);
    (0..=c).map(|i| (batch * i / c).next_multiple_of(8).min(batch)).collect()
}

/// c (B, N) += a (B, K) · Wᵀ for W (N, K): the step without a nonlinearity.
pub fn spmm_nt(c: &mut [f32], a: &[f32], w: &Csr, batch: usize) {
    step_in_place(w, a, c, batch, Act::Identity);
}

fn spmv(w: &Csr, h: &[f32], out: &mut [f32], act: Act) {
    let bounds = balanced_bounds(w.row_ptr(), parts_for(w.nnz()));
    let (ptr, vals) = (w.row_ptr(), w.values());
    let mut run = |dot: &(dyn Fn(usize, usize) -> f32 + Sync)| {
        for_chunks(out, &bounds, |part, chunk| {
            let r0 = bounds[part];
            for (r, o) in chunk.iter_mut().enumerate() {
                *o = act.apply(*o + dot(ptr[r0 + r] as usize, ptr[r0 + r + 1] as usize));
            }
        })
    };
    match w.col_idx() {
        #[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
        // SAFETY: every stored column is < w.cols() (a `Csr` is valid by construction) and
        // h.len() == w.cols() was asserted by the caller.
        super::ColIdx::U16(c) => run(&|a, b| unsafe { gather::dot_u16(&vals[a..b], &c[a..b], h) }),
        idx => with_idx!(idx, c => run(&|a, b| row_dot(&vals[a..b], &c[a..b], h))),
    }
}

/// Σ v[e] · h[c[e]] in 8 partial sums, added in a fixed tree.
#[inline(always)]
fn row_dot<I: ColIndex>(v: &[f32], c: &[I], h: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (v8, vt) = v.as_chunks::<8>();
    let (c8, ct) = c.as_chunks::<8>();
    for (v, c) in v8.iter().zip(c8) {
        for l in 0..8 {
            acc[l] = v[l].mul_add(h[c[l].idx()], acc[l]);
        }
    }
    let mut tail = 0f32;
    for (v, c) in vt.iter().zip(ct) {
        tail = v.mul_add(h[c.idx()], tail);
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// Batch 2..=64: pre (bb, N) ← act(pre + h (bb, K) · Wᵀ) through the (K, P) transpose of h,
/// P = bb rounded up to 8 lanes; `split`: the rows are shared among tasks when large.
fn spmm_chunk(w: &Csr, h: &[f32], pre: &mut [f32], bb: usize, act: Act, split: bool) {
    let (n, k, p) = (w.rows(), w.cols(), bb.next_multiple_of(8));
    // both buffers are overwritten entirely: every lane of ht, every row of acc
    with_scratch(k * p, |ht| {
        transpose_pad(h, bb, k, p, ht);
        with_scratch(n * p, |acc| {
            // acc (N, P)
            let bounds = balanced_bounds(w.row_ptr(), if split { parts_for(w.nnz() * p) } else { 1 });
            let cuts: Vec<usize> = bounds.iter().map(|r| r * p).collect();
            let (ptr, vals, ht) = (w.row_ptr(), w.values(), &*ht);
            with_idx!(w.col_idx(), cols => for_chunks(acc, &cuts, |part, chunk| {
                let rows = &ptr[bounds[part]..=bounds[part + 1]];
                match p / 8 {
                    1 => rows_axpy::<_, 1, 8>(rows, vals, cols, ht, chunk),
                    2 => rows_axpy::<_, 2, 4>(rows, vals, cols, ht, chunk),
                    3 => rows_axpy::<_, 3, 3>(rows, vals, cols, ht, chunk),
                    4 => rows_axpy::<_, 4, 2>(rows, vals, cols, ht, chunk),
                    5 => rows_axpy::<_, 5, 1>(rows, vals, cols, ht, chunk),
                    6 => rows_axpy::<_, 6, 1>(rows, vals, cols, ht, chunk),
                    7 => rows_axpy::<_, 7, 1>(rows, vals, cols, ht, chunk),
                    _ => rows_axpy::<_, 8, 1>(rows, vals, cols, ht, chunk),
                }
            }));
            add_transposed(pre, acc, bb, n, p, act);
        })
    })
}

/// For each row r of `rows` (its pointers): out[r] (8W lanes) = Σ_e v[e] · ht[c[e]], in U
/// independent accumulators (enough chains to keep both FMA ports busy) combined in order.
#[inline(always)]
fn rows_axpy<I: ColIndex, const W: usize, const U: usize>(rows: &[u32], vals: &[f32], cols: &[I], ht: &[f32], out: &mut [f32]) {
    for (r, o) in out.chunks_exact_mut(8 * W).enumerate() {
        let (a, b) = (rows[r] as usize, rows[r + 1] as usize);
        let (v, c) = (&vals[a..b], &cols[a..b]);
        let mut acc = [[F8::zero(); W]; U];
        let (vu, vt) = v.as_chunks::<U>();
        let (cu, ct) = c.as_chunks::<U>();
        for (v, c) in vu.iter().zip(cu) {
            for u in 0..U {
                let (s, x) = (F8::splat(v[u]), row::<W>(ht, c[u].idx()));
                for q in 0..W {
                    acc[u][q] = acc[u][q].mul_add(s, x[q]);
                }
            }
        }
        for (v, c) in vt.iter().zip(ct) {
            let (s, x) = (F8::splat(*v), row::<W>(ht, c.idx()));
            for q in 0..W {
                acc[0][q] = acc[0][q].mul_add(s, x[q]);
            }
        }
        for (q, o) in o.as_chunks_mut::<8>().0.iter_mut().enumerate() {
            acc[1..].iter().fold(acc[0][q], |s, a| s.add(a[q])).store(o);
        }
    }
}

#[cfg(test)]
#[path = "kernels_tests.rs"]
mod tests;
