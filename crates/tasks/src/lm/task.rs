//! The language-model task (SPEC §3.2): a corpus in the WikiText / Mikolov-PTB layout,
//! contiguous columns (train batch 20, eval batch 10), truncated BPTT 35 with the hidden state
//! carried and detached across chunks (reset at each epoch and evaluation), NLL loss;
//! metrics: loss, perplexity and next-token accuracy = correct / predicted tokens (the
//! reference divided by the wrong count, SPEC B9).
//!
//! `layout = "valtrain"` is the documented WikiText-2 stand-in for machines without its train
//! split: train on the first 90 % of `valid.txt`, validate on its last 10 %, test on `test.txt`
//! (never to be mistaken for standard WikiText-2 numbers).
//!
//! ```no_run
//! use geosparse_tasks::lm::task::{LmTaskConfig, LmTask};
//! let task = LmTask::new(&LmTaskConfig::default(), 0).unwrap();   // needs `geosparse data ptb`
//! ```

use super::batchify::{Batched, batchify, get_batch};
use super::corpus::{Corpus, Unknown, Vocab, read_split, tokens};
use super::model::{LmConfig, LmModel};
use crate::cell::Cell;
use crate::task::{Eval, Recurrent, Split, Task};
use geosparse_engine::layers::rnn::State;
use geosparse_engine::param::{Module, Param};
use geosparse_moduli::seed;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How the corpus folder's files map to train / valid / test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// train.txt, valid.txt, test.txt.
    #[default]
    Standard,
    /// valid.txt (90 % train / 10 % valid) and test.txt: the WikiText-2 stand-in.
    Valtrain,
}

/// Language-model settings; defaults are the paper's recipe on Penn Treebank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LmTaskConfig {
    /// The corpus folder (`geosparse data ptb` installs Penn Treebank into data/ptb).
    pub data_dir: PathBuf,
    pub layout: Layout,
    /// Tokens outside the vocabulary (only with a vocabulary from elsewhere).
    pub unknown: Unknown,
    pub cell: Cell,
    /// Embedding size (0: the hidden size).
    pub embed: usize,
    pub hidden: usize,
    pub layers: usize,
    pub dropout: f32,
    pub batch: usize,
    pub eval_batch: usize,
    pub bptt: usize,
    /// Use only the first this many training tokens (0: all).
    pub max_train_tokens: usize,
}

impl Default for LmTaskConfig {
    fn default() -> Self {
        LmTaskConfig {
            data_dir: PathBuf::from("data/ptb"),
            layout: Layout::Standard,
            unknown: Unknown::Error,
            cell: Cell::ElmanTanh,
            embed: 0,
            hidden: 650,
            layers: 3,
            dropout: 0.0,
            batch: 20,
            eval_batch: 10,
            bptt: 35,
            max_train_tokens: 0,
        }
    }
}

impl LmTaskConfig {
    pub fn validate(&self, prefix: &str) -> Result<(), String> {
        for (f, v) in [("hidden", self.hidden), ("layers", self.layers), ("batch", self.batch), ("eval_batch", self.eval_batch), ("bptt", self.bptt)] {
            if v == 0 {
                return Err(format!("{prefix}.{f}: 0 is not allowed; must be >= 1"));
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(format!("{prefix}.dropout: {} is not allowed; a probability in [0, 1)", self.dropout));
        }
        Ok(())
    }
}

/// Reads the corpus for a layout.
pub fn load_corpus(cfg: &LmTaskConfig) -> Result<Corpus, String> {
    let dir = &cfg.data_dir;
    match cfg.layout {
        Layout::Standard => Corpus::load(dir).map_err(|e| format!("task.data_dir: {e}")),
        Layout::Valtrain => {
            let v = read_split(&dir.join("valid.txt")).map_err(|e| format!("task.data_dir: {e}"))?;
            let t = read_split(&dir.join("test.txt")).map_err(|e| format!("task.data_dir: {e}"))?;
            let mut vocab = Vocab::new();
            let valid: Vec<u32> = tokens(&v).map(|(_, w)| vocab.add(w)).collect();
            let test: Vec<u32> = tokens(&t).map(|(_, w)| vocab.add(w)).collect();
            let cut = valid.len() * 9 / 10;
            Ok(Corpus { vocab, train: valid[..cut].to_vec(), valid: valid[cut..].to_vec(), test })
        }
    }
}

pub struct LmTask {
    pub cfg: LmTaskConfig,
    pub model: LmModel,
    pub vocab_size: usize,
    train: Batched,
    valid: Batched,
    test: Batched,
    state: State,
    seed: u64,
}

impl LmTask {
    pub fn new(cfg: &LmTaskConfig, seed_value: u64) -> Result<Self, String> {
        cfg.validate("task")?;
        let corpus = load_corpus(cfg)?;
        Self::from_corpus(cfg, corpus, seed_value)
    }

