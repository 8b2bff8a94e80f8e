//! The batch-major ↔ lane-major moves around the batched kernels: h (B, K) → (K, P) with
//! zero lanes B..P, and pre (B, N) ← act(pre + accᵀ) from acc (N, P). Both run in 8×8 tiles
//! (AVX shuffles where built for AVX2: 2.7× faster than element-wise at B = 64, K = 4096,
//! where the element-wise copy took a tenth of a 98 %-sparse step), on several threads when
//! large. Each output element is written once, so the split never changes a result.
//!
//! ```
//! use geosparse_engine::sparse::{Act, Csr, step};
//! // a batch of 9 (two lane tiles, one partial) through the identity matrix
//! let w = Csr::from_dense(&[1.0, 0.0, 0.0, 1.0], 2, 2);
//! let h: Vec<f32> = (0..18).map(|v| v as f32).collect(); // (B = 9, K = 2)
//! let mut out = vec![0.0; 18];
//! step(&w, &h, &vec![0.0; 18], &mut out, 9, Act::Identity);
//! assert_eq!(out, h);
//! ```

use super::Act;
use super::par::for_chunks;
use super::simd::eight;

/// Below this many elements a move runs on one thread (lower in tests, as `PAR_WORK`).
const PAR_MOVE: usize = if cfg!(test) { 1 << 10 } else { 1 << 17 };

/// t[j][i] = rows[i][j].
#[inline(always)]
pub(crate) fn tr8(rows: [&[f32; 8]; 8]) -> [[f32; 8]; 8] {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    {
        tr8_avx(rows)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
    {
        tr8_portable(rows)
    }
}

#[cfg_attr(all(target_arch = "x86_64", target_feature = "avx2"), allow(dead_code))]
#[inline(always)]
fn tr8_portable(rows: [&[f32; 8]; 8]) -> [[f32; 8]; 8] {
    let mut t = [[0f32; 8]; 8];
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            t[j][i] = *v;
        }
    }
    t
}

#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(always)]
fn tr8_avx(rows: [&[f32; 8]; 8]) -> [[f32; 8]; 8] {
    use std::arch::x86_64::*;
    // SAFETY: each load reads one whole `[f32; 8]`; the stores write into `t`, 8 rows of 8.
    unsafe {
        let r: [__m256; 8] = std::array::from_fn(|i| _mm256_loadu_ps(rows[i].as_ptr()));
        let u = |a, b| (_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b));
        let ((t0, t1), (t2, t3), (t4, t5), (t6, t7)) = (u(r[0], r[1]), u(r[2], r[3]), u(r[4], r[5]), u(r[6], r[7]));
        let (s0, s1) = (_mm256_shuffle_ps::<0x44>(t0, t2), _mm256_shuffle_ps::<0xEE>(t0, t2));
        let (s2, s3) = (_mm256_shuffle_ps::<0x44>(t1, t3), _mm256_shuffle_ps::<0xEE>(t1, t3));
        let (s4, s5) = (_mm256_shuffle_ps::<0x44>(t4, t6), _mm256_shuffle_ps::<0xEE>(t4, t6));
        let (s6, s7) = (_mm256_shuffle_ps::<0x44>(t5, t7), _mm256_shuffle_ps::<0xEE>(t5, t7));
        let o = [
            _mm256_permute2f128_ps::<0x20>(s0, s4),
            _mm256_permute2f128_ps::<0x20>(s1, s5),
            _mm256_permute2f128_ps::<0x20>(s2, s6),
            _mm256_permute2f128_ps::<0x20>(s3, s7),
            _mm256_permute2f128_ps::<0x31>(s0, s4),
            _mm256_permute2f128_ps::<0x31>(s1, s5),
            _mm256_permute2f128_ps::<0x31>(s2, s6),
            _mm256_permute2f128_ps::<0x31>(s3, s7),
        ];
        let mut t = [[0f32; 8]; 8];
        for (t, o) in t.iter_mut().zip(o) {
            _mm256_storeu_ps(t.as_mut_ptr(), o);
        }
        t
    }
}

/// Cuts of `rows` rows (of `len` elements) into 8-row-aligned groups, one per task.
fn cuts(rows: usize, len: usize) -> Vec<usize> {
    let tasks = if rows * len < PAR_MOVE { 1 } else { (2 * rayon::current_num_threads()).min(rows.div_ceil(8)) };
    let mut c: Vec<usize> = (0..=tasks).map(|t| (t * rows.div_ceil(8) / tasks * 8).min(rows) * len).collect();
    c[tasks] = rows * len;
    c
}

