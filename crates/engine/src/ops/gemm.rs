//! Dense products through faer, with the shape rules that make them fast here (see [`gemm`]).
//!
//! ```
//! use geosparse_engine::ops::{gemm, gemm_naive, Trans};
//! let a = [1.0f32, 2.0, 3.0, 4.0];
//! let mut c1 = [0.0f32; 4];
//! let mut c2 = [0.0f32; 4];
//! gemm(&mut c1, &a, Trans::Yes, &a, Trans::No, 2, 2, 2, false);
//! gemm_naive(&mut c2, &a, Trans::Yes, &a, Trans::No, 2, 2, 2, false);
//! assert_eq!(c1, c2);
//! ```

use super::{PAR_ELEMS, PAR_FLOPS, Trans, for_rows};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

fn view(x: &[f32], t: Trans, rows: usize, cols: usize) -> MatRef<'_, f32> {
    // op(X) is (rows, cols); X is stored (rows, cols) or (cols, rows).
    match t {
        Trans::No => MatRef::from_row_major_slice(x, rows, cols),
        Trans::Yes => MatRef::from_row_major_slice(x, cols, rows).transpose(),
    }
}

/// Rows of k handled per transposed-A block (see [`gemm`]).
const KC: usize = 1024;

/// C (m, n) = op(A) (m, k) · op(B) (k, n), added to C when `accumulate`.
///
/// Shape rules, measured on this engine's shapes (2 cores, faer 0.24; README, Benchmarks):
/// * with several threads, the larger of m and n is split into one contiguous part per thread
///   and each part is a *sequential* faer product: each core keeps its share of the operands
///   in cache, and no synchronisation happens inside (200×2048×2048: 259 vs 200 GFLOP/s with
///   faer's own parallel split; 4000×2048×512: 354 vs 285);
/// * a large transposed A (≥ 1 M entries) meeting a wide B (n ≥ 1024) — the recurrent weight
///   gradient Σ_t δ_tᵀ h_{t−1}, the navigation decoder's gradient — is first copied to Aᵀ in
///   blocks of 1024 k-rows, since faer packs such an A slowly (2048×4000×2048: 239 vs 152
///   GFLOP/s; 512×4000×2048: 35.8 vs 29.0 ms in the training step). With a narrow B the copy
///   costs more than it saves (the LM decoder's 10000×700×650: 33 vs 67 ms);
/// * below 8 M multiply-adds a product runs on the calling thread (waking the pool costs more).
///
/// Every output entry is computed by one sequential call whose shape depends only on the
/// problem and the thread count, so results are bit-identical for a given thread count.
#[allow(clippy::too_many_arguments)]
pub fn gemm(c: &mut [f32], a: &[f32], ta: Trans, b: &[f32], tb: Trans, m: usize, k: usize, n: usize, accumulate: bool) {
    assert_eq!(c.len(), m * n, "gemm: C is not {m}×{n}");
    assert_eq!(a.len(), m * k, "gemm: A is not {m}×{k}");
    assert_eq!(b.len(), k * n, "gemm: B is not {k}×{n}");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    let _t = crate::profile::scope_with(|| format!("gemm {m}x{k}x{n} {ta:?}{tb:?}"));
    if k <= SKINNY && ta == Trans::No {
        return rank_k_update(c, a, b, tb, m, k, n, accumulate);
    }
    if n <= SKINNY && ta == Trans::Yes && tb == Trans::No {
        return skinny_at_b(c, a, b, m, k, n, accumulate);
    }
    let acc = if accumulate { Accum::Add } else { Accum::Replace };
    if ta == Trans::Yes && m * k >= 1 << 20 && n >= 1024 {
        // A is stored (k, m): transpose KC-row blocks into (m, KC) and accumulate.
        let mut at = vec![0f32; m * KC];
        for (blk, k0) in (0..k).step_by(KC).enumerate() {
            let kc = KC.min(k - k0);
            let at = &mut at[..m * kc];
            transpose_into(&a[k0 * m..(k0 + kc) * m], kc, m, at);
            let bv = view(b, tb, k, n).subrows(k0, kc);
            let acc = if accumulate || blk > 0 { Accum::Add } else { Accum::Replace };
            split_matmul(MatMut::from_row_major_slice_mut(c, m, n), acc, MatRef::from_row_major_slice(at, m, kc), bv);
        }
        return;
    }
    split_matmul(MatMut::from_row_major_slice_mut(c, m, n), acc, view(a, ta, m, k), view(b, tb, k, n));
}

/// Inner or outer dimensions up to this size use the memory-bound kernels below (faer spends
/// 5–12 ms on the navigation net's 4000×2×2048 input projection and its 2048×4000×2 gradient,
/// which stream 32 MB and take ~3 ms this way).
const SKINNY: usize = 4;

