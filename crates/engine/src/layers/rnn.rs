//! Stacked recurrent layers — Elman (ReLU / tanh), GRU, LSTM — with PyTorch's parameter names,
//! shapes and gate order (`weight_ih_l{k}` `(G·H, I)`, `weight_hh_l{k}` `(G·H, H)`,
//! `bias_ih_l{k}`, `bias_hh_l{k}`; LSTM gates i, f, g, o; GRU r, z, n), sequence-first
//! tensors `(T, B, ·)`, and dropout between layers as `nn.RNN(dropout=p)`.
//!
//! ```
//! use geosparse_engine::layers::rnn::{Rnn, RnnConfig, CellKind, Activation, State};
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let cfg = RnnConfig { cell: CellKind::Lstm, input: 3, hidden: 5, layers: 2, bias: true, dropout: 0.0 };
//! let mut rnn = Rnn::new("rnn", cfg, &mut rng);
//! let (t, b) = (4, 2);
//! let x = vec![0.1f32; t * b * 3];
//! let s0 = State::zeros(&rnn.cfg, b);
//! let cache = rnn.forward(&x, t, b, &s0, false, &mut rng);
//! assert_eq!(cache.output().len(), t * b * 5);
//! let dout = vec![1.0f32; t * b * 5];
//! let (dx, ds0) = rnn.backward(&cache, &dout, None, true);
//! assert_eq!(dx.unwrap().len(), x.len());
//! assert_eq!(ds0.h.len(), 2 * b * 5);
//! ```

use super::dropout::Dropout;
use super::{elman, gru, lstm};
use crate::ops::{self, Trans};
use crate::param::{Module, Param, ParamKind};
use crate::sparse::{self, Csr};
use rand::Rng;
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

