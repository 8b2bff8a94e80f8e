//! Linear layer y = x Wᵀ + b, PyTorch's `nn.Linear` (weight `(out, in)`, bias `(out)`); a
//! pruned weight runs on the sparse kernels below `prepare_sparse`'s threshold.
//!
//! ```
//! use geosparse_engine::layers::linear::Linear;
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let lin = Linear::new("decoder", 3, 2, true, &mut rng);
//! let x = vec![1.0f32; 4 * 3];                 // (M=4, in=3)
//! let y = lin.forward(&x, 4);                  // (4, 2)
//! assert_eq!(y.len(), 8);
//! ```

use super::sparse_weight::SparseWeight;
use crate::ops::{self, Trans};
use crate::sparse;
use crate::param::{Module, Param, ParamKind};
use rand::Rng;

#[derive(Debug, Clone)]
pub struct Linear {
    pub weight: Param,
    pub bias: Option<Param>,
    /// The weight in CSR when it is sparse enough (see [`Linear::prepare_sparse`]): y = x Wᵀ,
    /// dx = dy W and dW (at the kept entries only) then run on the sparse kernels.
    pub sparse: Option<SparseWeight>,
}

impl Linear {
    /// PyTorch's default init: U(±1/√in) for weight and bias.
    pub fn new(prefix: &str, input: usize, output: usize, bias: bool, rng: &mut impl Rng) -> Self {
        let k = 1.0 / (input as f32).sqrt();
        Self::with_bounds(prefix, input, output, bias, k, k, rng)
    }

    /// Weight U(±wb), bias U(±bb) (bb = 0 gives a zero bias).
    pub fn with_bounds(prefix: &str, input: usize, output: usize, bias: bool, wb: f32, bb: f32, rng: &mut impl Rng) -> Self {
        let weight = Param::uniform(&format!("{prefix}.weight"), &[output, input], ParamKind::Weight, wb, rng);
        let bias = bias.then(|| Param::uniform(&format!("{prefix}.bias"), &[output], ParamKind::Bias, bb, rng));
        Linear { weight, bias, sparse: None }
    }

    pub fn input(&self) -> usize {
        self.weight.shape[1]
    }
    pub fn output(&self) -> usize {
        self.weight.shape[0]
    }

    /// Keeps the weight's CSR copy in step with its mask and values: the products run on the
    /// sparse kernels while the kept fraction is below `threshold` (0: never). Call before a
    /// forward pass after the weights or the mask changed.
    pub fn prepare_sparse(&mut self, threshold: f64) {
        SparseWeight::refresh(&mut self.sparse, &self.weight, threshold);
    }

    /// x (M, in) → y (M, out).
    pub fn forward(&self, x: &[f32], m: usize) -> Vec<f32> {
        let mut y = Vec::new();
        self.forward_into(x, m, &mut y);
        y
    }

    /// Like [`Linear::forward`], into a buffer kept by the caller (resized to (M, out)), so
    /// that a large output reuses memory that is already mapped and cached.
    pub fn forward_into(&self, x: &[f32], m: usize, y: &mut Vec<f32>) {
        self.forward_weight_into(x, m, y);
        if let Some(b) = &self.bias {
            let _t = crate::profile::scope("linear bias");
            ops::add_row_bias(y, &b.value);
        }
    }

    /// y = x Wᵀ (M, out) without the bias, into a kept buffer (the bias left to the caller, e.g.
    /// [`crate::loss::cross_entropy_biased`]).
    pub fn forward_weight_into(&self, x: &[f32], m: usize, y: &mut Vec<f32>) {
        let (o, i) = (self.output(), self.input());
        y.resize(m * o, 0.0);
        if let Some(s) = &self.sparse {
            let _t = crate::profile::scope("linear sparse y = x Wᵀ");
            y.fill(0.0);
            return sparse::spmm_nt(y, x, &s.csr, m);
        }
        ops::gemm(y, x, Trans::No, &self.weight.value, Trans::Yes, m, i, o, false);
    }

    /// dW += dyᵀ x, db += Σ dy; returns dx = dy W (M, in) when `need_dx`.
    pub fn backward(&mut self, x: &[f32], dy: &[f32], m: usize, need_dx: bool) -> Option<Vec<f32>> {
        let o = self.output();
        if let Some(b) = &mut self.bias {
            let _t = crate::profile::scope("linear bias");
            ops::add_col_sums(&mut b.grad, dy, m, o);
        }
        self.backward_weight(x, dy, m, need_dx)
    }

    /// [`Linear::backward`] without the bias gradient (for a caller that computes Σ dy in a
    /// pass of its own, e.g. [`crate::loss::cross_entropy_biased`]).
    pub fn backward_weight(&mut self, x: &[f32], dy: &[f32], m: usize, need_dx: bool) -> Option<Vec<f32>> {
        let (o, i) = (self.output(), self.input());
        match &self.sparse {
            Some(s) => {
                let _t = crate::profile::scope("linear sparse dW (SDDMM)");
                s.add_grad(&mut self.weight.grad, dy, x, m)
            }
            None => ops::gemm(&mut self.weight.grad, dy, Trans::Yes, x, Trans::No, o, m, i, true),
        }
        need_dx.then(|| {
            let mut dx = vec![0f32; m * i];
            match &self.sparse {
                Some(s) => {
                    let _t = crate::profile::scope("linear sparse dx = dy W");
                    s.add_input_grad(&mut dx, dy, m)
                }
                None => ops::gemm(&mut dx, dy, Trans::No, &self.weight.value, Trans::No, m, o, i, false),
            }
            dx
        })
    }
}

impl Module for Linear {
    fn params(&self) -> Vec<&Param> {
        std::iter::once(&self.weight).chain(self.bias.as_ref()).collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        std::iter::once(&mut self.weight).chain(self.bias.as_mut()).collect()
    }
}
