//! One recurrent layer, the part the stack ([`super::rnn`]) and the cells ([`super::elman`],
//! [`super::gru`], [`super::lstm`]) share: the cell kinds and sizes, a layer's parameters with
//! its input projection and recurrent products (dense, packed or CSR), and the cache a layer's
//! forward pass keeps for its backward pass. The cells depend on this module, never on the
//! stack, so the layers have no import circle. The public names are re-exported from
//! [`super::rnn`].
//!
//! ```
//! use geosparse_engine::layers::layer::{CellKind, Activation};
//! assert_eq!(CellKind::Lstm.gates(), 4);
//! assert_eq!(CellKind::Elman(Activation::Tanh).gates(), 1);
//! ```

use super::dropout::Dropout;
use crate::ops::{self, Trans};
use crate::param::Param;
use super::sparse_weight::SparseWeight;
use crate::sparse;
use serde::{Deserialize, Serialize};

/// Elman nonlinearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Tanh,
}

/// The recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    Elman(Activation),
    Gru,
    Lstm,
}

impl CellKind {
    /// Gate blocks stacked in the weight matrices (1, 3, 4).
    pub fn gates(self) -> usize {
        match self {
            CellKind::Elman(_) => 1,
            CellKind::Gru => 3,
            CellKind::Lstm => 4,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Elman(Activation::Relu) => "elman-relu",
            CellKind::Elman(Activation::Tanh) => "elman-tanh",
            CellKind::Gru => "gru",
            CellKind::Lstm => "lstm",
        }
    }
}

/// Sizes of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RnnConfig {
    pub cell: CellKind,
    pub input: usize,
    pub hidden: usize,
    pub layers: usize,
    pub bias: bool,
    /// Dropout on each layer's output except the last (training only).
    pub dropout: f32,
}

/// Inputs below this width keep W_ih on the dense GEMM whatever its sparsity.
pub const MIN_SPARSE_INPUT: usize = 32;

/// One layer's parameters.
#[derive(Debug, Clone)]
pub struct RnnLayer {
    pub weight_ih: Param,
    pub weight_hh: Param,
    pub bias_ih: Option<Param>,
    pub bias_hh: Option<Param>,
    /// W_hh in CSR when it is sparse enough (see [`super::rnn::Rnn::prepare_sparse`]): the recurrent
    /// products then run on the sparse kernels and its gradient is computed only at the
    /// surviving entries.
    pub sparse: Option<SparseWeight>,
    /// W_ih in CSR under the same threshold when its input is at least [`MIN_SPARSE_INPUT`]
    /// wide: the input projection x W_ihᵀ, dW_ih and dx then run on the sparse kernels (the LSTM
    /// LM's (4H, H) input matrices are as large as W_hh).
    pub sparse_ih: Option<SparseWeight>,
    /// The LSTM backward's (T, B, 4H) pre-activation gradient buffer, kept between steps so
    /// that its 7 MB (word LM, H = 650) are not allocated and zeroed again each step.
    pub(crate) dgates: Spare,
    /// A gates buffer handed back by [`super::rnn::Rnn::recycle`] for the next input projection.
    pub(crate) spare: Spare,
}

/// A buffer kept between steps, reachable behind `&self` (the forward pass borrows the layer
/// immutably); a clone of the layer starts without one.
#[derive(Debug, Default)]
pub(crate) struct Spare(std::sync::Mutex<Vec<f32>>);

impl Clone for Spare {
    fn clone(&self) -> Self {
        Spare::default()
    }
}

impl Spare {
    pub(crate) fn take(&self) -> Vec<f32> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
    pub(crate) fn put(&self, v: Vec<f32>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = v;
    }
}

impl RnnLayer {
    /// A dense layer from its parameters (no CSR copy, empty buffers).
    pub fn new(weight_ih: Param, weight_hh: Param, bias_ih: Option<Param>, bias_hh: Option<Param>) -> Self {
        RnnLayer { weight_ih, weight_hh, bias_ih, bias_hh, sparse: None, sparse_ih: None, dgates: Spare::default(), spare: Spare::default() }
    }
    /// (G·H, I) and (G·H, H) from the weight shapes.
    pub fn dims(&self) -> (usize, usize) {
        (self.weight_hh.shape[0], self.weight_ih.shape[1])
    }

