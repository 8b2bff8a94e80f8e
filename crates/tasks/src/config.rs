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

    /// Builds the task with its model initialised from `seed`.
    pub fn build(&self, seed: u64) -> Result<Box<dyn Task>, String> {
        Ok(match self {
            TaskConfig::Navigation(c) => Box::new(NavTask::new(c, seed)?),
            TaskConfig::Lm(c) => Box::new(LmTask::new(c, seed)?),
            TaskConfig::Adding(c) => Box::new(AddingTask::new(c, seed)?),
        })
    }
}
