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
pub use super::layer::{Activation, CellKind, LayerCache, RnnConfig, RnnLayer};
pub use super::sparse_weight::SparseWeight;
use crate::param::{Module, Param, ParamKind};
use rand::Rng;

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
                RnnLayer::new(weight_ih, weight_hh, bias_ih, bias_hh)
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
