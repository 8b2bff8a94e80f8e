//! Few-row products against a matrix that is reused many times: the recurrent step
//! `g (B, G·H) += h (B, H) · W_hhᵀ` and its backward `dh (B, H) = dg (B, G·H) · W_hh`, run once
//! per time step with the same weights. A general GEMM re-packs W on every call, which for a
//! small batch (B = 20 in the word LM) costs as much as the product itself; here op(W) is
//! packed once per sequence into 32-column panels and an AVX-512 kernel streams them.
//!
//! Measured on this project's 2-core VM (2 threads, `cargo run --release -p geosparse-engine
//! --example packed_gemm`): 20×650×2600 0.27 ms vs faer's 0.54 ms; 20×2600×650 0.33 vs 0.40.
//!
//! Each output entry is one sum over k in increasing order, whatever the thread count, so the
//! results do not depend on it. Two kernels read the same panels: AVX-512 (12 rows × 32
//! columns per call) and, on CPUs without it, AVX2 + FMA (`packed_avx2`, 6 × 16); they give
//! the same bits. `GEOSPARSE_NO_AVX512=1` selects the AVX2 kernel on an AVX-512 CPU (to test
//! or time it). Without either [`PackedB::new`] returns `None` and callers use [`super::gemm`].
//!
//! ```
//! use geosparse_engine::ops::{gemm_naive, PackedB, Trans};
//! let (m, k, n) = (3, 4, 5);
//! let a: Vec<f32> = (0..m * k).map(|i| i as f32 * 0.1).collect();
//! let w: Vec<f32> = (0..n * k).map(|i| 1.0 - i as f32 * 0.05).collect(); // (n, k)
//! if let Some(p) = PackedB::new(&w, Trans::Yes, k, n) {
//!     let mut c = vec![0f32; m * n];
//!     p.gemm(&mut c, &a, m, false); // C = A Wᵀ
//!     let mut r = vec![0f32; m * n];
//!     gemm_naive(&mut r, &a, Trans::No, &w, Trans::Yes, m, k, n, false);
//!     assert!(c.iter().zip(&r).all(|(x, y)| (x - y).abs() < 1e-5));
//! }
//! ```

use super::packed_avx2;
use super::{PAR_FLOPS, Trans};
use rayon::prelude::*;

/// Columns per panel (two 16-lane vectors).
pub(super) const NR: usize = 32;
/// Most rows of A per AVX-512 kernel call (2·MR accumulators + 3 live registers ≤ 32).
const MR_MAX: usize = 12;

/// The instruction set a packed product runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    Avx512,
    /// AVX2 + FMA.
    Avx2,
}

impl Isa {
    /// Whether this CPU has it.
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
                Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = self;
            false
        }
    }

    /// The best kernel of this CPU (AVX-512, else AVX2 + FMA; `GEOSPARSE_NO_AVX512` skips
    /// AVX-512), or None.
    pub fn detect() -> Option<Isa> {
        static BEST: std::sync::OnceLock<Option<Isa>> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| {
            let no512 = std::env::var_os("GEOSPARSE_NO_AVX512").is_some_and(|v| !v.is_empty() && v != "0");
            [Isa::Avx512, Isa::Avx2].into_iter().filter(|&i| !(no512 && i == Isa::Avx512)).find(|i| i.available())
        })
    }

    fn rows_per_call(self) -> usize {
        match self {
            Isa::Avx512 => MR_MAX,
            Isa::Avx2 => packed_avx2::MR_MAX,
        }
    }
}

/// Whether packing pays off: at most 256 rows (measured with the AVX-512 kernel: 1.6-2× faer at
/// 20 rows, 1.0-1.2× at 64-200; larger batches were not measured), the matrix is used at least
/// 4 times, and the CPU has one of the kernels.
pub fn worth_packing(rows: usize, uses: usize) -> bool {
    rows <= 256 && uses >= 4 && Isa::detect().is_some()
}

/// op(B) (k, n) packed as ⌈n/32⌉ panels of (k, 32), zero-padded on the right.
#[derive(Debug, Clone)]
pub struct PackedB {
    k: usize,
    n: usize,
    panels: Vec<f32>,
    isa: Isa,
}

