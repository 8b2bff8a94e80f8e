//! Sparse recurrent kernels: a pruned W_hh kept in CSR ([`csr`]) or in 1×8 blocks ([`bsr`]),
//! the fused Elman step h' = act(h W_hhᵀ + xw) and the three products sparse training needs
//! ([`kernels`], [`grad`]), each next to a naive reference ([`naive`]) that the tests tie it
//! to, and a neuron order that gathers surviving weights near the diagonal ([`order`]).
//! Builds for AVX2 + FMA (this repository's x86-64-v3) use 8-lane vectors and gathers;
//! other builds run the same loops on plain arrays.
//!
//! All dense operands are row-major f32, batch-major `(B, ·)` as in the engine. Every output
//! value is computed by one task in a fixed order, so results never depend on the thread
//! count; small problems run on the calling thread.
//!
//! ```
//! use geosparse_engine::sparse::{Csr, Act, step};
//! // W (2, 2) = [[0, 2], [1, 0]] in PyTorch layout: row i receives.
//! let w = Csr::from_dense(&[0.0, 2.0, 1.0, 0.0], 2, 2);
//! let h = [1.0f32, -3.0]; // (B = 1, H = 2)
//! let xw = [0.5f32, 0.5];
//! let mut out = [0.0f32; 2];
//! step(&w, &h, &xw, &mut out, 1, Act::Relu);
//! assert_eq!(out, [0.0, 1.5]); // relu(0.5 − 6), relu(0.5 + 1)
//! ```

pub mod bsr;
pub mod csr;
mod gather;
pub mod grad;
pub mod kernels;
pub mod naive;
pub mod order;
mod par;
mod simd;
mod transpose;
#[cfg(test)]
mod testutil;

pub use bsr::Bsr8;
pub use csr::{ColIdx, Csr};
pub use grad::{sddmm, spmm_nn};
pub use kernels::{spmm_nt, step, step_in_place};
pub use order::{apply_permutation, hilbert_index, hilbert_order, invert_permutation, lexicographic_order, permute_rows, permute_vec};

use crate::layers::rnn::Activation;

/// Below this many multiply-adds (stored entries × padded batch) a kernel runs on one thread
/// (≈ 50 µs of work, well above the cost of waking the pool). Tests lower it so that small
/// problems split too.
pub(crate) const PAR_WORK: usize = if cfg!(test) { 1 << 12 } else { 1 << 18 };

/// The step's nonlinearity: the Elman cell's two, plus the identity (a plain product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Relu,
    Tanh,
    Identity,
}

impl From<Activation> for Act {
    fn from(a: Activation) -> Act {
        match a {
            Activation::Relu => Act::Relu,
            Activation::Tanh => Act::Tanh,
        }
    }
}

impl Act {
    /// act(x), with the engine's tanh.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Act::Relu => x.max(0.0),
            Act::Tanh => crate::math::tanh(x),
            Act::Identity => x,
        }
    }
}

pub(crate) use transpose::{add_transposed, transpose_pad};

thread_local! {
    /// Per-thread spare buffers for [`with_scratch`] (a stack: a kernel nested inside another
    /// on the same thread, as rayon's work stealing allows, takes a buffer of its own).
    static SCRATCH: std::cell::RefCell<Vec<Vec<f32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on a buffer of `len` floats whose contents are unspecified — for the transposed
/// operands and row accumulators, which the kernels overwrite entirely — reused across calls
/// on a thread instead of allocated and zeroed each time (8 such buffers per elman-2048 step
/// product).
pub(crate) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let mut v = SCRATCH.with(|s| s.borrow_mut().pop()).unwrap_or_default();
    if v.len() < len {
        v.resize(len, 0.0);
    }
    let r = f(&mut v[..len]);
    SCRATCH.with(|s| s.borrow_mut().push(v));
    r
}

/// Batch lanes padded to a kernel width: 8, 16, 32 or 64 (batches above 64 run in chunks).
pub(crate) fn lanes(batch: usize) -> usize {
    batch.clamp(1, 64).next_power_of_two().max(8)
}
