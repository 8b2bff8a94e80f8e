//! The navigation network: h₀ = W_enc c(x₁); h_t = ReLU(W_ih v_t + W_hh h_{t−1}); logits_t =
//! W_dec h_t; no biases. Names as the PyTorch reference: `encoder.weight` (Ng, Np),
//! `rnn.weight_ih_l0` (Ng, 2), `rnn.weight_hh_l0` (Ng, Ng), `decoder.weight` (Np, Ng).
//!
//! ```
//! use geosparse_tasks::navigation::model::{NavModel, NavBatch};
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let mut m = NavModel::new(8, 16, &mut rng);
//! let (t, b) = (3, 2);
//! let batch = NavBatch::uniform_targets(t, b, 8);
//! let loss = m.loss_and_grad(&batch);
//! assert!((loss - 8f64.ln()).abs() < 0.5);
//! ```

use geosparse_engine::layers::linear::Linear;
use geosparse_engine::layers::rnn::{Activation, CellKind, Rnn, RnnCache, RnnConfig, State};
use geosparse_engine::loss;
use geosparse_engine::param::{Module, Param};
use rand::Rng;

/// One batch of trajectories, sequence-first.
#[derive(Debug, Clone)]
pub struct NavBatch {
    pub t: usize,
    pub b: usize,
    /// Place-cell code of the start position (B, Np).
    pub c0: Vec<f32>,
    /// Velocity inputs (T, B, 2).
    pub v: Vec<f32>,
    /// Place-cell targets (T, B, Np).
    pub targets: Vec<f32>,
    /// True positions (T, B, 2), for the decoding error.
    pub pos: Vec<f32>,
}

impl NavBatch {
    /// A batch with uniform targets and zero inputs (for tests and benchmarks).
    pub fn uniform_targets(t: usize, b: usize, np: usize) -> NavBatch {
        NavBatch {
            t,
            b,
            c0: vec![1.0 / np as f32; b * np],
            v: vec![0.0; t * b * 2],
            targets: vec![1.0 / np as f32; t * b * np],
            pos: vec![0.0; t * b * 2],
        }
    }
}

#[derive(Debug, Clone)]
pub struct NavModel {
    pub encoder: Linear,
    pub rnn: Rnn,
    pub decoder: Linear,
}

impl NavModel {
    /// SPEC init: W_ih, W_hh, W_dec U(±1/√Ng); W_enc U(±1/√Np).
    pub fn new(np: usize, ng: usize, rng: &mut impl Rng) -> Self {
        let encoder = Linear::new("encoder", np, ng, false, rng);
        let cfg = RnnConfig { cell: CellKind::Elman(Activation::Relu), input: 2, hidden: ng, layers: 1, bias: false, dropout: 0.0 };
        let rnn = Rnn::new("rnn", cfg, rng);
        let decoder = Linear::new("decoder", ng, np, false, rng);
        NavModel { encoder, rnn, decoder }
    }

    /// Runs every pruned matrix (encoder, W_hh, decoder) that keeps less than `threshold` of
    /// its entries on the sparse kernels (0: never).
    pub fn prepare_sparse(&mut self, threshold: f64) {
        self.rnn.prepare_sparse(threshold);
        self.encoder.prepare_sparse(threshold);
        self.decoder.prepare_sparse(threshold);
    }

    pub fn hidden(&self) -> usize {
        self.rnn.cfg.hidden
    }
    pub fn place_cells(&self) -> usize {
        self.decoder.output()
    }

    fn run(&self, batch: &NavBatch) -> (Vec<f32>, RnnCache) {
        let mut rng = geosparse_moduli::seed::rng(0, "no-dropout");
        let h0 = self.encoder.forward(&batch.c0, batch.b); // (B, Ng)
        let cache = self.rnn.forward(&batch.v, batch.t, batch.b, &State { h: h0, c: None }, true, &mut rng);
        (self.decoder.forward(cache.output(), batch.t * batch.b), cache) // logits (T·B, Np)
    }

    /// Hidden states h_t (T·B, Ng), rows sequence-first (row s·B + b is step s of trajectory b),
    /// by the same forward pass as training and evaluation (for `geosparse analyze`).
    pub fn hidden_states(&self, batch: &NavBatch) -> Vec<f32> {
        let mut rng = geosparse_moduli::seed::rng(0, "no-dropout");
        let h0 = self.encoder.forward(&batch.c0, batch.b);
        let cache = self.rnn.forward(&batch.v, batch.t, batch.b, &State { h: h0, c: None }, true, &mut rng);
        cache.output().to_vec()
    }

    /// Logits (T·B, Np) without gradients.
    pub fn logits(&self, batch: &NavBatch) -> Vec<f32> {
        self.run(batch).0
    }

    /// Soft cross-entropy of the batch; adds the gradients into every parameter's `grad`.
    pub fn loss_and_grad(&mut self, batch: &NavBatch) -> f64 {
        let (mut logits, cache) = self.run(batch);
        let np = self.place_cells();
        let loss = loss::soft_cross_entropy(&mut logits, &batch.targets, np, true); // logits ← dlogits
        let dh = self.decoder.backward(cache.output(), &logits, batch.t * batch.b, true).expect("dx");
        drop(logits);
        let (_, ds0) = self.rnn.backward(&cache, &dh, None, false);
        self.encoder.backward(&batch.c0, &ds0.h, batch.b, false);
        loss
    }
}

impl Module for NavModel {
    fn params(&self) -> Vec<&Param> {
        let mut v = self.encoder.params();
        v.extend(self.rnn.params());
        v.extend(self.decoder.params());
        v
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        let mut v = self.encoder.params_mut();
        v.extend(self.rnn.params_mut());
        v.extend(self.decoder.params_mut());
        v
    }
}