/// One layer's parameters.
#[derive(Debug, Clone)]
pub struct RnnLayer {
    pub weight_ih: Param,
    pub weight_hh: Param,
    pub bias_ih: Option<Param>,
    pub bias_hh: Option<Param>,
    /// W_hh in CSR when it is sparse enough (see [`Rnn::prepare_sparse`]): the recurrent
    /// products then run on the sparse kernels and its gradient is computed only at the
    /// surviving entries.
    pub sparse: Option<SparseHh>,
    /// The LSTM backward's (T, B, 4H) pre-activation gradient buffer, kept between steps so
    /// that its 7 MB (word LM, H = 650) are not allocated and zeroed again each step.
    pub(crate) dgates: Spare,
    /// A gates buffer handed back by [`Rnn::recycle`] for the next input projection.
    spare: Spare,
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

/// The CSR copy of a pruned W_hh and the mask version its pattern was built from.
#[derive(Debug, Clone)]
pub struct SparseHh {
    pub csr: Csr,
    pub mask_version: u64,
}

impl RnnLayer {
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
        ops::gemm(out, x, Trans::No, &self.weight_ih.value, Trans::Yes, tb, i, gh, false);
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
            return sparse::spmm_nn(dh, dg, &s.csr, b);
        }
        if let Some(p) = packed {
            return p.gemm(dh, dg, b, accumulate);
        }
        let (gh, _) = self.dims();
        let hd = self.weight_hh.shape[1];
        ops::gemm(dh, dg, Trans::No, &self.weight_hh.value, Trans::No, b, gh, hd, accumulate);
    }

    /// Keeps the CSR copy of W_hh in step with its mask (pattern) and values: built when the
    /// kept fraction is below `threshold`, dropped otherwise. Values are gathered from the
    /// dense matrix, which stays the one the optimizer updates.
    pub fn prepare_sparse(&mut self, threshold: f64) {
        let w = &self.weight_hh;
        let Some(mask) = &w.mask else {
            self.sparse = None;
            return;
        };
        let kept = mask.iter().filter(|&&k| k != 0).count() as f64 / mask.len().max(1) as f64;
        if kept >= threshold {
            self.sparse = None;
            return;
        }
        let (rows, cols) = (w.shape[0], w.shape[1]);
        match &mut self.sparse {
            Some(s) if s.mask_version == w.mask_version => {
                // same pattern: refresh the values
                let (row_ptr, idx) = (s.csr.row_ptr().to_vec(), s.csr.col_idx().clone());
                let vals = s.csr.values_mut();
                for (i, span) in row_ptr.windows(2).take(rows).enumerate() {
                    let (a, b) = (span[0] as usize, span[1] as usize);
                    for (k, v) in (a..b).zip(&mut vals[a..b]) {
                        *v = w.value[i * cols + idx.get(k)];
                    }
                }
            }
            _ => {
                self.sparse = Some(SparseHh { csr: Csr::from_masked(&w.value, mask, rows, cols), mask_version: w.mask_version });
            }
        }
    }

    /// Weight and bias gradients for the whole sequence, and dx (T·B, I) when asked:
    /// dW_ih += dgiᵀ x, db_ih += Σ dgi, dW_hh += dghᵀ h_prev, db_hh += Σ dgh, dx = dgi W_ih.
    pub(crate) fn accumulate_grads(&mut self, x: &[f32], h_prev: &[f32], dgi: &[f32], dgh: &[f32], tb: usize, need_dx: bool) -> Option<Vec<f32>> {
        let (gh, i) = self.dims();
        let hd = self.weight_hh.shape[1];
        match &self.sparse {
            Some(s) => {
                // only the surviving entries: Σ_m dgh[m, i] · h_prev[m, j] per stored (i, j)
                let mut g = vec![0f32; s.csr.nnz()];
                sparse::sddmm(&mut g, dgh, h_prev, &s.csr, tb);
                let grad = &mut self.weight_hh.grad;
                for i in 0..gh {
                    for k in s.csr.row_range(i) {
                        grad[i * hd + s.csr.col_idx().get(k)] += g[k];
                    }
                }
            }
            None => ops::gemm(&mut self.weight_hh.grad, dgh, Trans::Yes, h_prev, Trans::No, gh, tb, hd, true),
        }
        ops::gemm(&mut self.weight_ih.grad, dgi, Trans::Yes, x, Trans::No, gh, tb, i, true);
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
            ops::gemm(&mut dx, dgi, Trans::No, &self.weight_ih.value, Trans::No, tb, gh, i, false);
            dx
        })
    }
}

/// Hidden state of every layer: h `(L, B, H)`, and c `(L, B, H)` for LSTM.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub h: Vec<f32>,
    pub c: Option<Vec<f32>>,
}

