//! `F8`, eight f32 lanes: one AVX register where built for AVX2 + FMA, a plain array
//! otherwise. The batched kernels are written with it because LLVM's automatic vectorization
//! of their fixed-size lane loops was unreliable here (it picked 128-bit vectors with spills
//! for some lane counts: the blocked batch-8 step and the sampled product ran 1.7–3× slower).
//!
//! ```
//! // (F8 is internal; the kernels built on it are tested against the naive references)
//! use geosparse_engine::sparse::{Csr, sddmm};
//! let w = Csr::from_dense(&[1.0; 4], 2, 2);
//! let ones = vec![1.0f32; 9 * 2]; // M = 9 rows: one full lane tile and one partial
//! let mut g = vec![0.0f32; 4];
//! sddmm(&mut g, &ones, &ones, &w, 9);
//! assert_eq!(g, [9.0; 4]);
//! ```

#[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
mod imp {
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub(crate) struct F8(__m256);

    impl F8 {
        #[inline(always)]
        pub(crate) fn zero() -> F8 {
            // SAFETY: this module is only built with AVX2 and FMA enabled for the whole crate,
            // so the instruction exists.
            F8(unsafe { _mm256_setzero_ps() })
        }
        #[inline(always)]
        pub(crate) fn splat(v: f32) -> F8 {
            // SAFETY: as in `zero`.
            F8(unsafe { _mm256_set1_ps(v) })
        }
        #[inline(always)]
        pub(crate) fn load(x: &[f32; 8]) -> F8 {
            // SAFETY: reads exactly the 8 floats of `x` (and AVX is enabled, as above).
            F8(unsafe { _mm256_loadu_ps(x.as_ptr()) })
        }
        #[inline(always)]
        pub(crate) fn store(self, out: &mut [f32; 8]) {
            // SAFETY: writes exactly the 8 floats of `out` (and AVX is enabled, as above).
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), self.0) }
        }
        /// self + a · b, fused.
        #[inline(always)]
        pub(crate) fn mul_add(self, a: F8, b: F8) -> F8 {
            // SAFETY: as in `zero`.
            F8(unsafe { _mm256_fmadd_ps(a.0, b.0, self.0) })
        }
        #[inline(always)]
        pub(crate) fn mul(self, b: F8) -> F8 {
            // SAFETY: as in `zero`.
            F8(unsafe { _mm256_mul_ps(self.0, b.0) })
        }
        #[inline(always)]
        pub(crate) fn add(self, b: F8) -> F8 {
            // SAFETY: as in `zero`.
            F8(unsafe { _mm256_add_ps(self.0, b.0) })
        }
        /// Lane l = the sum of v[l]'s lanes, ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)).
        #[inline(always)]
        pub(crate) fn hsum8(v: [F8; 8]) -> F8 {
            // SAFETY: as in `zero`. hadd(a, b) = [a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, a6+a7, b4+b5, b6+b7].
            unsafe {
                let h = |a: F8, b: F8| _mm256_hadd_ps(a.0, b.0);
                let (a01, a23, a45, a67) = (h(v[0], v[1]), h(v[2], v[3]), h(v[4], v[5]), h(v[6], v[7]));
                // [v0 0..4, v1 0..4, v2 0..4, v3 0..4 | v0 4..8, v1 4..8, v2 4..8, v3 4..8]
                let (b03, b47) = (_mm256_hadd_ps(a01, a23), _mm256_hadd_ps(a45, a67));
                let lo = _mm256_permute2f128_ps::<0x20>(b03, b47);
                let hi = _mm256_permute2f128_ps::<0x31>(b03, b47);
                F8(_mm256_add_ps(lo, hi))
            }
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma")))]
mod imp {
    #[derive(Clone, Copy)]
    pub(crate) struct F8([f32; 8]);

    impl F8 {
        #[inline(always)]
        pub(crate) fn zero() -> F8 {
            F8([0.0; 8])
        }
        #[inline(always)]
        pub(crate) fn splat(v: f32) -> F8 {
            F8([v; 8])
        }
        #[inline(always)]
        pub(crate) fn load(x: &[f32; 8]) -> F8 {
            F8(*x)
        }
        #[inline(always)]
        pub(crate) fn store(self, out: &mut [f32; 8]) {
            *out = self.0;
        }
        #[inline(always)]
        pub(crate) fn mul_add(self, a: F8, b: F8) -> F8 {
            F8(std::array::from_fn(|l| a.0[l].mul_add(b.0[l], self.0[l])))
        }
        #[inline(always)]
        pub(crate) fn mul(self, b: F8) -> F8 {
            F8(std::array::from_fn(|l| self.0[l] * b.0[l]))
        }
        #[inline(always)]
        pub(crate) fn add(self, b: F8) -> F8 {
            F8(std::array::from_fn(|l| self.0[l] + b.0[l]))
        }
        /// Lane l = the sum of v[l]'s lanes, ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)).
        #[inline(always)]
        pub(crate) fn hsum8(v: [F8; 8]) -> F8 {
            F8(std::array::from_fn(|l| {
                let t = v[l].0;
                ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]))
            }))
        }
    }
}

pub(crate) use imp::F8;

impl F8 {
    /// Lanes summed in a fixed tree: ((0 + 4) + (1 + 5)) + ((2 + 6) + (3 + 7)).
    #[inline(always)]
    pub(crate) fn hsum(self) -> f32 {
        let mut t = [0f32; 8];
        self.store(&mut t);
        ((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]))
    }
}

/// The 8 floats of `x` from `at`.
#[inline(always)]
pub(crate) fn eight(x: &[f32], at: usize) -> &[f32; 8] {
    x[at..at + 8].try_into().expect("8 floats")
}

/// The 8 floats of `x` from `at`, writable.
#[inline(always)]
pub(crate) fn eight_mut(x: &mut [f32], at: usize) -> &mut [f32; 8] {
    (&mut x[at..at + 8]).try_into().expect("8 floats")
}

/// Row `j` of a (·, 8W) row-major buffer as W vectors.
#[inline(always)]
pub(crate) fn row<const W: usize>(x: &[f32], j: usize) -> [F8; W] {
    let r = &x[j * 8 * W..(j + 1) * 8 * W];
    std::array::from_fn(|w| F8::load(eight(r, 8 * w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_add_multiply_and_sum_in_order() {
        let x: [f32; 8] = std::array::from_fn(|l| l as f32);
        let y = F8::splat(2.0).mul_add(F8::load(&x), F8::splat(0.5)).add(F8::zero());
        let mut out = [0f32; 8];
        y.store(&mut out);
        assert_eq!(out, std::array::from_fn(|l| 2.0 + 0.5 * l as f32));
        assert_eq!(F8::load(&x).hsum(), 28.0);
        // eight sums at once, each in the order ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7))
        let rows: [[f32; 8]; 8] = std::array::from_fn(|r| std::array::from_fn(|l| (r * 8 + l) as f32 + 0.1 * l as f32));
        F8::hsum8(std::array::from_fn(|r| F8::load(&rows[r]))).store(&mut out);
        let tree = |t: &[f32; 8]| ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
        assert_eq!(out, std::array::from_fn(|r| tree(&rows[r])));
        let r = row::<2>(&(0..32).map(|v| v as f32).collect::<Vec<_>>(), 1);
        assert_eq!((r[0].hsum(), r[1].hsum()), ((16..24).sum::<i32>() as f32, (24..32).sum::<i32>() as f32));
    }
}
