//! The kernel boundary: every matrix product, row-parallel elementwise pass and reduction of
//! the engine goes through these few functions (faer for GEMM, rayon for the rest), so another
//! backend (a GPU) can replace them without touching the cells.
//!
//! All matrices are row-major f32 slices. Reductions add fixed-size partial sums in a fixed
//! order, so results never depend on the thread count; faer's GEMM is deterministic for a
//! given thread count.
//!
//! ```
//! use geosparse_engine::ops::{gemm, Trans};
//! // C (2×2) = A (2×3) · Bᵀ with B stored (2×3)
//! let a = [1., 2., 3., 4., 5., 6.];
//! let b = [1., 0., 0., 0., 1., 0.];
//! let mut c = [0.0f32; 4];
//! gemm(&mut c, &a, Trans::No, &b, Trans::Yes, 2, 3, 2, false);
//! assert_eq!(c, [1., 2., 4., 5.]);
//! ```

mod gemm;
mod packed;
mod packed_avx2;

pub use gemm::{gemm, gemm_naive, transpose_into};
pub use packed::{Isa, PackedB, worth_packing};

use rayon::prelude::*;

/// Whether an operand is used as stored or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trans {
    No,
    Yes,
}

/// Below this many multiply-adds a product runs on one thread.
pub(crate) const PAR_FLOPS: usize = 1 << 23;
/// Elementwise passes below this many entries run on one thread.
pub(crate) const PAR_ELEMS: usize = 1 << 15;

/// Rows per task so that each task has at least `PAR_ELEMS` entries.
pub fn min_rows(row_len: usize) -> usize {
    (PAR_ELEMS / row_len.max(1)).max(1)
}

/// Runs `f(row_index, row)` over the rows of `x` (row length `row_len`), in parallel when large.
pub fn for_rows(x: &mut [f32], row_len: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    if x.len() < PAR_ELEMS {
        x.chunks_mut(row_len).enumerate().for_each(|(i, r)| f(i, r));
    } else {
        x.par_chunks_mut(row_len).with_min_len(min_rows(row_len)).enumerate().for_each(|(i, r)| f(i, r));
    }
}

/// Runs `f(row, a_row, b_row)` over matching rows of two buffers (row lengths `la`, `lb`).
pub fn for_rows2(
    a: &mut [f32],
    la: usize,
    b: &mut [f32],
    lb: usize,
    f: impl Fn(usize, &mut [f32], &mut [f32]) + Sync + Send,
) {
    assert_eq!(a.len() / la, b.len() / lb, "for_rows2: row counts differ");
    if a.len() + b.len() < PAR_ELEMS {
        a.chunks_mut(la).zip(b.chunks_mut(lb)).enumerate().for_each(|(i, (x, y))| f(i, x, y));
    } else {
        a.par_chunks_mut(la)
            .zip(b.par_chunks_mut(lb))
            .with_min_len(min_rows(la + lb))
            .enumerate()
            .for_each(|(i, (x, y))| f(i, x, y));
    }
}

/// Runs `f(row, a_row, b_row, c_row)` over matching rows of three buffers (row lengths `la`,
/// `lb`, `lc`).
#[allow(clippy::too_many_arguments)]
pub fn for_rows3(
    a: &mut [f32],
    la: usize,
    b: &mut [f32],
    lb: usize,
    c: &mut [f32],
    lc: usize,
    f: impl Fn(usize, &mut [f32], &mut [f32], &mut [f32]) + Sync + Send,
) {
    assert_eq!(a.len() / la, b.len() / lb, "for_rows3: row counts differ");
    assert_eq!(a.len() / la, c.len() / lc, "for_rows3: row counts differ");
    if a.len() + b.len() + c.len() < PAR_ELEMS {
        a.chunks_mut(la).zip(b.chunks_mut(lb)).zip(c.chunks_mut(lc)).enumerate().for_each(|(i, ((x, y), z))| f(i, x, y, z));
    } else {
        a.par_chunks_mut(la)
            .zip(b.par_chunks_mut(lb))
            .zip(c.par_chunks_mut(lc))
            .with_min_len(min_rows(la + lb + lc))
            .enumerate()
            .for_each(|(i, ((x, y), z))| f(i, x, y, z));
    }
}

/// y[i] += x[i] for all i (parallel when large).
pub fn add_assign(y: &mut [f32], x: &[f32]) {
    assert_eq!(y.len(), x.len());
    if y.len() < PAR_ELEMS {
        y.iter_mut().zip(x).for_each(|(a, b)| *a += b);
    } else {
        y.par_chunks_mut(PAR_ELEMS).zip(x.par_chunks(PAR_ELEMS)).for_each(|(a, b)| a.iter_mut().zip(b).for_each(|(a, b)| *a += b));
    }
}

/// x[i] = 0 for all i (parallel when large: a lone core cannot fill memory at full speed).
pub fn zero(x: &mut [f32]) {
    if x.len() < PAR_ELEMS {
        x.fill(0.0);
    } else {
        x.par_chunks_mut(PAR_ELEMS).for_each(|c| c.fill(0.0));
    }
}

/// y[i] *= x[i] for all i (parallel when large).
pub fn mul_assign(y: &mut [f32], x: &[f32]) {
    assert_eq!(y.len(), x.len());
    if y.len() < PAR_ELEMS {
        y.iter_mut().zip(x).for_each(|(a, b)| *a *= b);
    } else {
        y.par_chunks_mut(PAR_ELEMS).zip(x.par_chunks(PAR_ELEMS)).for_each(|(a, b)| a.iter_mut().zip(b).for_each(|(a, b)| *a *= b));
    }
}