/// dst (rows, p) = srcᵀ for src (b, rows) with b ≤ p, lanes b..p zero.
pub(crate) fn transpose_pad(src: &[f32], b: usize, rows: usize, p: usize, dst: &mut [f32]) {
    assert!(b <= p && src.len() == b * rows && dst.len() == rows * p, "transpose_pad: shapes");
    let b8 = b / 8 * 8;
    let cuts = cuts(rows, p);
    for_chunks(dst, &cuts, |part, d| {
        let (r0, r1) = (cuts[part] / p, cuts[part + 1] / p);
        let r8 = r0 + (r1 - r0) / 8 * 8;
        for i0 in (r0..r8).step_by(8) {
            for l0 in (0..b8).step_by(8) {
                let t = tr8(std::array::from_fn(|l| eight(src, (l0 + l) * rows + i0)));
                for (i, t) in t.iter().enumerate() {
                    d[(i0 - r0 + i) * p + l0..][..8].copy_from_slice(t);
                }
            }
        }
        for r in r0..r1 {
            let row = &mut d[(r - r0) * p..(r - r0 + 1) * p];
            for (l, v) in row[..b].iter_mut().enumerate().skip(if r < r8 { b8 } else { 0 }) {
                *v = src[l * rows + r];
            }
            row[b..].fill(0.0);
        }
    });
}

/// pre[b, i] ← act(pre[b, i] + acc[i, b]) for pre (bb, n), acc (n, p).
pub(crate) fn add_transposed(pre: &mut [f32], acc: &[f32], bb: usize, n: usize, p: usize, act: Act) {
    assert!(bb <= p && pre.len() == bb * n && acc.len() == n * p, "add_transposed: shapes");
    let n8 = n / 8 * 8;
    let cuts = cuts(bb, n);
    for_chunks(pre, &cuts, |part, rows| {
        let (b0, b1) = (cuts[part] / n.max(1), cuts[part + 1] / n.max(1));
        let b8 = b0 + (b1 - b0) / 8 * 8;
        for i0 in (0..n8).step_by(8) {
            for l0 in (b0..b8).step_by(8) {
                let t = tr8(std::array::from_fn(|i| eight(acc, (i0 + i) * p + l0)));
                for (l, t) in t.iter().enumerate() {
                    let o = &mut rows[(l0 - b0 + l) * n + i0..][..8];
                    o.iter_mut().zip(t).for_each(|(o, t)| *o = act.apply(*o + t));
                }
            }
        }
        for b in b0..b1 {
            let row = &mut rows[(b - b0) * n..(b - b0 + 1) * n];
            let from = if b < b8 { n8 } else { 0 };
            for (i, o) in row.iter_mut().enumerate().skip(from) {
                *o = act.apply(*o + acc[i * p + b]);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sparse::testutil::{rand_vec, with_threads};

    #[test]
    fn tile_transposes_agree() {
        let m: Vec<[f32; 8]> = (0..8).map(|i| std::array::from_fn(|j| (i * 8 + j) as f32)).collect();
        let rows: [&[f32; 8]; 8] = std::array::from_fn(|i| &m[i]);
        let t = tr8(rows);
        assert_eq!(t, tr8_portable(rows));
        assert_eq!((t[2][5], t[5][2]), (42.0, 21.0));
    }

    #[test]
    fn moves_match_element_wise_on_every_edge_and_thread_count() {
        for (b, rows) in [(1usize, 1usize), (3, 17), (8, 8), (9, 64), (64, 1000), (40, 1031)] {
            let p = b.next_power_of_two().max(8);
            let src = rand_vec(b * rows, 1);
            let acc = rand_vec(rows * p, 2);
            let pre = rand_vec(b * rows, 3);
            let run = |t| {
                with_threads(t, || {
                    let mut d = vec![7.0; rows * p];
                    transpose_pad(&src, b, rows, p, &mut d);
                    let mut o = pre.clone();
                    add_transposed(&mut o, &acc, b, rows, p, Act::Tanh);
                    (d, o)
                })
            };
            assert!(b * rows < PAR_MOVE || with_threads(3, || cuts(b, rows).len()) > 2, "{b}×{rows} must split");
            let (d, o) = run(1);
            assert_eq!((d.clone(), o.clone()), run(3));
            for r in 0..rows {
                for l in 0..p {
                    assert_eq!(d[r * p + l], if l < b { src[l * rows + r] } else { 0.0 });
                }
                for l in 0..b {
                    assert_eq!(o[l * rows + r], Act::Tanh.apply(pre[l * rows + r] + acc[r * p + l]));
                }
            }
        }
    }
}
