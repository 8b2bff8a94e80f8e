//! A pruned weight's CSR copy, kept in step with its mask (the pattern, rebuilt when the mask
//! version changes) and its values (re-gathered from the dense matrix, which stays the one the
//! optimizer updates). W_hh and the linear layers share it: when the kept fraction is below
//! `train.sparse_below`, their products and weight gradients run on the sparse kernels. The
//! input gradient dx = dy W runs as the gather product dy (Wᵀ)ᵀ on a transposed copy built
//! once per refresh, at first use: the scatter product `spmm_nn` was 1.65-1.8× slower at
//! elman-2048's shapes (W_hh, B = 200: 4.21 vs 2.55 ms; decoder, 4 000 rows: 35.5 vs 19.8 ms;
//! 2 threads, examples/sparse_train_kernels.rs), and a transpose costs about one 64-row product.
//!
//! ```
//! use geosparse_engine::layers::sparse_weight::SparseWeight;
//! use geosparse_engine::param::{Param, ParamKind};
//! let mut w = Param::zeros("w", &[2, 4], ParamKind::Weight);
//! w.value = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
//! w.set_mask(vec![1, 0, 0, 0, 0, 0, 0, 1]);            // 25 % kept
//! let mut slot = None;
//! SparseWeight::refresh(&mut slot, &w, 0.5);
//! assert_eq!(slot.as_ref().unwrap().csr.values(), &[1.0, 8.0]);
//! let mut grad = vec![0.0; 8];                          // += dᵀ h at the two stored entries
//! slot.as_ref().unwrap().add_grad(&mut grad, &[1.0, 2.0], &[1.0, 1.0, 1.0, 3.0], 1);
//! assert_eq!(grad, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 6.0]);
//! let mut dx = vec![0.0; 4];                            // += dy W, dy (1, 2)
//! slot.as_ref().unwrap().add_input_grad(&mut dx, &[1.0, 2.0], 1);
//! assert_eq!(dx, [1.0, 0.0, 0.0, 16.0]);
//! SparseWeight::refresh(&mut slot, &w, 0.25);          // not below the threshold: dense again
//! assert!(slot.is_none());
//! ```

use crate::param::Param;
use crate::sparse::{self, Csr};
use std::sync::OnceLock;

/// The CSR copy of a pruned weight and the mask version its pattern was built from.
#[derive(Debug, Clone)]
pub struct SparseWeight {
    pub csr: Csr,
    pub mask_version: u64,
    /// Wᵀ, built from `csr` at first use after each refresh.
    transposed: OnceLock<Csr>,
}

impl SparseWeight {
    /// Keeps `slot` in step with `w`: a copy when its kept fraction is below `threshold`, None
    /// otherwise (or without a mask; `threshold` 0 turns the sparse path off).
    pub fn refresh(slot: &mut Option<SparseWeight>, w: &Param, threshold: f64) {
        let Some(mask) = &w.mask else {
            *slot = None;
            return;
        };
        let kept = mask.iter().filter(|&&k| k != 0).count() as f64 / mask.len().max(1) as f64;
        if kept >= threshold {
            *slot = None;
            return;
        }
        let (rows, cols) = (w.shape[0], w.shape[1]);
        match slot {
            Some(s) if s.mask_version == w.mask_version => {
                // same pattern: refresh the values
                let (row_ptr, idx) = (s.csr.row_ptr().to_vec(), s.csr.col_idx().clone());
                s.transposed = OnceLock::new();
                let vals = s.csr.values_mut();
                for (i, span) in row_ptr.windows(2).take(rows).enumerate() {
                    let (a, b) = (span[0] as usize, span[1] as usize);
                    for (k, v) in (a..b).zip(&mut vals[a..b]) {
                        *v = w.value[i * cols + idx.get(k)];
                    }
                }
            }
            _ => *slot = Some(SparseWeight { csr: Csr::from_masked(&w.value, mask, rows, cols), mask_version: w.mask_version, transposed: OnceLock::new() }),
        }
    }

    /// Wᵀ (cols, rows) in CSR (built on the first call after a refresh).
    pub fn transposed(&self) -> &Csr {
        self.transposed.get_or_init(|| self.csr.transpose())
    }

    /// dx (M, cols) += dy (M, rows) · W, as the gather product on [`Self::transposed`].
    pub fn add_input_grad(&self, dx: &mut [f32], dy: &[f32], m: usize) {
        sparse::spmm_nt(dx, dy, self.transposed(), m);
    }

    /// grad (rows, cols, dense) += dᵀ h at the stored entries only (SDDMM): d (M, rows),
    /// h (M, cols). The pruned entries' gradient is left as it was.
    pub fn add_grad(&self, grad: &mut [f32], d: &[f32], h: &[f32], m: usize) {
        let cols = self.csr.cols();
        let mut g = vec![0f32; self.csr.nnz()];
        sparse::sddmm(&mut g, d, h, &self.csr, m);
        for i in 0..self.csr.rows() {
            for k in self.csr.row_range(i) {
                grad[i * cols + self.csr.col_idx().get(k)] += g[k];
            }
        }
    }
}