    /// out (T·B, G·H) = x W_ihᵀ + b_ih (+ b_hh when `with_hh_bias`).
    pub(crate) fn project_input(&self, x: &[f32], tb: usize, with_hh_bias: bool) -> Vec<f32> {
        let (gh, _) = self.dims();
        // every entry is overwritten below, so a recycled buffer needs no zeroing
        let mut out = self.spare.take();
        out.resize(tb * gh, 0.0);
        self.project_input_into(&mut out, x, tb, with_hh_bias);
        out
    }

    /// [`Self::project_input`] into a given buffer.
    pub(crate) fn project_input_into(&self, out: &mut [f32], x: &[f32], tb: usize, with_hh_bias: bool) {
        let (gh, i) = self.dims();
        match &self.sparse_ih {
            Some(s) => {
                let _t = crate::profile::scope("rnn sparse x W_ihᵀ");
                out.fill(0.0);
                sparse::spmm_nt(out, x, &s.csr, tb)
            }
            None => ops::gemm(out, x, Trans::No, &self.weight_ih.value, Trans::Yes, tb, i, gh, false),
        }
        let mut bias = vec![0f32; gh];
        if let Some(b) = &self.bias_ih {
            ops::add_assign(&mut bias, &b.value);
        }
        if with_hh_bias && let Some(b) = &self.bias_hh {
            ops::add_assign(&mut bias, &b.value);
        }
        if self.bias_ih.is_some() || (with_hh_bias && self.bias_hh.is_some()) {
            ops::add_row_bias(out, &bias);
        }
    }

    /// W_hh packed for `steps` recurrent products with a batch of `b` when that pays off
    /// (see [`ops::PackedB`]): op = W_hhᵀ for the forward step, W_hh for the backward one.
    /// `None` when W_hh runs on the sparse kernels, the batch is large or the CPU lacks AVX-512.
    pub(crate) fn pack_hh(&self, b: usize, steps: usize, backward: bool) -> Option<ops::PackedB> {
        if self.sparse.is_some() || !ops::worth_packing(b, steps) {
            return None;
        }
        let _p = crate::profile::scope("pack W_hh");
        let (gh, _) = self.dims();
        let hd = self.weight_hh.shape[1];
        let w = &self.weight_hh.value;
        if backward { ops::PackedB::new(w, Trans::No, gh, hd) } else { ops::PackedB::new(w, Trans::Yes, hd, gh) }
    }

    /// The recurrent product of one step: out (B, G·H) += h (B, H) W_hhᵀ (`packed`: from
    /// [`Self::pack_hh`] with `backward = false`).
    pub(crate) fn recur(&self, out: &mut [f32], h: &[f32], b: usize, packed: Option<&ops::PackedB>) {
        if let Some(s) = &self.sparse {
            return sparse::spmm_nt(out, h, &s.csr, b);
        }
        if let Some(p) = packed {
            return p.gemm(out, h, b, true);
        }
        let (gh, _) = self.dims();
        let hd = self.weight_hh.shape[1];
        ops::gemm(out, h, Trans::No, &self.weight_hh.value, Trans::Yes, b, hd, gh, true);
    }

    /// The recurrent product's input gradient: dh (B, H) (+)= dg (B, G·H) W_hh (`packed`:
    /// from [`Self::pack_hh`] with `backward = true`).
    pub(crate) fn recur_back(&self, dh: &mut [f32], dg: &[f32], b: usize, accumulate: bool, packed: Option<&ops::PackedB>) {
        if let Some(s) = &self.sparse {
            if !accumulate {
                dh.fill(0.0);
            }
            return s.add_input_grad(dh, dg, b);
        }
        if let Some(p) = packed {
            return p.gemm(dh, dg, b, accumulate);
        }
        let (gh, _) = self.dims();
        let hd = self.weight_hh.shape[1];
        ops::gemm(dh, dg, Trans::No, &self.weight_hh.value, Trans::No, b, gh, hd, accumulate);
    }

