//! # geosparse-tasks — the paper's tasks
//!
//! * [`navigation`]: path integration with place cells (Sorscher et al.'s grid-cell RNN).
//! * [`lm`]: word-level language modelling (Penn Treebank, WikiText-2 layout).
//! * [`adding`]: the adding problem.
//!
//! Each task owns its model (built from `geosparse-engine` layers with PyTorch's parameter
//! names) and its seeded data, and runs one training step's forward and backward pass.
//!
//! ```
//! use geosparse_tasks::navigation::model::NavModel;
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let m = NavModel::new(16, 32, &mut rng);
//! assert_eq!(m.rnn.layers[0].weight_hh.name, "rnn.weight_hh_l0");
//! ```

pub mod adding;
pub mod cell;
pub mod config;
pub mod lm;
pub mod navigation;
pub mod task;
