//! The AVX2 + FMA micro-kernel of [`super::PackedB`], for CPUs without AVX-512 (this project's
//! AMD Zen 3 machines). It reads the same 32-column panels as the AVX-512 kernel, as two
//! 16-column halves of 2 × 8 lanes each, with up to 6 rows of A per call (12 accumulators + 2
//! panel vectors + 1 broadcast = 15 of the 16 ymm registers). Every output lane is the same
//! chain of fused multiply-adds over k in increasing order as in the AVX-512 kernel, so both
//! give the same bits (tested).
//!
//! ```
//! // reached through PackedB (see ops::packed); `GEOSPARSE_NO_AVX512=1` selects it on an
//! // AVX-512 CPU too
//! ```

use super::packed::NR;

/// Most rows of A per call.
pub(super) const MR_MAX: usize = 6;

/// C (MR, w) (+)= A (MR, k) · P (k, 32)[:, ..w]; with `RELU`, max(·, 0) before the store.
///
/// # Safety
/// AVX2 and FMA are available; `a` holds MR rows of k, `p` (k, 32), `c` MR rows of stride
/// `ldc` with `w` writable columns.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn micro<const MR: usize, const RELU: bool>(
    k: usize,
    a: *const f32,
    p: *const f32,
    c: *mut f32,
    ldc: usize,
    w: usize,
    accumulate: bool,
) {
    use std::arch::x86_64::*;
    unsafe {
        for h0 in [0, 16] {
            if h0 >= w {
                break;
            }
            let mut lo = [_mm256_setzero_ps(); MR];
            let mut hi = [_mm256_setzero_ps(); MR];
            for kk in 0..k {
                let b0 = _mm256_loadu_ps(p.add(kk * NR + h0));
                let b1 = _mm256_loadu_ps(p.add(kk * NR + h0 + 8));
                for i in 0..MR {
                    let av = _mm256_set1_ps(*a.add(i * k + kk));
                    lo[i] = _mm256_fmadd_ps(av, b0, lo[i]);
                    hi[i] = _mm256_fmadd_ps(av, b1, hi[i]);
                }
            }
            let cols = (w - h0).min(16);
            for i in 0..MR {
                let cp = c.add(i * ldc + h0);
                if cols == 16 {
                    let (mut v0, mut v1) = (lo[i], hi[i]);
                    if accumulate {
                        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(cp));
                        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(cp.add(8)));
                    }
                    if RELU {
                        // maxps returns its second operand (0) when a lane is NaN, as f32::max
                        v0 = _mm256_max_ps(v0, _mm256_setzero_ps());
                        v1 = _mm256_max_ps(v1, _mm256_setzero_ps());
                    }
                    _mm256_storeu_ps(cp, v0);
                    _mm256_storeu_ps(cp.add(8), v1);
                } else {
                    // the last, partial panel: through a buffer, lane by lane
                    let mut buf = [0f32; 16];
                    _mm256_storeu_ps(buf.as_mut_ptr(), lo[i]);
                    _mm256_storeu_ps(buf.as_mut_ptr().add(8), hi[i]);
                    for (j, &x) in buf.iter().enumerate().take(cols) {
                        let mut v = x;
                        if accumulate {
                            v += *cp.add(j);
                        }
                        if RELU {
                            v = v.max(0.0);
                        }
                        *cp.add(j) = v;
                    }
                }
            }
        }
    }
}

/// Never called: `PackedB` selects no kernel off x86-64.
#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn micro<const MR: usize, const RELU: bool>(
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
