//! The word-language-model network: embedding → dropout → stacked Elman-tanh / GRU / LSTM
//! (dropout between layers) → dropout → linear decoder → log-softmax, untied. Names as
//! PyTorch's example: `encoder.weight` (V, E), `rnn.*_l{k}`, `decoder.weight` (V, H),
//! `decoder.bias`. Init: embedding and decoder U(±0.1), decoder bias 0, RNN U(±1/√H).
//!
//! ```
//! use geosparse_tasks::lm::model::{LmModel, LmConfig};
//! use geosparse_engine::layers::rnn::CellKind;
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let cfg = LmConfig { vocab: 20, embed: 8, hidden: 8, layers: 2, cell: CellKind::Lstm, dropout: 0.0 };
//! let mut m = LmModel::new(cfg, &mut rng);
//! let mut state = m.zero_state(2);
//! let ids = [1u32, 2, 3, 4, 5, 6];                 // T = 3, B = 2
//! let out = m.step(&ids[..4], &ids[2..], 2, 2, &mut state, true, &mut rng);
//! assert!((out.loss - 20f64.ln()).abs() < 0.2);
//! ```

use geosparse_engine::layers::dropout::Dropout;
use geosparse_engine::layers::embedding::Embedding;
use geosparse_engine::layers::linear::Linear;
use geosparse_engine::layers::rnn::{CellKind, Rnn, RnnConfig, State};
use geosparse_engine::loss::{self, LossOut};
use geosparse_engine::param::{Module, Param};
use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LmConfig {
    pub vocab: usize,
    pub embed: usize,
    pub hidden: usize,
    pub layers: usize,
    pub cell: CellKind,
    pub dropout: f32,
}

#[derive(Debug, Clone)]
pub struct LmModel {
    pub cfg: LmConfig,
    pub encoder: Embedding,
    pub rnn: Rnn,
    pub decoder: Linear,
    /// The (T·B, V) logits buffer, kept between steps (the largest activation of the model).
    logits: Vec<f32>,
}

impl LmModel {
    pub fn new(cfg: LmConfig, rng: &mut impl Rng) -> Self {
        let encoder = Embedding::new("encoder", cfg.vocab, cfg.embed, 0.1, rng);
        let rc = RnnConfig { cell: cfg.cell, input: cfg.embed, hidden: cfg.hidden, layers: cfg.layers, bias: true, dropout: cfg.dropout };
        let rnn = Rnn::new("rnn", rc, rng);
        let decoder = Linear::with_bounds("decoder", cfg.hidden, cfg.vocab, true, 0.1, 0.0, rng);
        LmModel { cfg, encoder, rnn, decoder, logits: Vec::new() }
    }

    /// Runs W_hh and the decoder on the sparse kernels while they keep less than `threshold`
    /// of their entries (0: never); the embedding is a lookup either way.
    pub fn prepare_sparse(&mut self, threshold: f64) {
        self.rnn.prepare_sparse(threshold);
        self.decoder.prepare_sparse(threshold);
    }

    pub fn zero_state(&self, batch: usize) -> State {
        State::zeros(&self.rnn.cfg, batch)
    }

    /// One chunk of truncated BPTT: inputs and targets (T·B, sequence-first), state carried
    /// in and replaced by the (detached) final state. With `train`, dropout is on and the
    /// gradients are added into the parameters.
    #[allow(clippy::too_many_arguments)]
    pub fn step(&mut self, inp: &[u32], tgt: &[u32], t: usize, b: usize, state: &mut State, train: bool, rng: &mut impl Rng) -> LossOut {
        let p = if train { self.cfg.dropout } else { 0.0 };
        let _t = geosparse_engine::profile::scope("lm step");
        let mut x = self.encoder.forward(inp); // (T·B, E)
        let d_in = Dropout::forward(&mut x, p, rng);
        let cache = self.rnn.forward(&x, t, b, state, train, rng);
        *state = cache.final_state();
        let mut feats = cache.output().to_vec(); // (T·B, H)
        let d_out = Dropout::forward(&mut feats, p, rng);
        let mut z = std::mem::take(&mut self.logits);
        self.decoder.forward_weight_into(&feats, t * b, &mut z); // (T·B, V) = feats W_decᵀ
        // + the decoder bias, and its gradient, in the loss's own pass over the logits
        let Param { value: bias, grad: bias_grad, .. } = self.decoder.bias.as_mut().expect("the LM decoder has a bias");
        let out = loss::cross_entropy_biased(&mut z, Some(bias), tgt, self.cfg.vocab, train, Some(bias_grad));
        if train {
            let mut dh = self.decoder.backward_weight(&feats, &z, t * b, true).expect("dx");
            if let Some(d) = &d_out {
                d.backward(&mut dh);
            }
            let (dx, _) = self.rnn.backward(&cache, &dh, None, true);
            let mut dx = dx.expect("dx");
            if let Some(d) = &d_in {
                d.backward(&mut dx);
            }
            self.encoder.backward(inp, &dx);
        }
        self.logits = z;
        self.rnn.recycle(cache);
        out
    }
}

impl Module for LmModel {
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