/// C (m, n) (+)= A (m, k) · op(B) (k, n) for tiny k: one pass over C, rows in parallel.
#[allow(clippy::too_many_arguments)]
fn rank_k_update(c: &mut [f32], a: &[f32], b: &[f32], tb: Trans, m: usize, k: usize, n: usize, accumulate: bool) {
    // rows of op(B), contiguous: (k, n)
    let bt: Vec<f32> = match tb {
        Trans::No => b.to_vec(),
        Trans::Yes => (0..k).flat_map(|p| (0..n).map(move |j| b[j * k + p])).collect(),
    };
    let _ = m;
    for_rows(c, n, |i, row| {
        if !accumulate {
            row.fill(0.0);
        }
        for p in 0..k {
            let x = a[i * k + p];
            row.iter_mut().zip(&bt[p * n..(p + 1) * n]).for_each(|(cv, &bv)| *cv += x * bv);
        }
    });
}

/// C (m, n) (+)= Aᵀ B for A stored (k, m), B (k, n), tiny n: threads own column blocks of A
/// and stream its rows in order (deterministic).
fn skinny_at_b(c: &mut [f32], a: &[f32], b: &[f32], m: usize, k: usize, n: usize, accumulate: bool) {
    const BLK: usize = 256;
    let mut ct = vec![0f32; n * m]; // Cᵀ (n, m)
    let blocks = m.div_ceil(BLK);
    let work = |blk: usize| -> Vec<f32> {
        let (i0, i1) = (blk * BLK, ((blk + 1) * BLK).min(m));
        let w = i1 - i0;
        let mut acc = vec![0f32; n * w];
        for p in 0..k {
            let arow = &a[p * m + i0..p * m + i1];
            for j in 0..n {
                let bv = b[p * n + j];
                acc[j * w..(j + 1) * w].iter_mut().zip(arow).for_each(|(s, &x)| *s += x * bv);
            }
        }
        acc
    };
    let parts: Vec<Vec<f32>> = if m * k < PAR_ELEMS { (0..blocks).map(work).collect() } else { (0..blocks).into_par_iter().map(work).collect() };
    for (blk, part) in parts.iter().enumerate() {
        let (i0, i1) = (blk * BLK, ((blk + 1) * BLK).min(m));
        let w = i1 - i0;
        for j in 0..n {
            ct[j * m + i0..j * m + i1].copy_from_slice(&part[j * w..(j + 1) * w]);
        }
    }
    for i in 0..m {
        for j in 0..n {
            let v = ct[j * m + i];
            c[i * n + j] = if accumulate { c[i * n + j] + v } else { v };
        }
    }
}

/// One sequential faer product per thread over a split of C's larger dimension.
fn split_matmul(c: MatMut<'_, f32>, acc: Accum, a: MatRef<'_, f32>, b: MatRef<'_, f32>) {
    let (m, n, k) = (c.nrows(), c.ncols(), a.ncols());
    let threads = rayon::current_num_threads();
    let parts = if m * n * k < PAR_FLOPS { 1 } else { threads.min(m.max(n) / 32).max(1) };
    if parts == 1 {
        matmul(c, acc, a, b, 1.0f32, Par::Seq);
        clear_upper_state(false);
        return;
    }
    let by_rows = m >= n;
    let len = if by_rows { m } else { n };
    let mut pieces = Vec::with_capacity(parts);
    let mut rest = c;
    let mut start = 0;
    for p in 0..parts {
        let end = (p + 1) * len / parts;
        let w = end - start;
        if by_rows {
            let (top, bottom) = rest.split_at_row_mut(w);
            pieces.push((top, a.subrows(start, w), b));
            rest = bottom;
        } else {
            let (left, right) = rest.split_at_col_mut(w);
            pieces.push((left, a, b.subcols(start, w)));
            rest = right;
        }
        start = end;
    }
    pieces.into_par_iter().for_each(|(cp, ap, bp)| {
        matmul(cp, acc, ap, bp, 1.0f32, Par::Seq);
        clear_upper_state(false);
    });
}

/// dst (cols, rows) = srcᵀ for src (rows, cols), row-major, in cache-sized tiles, in parallel.
pub fn transpose_into(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    assert_eq!(src.len(), rows * cols);
    assert_eq!(dst.len(), rows * cols);
    const T: usize = 32;
    let work = |(jb, d): (usize, &mut [f32])| {
        // d holds dst rows jb·T .. jb·T + T (i.e. src columns)
        let j0 = jb * T;
        let jn = d.len() / rows;
        for i0 in (0..rows).step_by(T) {
            let i1 = (i0 + T).min(rows);
            for jj in 0..jn {
                let drow = &mut d[jj * rows..(jj + 1) * rows];
                for i in i0..i1 {
                    drow[i] = src[i * cols + j0 + jj];
                }
            }
        }
    };
    if rows * cols < PAR_ELEMS {
        dst.chunks_mut(T * rows).enumerate().for_each(work);
    } else {
        dst.par_chunks_mut(T * rows).enumerate().for_each(work);
    }
}