impl PackedB {
    /// Packs op(B) (k, n), B stored (k, n) for `Trans::No` or (n, k) for `Trans::Yes`, for the
    /// best kernel of this CPU. `None` when it has neither AVX-512 nor AVX2 + FMA.
    pub fn new(b: &[f32], tb: Trans, k: usize, n: usize) -> Option<Self> {
        Self::with_isa(b, tb, k, n, Isa::detect()?)
    }

    /// [`Self::new`] for a given kernel; `None` when the CPU lacks it.
    pub fn with_isa(b: &[f32], tb: Trans, k: usize, n: usize, isa: Isa) -> Option<Self> {
        assert_eq!(b.len(), k * n, "PackedB: B is not {k}×{n}");
        if !isa.available() {
            return None;
        }
        let np = n.div_ceil(NR);
        let mut panels = vec![0f32; np * k * NR];
        let pack = |(pi, panel): (usize, &mut [f32])| {
            let j0 = pi * NR;
            let w = NR.min(n - j0);
            match tb {
                Trans::No => {
                    for (kk, dst) in panel.chunks_exact_mut(NR).enumerate() {
                        dst[..w].copy_from_slice(&b[kk * n + j0..kk * n + j0 + w]);
                    }
                }
                Trans::Yes => {
                    // column j of op(B) is row j of B: 64-long pieces of 32 rows of B are
                    // scattered into an 8 KB block of the panel, which stays in L1
                    for k0 in (0..k).step_by(64) {
                        let k1 = (k0 + 64).min(k);
                        for c in 0..w {
                            let row = &b[(j0 + c) * k + k0..(j0 + c) * k + k1];
                            for (kk, &v) in (k0..k1).zip(row) {
                                panel[kk * NR + c] = v;
                            }
                        }
                    }
                }
            }
        };
        if k * n < PAR_FLOPS / 64 {
            panels.chunks_mut(k * NR).enumerate().for_each(pack);
        } else {
            panels.par_chunks_mut(k * NR).enumerate().for_each(pack);
        }
        Some(PackedB { k, n, panels, isa })
    }

    /// C (m, n) (+)= A (m, k) · op(B).
    pub fn gemm(&self, c: &mut [f32], a: &[f32], m: usize, accumulate: bool) {
        self.product(c, a, m, accumulate, false)
    }

    /// C = max(0, C (+) A · op(B)): the product with a ReLU applied as it is stored (an Elman
    /// ReLU step without a pass of its own). Equal, bit for bit, to [`Self::gemm`] then ReLU.
    pub fn gemm_relu(&self, c: &mut [f32], a: &[f32], m: usize, accumulate: bool) {
        self.product(c, a, m, accumulate, true)
    }

    fn product(&self, c: &mut [f32], a: &[f32], m: usize, accumulate: bool, relu: bool) {
        let (k, n) = (self.k, self.n);
        assert_eq!(a.len(), m * k, "PackedB::gemm: A is not {m}×{k}");
        assert_eq!(c.len(), m * n, "PackedB::gemm: C is not {m}×{n}");
        if m == 0 || n == 0 {
            return;
        }
        let _t = crate::profile::scope_with(|| format!("packed {m}x{k}x{n}"));
        let np = n.div_ceil(NR);
        let threads = if m * k * n < PAR_FLOPS {
            1
        } else {
            rayon::current_num_threads().min(np)
        };
        let c_addr = c.as_mut_ptr() as usize;
        let run = |p0: usize, p1: usize| {
            for pi in p0..p1 {
                // SAFETY: panel pi writes only columns pi·32 .. pi·32 + w of C's m rows; panel
                // ranges are disjoint across tasks, and C outlives the scope below.
                unsafe { self.panel(c_addr as *mut f32, a, m, pi, accumulate, relu) };
            }
        };
        if threads <= 1 {
            run(0, np);
        } else {
            (0..threads)
                .into_par_iter()
                .for_each(|t| run(t * np / threads, (t + 1) * np / threads));
        }
    }

