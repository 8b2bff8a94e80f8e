//! Word-level language modelling (SPEC §3.2).
//!
//! * [`corpus`]: reading a `train.txt` / `valid.txt` / `test.txt` directory into token ids.
//! * [`batchify`]: contiguous columns and truncated-BPTT chunks.
//! * [`ptb`]: installing Penn Treebank (`geosparse data ptb`).
//! * [`model`]: the network.

pub mod batchify;
pub mod corpus;
pub mod model;
pub mod ptb;
pub mod task;