/// After faer's AVX-512 kernels, code compiled for baseline x86-64 (legacy SSE encoding) pays
/// a transition penalty until the upper register state is cleared. Builds for x86-64-v3 (this
/// repository's default, see .cargo/config.toml) are VEX-encoded and need nothing.
#[inline]
fn clear_upper_state(on_all_threads: bool) {
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx")))]
    {
        if std::arch::is_x86_feature_detected!("avx") {
            #[target_feature(enable = "avx")]
            fn zeroupper() {
                std::arch::x86_64::_mm256_zeroupper();
            }
            // SAFETY: AVX was detected at run time.
            let run = || unsafe { zeroupper() };
            if on_all_threads {
                rayon::broadcast(|_| run());
            }
            run();
        }
    }
    let _ = on_all_threads;
}

/// The naive triple loop `gemm` is tested against.
#[allow(clippy::too_many_arguments)]
pub fn gemm_naive(c: &mut [f32], a: &[f32], ta: Trans, b: &[f32], tb: Trans, m: usize, k: usize, n: usize, accumulate: bool) {
    for i in 0..m {
        for j in 0..n {
            let mut s = 0f64;
            for p in 0..k {
                let av = if ta == Trans::No { a[i * k + p] } else { a[p * m + i] };
                let bv = if tb == Trans::No { b[p * n + j] } else { b[j * k + p] };
                s += av as f64 * bv as f64;
            }
            c[i * n + j] = if accumulate { c[i * n + j] + s as f32 } else { s as f32 };
        }
    }
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
    fn gemm_matches_naive_for_all_transposes() {
        for (m, k, n) in [(1, 1, 1), (3, 5, 7), (64, 33, 17), (130, 257, 129)] {
            for ta in [Trans::No, Trans::Yes] {
                for tb in [Trans::No, Trans::Yes] {
                    for acc in [false, true] {
                        let a = rand_vec(m * k, 1);
                        let b = rand_vec(k * n, 2);
                        let mut c1 = rand_vec(m * n, 3);
                        let mut c2 = c1.clone();
                        gemm(&mut c1, &a, ta, &b, tb, m, k, n, acc);
                        gemm_naive(&mut c2, &a, ta, &b, tb, m, k, n, acc);
                        for (x, y) in c1.iter().zip(&c2) {
                            assert!((x - y).abs() < 1e-4 * (1.0 + y.abs()), "{m}x{k}x{n} {ta:?} {tb:?}: {x} vs {y}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn gemm_shape_rules_match_naive() {
        // shapes that take the column-split and the transposed-A block paths
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        pool.install(|| {
            for (m, k, n, ta, tb) in [
                (700, 2, 300, Trans::No, Trans::Yes),
                (700, 3, 300, Trans::No, Trans::No),
                (600, 900, 2, Trans::Yes, Trans::No),
                (40, 300, 900, Trans::No, Trans::Yes),
                (40, 300, 900, Trans::No, Trans::No),
                (300, 2500, 130, Trans::Yes, Trans::No),
                (300, 2500, 130, Trans::Yes, Trans::Yes),
            ] {
                for acc in [false, true] {
                    let a = rand_vec(m * k, 5);
                    let b = rand_vec(k * n, 6);
                    let mut c1 = rand_vec(m * n, 7);
                    let mut c2 = c1.clone();
                    gemm(&mut c1, &a, ta, &b, tb, m, k, n, acc);
                    gemm_naive(&mut c2, &a, ta, &b, tb, m, k, n, acc);
                    for (x, y) in c1.iter().zip(&c2) {
                        assert!((x - y).abs() < 1e-3 * (1.0 + y.abs()), "{m}x{k}x{n} {ta:?} {tb:?} acc={acc}: {x} vs {y}");
                    }
                }
            }
        });
    }

    #[test]
    fn transposed_a_block_path_matches_the_plain_product() {
        // m·k ≥ 1 M and n ≥ 1024 with k over two 1024-blocks: Aᵀ is copied block by block
        let (m, k, n) = (520, 2100, 1030);
        let a = rand_vec(k * m, 9); // stored (k, m)
        let b = rand_vec(k * n, 10);
        let mut at = vec![0f32; m * k];
        transpose_into(&a, k, m, &mut at);
        for acc in [false, true] {
            let mut c1 = rand_vec(m * n, 11);
            let mut c2 = c1.clone();
            gemm(&mut c1, &a, Trans::Yes, &b, Trans::No, m, k, n, acc);
            gemm(&mut c2, &at, Trans::No, &b, Trans::No, m, k, n, acc);
            for (x, y) in c1.iter().zip(&c2) {
                assert!((x - y).abs() < 1e-4 * (1.0 + y.abs()), "acc={acc}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn transpose_matches_naive() {
        let (r, c) = (67, 45);
        let x = rand_vec(r * c, 8);
        let mut t = vec![0f32; r * c];
        transpose_into(&x, r, c, &mut t);
        for i in 0..r {
            for j in 0..c {
                assert_eq!(t[j * r + i], x[i * c + j]);
            }
        }
    }

}