    /// All rows of C for panel `pi`, in row blocks of at most 12.
    ///
    /// # Safety
    /// `c` points to an (m, n) row-major buffer; no other thread touches this panel's columns.
    unsafe fn panel(&self, c: *mut f32, a: &[f32], m: usize, pi: usize, accumulate: bool, relu: bool) {
        let (k, n) = (self.k, self.n);
        let j0 = pi * NR;
        let w = NR.min(n - j0);
        let p = &self.panels[pi * k * NR..(pi + 1) * k * NR];
        let blocks = m.div_ceil(self.isa.rows_per_call());
        let mut i0 = 0;
        for blk in 0..blocks {
            let i1 = (blk + 1) * m / blocks;
            let rows = &a[i0 * k..i1 * k];
            // SAFETY: rows i0..i1 of C, columns j0..j0+w, are inside the buffer.
            unsafe {
                let cp = c.add(i0 * n + j0);
                micro_dispatch(self.isa, i1 - i0, k, rows, p, cp, n, w, accumulate, relu);
            }
            i0 = i1;
        }
    }
}

/// Calls the kernel of `isa` for `mr` rows (1..=12 for AVX-512, 1..=6 for AVX2).
///
/// # Safety
/// `isa` is available (checked by [`PackedB::with_isa`]); `c` has `mr` rows of stride `ldc`
/// with `w` writable columns; `a` holds `mr` rows of `k`; `p` holds (k, 32).
#[allow(clippy::too_many_arguments)]
unsafe fn micro_dispatch(
    isa: Isa,
    mr: usize,
    k: usize,
    a: &[f32],
    p: &[f32],
    c: *mut f32,
    ldc: usize,
    w: usize,
    acc: bool,
    relu: bool,
) {
    debug_assert!(a.len() == mr * k && p.len() == k * NR);
    macro_rules! go {
        ($kernel:ident; $($r:literal)*) => {
            match (mr, relu) {
                $(($r, false) => unsafe { $kernel::micro::<$r, false>(k, a.as_ptr(), p.as_ptr(), c, ldc, w, acc) },
                  ($r, true) => unsafe { $kernel::micro::<$r, true>(k, a.as_ptr(), p.as_ptr(), c, ldc, w, acc) },)*
                _ => unreachable!("row block of {mr}"),
            }
        };
    }
    match isa {
        Isa::Avx512 => go!(avx512; 1 2 3 4 5 6 7 8 9 10 11 12),
        Isa::Avx2 => go!(packed_avx2; 1 2 3 4 5 6),
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::NR;
    use std::arch::x86_64::*;

    /// C (MR, w) (+)= A (MR, k) · P (k, 32)[:, ..w]; accumulators stay in registers over k.
    /// With `RELU`, max(·, 0) is applied before the store.
    ///
    /// # Safety
    /// AVX-512F; pointers as in [`super::micro_dispatch`].
    #[target_feature(enable = "avx512f")]
    pub unsafe fn micro<const MR: usize, const RELU: bool>(
        k: usize,
        a: *const f32,
        p: *const f32,
        c: *mut f32,
        ldc: usize,
        w: usize,
        accumulate: bool,
    ) {
        unsafe {
            let mut lo = [_mm512_setzero_ps(); MR];
            let mut hi = [_mm512_setzero_ps(); MR];
            for kk in 0..k {
                let b0 = _mm512_loadu_ps(p.add(kk * NR));
                let b1 = _mm512_loadu_ps(p.add(kk * NR + 16));
                for i in 0..MR {
                    let av = _mm512_set1_ps(*a.add(i * k + kk));
                    lo[i] = _mm512_fmadd_ps(av, b0, lo[i]);
                    hi[i] = _mm512_fmadd_ps(av, b1, hi[i]);
                }
            }
            let m0: __mmask16 = if w >= 16 {
                0xffff
            } else {
                ((1u32 << w) - 1) as u16
            };
            let m1: __mmask16 = if w >= 32 {
                0xffff
            } else if w > 16 {
                ((1u32 << (w - 16)) - 1) as u16
            } else {
                0
            };
            for i in 0..MR {
                let cp = c.add(i * ldc);
                let (mut v0, mut v1) = (lo[i], hi[i]);
                if accumulate {
                    v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cp));
                    v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cp.add(16)));
                }
                if RELU {
                    // as `f32::max(v, 0.0)`: a NaN lane becomes 0 (maxps returns its second
                    // operand when either is NaN)
                    v0 = _mm512_max_ps(v0, _mm512_setzero_ps());
                    v1 = _mm512_max_ps(v1, _mm512_setzero_ps());
                }
                _mm512_mask_storeu_ps(cp, m0, v0);
                _mm512_mask_storeu_ps(cp.add(16), m1, v1);
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod avx512 {
    /// Never called: [`super::PackedB::new`] returns `None` off x86-64.
    pub unsafe fn micro<const MR: usize, const RELU: bool>(
        _: usize,
        _: *const f32,
        _: *const f32,
        _: *mut f32,
        _: usize,
        _: usize,
        _: bool,
    ) {
        unreachable!()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::gemm_naive;
    use proptest::prelude::*;

    fn vals(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                (((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) % 2000) as f32
                    / 1000.0
                    - 1.0
            })
            .collect()
    }

    fn check(m: usize, k: usize, n: usize, tb: Trans, accumulate: bool) {
        let a = vals(m * k, 1);
        let b = vals(k * n, 2);
        let mut r = vals(m * n, 3);
        let c0 = r.clone();
        gemm_naive(&mut r, &a, Trans::No, &b, tb, m, k, n, accumulate);
        let mut results = Vec::new();
        for isa in [Isa::Avx512, Isa::Avx2] {
            let Some(p) = PackedB::with_isa(&b, tb, k, n, isa) else {
                eprintln!("no {isa:?} on this CPU: that packed kernel is not used, nothing to check");
                continue;
            };
            let mut c = c0.clone();
            p.gemm(&mut c, &a, m, accumulate);
            for (i, (x, y)) in c.iter().zip(&r).enumerate() {
                assert!(
                    (x - y).abs() <= 1e-5 * (k as f32).sqrt() * (1.0 + y.abs()),
                    "{isa:?} {m}x{k}x{n} {tb:?} acc={accumulate} [{i}]: {x} vs {y}"
                );
            }
            results.push(c);
        }
        // both kernels run the same fused multiply-add chain per output: the same bits
        if let [x, y] = &results[..] {
            assert_eq!(x, y, "AVX-512 and AVX2 differ at {m}x{k}x{n}");
        }
    }

    #[test]
    fn lm_shapes_match_naive_on_several_threads() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        pool.install(|| {
            check(20, 650, 2600, Trans::Yes, true);
            check(20, 2600, 650, Trans::No, false);
        });
    }

    #[test]
    fn result_does_not_depend_on_thread_count() {
        let (m, k, n) = (20, 300, 1000);
        let (a, b) = (vals(m * k, 4), vals(k * n, 5));
        for isa in [Isa::Avx512, Isa::Avx2] {
            let Some(p) = PackedB::with_isa(&b, Trans::Yes, k, n, isa) else {
                continue;
            };
            check_threads(&p, &a, m, n);
        }
    }

    fn check_threads(p: &PackedB, a: &[f32], m: usize, n: usize) {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut c = vec![0f32; m * n];
            pool.install(|| p.gemm(&mut c, a, m, false));
            c
        };
        assert_eq!(run(1), run(2));
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn relu_product_equals_product_then_relu() {
        let shapes = [(20, 300, 1000, Trans::Yes), (13, 70, 45, Trans::No), (200, 64, 96, Trans::Yes)];
        for ((m, k, n, tb), isa) in shapes.into_iter().flat_map(|s| [(s, Isa::Avx512), (s, Isa::Avx2)]) {
            let (a, b) = (vals(m * k, 6), vals(k * n, 7));
            let Some(p) = PackedB::with_isa(&b, tb, k, n, isa) else {
                continue;
            };
            for accumulate in [false, true] {
                let c0 = vals(m * n, 8);
                let (mut plain, mut fused) = (c0.clone(), c0.clone());
                p.gemm(&mut plain, &a, m, accumulate);
                plain.iter_mut().for_each(|v| *v = v.max(0.0));
                p.gemm_relu(&mut fused, &a, m, accumulate);
                assert_eq!(fused, plain, "{m}x{k}x{n} acc={accumulate}");
                assert!(fused.contains(&0.0) && fused.iter().any(|&v| v > 0.0));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn matches_naive(m in 1usize..40, k in 1usize..70, n in 1usize..100, t in any::<bool>(), acc in any::<bool>()) {
            check(m, k, n, if t { Trans::Yes } else { Trans::No }, acc);
        }
    }
}