/// out (cols) += Σ_rows x[row, :] — bias gradients. Parallel over column blocks, rows in order.
pub fn add_col_sums(out: &mut [f32], x: &[f32], rows: usize, cols: usize) {
    assert_eq!(out.len(), cols);
    assert_eq!(x.len(), rows * cols);
    const BLOCK: usize = 256;
    let work = |(b, o): (usize, &mut [f32])| {
        let c0 = b * BLOCK;
        let mut acc = vec![0f32; o.len()];
        for r in 0..rows {
            let row = &x[r * cols + c0..r * cols + c0 + o.len()];
            acc.iter_mut().zip(row).for_each(|(a, v)| *a += v);
        }
        o.iter_mut().zip(&acc).for_each(|(o, a)| *o += a);
    };
    if rows * cols < PAR_ELEMS {
        out.chunks_mut(BLOCK).enumerate().for_each(work);
    } else {
        out.par_chunks_mut(BLOCK).enumerate().for_each(work);
    }
}

/// Adds `bias` (cols) to every row of `x` (rows × cols).
pub fn add_row_bias(x: &mut [f32], bias: &[f32]) {
    let cols = bias.len();
    for_rows(x, cols, |_, r| r.iter_mut().zip(bias).for_each(|(v, b)| *v += b));
}

/// Σ f(row) over rows in f64, deterministic: per-row values summed in row order.
pub fn sum_rows(rows: usize, f: impl Fn(usize) -> f64 + Sync + Send) -> f64 {
    let per: Vec<f64> = if rows < 64 { (0..rows).map(&f).collect() } else { (0..rows).into_par_iter().with_min_len(16).map(&f).collect() };
    per.iter().sum()
}

/// Σ x² in f64, deterministic.
pub fn sum_squares(x: &[f32]) -> f64 {
    const C: usize = 1 << 14;
    let per: Vec<f64> = x.par_chunks(C).map(sum_squares_seq).collect();
    per.iter().sum()
}

/// Σ x² on the calling thread, the unit of [`sum_squares`]: 16 f32 lanes over blocks of 1024
/// (each lane adds 64 squares, in a fixed order, and vectorises), lanes and blocks added in f64.
pub fn sum_squares_seq(x: &[f32]) -> f64 {
    let mut total = 0f64;
    for blk in x.chunks(1024) {
        let mut acc = [0f32; 16];
        let mut it = blk.chunks_exact(16);
        for c in &mut it {
            for l in 0..16 {
                acc[l] += c[l] * c[l];
            }
        }
        for (l, v) in it.remainder().iter().enumerate() {
            acc[l] += v * v;
        }
        total += acc.iter().map(|&a| a as f64).sum::<f64>();
    }
    total
}

/// x *= s.
pub fn scale(x: &mut [f32], s: f32) {
    if x.len() < PAR_ELEMS {
        x.iter_mut().for_each(|v| *v *= s);
    } else {
        x.par_iter_mut().with_min_len(PAR_ELEMS).for_each(|v| *v *= s);
    }
}

pub use crate::math::{sigmoid, tanh};

/// Replaces each z by e^(z − shift) and returns their sum ([`lane_sum`]).
#[inline]
pub fn exp_shift_sum(z: &mut [f32], shift: f32) -> f32 {
    // a plain elementwise loop vectorises cleanly; the sum is a second pass over the (cached) row
    z.iter_mut().for_each(|v| *v = crate::math::exp(*v - shift));
    lane_sum(z)
}

/// Σ x in 16 f32 lanes (a fixed order that vectorises), lanes then the tail added in order.
#[inline]
pub fn lane_sum(x: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let mut chunks = x.chunks_exact(16);
    for c in &mut chunks {
        for l in 0..16 {
            acc[l] += c[l];
        }
    }
    acc.iter().chain(chunks.remainder()).sum()
}

/// Σ a·b in f64, in 8 lanes (a fixed order that vectorises).
#[inline]
pub fn dot_f64(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mut acc = [0f64; 8];
    let (mut ca, mut cb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..8 {
            acc[l] += x[l] as f64 * y[l] as f64;
        }
    }
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(&x, &y)| x as f64 * y as f64).sum();
    acc.iter().sum::<f64>() + tail
}

/// Largest value and its first index.
#[inline]
pub fn max_index(z: &[f32]) -> (f32, usize) {
    // 16 independent lanes (one running max is a 4-cycle dependency chain per element)
    let mut lanes = [f32::NEG_INFINITY; 16];
    let mut chunks = z.chunks_exact(16);
    for c in &mut chunks {
        for l in 0..16 {
            lanes[l] = lanes[l].max(c[l]);
        }
    }
    let m = chunks.remainder().iter().chain(&lanes).copied().fold(f32::NEG_INFINITY, f32::max);
    (m, z.iter().position(|&v| v == m).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn rand_vec(n: usize, seed: u64) -> Vec<f32> {
        let mut r = rand::rngs::StdRng::seed_from_u64(seed);
        (0..n).map(|_| r.random::<f32>() - 0.5).collect()
    }

    #[test]
    fn col_sums_and_reductions_are_thread_independent() {
        let x = rand_vec(300 * 517, 4);
        let run = |t| {
            rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap().install(|| {
                let mut o = vec![0f32; 517];
                add_col_sums(&mut o, &x, 300, 517);
                (o, sum_squares(&x).to_bits())
            })
        };
        assert_eq!(run(1), run(2));
        let (o, _) = run(2);
        let naive: f32 = (0..300).map(|r| x[r * 517 + 5]).sum();
        assert!((o[5] - naive).abs() < 1e-4);
    }
}