    /// Builds the task on an already-read corpus (tests build their own).
    pub fn from_corpus(cfg: &LmTaskConfig, corpus: Corpus, seed_value: u64) -> Result<Self, String> {
        cfg.validate("task")?;
        let mut train_ids = corpus.train;
        if cfg.max_train_tokens > 0 {
            train_ids.truncate(cfg.max_train_tokens);
        }
        let train = batchify(&train_ids, cfg.batch).map_err(|e| format!("task: the train split: {e}"))?;
        let valid = batchify(&corpus.valid, cfg.eval_batch).map_err(|e| format!("task: the valid split: {e}"))?;
        let test = batchify(&corpus.test, cfg.eval_batch).map_err(|e| format!("task: the test split: {e}"))?;
        let vocab_size = corpus.vocab.len();
        let embed = if cfg.embed == 0 { cfg.hidden } else { cfg.embed };
        let mc = LmConfig { vocab: vocab_size, embed, hidden: cfg.hidden, layers: cfg.layers, cell: cfg.cell.kind(), dropout: cfg.dropout };
        let model = LmModel::new(mc, &mut seed::rng(seed_value, "lm/init"));
        let state = model.zero_state(cfg.batch);
        Ok(LmTask { cfg: cfg.clone(), model, vocab_size, train, valid, test, state, seed: seed_value })
    }

    fn chunks(&self, src: &Batched) -> u64 {
        (src.rows() - 1).div_ceil(self.cfg.bptt) as u64
    }
}

impl Task for LmTask {
    fn kind(&self) -> &'static str {
        "lm"
    }
    fn params(&self) -> Vec<&Param> {
        self.model.params()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.model.params_mut()
    }
    fn recurrent(&self) -> Vec<Recurrent> {
        (0..self.cfg.layers)
            .map(|l| Recurrent { param: format!("rnn.weight_hh_l{l}"), hidden: self.cfg.hidden, gates: self.cfg.cell.kind().gates(), layer: l })
            .collect()
    }
    fn primary_metric(&self) -> &'static str {
        "ppl"
    }
    fn steps_per_epoch(&self) -> u64 {
        self.chunks(&self.train)
    }
    fn begin_epoch(&mut self, _epoch: usize) {
        self.state = self.model.zero_state(self.cfg.batch);
    }
    fn train_step(&mut self, global_step: u64) -> f64 {
        let chunk = (global_step % self.steps_per_epoch()) as usize;
        let (inp, tgt, t) = get_batch(&self.train, chunk * self.cfg.bptt, self.cfg.bptt);
        let (inp, tgt) = (inp.to_vec(), tgt.to_vec());
        let mut rng = seed::rng_at(self.seed, "lm/dropout", global_step);
        let b = self.cfg.batch;
        let mut state = std::mem::replace(&mut self.state, State { h: Vec::new(), c: None });
        let out = self.model.step(&inp, &tgt, t, b, &mut state, true, &mut rng);
        self.state = state;
        out.loss
    }
    fn prepare_sparse(&mut self, threshold: f64) {
        self.model.prepare_sparse(threshold);
    }
    fn evaluate(&mut self, split: Split) -> Eval {
        let src = match split {
            Split::Valid => self.valid.clone(),
            Split::Test => self.test.clone(),
        };
        let b = self.cfg.eval_batch;
        let mut state = self.model.zero_state(b);
        let mut rng = seed::rng(0, "lm/eval");
        let (mut nll, mut correct, mut count) = (0f64, 0usize, 0usize);
        for c in 0..self.chunks(&src) as usize {
            let (inp, tgt, t) = get_batch(&src, c * self.cfg.bptt, self.cfg.bptt);
            let out = self.model.step(inp, tgt, t, b, &mut state, false, &mut rng);
            nll += out.loss * out.rows as f64;
            correct += out.correct;
            count += out.rows;
        }
        let loss = nll / count.max(1) as f64;
        let metrics = BTreeMap::from([
            ("ppl".to_string(), loss.exp()),
            ("accuracy".to_string(), correct as f64 / count.max(1) as f64),
            ("tokens".to_string(), count as f64),
        ]);
        Eval { loss, metrics }
    }
    fn carried_state(&self) -> Vec<f32> {
        let mut v = self.state.h.clone();
        if let Some(c) = &self.state.c {
            v.extend_from_slice(c);
        }
        v
    }
    fn set_carried_state(&mut self, s: Vec<f32>) {
        let n = self.cfg.layers * self.cfg.batch * self.cfg.hidden;
        if s.len() == n {
            self.state = State { h: s, c: None };
        } else if s.len() == 2 * n {
            self.state = State { h: s[..n].to_vec(), c: Some(s[n..].to_vec()) };
        }
    }
}
