//! The batch-1 row dot Σ_e v[e] · h[c[e]] for u16 column indices with the AVX2 gather: 8
//! entries per instruction instead of 8 scalar loads (measured 1.4–1.6× faster than the
//! bounds-checked scalar loop at N = 4096, 90–98 % sparsity, which brings the 90 % step to the
//! memory bandwidth; the scalar loop is used without AVX2 and for u32 indices).
//!
//! ```
//! use geosparse_engine::sparse::{Csr, Act, step};
//! let w = Csr::from_dense(&[1.0; 20], 1, 20); // one row: 2 gathers of 8 and a tail of 4
//! let h: Vec<f32> = (0..20).map(|v| v as f32).collect();
//! let mut out = [0.0f32];
//! step(&w, &h, &[0.0], &mut out, 1, Act::Identity);
//! assert_eq!(out, [190.0]);
//! ```

/// Σ v[e] · h[c[e]] in two 8-lane accumulators, added in a fixed order, plus a scalar tail.
///
/// # Safety
/// Every `c[e]` must be `< h.len()`.
#[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
#[inline(always)]
pub(crate) unsafe fn dot_u16(v: &[f32], c: &[u16], h: &[f32]) -> f32 {
    use std::arch::x86_64::*;
    debug_assert_eq!(v.len(), c.len());
    let (v8, vt) = v.as_chunks::<8>();
    let (c8, ct) = c.as_chunks::<8>();
    // SAFETY: the loads read whole 8-element chunks of `v` and `c`; the gathers read h[c[e]],
    // in bounds by this function's contract (indices are u16, so the i32 lanes are ≥ 0).
    let s = unsafe {
        let lane = |v: &[f32; 8], c: &[u16; 8]| {
            let idx = _mm256_cvtepu16_epi32(_mm_loadu_si128(c.as_ptr().cast()));
            (_mm256_loadu_ps(v.as_ptr()), _mm256_i32gather_ps::<4>(h.as_ptr(), idx))
        };
        let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        let pairs = v8.len() / 2;
        for k in 0..pairs {
            let (x0, g0) = lane(&v8[2 * k], &c8[2 * k]);
            let (x1, g1) = lane(&v8[2 * k + 1], &c8[2 * k + 1]);
            a0 = _mm256_fmadd_ps(x0, g0, a0);
            a1 = _mm256_fmadd_ps(x1, g1, a1);
        }
        if v8.len() % 2 == 1 {
            let (x0, g0) = lane(&v8[2 * pairs], &c8[2 * pairs]);
            a0 = _mm256_fmadd_ps(x0, g0, a0);
        }
        let mut t = [0f32; 8];
        _mm256_storeu_ps(t.as_mut_ptr(), _mm256_add_ps(a0, a1));
        ((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]))
    };
    let mut tail = 0f32;
    for (v, c) in vt.iter().zip(ct) {
        tail = v.mul_add(h[*c as usize], tail);
    }
    s + tail
}
