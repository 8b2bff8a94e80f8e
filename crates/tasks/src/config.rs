//! Which task a run trains, as a config table `[task]` with `kind = "navigation" | ...`.
//!
//! ```
//! use geosparse_tasks::config::TaskConfig;
//! let cfg: TaskConfig = toml::from_str("kind = \"navigation\"\nhidden = 64\nplace_cells = 16").unwrap();
//! let task = cfg.build(3).unwrap();
//! assert_eq!(task.kind(), "navigation");
//! ```

use crate::adding::task::{AddingConfig, AddingTask};
use crate::lm::task::{LmTask, LmTaskConfig};
use crate::navigation::task::{NavConfig, NavTask};
use crate::task::Task;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TaskConfig {
    Navigation(NavConfig),
    /// Word-level language modelling.
    Lm(LmTaskConfig),
    Adding(AddingConfig),
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig::Navigation(NavConfig::default())
    }
}

impl TaskConfig {
    /// The values of `kind`.
    pub const KINDS: [&'static str; 3] = ["navigation", "lm", "adding"];

    pub fn kind(&self) -> &'static str {
        match self {
            TaskConfig::Navigation(_) => "navigation",
            TaskConfig::Lm(_) => "lm",
            TaskConfig::Adding(_) => "adding",
        }
    }

    /// Checks every field (messages name it as `task.<field>`).
    pub fn validate(&self) -> Result<(), String> {
        match self {
            TaskConfig::Navigation(c) => c.validate("task"),
            TaskConfig::Lm(c) => c.validate("task"),
            TaskConfig::Adding(c) => c.validate("task"),
        }
    }

    /// The number of recurrent and dense parameters the config asks for, without the
    /// vocabulary-sized ones of a language model (checked before allocating anything).
    pub fn size_estimate(&self) -> u64 {
        let sq = |a: usize, b: usize| a as u64 * b as u64;
        match self {
            TaskConfig::Navigation(c) => sq(c.hidden, c.hidden) + 2 * sq(c.hidden, c.place_cells) + 2 * c.hidden as u64,
            TaskConfig::Lm(c) => {
                let g = c.cell.kind().gates() as u64;
                let e = if c.embed == 0 { c.hidden } else { c.embed };
                g * c.layers as u64 * (sq(c.hidden, e) + sq(c.hidden, c.hidden))
            }
            TaskConfig::Adding(c) => c.cell.kind().gates() as u64 * sq(c.hidden, c.hidden + 2),
        }
    }

    /// Points a language model at another corpus folder; other tasks generate their data and
    /// refuse one (the message names the task).
    pub fn set_data_dir(&mut self, dir: std::path::PathBuf) -> Result<(), String> {
        match self {
            TaskConfig::Lm(c) => {
                c.data_dir = dir;
                Ok(())
            }
            t => Err(format!("--data-dir: a corpus folder applies to a language model; this model is {} (its data is generated from the config)", t.kind())),
        }
    }

    /// The recurrent size N of every recurrent matrix (one per layer).
    pub fn hidden(&self) -> usize {
        match self {
            TaskConfig::Navigation(c) => c.hidden,
            TaskConfig::Lm(c) => c.hidden,
            TaskConfig::Adding(c) => c.hidden,
        }
    }

    /// Gate blocks of the recurrent cell (1 for Elman, 3 for GRU, 4 for LSTM).
    pub fn gates(&self) -> usize {
        match self {
            TaskConfig::Navigation(_) => 1,
            TaskConfig::Lm(c) => c.cell.kind().gates(),
            TaskConfig::Adding(c) => c.cell.kind().gates(),
        }
    }

    /// The cell's config name (navigation always runs `elman-relu`).
    pub fn cell_name(&self) -> &'static str {
        match self {
            TaskConfig::Navigation(_) => "elman-relu",
            TaskConfig::Lm(c) => c.cell.name(),
            TaskConfig::Adding(c) => c.cell.name(),
        }
    }

    /// A rough upper estimate of the bytes a run of this config holds at once (bytes, as f64 so
    /// that absurd sizes cannot overflow): parameters with their gradient, optimizer moments and
    /// mask; the held-out sets; one training and one evaluation batch with their activations.
    /// A language model's vocabulary is not known before its corpus is read: 10 000 words
    /// (Penn Treebank) is assumed. Checked before anything is allocated.
    pub fn memory_estimate(&self) -> f64 {
        const F: f64 = 4.0; // bytes of an f32
        const PER_PARAM: f64 = 4.0 * F + 1.0; // value, gradient, two moments, mask
        let f = |x: usize| x as f64;
        match self {
            TaskConfig::Navigation(c) => {
                let (h, np, t) = (f(c.hidden), f(c.place_cells), f(c.sequence));
                let params = h * h + 2.0 * h * np + 2.0 * h + np;
                // inputs, positions and place-cell targets of a batch of b trajectories
                let data = |b: f64| b * t * (np + 4.0) * F + b * np * F;
                // hidden states, pre-activations and their gradients; logits, softmax, gradient
                let acts = |b: f64| b * t * (3.0 * h + 3.0 * np) * F;
                params * PER_PARAM + f(c.eval_batches) * data(f(c.eval_batch_size)) + data(f(c.batch)) + acts(f(c.batch)) + acts(f(c.eval_batch_size))
            }
            TaskConfig::Lm(c) => {
                let vocab = 10_000.0;
                let (h, g, l) = (f(c.hidden), f(c.cell.kind().gates()), f(c.layers));
                let e = if c.embed == 0 { h } else { f(c.embed) };
                let params = vocab * e + vocab * h + vocab + g * h * (e + h + 2.0) + (l - 1.0).max(0.0) * g * h * (2.0 * h + 2.0);
                let acts = |b: f64| b * f(c.bptt) * (3.0 * g * h * l + 2.0 * vocab + e) * F;
                params * PER_PARAM + acts(f(c.batch)) + acts(f(c.eval_batch))
            }
            TaskConfig::Adding(c) => {
                let (h, g, t) = (f(c.hidden), f(c.cell.kind().gates()), f(c.sequence));
                let params = g * h * (h + 4.0) + h + 1.0;
                let data = (f(c.samples_per_epoch) + 2.0 * f(c.eval_samples)) * t * 2.0 * F;
                let acts = |b: f64| b * t * 3.0 * g * h * F;
                params * PER_PARAM + data + acts(f(c.batch)) + acts(f(c.eval_samples))
            }
        }
    }

    /// Builds the task with its model initialised from `seed`.
    pub fn build(&self, seed: u64) -> Result<Box<dyn Task>, String> {
        Ok(match self {
            TaskConfig::Navigation(c) => Box::new(NavTask::new(c, seed)?),
            TaskConfig::Lm(c) => Box::new(LmTask::new(c, seed)?),
            TaskConfig::Adding(c) => Box::new(AddingTask::new(c, seed)?),
        })
    }
}