impl State {
    pub fn zeros(cfg: &RnnConfig, batch: usize) -> State {
        let n = cfg.layers * batch * cfg.hidden;
        State { h: vec![0.0; n], c: (cfg.cell == CellKind::Lstm).then(|| vec![0.0; n]) }
    }
    /// Layer `l`'s slice of h (B, H).
    pub fn h_layer(&self, l: usize, bh: usize) -> &[f32] {
        &self.h[l * bh..(l + 1) * bh]
    }
    pub fn c_layer(&self, l: usize, bh: usize) -> Option<&[f32]> {
        self.c.as_ref().map(|c| &c[l * bh..(l + 1) * bh])
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

/// Everything the stack's backward pass needs.
#[derive(Debug, Clone)]
pub struct RnnCache {
    pub t: usize,
    pub b: usize,
    pub hidden: usize,
    pub layers: Vec<LayerCache>,
}

impl RnnCache {
    /// The last layer's outputs h₁..h_T (T, B, H), before any output dropout.
    pub fn output(&self) -> &[f32] {
        let bh = self.b * self.hidden;
        &self.layers.last().expect("at least one layer").hs[bh..]
    }
    /// Final state (for truncated BPTT: carry it, detached, into the next chunk).
    pub fn final_state(&self) -> State {
        let bh = self.b * self.hidden;
        let t = self.t;
        let h = self.layers.iter().flat_map(|l| l.hs[t * bh..(t + 1) * bh].iter().copied()).collect();
        let c = (!self.layers[0].cs.is_empty()).then(|| self.layers.iter().flat_map(|l| l.cs[t * bh..(t + 1) * bh].iter().copied()).collect());
        State { h, c }
    }
}

/// A stack of recurrent layers.
#[derive(Debug, Clone)]
pub struct Rnn {
    pub cfg: RnnConfig,
    pub layers: Vec<RnnLayer>,
}

impl Rnn {
    /// PyTorch's init: every weight and bias U(±1/√H).
    pub fn new(prefix: &str, cfg: RnnConfig, rng: &mut impl Rng) -> Self {
        let k = 1.0 / (cfg.hidden as f32).sqrt();
        Self::with_bound(prefix, cfg, k, rng)
    }

    /// Every weight and bias U(±bound).
    pub fn with_bound(prefix: &str, cfg: RnnConfig, bound: f32, rng: &mut impl Rng) -> Self {
        assert!(cfg.layers >= 1 && cfg.hidden >= 1 && cfg.input >= 1, "rnn sizes must be >= 1");
        let gh = cfg.cell.gates() * cfg.hidden;
        let layers = (0..cfg.layers)
            .map(|l| {
                let input = if l == 0 { cfg.input } else { cfg.hidden };
                let name = |w: &str| format!("{prefix}.{w}_l{l}");
                let weight_ih = Param::uniform(&name("weight_ih"), &[gh, input], ParamKind::Weight, bound, rng);
                let weight_hh = Param::uniform(&name("weight_hh"), &[gh, cfg.hidden], ParamKind::Weight, bound, rng);
                let bias_ih = cfg.bias.then(|| Param::uniform(&name("bias_ih"), &[gh], ParamKind::Bias, bound, rng));
                let bias_hh = cfg.bias.then(|| Param::uniform(&name("bias_hh"), &[gh], ParamKind::Bias, bound, rng));
                RnnLayer { weight_ih, weight_hh, bias_ih, bias_hh, sparse: None, dgates: Spare::default(), spare: Spare::default() }
            })
            .collect();
        Rnn { cfg, layers }
    }

    /// Uses the sparse kernels for every layer whose W_hh keeps less than `threshold` of its
    /// entries (0 turns them off). Call before a forward pass after the weights or masks
    /// changed (an optimizer step, pruning).
    pub fn prepare_sparse(&mut self, threshold: f64) {
        self.layers.iter_mut().for_each(|l| l.prepare_sparse(threshold));
    }

    /// x (T, B, I), initial state → cache (outputs via `cache.output()`).
    /// Dropout between layers is drawn from `rng` when `train`.
    pub fn forward(&self, x: &[f32], t: usize, b: usize, s0: &State, train: bool, rng: &mut impl Rng) -> RnnCache {
        assert_eq!(x.len(), t * b * self.cfg.input, "rnn input is not (T={t}, B={b}, I={})", self.cfg.input);
        let bh = b * self.cfg.hidden;
        let mut caches: Vec<LayerCache> = Vec::with_capacity(self.layers.len());
        // the layer below's output after its dropout, handed on (it becomes this layer's `x`)
        let mut dropped: Option<Vec<f32>> = None;
        for (l, layer) in self.layers.iter().enumerate() {
            let input: Vec<f32> = match (dropped.take(), caches.last()) {
                (Some(d), _) => d,
                (None, None) => x.to_vec(),
                (None, Some(prev)) => prev.hs[bh..].to_vec(),
            };
            let h0 = s0.h_layer(l, bh);
            let mut cache = match self.cfg.cell {
                CellKind::Elman(act) => elman::forward(layer, input, t, b, h0, act),
                CellKind::Gru => gru::forward(layer, input, t, b, h0),
                CellKind::Lstm => lstm::forward(layer, input, t, b, h0, s0.c_layer(l, bh).expect("LSTM state has c")),
            };
            if train && l + 1 < self.layers.len() && self.cfg.dropout > 0.0 {
                let mut out = cache.hs[bh..].to_vec();
                cache.drop = Dropout::forward(&mut out, self.cfg.dropout, rng);
                dropped = cache.drop.is_some().then_some(out);
            }
            caches.push(cache);
        }
        RnnCache { t, b, hidden: self.cfg.hidden, layers: caches }
    }

    /// Hands a finished cache's gates buffers back to the layers, so that the next forward pass
    /// reuses them instead of allocating and zeroing them (7 MB per layer for the word LM's
    /// LSTM 650). Optional: a cache that is simply dropped costs only the allocation.
    pub fn recycle(&self, cache: RnnCache) {
        for (layer, c) in self.layers.iter().zip(cache.layers) {
            if !c.gates.is_empty() {
                layer.spare.put(c.gates);
            }
        }
    }

    /// dout (T, B, H) on the last layer's outputs, optional gradient on the final state →
    /// (dx (T, B, I) when `need_dx`, gradient on the initial state). Adds into the grads.
    pub fn backward(&mut self, cache: &RnnCache, dout: &[f32], dfinal: Option<&State>, need_dx: bool) -> (Option<Vec<f32>>, State) {
        let (t, b) = (cache.t, cache.b);
        let bh = b * self.cfg.hidden;
        assert_eq!(dout.len(), t * bh, "rnn dout is not (T, B, H)");
        let nl = self.layers.len();
        let mut dh0 = vec![0f32; nl * bh];
        let mut dc0 = (self.cfg.cell == CellKind::Lstm).then(|| vec![0f32; nl * bh]);
        let mut d_above: Vec<f32> = dout.to_vec();
        let mut dx_out = None;
        for l in (0..nl).rev() {
            let lc = &cache.layers[l];
            if let Some(d) = &lc.drop {
                d.backward(&mut d_above);
            }
            let dh_fin = dfinal.map(|s| s.h_layer(l, bh).to_vec()).unwrap_or_else(|| vec![0.0; bh]);
            let dc_fin = dfinal.and_then(|s| s.c_layer(l, bh).map(|c| c.to_vec())).unwrap_or_else(|| vec![0.0; bh]);
            let want_dx = l > 0 || need_dx;
            let layer = &mut self.layers[l];
            let (dx, dh, dc) = match self.cfg.cell {
                CellKind::Elman(act) => {
                    let (dx, dh) = elman::backward(layer, lc, &d_above, t, b, dh_fin, act, want_dx);
                    (dx, dh, None)
                }
                CellKind::Gru => {
                    let (dx, dh) = gru::backward(layer, lc, &d_above, t, b, dh_fin, want_dx);
                    (dx, dh, None)
                }
                CellKind::Lstm => {
                    let (dx, dh, dc) = lstm::backward(layer, lc, &d_above, t, b, dh_fin, dc_fin, want_dx);
                    (dx, dh, Some(dc))
                }
            };
            dh0[l * bh..(l + 1) * bh].copy_from_slice(&dh);
            if let (Some(all), Some(dc)) = (&mut dc0, dc) {
                all[l * bh..(l + 1) * bh].copy_from_slice(&dc);
            }
            if l > 0 {
                d_above = dx.expect("inner layers always return dx");
            } else {
                dx_out = dx;
            }
        }
        (dx_out, State { h: dh0, c: dc0 })
    }
}

impl Module for Rnn {
    fn params(&self) -> Vec<&Param> {
        self.layers
            .iter()
            .flat_map(|l| [Some(&l.weight_ih), Some(&l.weight_hh), l.bias_ih.as_ref(), l.bias_hh.as_ref()].into_iter().flatten())
            .collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.layers
            .iter_mut()
            .flat_map(|l| [Some(&mut l.weight_ih), Some(&mut l.weight_hh), l.bias_ih.as_mut(), l.bias_hh.as_mut()].into_iter().flatten())
            .collect()
    }
}