    /// Keeps the CSR copies of W_hh and W_ih in step with their masks and values (see
    /// [`SparseWeight`]): each built when its kept fraction is below `threshold`, dropped
    /// otherwise.
    pub fn prepare_sparse(&mut self, threshold: f64) {
        SparseWeight::refresh(&mut self.sparse, &self.weight_hh, threshold);
        // a thin W_ih (navigation's 2-D velocity input) stays dense: its GEMM is tiny, while the
        // sparse path pays two transposes per product (1.3 ms vs ≈ 0.1 at N = 1024, T·B = 2 000)
        let wide = self.weight_ih.shape[1] >= MIN_SPARSE_INPUT;
        SparseWeight::refresh(&mut self.sparse_ih, &self.weight_ih, if wide { threshold } else { 0.0 });
    }

    /// Weight and bias gradients for the whole sequence, and dx (T·B, I) when asked:
    /// dW_ih += dgiᵀ x, db_ih += Σ dgi, dW_hh += dghᵀ h_prev, db_hh += Σ dgh, dx = dgi W_ih.
    pub(crate) fn accumulate_grads(&mut self, x: &[f32], h_prev: &[f32], dgi: &[f32], dgh: &[f32], tb: usize, need_dx: bool) -> Option<Vec<f32>> {
        let (gh, i) = self.dims();
        let hd = self.weight_hh.shape[1];
        match &self.sparse {
            // only the surviving entries: Σ_m dgh[m, i] · h_prev[m, j] per stored (i, j)
            Some(s) => {
                let _t = crate::profile::scope("rnn sparse dW_hh (SDDMM)");
                s.add_grad(&mut self.weight_hh.grad, dgh, h_prev, tb)
            }
            None => ops::gemm(&mut self.weight_hh.grad, dgh, Trans::Yes, h_prev, Trans::No, gh, tb, hd, true),
        }
        match &self.sparse_ih {
            Some(s) => {
                let _t = crate::profile::scope("rnn sparse dW_ih (SDDMM)");
                s.add_grad(&mut self.weight_ih.grad, dgi, x, tb)
            }
            None => ops::gemm(&mut self.weight_ih.grad, dgi, Trans::Yes, x, Trans::No, gh, tb, i, true),
        }
        let _b = crate::profile::scope("rnn bias grads");
        match (&mut self.bias_ih, &mut self.bias_hh) {
            // one pre-activation gradient for both biases (LSTM, Elman): sum it once
            (Some(bi), Some(bh)) if std::ptr::eq(dgi, dgh) => {
                let mut sums = vec![0f32; gh];
                ops::add_col_sums(&mut sums, dgi, tb, gh);
                ops::add_assign(&mut bi.grad, &sums);
                ops::add_assign(&mut bh.grad, &sums);
            }
            (bi, bh) => {
                if let Some(b) = bi {
                    ops::add_col_sums(&mut b.grad, dgi, tb, gh);
                }
                if let Some(b) = bh {
                    ops::add_col_sums(&mut b.grad, dgh, tb, gh);
                }
            }
        }
        drop(_b);
        need_dx.then(|| {
            let mut dx = vec![0f32; tb * i];
            match &self.sparse_ih {
                Some(s) => s.add_input_grad(&mut dx, dgi, tb),
                None => ops::gemm(&mut dx, dgi, Trans::No, &self.weight_ih.value, Trans::No, tb, gh, i, false),
            }
            dx
        })
    }
}

/// What one layer's forward pass keeps for its backward pass.
#[derive(Debug, Clone, Default)]
pub struct LayerCache {
    /// Input (T, B, I), after the dropout of the layer below.
    pub x: Vec<f32>,
    /// h₀..h_T (T+1, B, H).
    pub hs: Vec<f32>,
    /// LSTM: c₀..c_T (T+1, B, H).
    pub cs: Vec<f32>,
    /// Activated gates: GRU r, z, n (T, B, 3H); LSTM i, f, g, o (T, B, 4H).
    pub gates: Vec<f32>,
    /// GRU: W_hn h + b_hn (T, B, H).
    pub ghn: Vec<f32>,
    /// Dropout applied to this layer's output before the next layer (whose `x` holds the
    /// result).
    pub drop: Option<Dropout>,
}
